/**
 * Differential test of the samplers' densities of issue #19 (src/ops/random_pdf.ts,
 * MXNet's `_random_pdf_*`) against torch.distributions in float64, with MXNet's gradients
 * (tools/gen_ops-rest_cases.py writes fixtures/ops-rest.json). Every case runs in float64
 * where the backend has it and in float32 on every backend: the density, then the
 * gradients of sum(head * density) with respect to the sample and each parameter.
 * Front-end spellings and shape errors follow.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

interface Encoded {
  values: number[];
  shape: number[];
}
interface Case {
  id: string;
  op: string;
  inputs: Encoded[];
  params: Record<string, unknown>;
  expect: Encoded;
  head: Encoded;
  grads: Encoded[];
}

/** A values-only case (index_array and the image operators). */
interface PlainCase {
  id: string;
  op: string;
  inputs: (Encoded & { dtype: mx.DType })[];
  params: Record<string, unknown>;
  expect: Encoded;
  outDtype: mx.DType;
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/ops-rest.json", import.meta.url)),
) as { cases: Case[]; plain: PlainCase[] };

const F64 = { rtol: 1e-9, atol: 1e-12 };
// float32 lgamma/digamma and exp of a log-density lose a few more digits.
const F32 = { rtol: 2e-4, atol: 2e-5 };

async function check(c: Case, dtype: "float32" | "float64", tol: typeof F64) {
  const array = (e: Encoded) => mx.nd.array(e.values, { shape: e.shape, dtype });
  const xs = c.inputs.map(array);
  for (const x of xs) x.attachGrad();
  const [y] = mx.autograd.record(() => mx.engine.invokeOp(c.op, xs, c.params));
  assert.deepEqual([...y.shape], c.expect.shape, `${c.id}: shape`);
  assert.equal(y.dtype, dtype, `${c.id}: dtype`);
  assertClose(await values(y), c.expect.values, { ...tol, msg: c.id });
  y.backward(array(c.head));
  for (const [i, g] of c.grads.entries()) {
    assertClose(await values(xs[i].grad!), g.values, { ...tol, msg: `${c.id}: grad ${i}` });
  }
}

assert.ok(fixture.cases.length >= 50, "the fixture holds the generated cases");

for (const c of fixture.cases) {
  backendTest(`ops-rest vs torch (float64): ${c.id}`, () => check(c, "float64", F64), {
    dtypes: ["float64"],
  });
  backendTest(`ops-rest vs torch (float32): ${c.id}`, () => check(c, "float32", F32));
}

assert.ok(fixture.plain.length >= 18, "the fixture holds the index and image cases");

for (const c of fixture.plain) {
  // float64 inputs run in float32 too (WebGPU has no float64); the integer ones as given.
  const variants: mx.DType[] = c.inputs.some((e) => e.dtype === "float64")
    ? ["float64", "float32"]
    : [c.inputs[0].dtype];
  for (const dtype of variants) {
    backendTest(`ops-rest vs reference (${dtype}): ${c.id}`, async () => {
      const xs = c.inputs.map((e) =>
        mx.nd.array(e.values, {
          shape: e.shape,
          dtype: e.dtype === "float64" ? dtype : e.dtype,
        })
      );
      const [y] = mx.engine.invokeOp(c.op, xs, c.params);
      assert.deepEqual([...y.shape], c.expect.shape, `${c.id}: shape`);
      const outDtype = c.outDtype === "float64" ? dtype : c.outDtype;
      assert.equal(y.dtype, outDtype, `${c.id}: dtype`);
      // OpenCV's bilinear weights, which resize follows, are float32 for float64 images too.
      const tol = outDtype === "float64" && c.op !== "_image_resize"
        ? F64
        : { rtol: 1e-6, atol: 1e-6 };
      assertClose(await values(y), c.expect.values, { ...tol, msg: c.id });
    }, {
      dtypes: [
        ...new Set([
          dtype,
          ...c.inputs.map((e) => e.dtype === "float64" ? dtype : e.dtype),
          c.outDtype === "float64" ? dtype : c.outDtype,
        ]),
      ],
    });
  }
}

