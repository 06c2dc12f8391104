/**
 * Values of the graph utility operators (src/ops/graph_util.ts) and of the pre-1.0 `_v1`
 * operator names, on every backend.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

const call = (op: string, xs: mx.NDArray[], params: Record<string, unknown> = {}) =>
  mx.engine.invokeOp(op, xs, params);

/** Reference im2col on [N, C, H, W]: rows c·kh·kw + i·kw + j, columns oh·outW + ow. */
function im2colRef(
  x: number[],
  [n, c, h, w]: number[],
  k: number[],
  s: number[],
  p: number[],
  d: number[],
): { out: number[]; shape: number[] } {
  const oh = Math.floor((h + 2 * p[0] - (d[0] * (k[0] - 1) + 1)) / s[0]) + 1;
  const ow = Math.floor((w + 2 * p[1] - (d[1] * (k[1] - 1) + 1)) / s[1]) + 1;
  const rows = c * k[0] * k[1], cols = oh * ow;
  const out = new Array(n * rows * cols).fill(0);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < k[0]; i++) {
        for (let j = 0; j < k[1]; j++) {
          const r = (ch * k[0] + i) * k[1] + j;
          for (let y = 0; y < oh; y++) {
            for (let xx = 0; xx < ow; xx++) {
              const iy = y * s[0] - p[0] + i * d[0], ix = xx * s[1] - p[1] + j * d[1];
              const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
              out[(b * rows + r) * cols + y * ow + xx] = inside
                ? x[((b * c + ch) * h + iy) * w + ix]
                : 0;
            }
          }
        }
      }
    }
  }
  return { out, shape: [n, rows, cols] };
}

backendTest(
  "values im2col: MXNet's [N, C*kh*kw, L] layout, with stride, pad and dilate",
  async () => {
    const shape = [2, 3, 5, 6];
    const xs = Array.from({ length: 180 }, (_, i) => (i * 7) % 23 - 11);
    const x = mx.nd.array(xs, { shape });
    for (
      const [k, s, p, d] of [
        [[2, 2], [1, 1], [0, 0], [1, 1]],
        [[3, 2], [2, 1], [1, 0], [1, 2]],
      ]
    ) {
      const [y] = call("im2col", [x], { kernel: k, stride: s, pad: p, dilate: d });
      const want = im2colRef(xs, shape, k, s, p, d);
      assert.deepEqual(y.shape, want.shape);
      assert.deepEqual(await values(y), want.out);
    }
  },
);

backendTest("values col2im is im2col's adjoint: <im2col(x), y> = <x, col2im(y)>", async () => {
  const window = { kernel: [2, 3], stride: [1, 2], pad: [1, 1] };
  const x = mx.nd.array(Array.from({ length: 40 }, (_, i) => Math.sin(i)), { shape: [2, 1, 4, 5] });
  const [col] = call("im2col", [x], window);
  const y = mx.nd.array(Array.from({ length: col.size }, (_, i) => Math.cos(i)), {
    shape: col.shape,
  });
  const [back] = call("col2im", [y], { ...window, outputSize: [4, 5] });
  assert.deepEqual(back.shape, [2, 1, 4, 5]);
  const lhs = (await values(col.mul(y).sum()))[0];
  const rhs = (await values(x.mul(back).sum()))[0];
  assertClose([lhs], [rhs], { rtol: 1e-5, atol: 1e-5 });
});

backendTest("values im2col / col2im: 1-D windows and errors naming the operator", async () => {
  const x = mx.nd.array([1, 2, 3, 4, 5], { shape: [1, 1, 5] });
  const [col] = call("im2col", [x], { kernel: [2], stride: [2] });
  assert.deepEqual(col.shape, [1, 2, 2]);
  assert.deepEqual(await values(col), [1, 3, 2, 4]);
  const [img] = call("col2im", [col], { kernel: [2], stride: [2], outputSize: [5] });
  assert.deepEqual(img.shape, [1, 1, 5]);
  assert.deepEqual(await values(img), [1, 2, 3, 4, 0]);
  assert.throws(
    () => call("col2im", [col], { kernel: [2], stride: [1], outputSize: [5] }),
    /col2im: data has 2 positions/,
  );
  assert.throws(
    () => call("im2col", [mx.nd.zeros([2, 3])], { kernel: [2, 2] }),
    /im2col: data must be 4-D/,
  );
});

