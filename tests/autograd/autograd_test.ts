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

backendTest(
  "pause: predict mode inside unless trainMode; Dropout does not drop there",
  async () => {
    mx.random.seed(5);
    const x = mx.nd.ones([200]);
    const [paused, pausedTrain] = mx.autograd.record(() => {
      const p = mx.autograd.pause(() => {
        assert.equal(mx.autograd.isRecording(), false);
        assert.equal(mx.autograd.isTraining(), false);
        return mx.nd.Dropout({ data: x, p: 0.5 });
      });
      const t = mx.autograd.pause(() => {
        assert.equal(mx.autograd.isTraining(), true);
        return mx.nd.Dropout({ data: x, p: 0.5 });
      }, { trainMode: true });
      assert.equal(mx.autograd.isTraining(), true, "restored after pause");
      return [p, t];
    });
    assert.ok((await values(paused)).every((v) => v === 1), "no element dropped in pause()");
    assert.ok((await values(pausedTrain)).some((v) => v === 0), "pause({ trainMode: true }) drops");
    assert.throws(
      () => mx.autograd.pause(() => 0, { train_mode: true } as never),
      (e: unknown) =>
        e instanceof mx.MXNetError && /pause: unknown option train_mode/.test(String(e)),
    );
  },
);

Deno.test("pause awaits an async callback before restoring the recording state", async () => {
  const tick = () => new Promise<void>((r) => setTimeout(r, 1));
  await mx.autograd.record(async () => {
    const r = await mx.autograd.pause(async () => {
      await tick();
      assert.equal(mx.autograd.isRecording(), false, "still paused after an await");
      assert.equal(mx.autograd.isTraining(), false);
      return 7;
    });
    assert.equal(r, 7);
    assert.equal(mx.autograd.isRecording(), true);
    assert.equal(mx.autograd.isTraining(), true);
  });
  assert.equal(mx.autograd.isRecording(), false);
  // A rejected callback restores the state too.
  await mx.autograd.record(async () => {
    await assert.rejects(
      mx.autograd.pause(async () => {
        await tick();
        throw new Error("inner");
      }),
      /inner/,
    );
    assert.equal(mx.autograd.isRecording(), true);
  });
});