backendTest("random pdf: mx.nd.random.pdf*, mx.nd.randomPdf* and Symbol agree", async () => {
  const sample = mx.nd.array([-2, -1, 0, 1, 2, -2, -1, 0, 1, 2], { shape: [2, 5] });
  const mu = mx.nd.array([0, 0]);
  const sigma = mx.nd.array([1, 2]);
  const want = [
    [0.05399097, 0.24197073, 0.3989423, 0.24197073, 0.05399097],
    [0.12098537, 0.17603266, 0.19947115, 0.17603266, 0.12098537],
  ].flat();
  assertClose(await values(mx.nd.random.pdfNormal(sample, mu, sigma)), want, { rtol: 1e-6 });
  assertClose(await values(mx.nd.randomPdfNormal({ sample, mu, sigma })), want, { rtol: 1e-6 });
  const logged = await values(mx.nd.random.pdfNormal(sample, mu, sigma, { isLog: true }));
  assertClose(logged, want.map(Math.log), { rtol: 1e-6 });
  const s = mx.sym.randomPdfNormal(mx.sym.var("x"), mx.sym.var("m"), mx.sym.var("s"));
  const ex = s.bind(mx.cpu(), { x: sample, m: mu, s: sigma });
  assertClose(await values(ex.forward()[0]), want, { rtol: 1e-6 });
  ex.dispose();
  // MXNet's examples: the Poisson and the negative binomial with a real-valued k.
  const counts = mx.nd.array([0, 1, 2, 3, 0, 1, 2, 3], { shape: [2, 4] });
  assertClose(await values(mx.nd.random.pdfPoisson(counts, mx.nd.array([1, 2]))), [
    0.36787945,
    0.36787945,
    0.18393973,
    0.06131324,
    0.13533528,
    0.27067056,
    0.27067056,
    0.18044704,
  ], { rtol: 1e-6 });
  const nb = mx.nd.random.pdfNegativeBinomial(
    mx.nd.array([1, 2, 3, 4, 1, 2, 3, 4], { shape: [2, 4] }),
    mx.nd.array([1, 1.5]),
    mx.nd.array([0.5, 0.5]),
  );
  assertClose(await values(nb), [
    0.25,
    0.125,
    0.0625,
    0.03125,
    0.26516506,
    0.16572815,
    0.09667476,
    0.05437956,
  ], { rtol: 1e-5 });
});

Deno.test("random pdf: a parameter that is not the sample's leftmost subshape is named", () => {
  const x = mx.nd.zeros([2, 3]);
  assert.throws(
    () => mx.nd.random.pdfNormal(x, mx.nd.zeros([3]), mx.nd.ones([3])),
    /_random_pdf_normal: mu has shape \[3\], expected the leftmost subshape of sample \[2, 3\]/,
  );
  assert.throws(
    () => mx.nd.random.pdfGamma(x, mx.nd.ones([2]), mx.nd.ones([3])),
    /_random_pdf_gamma: beta has shape \[3\] but alpha has \[2\]/,
  );
  assert.throws(
    () => mx.nd.random.pdfDirichlet(x, mx.nd.ones([2])),
    /_random_pdf_dirichlet: alpha has shape \[2\], expected the leading dimensions and the last/,
  );
  assert.throws(
    () => mx.nd.random.pdfExponential(x, mx.nd.ones([2], { dtype: "float64" })),
    /_random_pdf_exponential: lam has dtype float64 but sample has float32/,
  );
});

