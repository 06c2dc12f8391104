/** mx.autograd beyond record/backward: retainGraph, grad, higher order, Function, modes. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest, values } from "../_harness.ts";

backendTest("retainGraph allows a second backward; gradReq add accumulates", async () => {
  const x = mx.nd.array([1, 2]);
  x.attachGrad({ gradReq: "add" });
  const y = mx.autograd.record(() => x.mul(x).sum());
  y.backward(null, { retainGraph: true });
  y.backward();
  assert.deepEqual(await values(x.grad!), [4, 8]);
});

backendTest("grad returns gradients without touching x.grad; second order", async () => {
  const x = mx.nd.array([1, 2, 3]);
  x.attachGrad();
  const y = mx.autograd.record(() => x.pow(3).sum());
  const [dx] = mx.autograd.record(() => mx.autograd.grad(y, [x], { createGraph: true }));
  assert.deepEqual(await values(dx), [3, 12, 27]); // 3x^2
  assert.deepEqual(await values(x.grad!), [0, 0, 0]);
  dx.backward();
  assert.deepEqual(await values(x.grad!), [6, 12, 18]); // 6x
});

backendTest("autograd.Function with a custom backward", async () => {
  class Sigmoid extends mx.autograd.Function {
    forward(x: mx.NDArray): mx.NDArray {
      const y = x.sigmoid();
      this.saveForBackward(y);
      return y;
    }
    backward(dy: mx.NDArray): mx.NDArray {
      const [y] = this.savedTensors;
      return dy.mul(y).mul(y.neg().add(1));
    }
  }
  const x = mx.nd.array([0, 1]);
  x.attachGrad();
  const y = mx.autograd.record(() => new Sigmoid().apply(x).mul(2).sum());
  y.backward();
  const s1 = 1 / (1 + Math.exp(-1));
  const g = await values(x.grad!);
  assert.ok(Math.abs(g[0] - 0.5) < 1e-6 && Math.abs(g[1] - 2 * s1 * (1 - s1)) < 1e-6);
});

Deno.test("train/predict modes and recording state", () => {
  assert.equal(mx.autograd.isRecording(), false);
  mx.autograd.record(() => {
    assert.equal(mx.autograd.isRecording(), true);
    assert.equal(mx.autograd.isTraining(), true);
    mx.autograd.predictMode(() => assert.equal(mx.autograd.isTraining(), false));
    mx.autograd.pause(() => assert.equal(mx.autograd.isRecording(), false));
  });
  mx.autograd.record(() => assert.equal(mx.autograd.isTraining(), false), { trainMode: false });
  mx.autograd.trainMode(() => assert.equal(mx.autograd.isTraining(), true));
});

backendTest("Dropout is identity in predict mode and drops in train mode", async () => {
  mx.random.seed(4);
  const x = mx.nd.ones([1000]);
  const eval_ = mx.nd.Dropout({ data: x, p: 0.5 });
  assert.ok((await values(eval_)).every((v) => v === 1));
  const train = mx.autograd.record(() => mx.nd.Dropout({ data: x, p: 0.5 }));
  const v = await values(train);
  const zeros = v.filter((a) => a === 0).length;
  assert.ok(zeros > 400 && zeros < 600, `${zeros} dropped`);
  assert.ok(v.every((a) => a === 0 || a === 2));
});

backendTest("checkConsistency compares every backend with the reference", async () => {
  const x = mx.sym.Variable("x"), w = mx.sym.Variable("w");
  const y = mx.sym.Activation({ data: mx.sym.dot(x, w), actType: "tanh" });
  mx.random.seed(2);
  const names = await mx.testUtils.checkConsistency(y, {
    x: mx.random.uniform(-1, 1, [3, 4]),
    w: mx.random.uniform(-1, 1, [4, 2]),
  });
  assert.ok(names.includes("ts"));
});
