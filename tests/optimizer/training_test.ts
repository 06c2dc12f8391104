/**
 * The pieces of a training loop together: NDArrayIter batches, an initializer, autograd
 * gradients, a kvstore applying SGD, and an MSE metric — the seed's `y = 5x + noise`
 * regression, which must recover the slope while memory stays flat.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as init from "../../src/initializer/mod.ts";
import * as io from "../../src/io/mod.ts";
import * as kvs from "../../src/kvstore/mod.ts";
import * as metric from "../../src/metric/mod.ts";
import * as opt from "../../src/optimizer/mod.ts";
import { backendTest, randomValues, values } from "../_harness.ts";

backendTest(
  "training: linear regression through iterator, kvstore, optimizer and metric",
  async () => {
    mx.random.seed(1);
    const n = 200;
    const xs = randomValues(n, 7, -1, 1);
    const noise = randomValues(n, 8, -0.05, 0.05);
    const it = new io.NDArrayIter({
      data: xs.map((x) => [x]),
      label: xs.map((x, i) => 5 * x + 2 + noise[i]),
      batchSize: 20,
      shuffle: true,
      lastBatchHandle: "roll_over",
      labelName: "lin_reg_label",
    });
    const w = mx.nd.zeros([1, 1]), b = mx.nd.zeros([1]);
    const ini = new init.Normal(0.1);
    ini.init("fc_weight", w);
    ini.init("fc_bias", b);
    assert.deepEqual(await values(b), [0]);

    const kv = kvs.create("local");
    kv.init(0, w);
    kv.init(1, b);
    kv.setOptimizer(opt.create("sgd", {
      learningRate: 0.1,
      momentum: 0.5,
      rescaleGrad: 1 / 20,
      paramIdx2Name: { 0: "fc_weight", 1: "fc_bias" },
    }));
    w.attachGrad();
    b.attachGrad();
    const mse = metric.create("mse");
    const live = async () => (await mx.nd.waitAll(), mx.nd.memoryInfo().count);
    let afterFirst = 0;
    for (let epoch = 0; epoch < 10; epoch++) {
      mse.reset();
      for await (const batch of it) {
        await mx.nd.scope(async () => {
          const [x] = batch.data, [y] = batch.label;
          const pred = mx.autograd.record(() => {
            const p = x.dot(w).add(b).reshape([-1]);
            p.sub(y).square().sum().backward();
            return p;
          });
          kv.push(0, w.grad!);
          kv.push(1, b.grad!);
          kv.pull(0, { out: w });
          kv.pull(1, { out: b });
          await mse.update([y], [pred]);
        });
        batch.dispose();
      }
      it.reset();
      if (epoch === 0) afterFirst = await live();
      else assert.equal(await live(), afterFirst, `memory grew in epoch ${epoch}`);
    }
    const [slope] = await values(w), [bias] = await values(b);
    assert.ok(Math.abs(slope - 5) < 0.02 && Math.abs(bias - 2) < 0.02, `w=${slope} b=${bias}`);
    // The noise is uniform in ±0.05: variance 0.1^2 / 12 ≈ 0.00083 is the floor.
    assert.ok((mse.get()[1] as number) < 0.0015, `mse ${mse.get()[1]}`);
    kv.dispose();
  },
);
