/**
 * Gluon on every backend (ts, native, webgpu): a hybridized convolutional network gives
 * the imperative results and gradients, and a training loop leaves no buffer behind.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

const { nn } = mx.gluon;

function convNet(): mx.gluon.nn.HybridSequential {
  return new nn.HybridSequential().add(
    new nn.Conv2D(4, { kernelSize: 3, padding: 1, activation: "relu" }),
    new nn.BatchNorm(),
    new nn.MaxPool2D(),
    new nn.Flatten(),
    new nn.Dense(10),
  );
}

backendTest("gluon: hybridized conv net equals imperative, forward and gradients", async () => {
  const x = mx.nd.array(randomValues(2 * 1 * 6 * 6, 3), { shape: [2, 1, 6, 6] });
  const results: number[][][] = [];
  for (const hybrid of [false, true]) {
    mx.random.seed(1);
    const net = convNet();
    net.initialize(new mx.init.Xavier());
    if (hybrid) net.hybridize();
    let got: number[][] = [];
    for (let pass = 0; pass < 2; pass++) {
      const y = mx.autograd.record(() => net.forward(x));
      y.backward();
      got = [await values(y)];
      for (const p of net.collectParams().values()) {
        if (p.gradReq !== "null") got.push(await values(p.grad()));
      }
    }
    results.push(got);
    net.dispose();
  }
  assert.equal(results[0].length, results[1].length);
  results[0].forEach((a, i) => assertClose(results[1][i], a, { rtol: 1e-5, atol: 1e-6 }));
});

backendTest("gluon: a hybridized training loop leaves no buffer behind", async () => {
  const net = convNet();
  net.initialize(new mx.init.Xavier());
  net.hybridize();
  const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", { learningRate: 0.1 });
  const loss = new mx.gluon.loss.SoftmaxCrossEntropyLoss();
  const y = mx.nd.array([1, 7]);
  let first = 0, last = 0;
  for (let step = 0; step < 8; step++) {
    const l = await mx.nd.scope(async () => {
      const x = mx.nd.array(randomValues(72, 5), { shape: [2, 1, 6, 6] });
      const l = mx.autograd.record(() => loss.forward(net.forward(x), y));
      l.backward();
      trainer.step(2);
      return await l.mean().asScalar();
    });
    if (step === 0) first = l;
    last = l;
  }
  assert.ok(last < first, `loss ${first} -> ${last}`);
  net.dispose();
});