backendTest(
  "values amp_cast / amp_multicast: casts to the widest float (narrowest with castNarrow)",
  async () => {
    const a = mx.nd.array([1.5, -2], { dtype: "float16" });
    const b = mx.nd.array([0.25, 3, 4]);
    const [c] = call("amp_cast", [a], { dtype: "float32" });
    assert.equal(c.dtype, "float32");
    assert.deepEqual(await values(c), [1.5, -2]);
    const wide = call("amp_multicast", [a, b], { numOutputs: 2 });
    assert.deepEqual(wide.map((o) => o.dtype), ["float32", "float32"]);
    assert.deepEqual(await values(wide[0]), [1.5, -2]);
    const narrow = call("amp_multicast", [a, b], { numOutputs: 2, castNarrow: true });
    assert.deepEqual(narrow.map((o) => o.dtype), ["float16", "float16"]);
    assert.deepEqual(await values(narrow[1]), [0.25, 3, 4]);
    assert.throws(
      () => call("amp_multicast", [mx.nd.array([1], { dtype: "int32" }), b], { numOutputs: 2 }),
      /amp_multicast: inputs must be floating point, got int32/,
    );
  },
  { dtypes: ["float16"] },
);

backendTest("values straight-through estimators and the gradient multiplier", async () => {
  const x = mx.nd.array([-1.6, -0.5, 0.2, 0.5, 2.5]);
  x.attachGrad();
  const [r, s] = mx.autograd.record(() => [
    call("_contrib_round_ste", [x])[0],
    call("_contrib_sign_ste", [x])[0],
  ]);
  // MXNet rounds halves away from zero.
  assert.deepEqual(await values(r), [-2, -1, 0, 1, 3]);
  assert.deepEqual(await values(s), [-1, -1, 1, 1, 1]);
  mx.autograd.backward([r, s]);
  assert.deepEqual(await values(x.grad!), [2, 2, 2, 2, 2]);
  const y = mx.nd.array([1, 2, 3]);
  y.attachGrad();
  const m = mx.autograd.record(() => call("_contrib_gradientmultiplier", [y], { scalar: -0.5 })[0]);
  assert.deepEqual(await values(m), [1, 2, 3]);
  m.backward();
  assert.deepEqual(await values(y.grad!), [-0.5, -0.5, -0.5]);
});

backendTest(
  "values _contrib_quadratic, _grad_add, _zeros_without_dtype, _identity_with_attr_like_rhs",
  async () => {
    const x = mx.nd.array([-2, 0, 1, 3]);
    const [q] = call("_contrib_quadratic", [x], { a: 2, b: -1, c: 0.5 });
    assert.deepEqual(await values(q), [10.5, 0.5, 1.5, 15.5]);
    const [g] = call("_grad_add", [x, x]);
    assert.deepEqual(await values(g), [-4, 0, 2, 6]);
    const [z] = call("_zeros_without_dtype", [], { shape: [2, 2] });
    assert.equal(z.dtype, "float32");
    assert.deepEqual(await values(z), [0, 0, 0, 0]);
    const [i] = call("_identity_with_attr_like_rhs", [x, mx.nd.zeros([4])]);
    assert.deepEqual(await values(i), [-2, 0, 1, 3]);
    assert.throws(
      () => call("_grad_add", [x, mx.nd.zeros([3])]),
      /_grad_add: lhs \[4\] and rhs \[3\] differ/,
    );
  },
);

backendTest(
  "values the _v1 operator names of old graphs run as the current operators",
  async () => {
    const json = JSON.stringify({
      nodes: [
        { op: "null", name: "data", inputs: [] },
        { op: "null", name: "w", inputs: [] },
        {
          op: "Convolution_v1",
          name: "conv",
          attrs: { kernel: "(1, 1)", num_filter: "1", no_bias: "True" },
          inputs: [[0, 0, 0], [1, 0, 0]],
        },
        {
          op: "Pooling_v1",
          name: "pool",
          attrs: { kernel: "(2, 2)", pool_type: "max", stride: "(2, 2)" },
          inputs: [[2, 0, 0]],
        },
      ],
      arg_nodes: [0, 1],
      heads: [[3, 0, 0]],
    });
    const net = mx.sym.loadJSON(json);
    const exe = net.bind(mx.cpu(), {
      data: mx.nd.array(Array.from({ length: 16 }, (_, i) => i), { shape: [1, 1, 4, 4] }),
      w: mx.nd.array([2], { shape: [1, 1, 1, 1] }),
    });
    const [out] = exe.forward();
    assert.deepEqual(await values(out), [10, 14, 26, 30]);
    exe.dispose();
  },
);
