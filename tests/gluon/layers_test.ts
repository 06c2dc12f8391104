/**
 * gluon.nn layers: values against MXNet's documented results and direct formulas,
 * numerical gradient checks, and bad input (wrong ranks and sizes, unknown options).
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, randomValues, values } from "../_harness.ts";
import { checkBlockGradient } from "./_check.ts";

const { nn } = mx.gluon;

Deno.test("Dense: dot(x, Wᵀ) + b with given weights; flatten and flatten=false", async () => {
  const d = new nn.Dense(2, { inUnits: 3 });
  d.initialize();
  d.weight.setData(mx.nd.array([[1, 2, 3], [0, -1, 1]]));
  d.bias!.setData(mx.nd.array([0.5, -0.5]));
  assert.deepEqual(await d.forward(mx.nd.array([[1, 1, 1], [2, 0, 1]])).array(), [
    [6.5, -0.5],
    [5.5, 0.5],
  ]);
  const f = new nn.Dense(2, { flatten: false, useBias: false });
  f.initialize(new mx.init.One());
  const y = f.forward(mx.nd.ones([2, 3, 4]));
  assert.deepEqual(y.shape, [2, 3, 2]);
  assert.deepEqual(await values(y), new Array(12).fill(4));
  assert.equal(f.bias, null);
  d.dispose();
  f.dispose();
});

Deno.test("Dense and Conv2D: wrong input rank or size is a ShapeError naming the layer", () => {
  const d = new nn.Dense(3, { inUnits: 4 });
  d.initialize();
  assert.throws(() => d.forward(mx.nd.ones([2, 5])), (e: Error) => {
    assert.ok(e instanceof mx.ShapeError);
    assert.match(
      e.message,
      /Dense \(dense\d+\): input of shape \[2,5\] has 5 features \(all axes after the first, flattened\), but the layer takes 4 \(weight \[3,4\]\)/,
    );
    return true;
  });
  const nf = new nn.Dense(3, { inUnits: 4, flatten: false });
  nf.initialize();
  assert.throws(() => nf.forward(mx.nd.ones([2, 4, 5])), /has 5 features \(its last axis\)/);
  const c = new nn.Conv2D(4, { kernelSize: 3 });
  c.initialize();
  assert.throws(() => c.forward(mx.nd.ones([1, 28, 28])), (e: Error) => {
    assert.ok(e instanceof mx.ShapeError);
    assert.match(
      e.message,
      /Conv2D \(conv\d+\): expected input with 4 axes \(batch, channels, height, width\), got shape \[1,28,28\]/,
    );
    return true;
  });
  const c3 = new nn.Conv2D(4, { kernelSize: 3, inChannels: 3 });
  c3.initialize();
  assert.throws(
    () => c3.forward(mx.nd.ones([1, 1, 8, 8])),
    /input gives 1 input channels, so conv\d+_weight would be \[4,1,3,3\], but it is \[4,3,3,3\]/,
  );
  for (const b of [d, nf, c, c3]) b.dispose();
});

Deno.test("Conv2D: matches a direct convolution (padding, stride, bias)", async () => {
  const conv = new nn.Conv2D(2, { kernelSize: 2, strides: 1, padding: 1, inChannels: 1 });
  conv.initialize();
  const w = randomValues(8, 3), b = [0.1, -0.2];
  conv.weight.setData(mx.nd.array(w, { shape: [2, 1, 2, 2] }));
  conv.bias!.setData(mx.nd.array(b));
  const xv = randomValues(9, 4);
  const y = conv.forward(mx.nd.array(xv, { shape: [1, 1, 3, 3] }));
  assert.deepEqual(y.shape, [1, 2, 4, 4]);
  const want: number[] = [];
  for (let o = 0; o < 2; o++) {
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let s = b[o];
        for (let a = 0; a < 2; a++) {
          for (let c = 0; c < 2; c++) {
            const r = i - 1 + a, q = j - 1 + c;
            if (r >= 0 && r < 3 && q >= 0 && q < 3) s += w[o * 4 + a * 2 + c] * xv[r * 3 + q];
          }
        }
        want.push(s);
      }
    }
  }
  assertClose(await values(y), want, { rtol: 1e-5, atol: 1e-6 });
  conv.dispose();
});

Deno.test("Pooling layers: max, average with and without padded cells, ceil mode, global", async () => {
  const x = mx.nd.arange(0, 16).reshape([1, 1, 4, 4]);
  assert.deepEqual(await new nn.MaxPool2D().forward(x).array(), [[[[5, 7], [13, 15]]]]);
  assert.deepEqual(await new nn.AvgPool2D().forward(x).array(), [[[[2.5, 4.5], [10.5, 12.5]]]]);
  const padded = { poolSize: 2, strides: 2, padding: 1 };
  assert.deepEqual(
    await values(new nn.AvgPool2D({ ...padded, countIncludePad: true }).forward(x)),
    [0, 0.75, 0.75, 3, 7.5, 4.5, 3, 6.75, 3.75],
  );
  assert.deepEqual(
    await values(new nn.AvgPool2D({ ...padded, countIncludePad: false }).forward(x)),
    [0, 1.5, 3, 6, 7.5, 9, 12, 13.5, 15],
  );
  assert.deepEqual(new nn.MaxPool2D({ poolSize: 3, strides: 2 }).forward(x).shape, [1, 1, 1, 1]);
  assert.deepEqual(
    new nn.MaxPool2D({ poolSize: 3, strides: 2, ceilMode: true }).forward(x).shape,
    [1, 1, 2, 2],
  );
  assert.deepEqual(await values(new nn.GlobalAvgPool2D().forward(x)), [7.5]);
  assert.deepEqual(await values(new nn.GlobalMaxPool1D().forward(mx.nd.array([[[1, 5, 2]]]))), [5]);
  assert.deepEqual(
    await values(new nn.MaxPool1D({ poolSize: 2 }).forward(mx.nd.array([[[1, 5, 2, 0]]]))),
    [5, 2],
  );
});

Deno.test("3-D convolution and pooling layers (NCDHW)", async () => {
  const x = mx.nd.arange(0, 64).reshape([1, 1, 4, 4, 4]);
  // An all-ones 2x2x2 kernel sums each window: window (0,0,0) holds 0,1,4,5,16,17,20,21.
  const conv = new nn.Conv3D(2, { kernelSize: 2, inChannels: 1 });
  conv.initialize(new mx.init.One());
  const y = conv.forward(x);
  assert.deepEqual(y.shape, [1, 2, 3, 3, 3]);
  assert.equal((await values(y))[0], 84);
  assert.deepEqual(conv.weight.shape, [2, 1, 2, 2, 2]);
  const up = new nn.Conv3DTranspose(1, { kernelSize: 2, strides: 2, inChannels: 1 });
  up.initialize(new mx.init.One());
  const z = up.forward(mx.nd.ones([1, 1, 2, 2, 2]));
  assert.deepEqual(z.shape, [1, 1, 4, 4, 4]);
  assert.deepEqual(await values(z), new Array(64).fill(1));
  const pools: [mx.gluon.HybridBlock, number[], number[]][] = [
    // Window (d, h, w) of 2x2x2 starts at 32d + 8h + 2w; its max is that + 21.
    [new nn.MaxPool3D(), [1, 1, 2, 2, 2], [21, 23, 29, 31, 53, 55, 61, 63]],
    [new nn.AvgPool3D(), [1, 1, 2, 2, 2], [10.5, 12.5, 18.5, 20.5, 42.5, 44.5, 50.5, 52.5]],
    [new nn.GlobalMaxPool3D(), [1, 1, 1, 1, 1], [63]],
    [new nn.GlobalAvgPool3D(), [1, 1, 1, 1, 1], [31.5]],
  ];
  for (const [l, shape, want] of pools) {
    l.initialize();
    const out = l.forward(x);
    assert.deepEqual(out.shape, shape, l.constructor.name);
    assert.deepEqual(await values(out), want, l.constructor.name);
    l.dispose();
  }
  conv.dispose();
  up.dispose();
});

Deno.test("layers: unknown options, missing kernelSize and unsupported layouts are errors", () => {
  assert.throws(
    () => new nn.Dense(3, { activaton: "relu" } as mx.gluon.nn.DenseOptions),
    /Dense: unknown option activaton; did you mean activation\?/,
  );
  assert.throws(
    () => new nn.Conv2D(3, {} as mx.gluon.nn.ConvOptions),
    /Conv2D: kernelSize is required/,
  );
  assert.throws(
    () => new nn.Conv2D(3, { kernelSize: 3, layout: "NHWC" }),
    /layout NHWC is not supported; use NCHW/,
  );
  assert.throws(() => new nn.Activation("swirl" as mx.gluon.nn.ActType), /unknown activation/);
  assert.throws(() => new nn.Dropout(1.5), /rate must be in \[0, 1\]/);
});

Deno.test("normalization layers reproduce MXNet's documented examples", async () => {
  const ln = new nn.LayerNorm();
  ln.initialize();
  assertClose(
    await values(ln.forward(mx.nd.array([[1, 2, 3, 4, 5], [1, 1, 2, 2, 2]]))),
    [
      -1.41421,
      -0.707105,
      0,
      0.707105,
      1.41421,
      -1.2247195,
      -1.2247195,
      0.81647956,
      0.81647956,
      0.81647956,
    ],
    { rtol: 1e-4, atol: 1e-5 },
  );
  const inorm = new nn.InstanceNorm();
  inorm.initialize();
  assertClose(
    await values(inorm.forward(mx.nd.array([[[1.1, 2.2]], [[3.3, 4.4]]]))),
    [-0.99998355, 0.99998331, -0.99998319, 0.99998361],
    { rtol: 1e-5, atol: 1e-6 },
  );
  const gn = new nn.GroupNorm();
  gn.initialize();
  const g = await values(gn.forward(mx.nd.arange(0, 24).reshape([2, 3, 4])));
  const row = [
    -1.5932543,
    -1.3035717,
    -1.0138891,
    -0.7242065,
    -0.4345239,
    -0.1448413,
    0.1448413,
    0.4345239,
    0.7242065,
    1.0138891,
    1.3035717,
    1.5932543,
  ];
  assertClose(g, [...row, ...row], { rtol: 1e-5, atol: 1e-6 });
  // GroupNorm keeps one gamma and beta per group (MXNet 1.9).
  const gn2 = new nn.GroupNorm({ numGroups: 2 });
  gn2.initialize();
  gn2.forward(mx.nd.ones([1, 4, 3]));
  assert.deepEqual(gn2.gamma.shape, [2]);
  for (const b of [ln, inorm, gn, gn2]) b.dispose();
});

Deno.test("BatchNorm: batch statistics while training update the running mean and variance", async () => {
  const bn = new nn.BatchNorm({ momentum: 0.9 });
  bn.initialize();
  const x = mx.nd.array([[1, 10], [3, 20], [5, 30], [7, 40]]);
  const y = mx.autograd.record(() => bn.forward(x));
  // Each channel normalized with its batch mean and (biased) variance.
  const col0 = [1, 3, 5, 7].map((v) => (v - 4) / Math.sqrt(5 + 1e-5));
  assertClose((await values(y)).filter((_, i) => i % 2 === 0), col0, { rtol: 1e-5 });
  assertClose(await values(bn.runningMean.data()), [0.4, 2.5], { rtol: 1e-6 });
  assertClose(await values(bn.runningVar.data()), [0.9 + 0.1 * 5, 0.9 + 0.1 * 125], { rtol: 1e-6 });
  // Outside training the running statistics are used.
  const p = await values(bn.forward(mx.nd.array([[0.4, 2.5]])));
  assertClose(p, [0, 0], { atol: 1e-6 });
  const fixed = new nn.BatchNorm({ useGlobalStats: true, inChannels: 2 });
  fixed.initialize();
  assertClose(
    await values(mx.autograd.record(() => fixed.forward(x))),
    [1, 10, 3, 20, 5, 30, 7, 40].map((v) => v / Math.sqrt(1 + 1e-5)),
    { rtol: 1e-5 },
  );
  bn.dispose();
  fixed.dispose();
});

Deno.test("Dropout: identity when predicting; drops and rescales while training", async () => {
  const d = new nn.Dropout(0.5);
  const x = mx.nd.ones([100, 100]);
  assert.deepEqual(await values(d.forward(x)), new Array(10000).fill(1));
  mx.random.seed(3);
  const v = await values(mx.autograd.record(() => d.forward(x)));
  const kept = v.filter((a) => a !== 0);
  assert.ok(kept.every((a) => a === 2));
  assert.ok(Math.abs(kept.length / 10000 - 0.5) < 0.03, `${kept.length} kept`);
});

Deno.test("Embedding, Flatten, activations and ReflectionPad2D values", async () => {
  const e = new nn.Embedding(4, 2);
  e.initialize();
  e.weight.setData(mx.nd.array([[0, 1], [2, 3], [4, 5], [6, 7]]));
  assert.deepEqual(await e.forward(mx.nd.array([[3, 0], [1, 1]])).array(), [
    [[6, 7], [0, 1]],
    [[2, 3], [2, 3]],
  ]);
  assert.deepEqual(new nn.Flatten().forward(mx.nd.ones([2, 3, 4])).shape, [2, 12]);
  const x = mx.nd.array([-2, -0.5, 0, 1.5]);
  const xs = [-2, -0.5, 0, 1.5];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  assertClose(await values(new nn.LeakyReLU(0.1).forward(x)), xs.map((v) => (v > 0 ? v : 0.1 * v)));
  assertClose(
    await values(new nn.ELU(0.5).forward(x)),
    xs.map((v) => (v > 0 ? v : 0.5 * Math.expm1(v))),
  );
  const [a, l] = [1.6732632423543772, 1.0507009873554805];
  assertClose(
    await values(new nn.SELU().forward(x)),
    xs.map((v) => l * (v > 0 ? v : a * Math.expm1(v))),
  );
  assertClose(await values(new nn.Swish(2).forward(x)), xs.map((v) => v * sig(2 * v)));
  assertClose(await values(new nn.SiLU().forward(x)), xs.map((v) => v * sig(v)));
  const gelu = await values(new nn.GELU().forward(x));
  assertClose(gelu, [-0.04550026, -0.15426877, 0, 1.39978285], { rtol: 1e-5, atol: 1e-6 });
  const pr = new nn.PReLU();
  pr.initialize();
  assertClose(await values(pr.forward(x)), xs.map((v) => (v > 0 ? v : 0.25 * v)));
  const pad = new nn.ReflectionPad2D(1);
  assert.deepEqual(await pad.forward(mx.nd.arange(0, 4).reshape([1, 1, 2, 2])).array(), [[[
    [3, 2, 3, 2],
    [1, 0, 1, 0],
    [3, 2, 3, 2],
    [1, 0, 1, 0],
  ]]]);
  pr.dispose();
  e.dispose();
});

Deno.test("Pad operator: constant, edge and reflect as numpy.pad", async () => {
  const x = mx.nd.array([[1, 2, 3], [4, 5, 6]]);
  const pad = (mode: string, padWidth: number[], constantValue = 0) =>
    mx.engine.invokeOp("Pad", [x], { mode, padWidth, constantValue })[0].array();
  assert.deepEqual(await pad("constant", [1, 0, 0, 1], 9), [[9, 9, 9, 9], [1, 2, 3, 9], [
    4,
    5,
    6,
    9,
  ]]);
  assert.deepEqual(await pad("edge", [0, 1, 2, 0]), [[1, 1, 1, 2, 3], [4, 4, 4, 5, 6], [
    4,
    4,
    4,
    5,
    6,
  ]]);
  assert.deepEqual(await pad("reflect", [1, 1, 2, 1]), [
    [6, 5, 4, 5, 6, 5],
    [3, 2, 1, 2, 3, 2],
    [6, 5, 4, 5, 6, 5],
    [3, 2, 1, 2, 3, 2],
  ]);
  assert.throws(
    () => mx.engine.invokeOp("Pad", [x], { mode: "reflect", padWidth: [2, 0, 0, 0] }),
    /must be smaller than its size 2/,
  );
  assert.throws(
    () => mx.engine.invokeOp("Pad", [x], { padWidth: [1, 1] }),
    /pad_width has 2 values, expected 2 per axis/,
  );
});

const GRAD_CASES: [
  string,
  () => mx.gluon.Block,
  number[],
  { train?: boolean; fixedInput?: boolean }?,
][] = [
  ["Dense", () => new nn.Dense(3, { activation: "tanh" }), [2, 4]],
  ["Conv1D", () => new nn.Conv1D(2, { kernelSize: 3, padding: 1, strides: 2 }), [2, 2, 5]],
  ["Conv2D", () => new nn.Conv2D(4, { kernelSize: 2, groups: 2, dilation: 2, padding: 1 }), [
    1,
    2,
    4,
    4,
  ]],
  [
    "Conv2DTranspose",
    () => new nn.Conv2DTranspose(2, { kernelSize: 3, strides: 2, outputPadding: 1 }),
    [1, 2, 3, 3],
  ],
  ["MaxPool2D", () => new nn.MaxPool2D({ poolSize: 2, strides: 1 }), [1, 2, 3, 3]],
  [
    "AvgPool2D",
    () => new nn.AvgPool2D({ poolSize: 3, padding: 1, strides: 2, countIncludePad: false }),
    [1, 1, 4, 4],
  ],
  ["GlobalAvgPool2D", () => new nn.GlobalAvgPool2D(), [2, 2, 3, 3]],
  ["BatchNorm", () => new nn.BatchNorm(), [4, 3, 2], { train: true }],
  ["LayerNorm", () => new nn.LayerNorm(), [3, 4]],
  ["InstanceNorm", () => new nn.InstanceNorm({ scale: true }), [2, 2, 5]],
  ["GroupNorm", () => new nn.GroupNorm({ numGroups: 2 }), [2, 4, 3]],
  ["Embedding", () => new nn.Embedding(5, 3), [2, 3], { fixedInput: true }],
  ["PReLU", () => new nn.PReLU({ inChannels: 3 }), [2, 3, 2]],
  ["ELU", () => new nn.ELU(), [3, 4]],
  ["SELU", () => new nn.SELU(), [3, 4]],
  ["GELU", () => new nn.GELU(), [3, 4]],
  ["Swish", () => new nn.Swish(1.5), [3, 4]],
  ["ReflectionPad2D", () => new nn.ReflectionPad2D(1), [1, 2, 3, 3]],
  ["Activation softrelu", () => new nn.Activation("softrelu"), [3, 4]],
];

for (const [name, make, shape, opts] of GRAD_CASES) {
  Deno.test(`numerical gradient check: ${name}`, async () => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = opts?.fixedInput
      ? Array.from({ length: n }, (_, i) => (i * 3) % 5)
      : randomValues(n, 21, -1, 1).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
    await checkBlockGradient(make(), shape, data, opts);
  });
}
