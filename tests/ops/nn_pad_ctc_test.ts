/**
 * Pad (constant, edge, reflect) against an index-mapping loop, and CTCLoss against a
 * brute-force sum over every alignment path.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

const call = (op: string, xs: mx.NDArray[], params: Record<string, unknown> = {}) =>
  mx.engine.invokeOp(op, xs, params)[0];
const arr = (v: number[], shape: number[]) => mx.nd.array(new Float32Array(v), { shape });
const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);

/** numpy.pad's modes by index: where each output element comes from (-1: the constant). */
function refPad(xv: number[], shape: number[], pw: number[], mode: string, value = 0) {
  const out = shape.map((d, i) => d + pw[2 * i] + pw[2 * i + 1]);
  const res: number[] = [];
  for (let flat = 0; flat < prod(out); flat++) {
    let rem = flat, src = 0, inside = true;
    const idx = out.map((_, a) => {
      const stride = prod(out.slice(a + 1));
      const v = Math.floor(rem / stride);
      rem %= stride;
      return v;
    });
    idx.forEach((o, a) => {
      const n = shape[a];
      let j = o - pw[2 * a];
      if (j < 0 || j >= n) {
        if (mode === "constant") inside = false;
        else if (mode === "edge") j = Math.min(Math.max(j, 0), n - 1);
        else j = j < 0 ? -j : 2 * (n - 1) - j;
      }
      src = src * n + j;
    });
    res.push(inside ? xv[src] : value);
  }
  return { out: res, shape: out };
}

const PAD_CASES: { shape: number[]; pw: number[]; mode: string; value?: number }[] = [
  { shape: [2, 2, 3, 4], pw: [0, 0, 0, 0, 1, 2, 3, 0], mode: "constant" },
  { shape: [1, 2, 3, 2, 3], pw: [0, 0, 0, 0, 1, 1, 0, 2, 2, 1], mode: "constant", value: -2.5 },
  { shape: [2, 1, 3, 4], pw: [0, 0, 0, 0, 2, 3, 1, 2], mode: "edge" },
  { shape: [1, 2, 2, 3, 2], pw: [0, 0, 0, 0, 1, 0, 2, 1, 0, 3], mode: "edge" },
  { shape: [1, 2, 4, 3], pw: [0, 0, 0, 0, 3, 2, 2, 1], mode: "reflect" },
  { shape: [2, 1, 3, 4, 3], pw: [0, 0, 0, 0, 2, 1, 1, 3, 2, 2], mode: "reflect" },
];

for (const { shape, pw, mode, value } of PAD_CASES) {
  backendTest(`Pad ${mode} ${shape.length}-D matches numpy.pad by index`, async () => {
    const xv = randomValues(prod(shape), 3);
    const y = call("Pad", [arr(xv, shape)], {
      mode,
      pad_width: `(${pw.join(", ")})`,
      ...(value === undefined ? {} : { constant_value: String(value) }),
    });
    const ref = refPad(xv, shape, pw, mode, value);
    assert.deepEqual(y.shape, ref.shape);
    assert.deepEqual(await values(y), ref.out.map(Math.fround));
  });
}

backendTest("Pad: hand-computed reflect and edge rows, and the alias pad", async () => {
  const x = mx.nd.arange(1, 5).reshape([1, 1, 1, 4]);
  const r = call("pad", [x], { mode: "reflect", padWidth: [0, 0, 0, 0, 0, 0, 2, 3] });
  assert.deepEqual(await values(r), [3, 2, 1, 2, 3, 4, 3, 2, 1]);
  const e = call("Pad", [x], { mode: "edge", padWidth: [0, 0, 0, 0, 1, 0, 1, 1] });
  assert.deepEqual(await e.array(), [[[[1, 1, 2, 3, 4, 4], [1, 1, 2, 3, 4, 4]]]]);
});

backendTest("Pad gradient: each output element's gradient returns to its source", async () => {
  // edge: the padded copies of the edge element add up there.
  const x = mx.nd.arange(1, 4).reshape([1, 1, 1, 3]);
  x.attachGrad();
  const y = mx.autograd.record(() =>
    call("Pad", [x], { mode: "edge", padWidth: [0, 0, 0, 0, 1, 1, 2, 1] })
  );
  y.backward();
  // Rows: 3 (the row and its two copies); columns: first 3, middle 1, last 2.
  assert.deepEqual(await values(x.grad!), [9, 3, 6]);
});

backendTest("Pad: shape errors name the operator and the argument", () => {
  const x = mx.nd.ones([1, 2, 3, 3]);
  assert.throws(
    () => call("Pad", [x], { mode: "edge", padWidth: [0, 0, 0, 0, 1, 1] }),
    /Pad: pad_width has 6 values, expected 2 per axis of data \[1,2,3,3\] \(8\)/,
  );
  assert.throws(
    () => call("Pad", [x], { mode: "reflect", padWidth: [0, 0, 0, 0, 3, 0, 1, 1] }),
    /Pad: reflect padding \(3, 0\) of axis 2 must be smaller than its size 3/,
  );
});

