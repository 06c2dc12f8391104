/** Embedding, Activation and LeakyReLU values against hand computations. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

const call = (op: string, xs: mx.NDArray[], params: Record<string, unknown> = {}) =>
  mx.engine.invokeOp(op, xs, params)[0];

backendTest("Embedding picks weight rows and scatters their gradient back", async () => {
  const weight = mx.nd.arange(0, 12).reshape([4, 3]);
  weight.attachGrad();
  const data = mx.nd.array([[1, 3], [1, 0]]);
  const y = mx.autograd.record(() =>
    call("Embedding", [data, weight], { inputDim: 4, outputDim: 3 })
  );
  assert.deepEqual(await y.array(), [[[3, 4, 5], [9, 10, 11]], [[3, 4, 5], [0, 1, 2]]]);
  y.backward();
  // Row 1 is used twice, rows 0 and 3 once, row 2 never.
  assert.deepEqual(await weight.grad!.array(), [[1, 1, 1], [2, 2, 2], [0, 0, 0], [1, 1, 1]]);
  assert.throws(
    () => call("Embedding", [data, weight], { inputDim: 5, outputDim: 3 }),
    /Embedding: weight has shape \[4,3\], expected \[5,3\]/,
  );
});

const xs = [-3, -0.5, 0, 0.7, 2, 40];
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

const ACTIVATIONS: Record<string, (v: number) => number> = {
  relu: (v) => Math.max(v, 0),
  sigmoid: sig,
  tanh: Math.tanh,
  softrelu: softplus,
  softsign: (v) => v / (1 + Math.abs(v)),
  log_sigmoid: (v) => -softplus(-v),
  mish: (v) => v * Math.tanh(softplus(v)),
};

for (const [actType, f] of Object.entries(ACTIVATIONS)) {
  backendTest(`Activation ${actType}`, async () => {
    const y = call("Activation", [mx.nd.array(new Float64Array(xs))], { act_type: actType });
    assertClose(await values(y), xs.map(f), { rtol: 1e-9, atol: 1e-12 });
  }, { dtypes: ["float64"] });
}

const SELU_A = 1.6732632423543772, SELU_L = 1.0507009873554805;
const LEAKY: Record<string, (v: number) => number> = {
  leaky: (v) => (v > 0 ? v : 0.1 * v),
  elu: (v) => (v > 0 ? v : 0.1 * Math.expm1(v)),
  selu: (v) => SELU_L * (v > 0 ? v : SELU_A * Math.expm1(v)),
};

for (const [actType, f] of Object.entries(LEAKY)) {
  backendTest(`LeakyReLU ${actType}`, async () => {
    const y = call("LeakyReLU", [mx.nd.array(new Float64Array(xs))], { actType, slope: 0.1 });
    assertClose(await values(y), xs.map(f), { rtol: 1e-9, atol: 1e-12 });
  }, { dtypes: ["float64"] });
}

backendTest("LeakyReLU gelu at points with known erf", async () => {
  // gelu(x) = x/2 (1 + erf(x/√2)), with erf(0) = 0, erf(±∞) = ±1, erf(1) = 0.8427007929497149.
  const y = call("LeakyReLU", [mx.nd.array(new Float64Array([0, Math.SQRT2, 40, -40]))], {
    actType: "gelu",
  });
  assertClose(await values(y), [0, 0.5 * Math.SQRT2 * (1 + 0.8427007929497149), 40, 0], {
    rtol: 1e-6,
    atol: 1e-9,
  });
}, { dtypes: ["float64"] });

backendTest("LeakyReLU prelu: one learned slope per channel, with its gradient", async () => {
  const xv = randomValues(2 * 3 * 2, 8);
  const x = mx.nd.array(new Float64Array(xv), { shape: [2, 3, 2] });
  const gamma = mx.nd.array(new Float64Array([0.1, 0.2, 0.3]));
  gamma.attachGrad();
  const y = mx.autograd.record(() => call("LeakyReLU", [x, gamma], { act_type: "prelu" }));
  y.backward();
  const ch = (i: number) => Math.floor(i / 2) % 3;
  assertClose(await values(y), xv.map((v, i) => (v > 0 ? v : [0.1, 0.2, 0.3][ch(i)] * v)));
  const want = [0, 0, 0];
  xv.forEach((v, i) => v <= 0 && (want[ch(i)] += v));
  assertClose(await values(gamma.grad!), want);
}, { dtypes: ["float64"] });

backendTest(
  "LeakyReLU rrelu: random slopes in [lower, upper] when training, their mean otherwise",
  async () => {
    const x = mx.nd.full([1000], -1);
    const [y] = mx.autograd.record(() =>
      mx.engine.invokeOp("LeakyReLU", [x], { actType: "rrelu" })
    );
    const v = await values(y);
    assert.ok(v.every((e) => e <= -0.125 && e >= -0.334), "slopes out of range");
    assert.ok(new Set(v).size > 100, "slopes are not random");
    const p = await values(call("LeakyReLU", [x], { actType: "rrelu" }));
    assertClose(p, p.map(() => -(0.125 + 0.334) / 2));
  },
);

backendTest("SoftmaxActivation: per instance (all but batch) or per channel", async () => {
  const xv = randomValues(2 * 2 * 2, 9);
  const x = mx.nd.array(new Float64Array(xv), { shape: [2, 2, 2] });
  const soft = (v: number[]) => {
    const e = v.map(Math.exp), s = e.reduce((a, b) => a + b);
    return e.map((t) => t / s);
  };
  const inst = await values(call("SoftmaxActivation", [x]));
  assertClose(inst, [...soft(xv.slice(0, 4)), ...soft(xv.slice(4))], { rtol: 1e-9 });
  const chan = await values(call("SoftmaxActivation", [x], { mode: "channel" }));
  const want: number[] = new Array(8);
  for (const n of [0, 1]) {
    for (const k of [0, 1]) {
      const p = soft([xv[n * 4 + k], xv[n * 4 + 2 + k]]);
      want[n * 4 + k] = p[0];
      want[n * 4 + 2 + k] = p[1];
    }
  }
  assertClose(chan, want, { rtol: 1e-9 });
}, { dtypes: ["float64"] });
