/**
 * Files written by Apache MXNet's Gluon (tests/fixtures/gluon, see its README): the
 * HybridBlock.export pair loads through SymbolBlock.imports and through Module, and
 * lenet.params (save_parameters) loads into the LeNet its names describe and scores
 * 0.8913 on the Fashion-MNIST test set (Debian's dataset-fashion-mnist files).
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { readIdx } from "../../src/io/idx.ts";
import { fixturePath } from "../fixtures/mod.ts";
import { assertClose, randomValues, values } from "../_harness.ts";

const { nn } = mx.gluon;
const FASHION = "/usr/share/datasets/fashion-mnist";

Deno.test("MXNet 1.7 HybridBlock.export pair: SymbolBlock.imports and Module agree", async () => {
  const prefix = fixturePath("gluon/net");
  const net = await mx.gluon.SymbolBlock.imports(
    `${prefix}-symbol.json`,
    ["data"],
    `${prefix}-0001.params`,
  );
  const names = [...net.collectParams().keys()];
  assert.deepEqual(
    names,
    [0, 1, 2].flatMap((i) => [
      `hybridsequential0_dense${i}_weight`,
      `hybridsequential0_dense${i}_bias`,
    ]),
  );
  assert.deepEqual(net.collectParams().at("hybridsequential0_dense0_weight").shape, [128, 784]);
  assert.deepEqual(net.collectParams().at("hybridsequential0_dense2_weight").shape, [10, 64]);
  const x = mx.nd.array(randomValues(3 * 784, 1, 0, 1), { shape: [3, 784] });
  const y = net.forward(x);
  assert.deepEqual(y.shape, [3, 10]);

  const { symbol, argParams, auxParams } = await mx.model.loadCheckpoint(prefix, 1);
  const mod = new mx.mod.Module({ symbol, dataNames: ["data"], labelNames: [] });
  mod.bind({ dataShapes: [["data", [3, 784]]], forTraining: false });
  mod.setParams(argParams, auxParams);
  mod.forward(new mx.io.DataBatch({ data: [x], label: [] }), { isTrain: false });
  assertClose(await values(mod.getOutputs()[0]), await values(y), { rtol: 1e-5, atol: 1e-5 });
  // The graph is the MLP the README describes: FC 128 -> relu -> FC 64 -> relu -> FC 10.
  const ops = net.symbol._nodes().filter((n) => !n.isVariable).map((n) => n.op!.name);
  assert.deepEqual(ops, [
    "FullyConnected",
    "Activation",
    "FullyConnected",
    "Activation",
    "FullyConnected",
  ]);
  net.dispose();
});

function lenet(): mx.gluon.nn.Sequential {
  const net = new nn.Sequential();
  net.add(
    new nn.Conv2D(6, { kernelSize: 5, activation: "relu" }),
    new nn.MaxPool2D({ poolSize: 2, strides: 2 }),
    new nn.Conv2D(16, { kernelSize: 3, activation: "relu" }),
    new nn.MaxPool2D({ poolSize: 2, strides: 2 }),
    new nn.Flatten(),
    new nn.Dense(120, { activation: "relu" }),
    new nn.Dense(84, { activation: "relu" }),
    new nn.Dense(10),
  );
  return net;
}

Deno.test("MXNet save_parameters file lenet.params loads into the LeNet its names describe", async () => {
  const saved = await mx.nd.load(fixturePath("gluon/lenet.params")) as Record<string, mx.NDArray>;
  assert.deepEqual(Object.keys(saved).sort(), [
    "0.bias",
    "0.weight",
    "2.bias",
    "2.weight",
    "5.bias",
    "5.weight",
    "6.bias",
    "6.weight",
    "7.bias",
    "7.weight",
  ]);
  const net = lenet();
  await net.loadParameters(fixturePath("gluon/lenet.params"));
  assert.deepEqual((net.at(0) as mx.gluon.nn.Conv2D).weight.shape, [6, 1, 5, 5]);
  assert.deepEqual((net.at(5) as mx.gluon.nn.Dense).weight.shape, [120, 400]);
  // Saved again, the file has the same names and values.
  const f = await Deno.makeTempFile();
  try {
    await net.saveParameters(f);
    const again = await mx.nd.load(f) as Record<string, mx.NDArray>;
    for (const k of Object.keys(saved)) {
      assert.deepEqual(await values(again[k]), await values(saved[k]));
    }
  } finally {
    await Deno.remove(f);
  }
  net.dispose();
});

Deno.test({
  name:
    "lenet.params scores 0.8913 on the Fashion-MNIST test set (inputs /255, mean 0.13, std 0.31)",
  async fn() {
    let present = true;
    try {
      Deno.statSync(`${FASHION}/t10k-images-idx3-ubyte.gz`);
    } catch {
      present = false;
    }
    if (!present) {
      console.log(
        `skipped: Fashion-MNIST not found in ${FASHION} (apt-get install dataset-fashion-mnist)`,
      );
      return;
    }
    const images = await readIdx(`${FASHION}/t10k-images-idx3-ubyte.gz`);
    const labels = await readIdx(`${FASHION}/t10k-labels-idx1-ubyte.gz`);
    const net = lenet();
    await net.loadParameters(fixturePath("gluon/lenet.params"));
    net.hybridize();
    const n = images.shape[0];
    let correct = 0;
    for (let s = 0; s < n; s += 1000) {
      const e = Math.min(n, s + 1000);
      const f = new Float32Array((e - s) * 784);
      for (let i = 0; i < f.length; i++) f[i] = (images.data[s * 784 + i] / 255 - 0.13) / 0.31;
      correct += await mx.nd.scope(async () => {
        const pred = await net.forward(mx.nd.array(f, { shape: [e - s, 1, 28, 28] }))
          .argmax({ axis: 1 }).data();
        let c = 0;
        for (let i = 0; i < e - s; i++) if (pred[i] === labels.data[s + i]) c++;
        return c;
      });
    }
    assert.equal(n, 10000);
    assert.equal(correct / n, 0.8913);
    net.dispose();
  },
});