interface CtcCase {
  /** Activations [T, N, C]. */
  data: number[];
  t: number;
  n: number;
  c: number;
  /** Each sequence's label (without padding) and length. */
  labels: number[][];
  lengths?: number[];
  blank: number;
}

/** -log sum over every path of length T_n that collapses to the label, by enumeration. */
function bruteCtc(k: CtcCase, data = k.data): number[] {
  return k.labels.map((lab, n) => {
    const tn = k.lengths?.[n] ?? k.t;
    let total = 0;
    for (let code = 0; code < k.c ** tn; code++) {
      let c = code, p = 1, prev = -1;
      const collapsed: number[] = [];
      for (let t = 0; t < tn; t++) {
        const sym = c % k.c;
        c = Math.floor(c / k.c);
        const row = data.slice((t * k.n + n) * k.c, (t * k.n + n + 1) * k.c);
        const z = row.reduce((s, v) => s + Math.exp(v), 0);
        p *= Math.exp(row[sym]) / z;
        if (sym !== prev && sym !== k.blank) collapsed.push(sym);
        prev = sym;
      }
      if (collapsed.join() === lab.join()) total += p;
    }
    return -Math.log(total);
  });
}

/** d(sum of brute-force losses)/d data, by central differences. */
function bruteGrad(k: CtcCase): number[] {
  const eps = 1e-4;
  return k.data.map((_, i) => {
    const at = (d: number) => bruteCtc(k, k.data.map((v, j) => (j === i ? v + d : v)));
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    return (sum(at(eps)) - sum(at(-eps))) / (2 * eps);
  });
}

async function checkCtc(
  k: CtcCase,
  label: number[],
  l: number,
  params: Record<string, unknown>,
  extra: mx.NDArray[] = [],
) {
  const x = arr(k.data, [k.t, k.n, k.c]);
  x.attachGrad();
  const loss = mx.autograd.record(() =>
    call("CTCLoss", [x, arr(label, [k.n, l]), ...extra], params)
  );
  assert.deepEqual(loss.shape, [k.n]);
  assertClose(await values(loss), bruteCtc(k), { rtol: 1e-5, atol: 1e-5 });
  loss.backward();
  assertClose(await values(x.grad!), bruteGrad(k), { rtol: 2e-3, atol: 2e-4 });
}

backendTest("CTCLoss blank first: losses and gradients match brute force", async () => {
  // "12", "22" (a repeat: needs a blank between) and the empty label, padded with 0.
  const k: CtcCase = {
    data: randomValues(5 * 3 * 3, 81, -2, 2),
    t: 5,
    n: 3,
    c: 3,
    labels: [[1, 2], [2, 2], []],
    blank: 0,
  };
  await checkCtc(k, [1, 2, 0, 2, 2, 0, 0, 0, 0], 3, {});
});

backendTest("CTCLoss blank last: padding -1, the alias ctc_loss", async () => {
  const k: CtcCase = {
    data: randomValues(4 * 2 * 4, 82, -2, 2),
    t: 4,
    n: 2,
    c: 4,
    labels: [[0, 2], [1]],
    blank: 3,
  };
  const x = arr(k.data, [4, 2, 4]);
  const a = call("ctc_loss", [x, arr([0, 2, 1, -1], [2, 2])], { blank_label: "last" });
  assertClose(await values(a), bruteCtc(k), { rtol: 1e-5, atol: 1e-5 });
  await checkCtc(k, [0, 2, 1, -1], 2, { blankLabel: "last" });
});

backendTest("CTCLoss with data_lengths and label_lengths; no gradient past a length", async () => {
  const k: CtcCase = {
    data: randomValues(5 * 2 * 3, 83, -2, 2),
    t: 5,
    n: 2,
    c: 3,
    // The values after each label length are ignored (even the blank 0).
    labels: [[2, 1], [1]],
    lengths: [5, 3],
    blank: 0,
  };
  await checkCtc(k, [2, 1, 0, 1, 0, 2], 3, { useDataLengths: true, useLabelLengths: true }, [
    arr([5, 3], [2]),
    arr([2, 1], [2]),
  ]);
  const x = arr(k.data, [5, 2, 3]);
  x.attachGrad();
  const loss = mx.autograd.record(() =>
    call("CTCLoss", [x, arr([2, 1, 0, 1, 0, 2], [2, 3]), arr([5, 3], [2])], {
      useDataLengths: true,
    })
  );
  loss.backward();
  const g = await values(x.grad!);
  // Sequence 1 (length 3) gets no gradient at steps 3 and 4.
  for (const t of [3, 4]) assert.deepEqual(g.slice((t * 2 + 1) * 3, (t * 2 + 2) * 3), [0, 0, 0]);
});

backendTest("CTCLoss: a label no alignment fits gives loss 0 and no gradient", async () => {
  // "11" needs 3 steps (1, blank, 1); there are 2.
  const x = arr(randomValues(2 * 1 * 3, 84), [2, 1, 3]);
  x.attachGrad();
  const loss = mx.autograd.record(() => call("CTCLoss", [x, arr([1, 1], [1, 2])]));
  loss.backward();
  assert.deepEqual(await values(loss), [0]);
  assert.deepEqual(await values(x.grad!), [0, 0, 0, 0, 0, 0]);
});

