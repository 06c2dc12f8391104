/**
 * Value conformance for reductions (sum mean prod max min norm argmax argmin), matrix
 * products (dot, batchDot), softmax/logSoftmax, topk, sort and argsort.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

const F32 = { rtol: 1e-5, atol: 1e-5 };
// x = [[1, 2, 3], [4, 5, 6]]
const X = () => mx.nd.array([[1, 2, 3], [4, 5, 6]]);

// ---------------------------------------------------------------- reductions

backendTest("values sum/mean/prod/max/min: full reduction has shape [1]", async () => {
  const x = X();
  const cases: [mx.NDArray, number][] = [
    [mx.nd.sum(x), 21],
    [mx.nd.mean(x), 3.5],
    [mx.nd.prod(x), 720],
    [mx.nd.max(x), 6],
    [mx.nd.min(x), 1],
  ];
  for (const [r, e] of cases) {
    assert.deepEqual(r.shape, [1]);
    assertClose(await values(r), [e]);
  }
});

backendTest("values reductions along an axis", async () => {
  const x = X();
  assertClose(await values(mx.nd.sum(x, { axis: 0 })), [5, 7, 9]);
  assertClose(await values(mx.nd.sum(x, { axis: 1 })), [6, 15]);
  assertClose(await values(mx.nd.sum(x, { axis: -1 })), [6, 15]);
  assertClose(await values(mx.nd.mean(x, { axis: 0 })), [2.5, 3.5, 4.5]);
  assertClose(await values(mx.nd.prod(x, { axis: 1 })), [6, 120]);
  assertClose(await values(mx.nd.max(x, { axis: 0 })), [4, 5, 6]);
  assertClose(await values(mx.nd.min(x, { axis: 1 })), [1, 4]);
  assertClose(await values(x.sum({ axis: [0, 1] })), [21]);
});

backendTest("values reductions: keepdims and exclude", async () => {
  const x = X();
  const k = mx.nd.sum(x, { axis: 1, keepdims: true });
  assert.deepEqual(k.shape, [2, 1]);
  assertClose(await values(k), [6, 15]);
  const k0 = mx.nd.max(x, { axis: 0, keepdims: true });
  assert.deepEqual(k0.shape, [1, 3]);
  assertClose(await values(k0), [4, 5, 6]);
  // exclude: reduce over every axis except the listed ones.
  const e = mx.nd.sum(x, { axis: 1, exclude: true });
  assert.deepEqual(e.shape, [3]);
  assertClose(await values(e), [5, 7, 9]);
  const kAll = mx.nd.mean(x, { keepdims: true });
  assert.deepEqual(kAll.shape, [1, 1]);
  assertClose(await values(kAll), [3.5]);
});

backendTest("values reductions over a 3-D array", async () => {
  const x = mx.nd.arange(24).reshape([2, 3, 4]);
  const ref = (keep: (i: number, j: number, k: number) => number, n: number) => {
    const out = new Array(n).fill(0);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 4; k++) out[keep(i, j, k)] += i * 12 + j * 4 + k;
      }
    }
    return out;
  };
  const s02 = mx.nd.sum(x, { axis: [0, 2] });
  assert.deepEqual(s02.shape, [3]);
  assertClose(await values(s02), ref((_i, j) => j, 3));
  const s1 = mx.nd.sum(x, { axis: 1 });
  assert.deepEqual(s1.shape, [2, 4]);
  assertClose(await values(s1), ref((i, _j, k) => i * 4 + k, 8));
  const ex = mx.nd.sum(x, { axis: 1, exclude: true, keepdims: true });
  assert.deepEqual(ex.shape, [1, 3, 1]);
  assertClose(await values(ex), ref((_i, j) => j, 3));
});

backendTest("values norm: L2 default, L1, per axis", async () => {
  const x = mx.nd.array([[3, -4], [0, 12]]);
  const n = mx.nd.norm(x);
  assert.deepEqual(n.shape, [1]);
  assertClose(await values(n), [13], F32);
  assertClose(await values(mx.nd.norm(x, { ord: 1 })), [19], F32);
  assertClose(await values(mx.nd.norm(x, { axis: 1 })), [5, 12], F32);
  assertClose(await values(mx.nd.norm(x, { ord: 1, axis: 0 })), [3, 16], F32);
  const k = mx.nd.norm(x, { axis: 0, keepdims: true });
  assert.deepEqual(k.shape, [1, 2]);
  assertClose(await values(k), [3, Math.sqrt(160)], F32);
});

backendTest("values argmax/argmin return float32 indices", async () => {
  const x = mx.nd.array([[1, 9, 3], [7, 5, 0]]);
  const am = mx.nd.argmax(x, { axis: 1 });
  assert.equal(am.dtype, "float32");
  assert.deepEqual(am.shape, [2]);
  assert.deepEqual(await values(am), [1, 0]);
  assert.deepEqual(await values(mx.nd.argmax(x, { axis: 0 })), [1, 0, 0]);
  assert.deepEqual(await values(mx.nd.argmin(x, { axis: 1 })), [0, 2]);
  assert.deepEqual(await values(mx.nd.argmin(x, { axis: 0 })), [0, 1, 1]);
  const k = mx.nd.argmax(x, { axis: 1, keepdims: true });
  assert.deepEqual(k.shape, [2, 1]);
  // No axis: index into the flattened array.
  const flat = mx.nd.argmax(x);
  assert.deepEqual(flat.shape, [1]);
  assert.deepEqual(await values(flat), [1]);
  assert.deepEqual(await values(mx.nd.argmin(x)), [5]);
});

// ---------------------------------------------------------------- dot / batchDot

function matmul(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out.push(s);
    }
  }
  return out;
}
function transpose2(a: number[], r: number, c: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) out.push(a[i * c + j]);
  return out;
}

backendTest("values dot: all transpose combinations", async () => {
  const av = [1, 2, 3, 4, 5, 6]; // [2,3]
  const bv = [1, -1, 2, 0, 3, 1, -2, 4, 0.5, 1, 1, 2]; // [3,4]
  const expected = matmul(av, bv, 2, 3, 4);
  const a = mx.nd.array(av, { shape: [2, 3] });
  const b = mx.nd.array(bv, { shape: [3, 4] });
  const aT = mx.nd.array(transpose2(av, 2, 3), { shape: [3, 2] });
  const bT = mx.nd.array(transpose2(bv, 3, 4), { shape: [4, 3] });
  const combos: [mx.NDArray, mx.NDArray, boolean, boolean][] = [
    [a, b, false, false],
    [aT, b, true, false],
    [a, bT, false, true],
    [aT, bT, true, true],
  ];
  for (const [l, r, transposeA, transposeB] of combos) {
    const c = mx.nd.dot(l, r, { transposeA, transposeB });
    assert.deepEqual(c.shape, [2, 4]);
    assertClose(await values(c), expected, { ...F32, msg: `tA=${transposeA} tB=${transposeB}` });
  }
});

backendTest("values dot: 1-D . 1-D, 2-D . 1-D, 3-D . 2-D", async () => {
  const v = mx.nd.dot(mx.nd.array([1, 2, 3]), mx.nd.array([4, 5, 6]));
  assert.deepEqual(v.shape, [1]);
  assertClose(await values(v), [32]);
  const mv = mx.nd.dot(X(), mx.nd.array([1, 0, -1]));
  assert.deepEqual(mv.shape, [2]);
  assertClose(await values(mv), [-2, -2]);
  // MXNet: contract the last axis of lhs with the first axis of rhs.
  const av = Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
  const bv = Array.from({ length: 20 }, (_, i) => (i % 7) - 2);
  const c = mx.nd.dot(mx.nd.array(av, { shape: [2, 3, 4] }), mx.nd.array(bv, { shape: [4, 5] }));
  assert.deepEqual(c.shape, [2, 3, 5]);
  assertClose(await values(c), matmul(av, bv, 6, 4, 5), F32);
});

backendTest("values batchDot with transposes", async () => {
  const av = Array.from({ length: 12 }, (_, i) => i - 4); // [2,2,3]
  const bv = Array.from({ length: 12 }, (_, i) => (i * 3) % 5 - 1); // [2,3,2]
  const exp: number[] = [];
  for (let b = 0; b < 2; b++) {
    exp.push(...matmul(av.slice(b * 6, b * 6 + 6), bv.slice(b * 6, b * 6 + 6), 2, 3, 2));
  }
  const a = mx.nd.array(av, { shape: [2, 2, 3] });
  const b = mx.nd.array(bv, { shape: [2, 3, 2] });
  const c = mx.nd.batchDot(a, b);
  assert.deepEqual(c.shape, [2, 2, 2]);
  assertClose(await values(c), exp, F32);
  const aT = mx.nd.swapaxes(a, 1, 2), bT = mx.nd.swapaxes(b, 1, 2);
  assertClose(await values(mx.nd.batchDot(aT, b, { transposeA: true })), exp, F32);
  assertClose(await values(mx.nd.batchDot(a, bT, { transposeB: true })), exp, F32);
  const both = mx.nd.batchDot(aT, bT, { transposeA: true, transposeB: true });
  assertClose(await values(both), exp, F32);
});

// ---------------------------------------------------------------- softmax

function softmaxRef(row: number[], t = 1): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp((v - m) / t));
  const s = e.reduce((p, q) => p + q, 0);
  return e.map((v) => v / s);
}

backendTest("values softmax / logSoftmax along last axis, with temperature", async () => {
  const rows = [[1, 2, 3], [-1, 0, 1000]];
  const x = mx.nd.array(rows);
  const s = await values(mx.nd.softmax(x));
  assertClose(s, rows.flatMap((r) => softmaxRef(r)), F32);
  assertClose([s[0] + s[1] + s[2], s[3] + s[4] + s[5]], [1, 1], F32);
  const ls = await values(mx.nd.logSoftmax(x));
  assertClose(ls, rows.flatMap((r) => softmaxRef(r).map(Math.log)), { rtol: 1e-5, atol: 1e-4 });
  const t = await values(mx.nd.softmax(x, { temperature: 2 }));
  assertClose(t, rows.flatMap((r) => softmaxRef(r, 2)), F32);
  const lt = await values(mx.nd.logSoftmax(x, { temperature: 2 }));
  assertClose(lt, rows.flatMap((r) => softmaxRef(r, 2).map(Math.log)), { rtol: 1e-5, atol: 1e-4 });
});

backendTest("values softmax along axis 0", async () => {
  const x = mx.nd.array([[1, 2], [3, 5]]);
  const c0 = softmaxRef([1, 3]), c1 = softmaxRef([2, 5]);
  assertClose(await values(mx.nd.softmax(x, { axis: 0 })), [c0[0], c1[0], c0[1], c1[1]], F32);
});

// ---------------------------------------------------------------- topk / sort / argsort

backendTest("values topk: indices (default), value, mask, both, isAscend", async () => {
  const x = mx.nd.array([[3, 1, 4, 1.5], [9, 2, 6, 5]]);
  const idx = mx.nd.topk(x);
  assert.deepEqual(idx.shape, [2, 1]);
  assert.equal(idx.dtype, "float32");
  assert.deepEqual(await values(idx), [2, 0]);
  assert.deepEqual(await values(mx.nd.topk(x, { k: 2, retTyp: "value" })), [4, 3, 9, 6]);
  assert.deepEqual(await values(mx.nd.topk(x, { k: 2, retTyp: "indices" })), [2, 0, 0, 2]);
  assert.deepEqual(await values(mx.nd.topk(x, { k: 2, retTyp: "mask" })), [1, 0, 1, 0, 1, 0, 1, 0]);
  const [v, i] = mx.nd.topkBoth(x, { k: 2, isAscend: true });
  assert.deepEqual(await values(v), [1, 1.5, 2, 5]);
  assert.deepEqual(await values(i), [1, 3, 1, 3]);
  const col = mx.nd.topk(x, { axis: 0, k: 1, retTyp: "value" });
  assert.deepEqual(col.shape, [1, 4]);
  assert.deepEqual(await values(col), [9, 2, 6, 5]);
  const i32 = mx.nd.topk(x, { k: 1, dtype: "int32" });
  assert.equal(i32.dtype, "int32");
  assert.deepEqual(await values(i32), [2, 0]);
});

// #19: MXNet's topk with ret_typ="both" returns [values, indices]; it used to give values only.
backendTest(
  "values topk retTyp both returns [values, indices] (nd.topk, NDArray.topk)",
  async () => {
    const x = mx.nd.array([[3, 1, 4, 1.5], [9, 2, 6, 5]]);
    for (const r of [mx.nd.topk(x, { k: 2, retTyp: "both" }), x.topk({ k: 2, retTyp: "both" })]) {
      assert.ok(Array.isArray(r), "retTyp both gives an array of two NDArrays");
      const [v, i] = r;
      assert.equal(r.length, 2);
      assert.equal(v.dtype, "float32");
      assert.equal(i.dtype, "float32"); // MXNet's default index dtype
      assert.deepEqual(await values(v), [4, 3, 9, 6]);
      assert.deepEqual(await values(i), [2, 0, 0, 2]);
    }
    const [, i32] = mx.nd.topk({ data: x, k: 1, retTyp: "both", dtype: "int32" });
    assert.equal(i32.dtype, "int32");
    assert.deepEqual(await values(i32), [2, 0]);
    // mask keeps the data's shape and dtype (MXNet ignores `dtype` for it).
    const mask = mx.nd.topk(x, { k: 1, retTyp: "mask", dtype: "int32" });
    assert.equal(mask.dtype, "float32");
    assert.deepEqual(await values(mask), [0, 0, 1, 0, 1, 0, 0, 0]);
    // In a graph the two results are the symbol's two outputs.
    const s = mx.sym.topk(mx.sym.Variable("x"), { k: 2, retTyp: "both" });
    assert.equal(s.listOutputs().length, 2);
  },
);

backendTest("values sort and argsort", async () => {
  const x = mx.nd.array([[3, 1, 2], [0, 5, -1]]);
  assert.deepEqual(await values(mx.nd.sort(x)), [1, 2, 3, -1, 0, 5]);
  assert.deepEqual(await values(mx.nd.sort(x, { isAscend: false })), [3, 2, 1, 5, 0, -1]);
  assert.deepEqual(await values(mx.nd.sort(x, { axis: 0 })), [0, 1, -1, 3, 5, 2]);
  const as = mx.nd.argsort(x);
  assert.equal(as.dtype, "float32");
  assert.deepEqual(await values(as), [1, 2, 0, 2, 0, 1]);
  assert.deepEqual(await values(mx.nd.argsort(x, { isAscend: false })), [0, 2, 1, 1, 0, 2]);
  assert.deepEqual(await values(mx.nd.argsort(x, { axis: 0 })), [1, 0, 1, 0, 1, 0]);
  const ai = mx.nd.argsort(x, { dtype: "int32" });
  assert.equal(ai.dtype, "int32");
  assert.deepEqual(await values(ai), [1, 2, 0, 2, 0, 1]);
});
