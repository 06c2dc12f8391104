/** The learning-rate schedules against MXNet's formulas, warm-up included. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, values } from "../_harness.ts";
import * as opt from "../../src/optimizer/mod.ts";
const { CosineScheduler, FactorScheduler, MultiFactorScheduler, PolyScheduler } = opt.lr_scheduler;

Deno.test("lr_scheduler: Factor steps down every `step` updates, floored", () => {
  const s = new FactorScheduler({ step: 10, factor: 0.5, baseLr: 1, stopFactorLr: 0.1 });
  const got = [1, 10, 11, 20, 21, 31, 41, 100].map((n) => s.call(n));
  assert.deepEqual(got, [1, 1, 0.5, 0.5, 0.25, 0.125, 0.1, 0.1]);
});

Deno.test("lr_scheduler: MultiFactor at the listed steps", () => {
  const s = new MultiFactorScheduler({ step: [5, 8], factor: 0.1, baseLr: 1 });
  const got = [1, 5, 6, 8, 9, 100].map((n) => s.call(n));
  assertClose(got, [1, 1, 0.1, 0.1, 0.01, 0.01]);
});

Deno.test("lr_scheduler: Poly and Cosine with linear warm-up", () => {
  const p = new PolyScheduler({ maxUpdate: 12, baseLr: 1, pwr: 2, finalLr: 0.1, warmupSteps: 2 });
  const c = new CosineScheduler({
    maxUpdate: 12,
    baseLr: 1,
    finalLr: 0.1,
    warmupSteps: 2,
    warmupBeginLr: 0.2,
  });
  for (const n of [0, 1, 2, 5, 12, 20]) {
    const progress = Math.min(1, (n - 2) / 10);
    const poly = n < 2 ? 0 + (1 - 0) * n / 2 : 0.1 + 0.9 * (1 - progress) ** 2;
    const cos = n < 2 ? 0.2 + 0.8 * n / 2 : 0.1 + 0.9 * (1 + Math.cos(Math.PI * progress)) / 2;
    assertClose([p.call(n), c.call(n)], [poly, cos], { msg: `update ${n}` });
  }
  const k = new CosineScheduler({
    maxUpdate: 4,
    warmupSteps: 2,
    warmupMode: "constant",
    warmupBeginLr: 0.003,
  });
  assert.equal(k.call(1), 0.003);
});

Deno.test("lr_scheduler: drives the optimizer's learning rate per update", async () => {
  const sched = new FactorScheduler({ step: 1, factor: 0.5 });
  const sgd = new opt.SGD({ learningRate: 1, lrScheduler: sched });
  const w = mx.nd.zeros([1]);
  for (let i = 0; i < 3; i++) sgd.update(0, w, mx.nd.ones([1]), null);
  // updates 1, 2, 3 use lr 1, 0.5, 0.25
  assertClose(await values(w), [-1.75]);
  assert.throws(() => sgd.setLearningRate(0.1), /lrScheduler/);
  await mx.nd.waitAll();
});

// #19: MXNet 1.9.1's optimizers whose signature declares a learning_rate default (Adam
// 0.001, Adamax 0.002, Nadam 0.001, LAMB 0.001, RMSProp 0.001, Signum 0.01) pass it on,
// and it overwrites the scheduler's base_lr; SGD, NAG, AdaGrad, ... pass None and keep it.
Deno.test("lr_scheduler: base rate without learningRate follows MXNet per optimizer", () => {
  const sched = () => new FactorScheduler({ step: 100, baseLr: 0.5 });
  const overwrites: [string, number][] = [
    ["adam", 0.001],
    ["adamax", 0.002],
    ["nadam", 0.001],
    ["lamb", 0.001],
    ["rmsprop", 0.001],
    ["signum", 0.01],
  ];
  for (const [name, lr] of overwrites) {
    const s = sched();
    const o = opt.create(name, { lrScheduler: s });
    assert.equal(s.baseLr, lr, name);
    assert.equal(o.learningRate, lr, name);
  }
  for (const name of ["sgd", "nag", "adagrad"]) {
    const s = sched();
    const o = opt.create(name, { lrScheduler: s });
    assert.equal(s.baseLr, 0.5, name);
    assert.equal(o.learningRate, 0.5, name);
  }
  // A given learningRate is the base for every optimizer.
  const s = sched();
  opt.create("adam", { learningRate: 0.2, lrScheduler: s });
  assert.equal(s.baseLr, 0.2);
});