backendTest("CTCLoss: errors name the operator and the argument", async () => {
  const x = mx.nd.ones([4, 2, 3]);
  assert.throws(
    () => call("CTCLoss", [mx.nd.ones([4, 3]), mx.nd.ones([2, 2])]),
    /CTCLoss: data must be 3-D \(sequence length, batch, alphabet size\), got \[4,3\]/,
  );
  assert.throws(
    () => call("CTCLoss", [x, mx.nd.ones([3, 2])]),
    /CTCLoss: label \[3,2\] and data \[4,2,3\] have different batch sizes/,
  );
  assert.throws(
    () => call("CTCLoss", [x, mx.nd.ones([2, 5])]),
    /CTCLoss: label length 5 exceeds the sequence length 4/,
  );
  assert.throws(
    () => call("CTCLoss", [x, mx.nd.ones([2, 2]), mx.nd.ones([3])], { useDataLengths: true }),
    /CTCLoss: data_lengths has shape \[3\], expected \[2\]/,
  );
  assert.throws(
    () => call("CTCLoss", [x, mx.nd.ones([2, 2])], { useLabelLengths: true }),
    /CTCLoss: expected 3 inputs \(data, label, label_lengths\), got 2/,
  );
  assert.throws(
    () => call("CTCLoss", [x.astype("int32"), mx.nd.ones([2, 2])]),
    /CTCLoss: data has dtype int32/,
  );
  const bad = call("CTCLoss", [x, arr([1, 3, 1, 0], [2, 2])]);
  await assert.rejects(
    () => bad.data(),
    /CTCLoss: label of sequence 0 holds 3; labels are 0..2 except the blank 0/,
  );
  const short = call("CTCLoss", [x, arr([1, 0, 1, 0], [2, 2]), arr([4, 0], [2])], {
    useDataLengths: true,
  });
  await assert.rejects(() => short.data(), /CTCLoss: data_lengths\[1\] is 0, expected 1..4/);
});

backendTest("mx.nd.Pad / pad and mx.nd.CTCLoss / ctcLoss call the operators", async () => {
  const x = mx.nd.arange(1, 5).reshape([1, 1, 2, 2]);
  const y = mx.nd.pad({ data: x, mode: "constant", padWidth: [0, 0, 0, 0, 1, 0, 0, 1] });
  assert.deepEqual(await y.array(), [[[[0, 0, 0], [1, 2, 0], [3, 4, 0]]]]);
  const z = mx.nd.Pad(x, { mode: "edge", padWidth: [0, 0, 0, 0, 0, 0, 1, 0] });
  assert.deepEqual(await z.array(), [[[[1, 1, 2], [3, 3, 4]]]]);
  const data = arr(randomValues(4 * 2 * 3, 85), [4, 2, 3]), label = arr([1, 2, 2, 0], [2, 2]);
  const lengths = arr([4, 2], [2]);
  const a = mx.nd.CTCLoss({ data, label, dataLengths: lengths, useDataLengths: true });
  const b = call("CTCLoss", [data, label, lengths], { useDataLengths: true });
  const c = mx.nd.ctcLoss(data, label, lengths, { useDataLengths: true });
  assert.deepEqual(await values(a), await values(b));
  assert.deepEqual(await values(c), await values(b));
});

Deno.test("mx.sym.CTCLoss names its label and length arguments; infers the loss shape", () => {
  const data = mx.sym.Variable("data");
  const s = mx.sym.CTCLoss({ data, name: "ctc", useLabelLengths: true });
  assert.deepEqual(s.listArguments(), ["data", "ctc_label", "ctc_label_lengths"]);
  assert.deepEqual(s.listOutputs(), ["ctc_output"]);
  const shapes = s.inferShape({ data: [6, 3, 5], ctc_label: [3, 4], ctc_label_lengths: [3] });
  assert.deepEqual(shapes.outShapes, [[3]]);
  const p = mx.sym.Pad({ data, mode: "reflect", padWidth: [0, 0, 0, 0, 1, 1, 2, 2, 0, 1] });
  assert.deepEqual(p.inferShape({ data: [1, 2, 3, 4, 5] }).outShapes, [[1, 2, 5, 8, 6]]);
});

backendTest("CTCLoss through a Symbol executor: numerical gradient check", async () => {
  const sym = mx.sym.CTCLoss({
    data: mx.sym.Variable("data"),
    label: mx.sym.Variable("label"),
    blankLabel: "last",
  });
  const data = mx.nd.array(randomValues(5 * 2 * 4, 86), { shape: [5, 2, 4], dtype: "float64" });
  const label = mx.nd.array([2, 0, 1, 1], { shape: [2, 2], dtype: "float64" });
  await mx.testUtils.checkNumericGradient(sym, { data, label }, {
    gradNodes: ["data"],
    numericEps: 1e-6,
    rtol: 1e-4,
    atol: 1e-6,
  });
}, { dtypes: ["float64"] });