backendTest(
  "mx.nd.image / mx.sym.image and contrib.indexArray: both front ends agree",
  async () => {
    const img = mx.nd.array([0, 255, 51, 102, 10, 20, 30, 40, 50, 60, 70, 80], {
      shape: [2, 2, 3],
      dtype: "uint8",
    });
    const t = mx.nd.image.toTensor(img);
    assert.deepEqual([...t.shape], [3, 2, 2]);
    assert.equal(t.dtype, "float32");
    const n = mx.nd.image.normalize(t, [0.5, 0.4, 0.3], [2, 1, 0.5]);
    const c = mx.nd.image.crop(img, 1, 0, 1, 2);
    assert.deepEqual(await values(c), [102, 10, 20, 60, 70, 80]);
    const r = mx.nd.image.resize(img, [3, 3]);
    // OpenCV's bilinear in uint8 (fixed point): the same as mx.image.imresize.
    assert.deepEqual(await values(r), await values(mx.image.imresize(img, 3, 3)));
    const x = mx.sym.var("x");
    const graph = mx.sym.Group([
      mx.sym.image.normalize(mx.sym.image.toTensor(x), { mean: [0.5, 0.4, 0.3], std: [2, 1, 0.5] }),
      mx.sym.image.crop({ data: x, x: 1, y: 0, width: 1, height: 2 }),
      mx.sym.image.resize(x, [3, 3]),
      mx.sym.contrib.indexArray(x, { axes: [2, 0] }),
    ]);
    const loaded = mx.sym.loadJSON(graph.toJSON());
    const ex = loaded.bind(mx.cpu(), { x: img });
    const outs = ex.forward();
    assertClose(await values(outs[0]), await values(n), { rtol: 1e-6 });
    assert.deepEqual(await values(outs[1]), await values(c));
    assert.deepEqual(await values(outs[2]), await values(r));
    const idx = mx.nd.contrib.indexArray(img, { axes: [2, 0] });
    assert.deepEqual([...outs[3].shape], [2, 2, 3, 2]);
    assert.deepEqual(await values(outs[3]), await values(idx));
    assert.deepEqual((await values(idx)).slice(0, 6), [0, 0, 1, 0, 2, 0]);
    ex.dispose();
  },
  { dtypes: ["uint8", "int64"] },
);

Deno.test("image operators and index_array: bad shapes and parameters are named", () => {
  const img = mx.nd.zeros([4, 5, 3]);
  assert.throws(
    () => mx.nd.image.crop(img, 3, 0, 3, 2),
    /_image_crop: the window x=3, y=0, width=3, height=2 does not fit the image/,
  );
  assert.throws(
    () => mx.nd.image.normalize(mx.nd.zeros([2, 4, 4]), 0.5, 1),
    /_image_normalize: the tensor must have 1 or 3 channels/,
  );
  assert.throws(
    () => mx.nd.image.normalize(mx.nd.zeros([3, 4, 4]), [0.1, 0.2], 1),
    /_image_normalize: mean must have 1 or 3 elements/,
  );
  assert.throws(() => mx.nd.image.toTensor(mx.nd.zeros([4, 5])), /_image_to_tensor: data must be/);
  assert.throws(() => mx.nd.image.resize(img, [2, 2, 2]), /_image_resize: size must be/);
  assert.throws(() => mx.nd.image.resize(img, 2, false, 4), /Lanczos/);
  assert.throws(
    () => mx.nd.contrib.indexArray(img, { axes: [3] }),
    /_contrib_index_array: axes: axis 3 is out of range/,
  );
});

backendTest("contrib BatchNormWithReLU and SyncBatchNorm (ndev=1) are BatchNorm's", async () => {
  const data = randomValues(24, 5, -2, 2);
  const x = mx.nd.array(data, { shape: [2, 3, 4] });
  const g = mx.nd.array([1, 2, 0.5]), b = mx.nd.array([-1, 0, 0.5]);
  const stats = () => [mx.nd.array([0.1, 0, -0.1]), mx.nd.array([1, 2, 0.5])];
  const [m0, v0] = stats(), [m1, v1] = stats(), [m2, v2] = stats();
  const opts = { fixGamma: false, momentum: 0.8 };
  const [ref, refMean, refVar] = mx.autograd.trainMode(() =>
    mx.engine.invokeOp("BatchNorm", [x, g, b, m0, v0], { ...opts, outputMeanVar: true })
  );
  const withRelu = mx.autograd.trainMode(() =>
    mx.nd.contrib.BatchNormWithReLU(x, g, b, m1, v1, { ...opts, outputMeanVar: true })
  ) as unknown as mx.NDArray[];
  const sync = mx.autograd.trainMode(() =>
    mx.nd.contrib.SyncBatchNorm(x, g, b, m2, v2, { ...opts, key: "bn0" })
  ) as mx.NDArray;
  assertClose(await values(withRelu[0]), (await values(ref)).map((v) => Math.max(v, 0)));
  assertClose(await values(withRelu[1]), await values(refMean));
  assertClose(await values(withRelu[2]), await values(refVar));
  assertClose(await values(sync), await values(ref));
  // The moving statistics move as BatchNorm's do.
  assert.notDeepEqual(await values(m0), [0.1, 0, -0.1], "training updates the moving mean");
  for (const [m, v] of [[m1, v1], [m2, v2]]) {
    assertClose(await values(m), await values(m0));
    assertClose(await values(v), await values(v0));
  }
  // Symbol JSON names the operators as MXNet does.
  const s = mx.sym.contrib.SyncBatchNorm(mx.sym.var("x"), { key: "bn0", name: "sbn" });
  assert.match(s.toJSON(), /"op": "_contrib_SyncBatchNorm"/);
  assert.deepEqual(s.listAuxiliaryStates(), ["sbn_moving_mean", "sbn_moving_var"]);
  assert.throws(
    () => mx.nd.contrib.SyncBatchNorm(x, g, b, m2, v2, { key: "bn0", ndev: 2 }),
    /_contrib_SyncBatchNorm: ndev=2 needs batch statistics summed across 2 devices/,
  );
});

backendTest(
  "IdentityAttachKLSparseReg: identity forward, KL penalty gradient, running mean",
  async () => {
    const x = mx.nd.array([0.2, 0.4, 0.6, 0.8, 0.3, 0.5], { shape: [2, 3] });
    const avg = mx.nd.array([0.3, 0.5, 0.4]);
    x.attachGrad();
    const params = { penalty: 0.5, sparsenessTarget: 0.2 };
    const y = mx.autograd.record(() => mx.nd.IdentityAttachKLSparseReg(x, avg, params));
    assertClose(await values(y), await values(x));
    y.backward(mx.nd.ones([2, 3]));
    // moving_avg = 0.9 * avg + 0.1 * batch mean; grad = 1 + 0.5 (-0.2 / m + 0.8 / (1 - m)).
    const m = [0.9 * 0.3 + 0.1 * 0.5, 0.9 * 0.5 + 0.1 * 0.35, 0.9 * 0.4 + 0.1 * 0.55];
    assertClose(await values(avg), m, { rtol: 1e-6 });
    const g = m.map((v) => 1 + 0.5 * (-0.2 / v + 0.8 / (1 - v)));
    assertClose(await values(x.grad!), [...g, ...g], { rtol: 1e-5 });
    assert.throws(
      () => mx.nd.IdentityAttachKLSparseReg(mx.nd.zeros([2, 3, 2]), mx.nd.zeros([3])),
      /IdentityAttachKLSparseReg: data must be \(batch, units\)/,
    );
  },
);

backendTest(
  "_sample_unique_zipfian: distinct log-uniform classes, MXNet's draw frequencies",
  async () => {
    const draw = (rangeMax: number, shape: number[]) =>
      mx.engine.invokeOp("_sample_unique_zipfian", [], { rangeMax, shape });
    mx.random.seed(7);
    const [samples, tries] = draw(50, [200, 8]);
    assert.equal(samples.dtype, "int64");
    assert.deepEqual([...samples.shape], [200, 8]);
    assert.deepEqual([...tries.shape], [200]);
    const s = await values(samples), t = await values(tries);
    for (let row = 0; row < 200; row++) {
      const picked = s.slice(row * 8, row * 8 + 8);
      assert.equal(new Set(picked).size, 8, "distinct per row");
      assert.ok(picked.every((v) => Number.isInteger(v) && v >= 0 && v < 50));
      assert.ok(t[row] >= 8, "at least one draw per sample");
    }
    // One sample per row is one draw: round(exp(u log R)) - 1 is k with probability
    // log((k + 1.5) / (k + 0.5)) / log R (the ends clipped to [1, R]).
    const rows = 20000, R = 10;
    const [first] = draw(R, [rows, 1]);
    const counts = new Array(R).fill(0);
    for (const v of await values(first)) counts[v]++;
    for (let k = 0; k < R; k++) {
      const p = (Math.log(Math.min(k + 1.5, R)) - Math.log(Math.max(k + 0.5, 1))) / Math.log(R);
      const sd = Math.sqrt(p * (1 - p) / rows);
      assert.ok(Math.abs(counts[k] / rows - p) < 5 * sd, `class ${k}: ${counts[k] / rows} vs ${p}`);
    }
    // The same seed gives the same samples.
    mx.random.seed(7);
    assert.deepEqual(await values(draw(50, [200, 8])[0]), s);
    assert.throws(() => draw(4, [2, 5]), /cannot draw 5 distinct classes from range_max=4/);
  },
  { dtypes: ["int64"], hostCompute: true },
);
