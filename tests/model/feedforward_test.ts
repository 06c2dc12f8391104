/** FeedForward and Module training, as in the seed's linear-regression example. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest } from "../_harness.ts";

backendTest("seed: one-variable linear regression with FeedForward", async () => {
  mx.random.seed(0);
  // X_data = np.linspace(-1, 1, 100); y_data = 5 * X_data + noise
  const xData = await mx.nd.linspace(-1, 1, 100).data() as Float32Array;
  const noise = await mx.random.normal(0, 0.5, [100]).data() as Float32Array;
  const yData = xData.map((x, i) => 5 * x + noise[i]);

  const X = mx.sym.Variable("data");
  const Y = mx.sym.Variable("softmax_label");
  const Y_ = mx.sym.FullyConnected({ data: X, numHidden: 1, name: "pre" });
  const loss = mx.sym.LinearRegressionOutput({ data: Y_, label: Y, name: "loss" });
  const model = new mx.model.FeedForward({
    ctx: mx.cpu(),
    symbol: loss,
    numEpoch: 100,
    learningRate: 0.001,
    numpyBatchSize: 1,
  });
  await model.fit({ X: xData, y: yData, logger: null });
  const prediction = await model.predict(xData);
  assert.deepEqual(prediction.shape, [100, 1]);
  const w = await model.argParams!.pre_weight.asScalar();
  assert.ok(Math.abs(w - 5) < 0.5, `learned slope ${w}`);
  const p = await prediction.data() as Float32Array;
  const mse = p.reduce((s, v, i) => s + (v - yData[i]) ** 2, 0) / 100;
  assert.ok(mse < 0.5, `mse ${mse}`);
  model.dispose();
}, { hostMemory: true });

backendTest("Module: fit an MLP classifier, score, predict, checkpoint round trip", async () => {
  mx.random.seed(1);
  const n = 200;
  const pts = await mx.random.uniform(-1, 1, [n, 2]).data() as Float32Array;
  const labels = Array.from({ length: n }, (_, i) => (pts[2 * i] * pts[2 * i + 1] > 0 ? 1 : 0));
  const data = mx.nd.array(pts, { shape: [n, 2] });
  const train = new mx.io.NDArrayIter({ data, label: labels, batchSize: 20, shuffle: true });
  let net = mx.sym.Variable("data");
  net = mx.sym.FullyConnected({ data: net, numHidden: 16, name: "fc1" });
  net = mx.sym.Activation({ data: net, actType: "tanh" });
  net = mx.sym.FullyConnected({ data: net, numHidden: 2, name: "fc2" });
  net = mx.sym.SoftmaxOutput({ data: net, name: "softmax" });
  const mod = new mx.mod.Module({ symbol: net });
  let batches = 0;
  await mod.fit(train, {
    numEpoch: 40,
    optimizer: "adam",
    optimizerParams: { learningRate: 0.05 },
    initializer: new mx.init.Xavier(),
    batchEndCallback: () => void batches++,
    logger: null,
  });
  assert.equal(batches, 40 * 10);
  const evalIter = new mx.io.NDArrayIter({ data, label: labels, batchSize: 20 });
  const [[name, acc]] = await mod.score(evalIter, "acc");
  assert.equal(name, "accuracy");
  assert.ok(acc > 0.9, `accuracy ${acc}`);
  const [probs] = await mod.predict(evalIter);
  assert.deepEqual(probs.shape, [n, 2]);

  const dir = await Deno.makeTempDir();
  try {
    await mod.saveCheckpoint(`${dir}/xor`, 3);
    const mod2 = await mx.mod.Module.load(`${dir}/xor`, 3);
    mod2.bind({
      dataShapes: evalIter.provideData,
      labelShapes: evalIter.provideLabel,
      forTraining: false,
    });
    const [[, acc2]] = await mod2.score(evalIter, "acc");
    assert.equal(acc2, acc);
    mod2.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  mod.dispose();
});

backendTest("Module: data parallelism over two contexts matches one context", async () => {
  const run = async (contexts: mx.Context[]) => {
    mx.random.seed(5);
    const x = mx.random.uniform(-1, 1, [40, 3]);
    const y = mx.nd.array(Array.from({ length: 40 }, (_, i) => i % 2));
    const it = new mx.io.NDArrayIter({ data: x, label: y, batchSize: 8 });
    let net = mx.sym.FullyConnected({ data: mx.sym.Variable("data"), numHidden: 2, name: "fc" });
    net = mx.sym.SoftmaxOutput({ data: net, name: "softmax" });
    const mod = new mx.mod.Module({ symbol: net, context: contexts });
    await mod.fit(it, {
      numEpoch: 3,
      optimizerParams: { learningRate: 0.5 },
      initializer: new mx.init.Xavier(),
      logger: null,
    });
    const { argParams } = mod.getParams();
    const w = Array.from(await argParams.fc_weight.data() as Float32Array);
    mod.dispose();
    return w;
  };
  const one = await run([mx.cpu(0)]);
  const two = await run([mx.cpu(0), mx.cpu(1)]);
  one.forEach((v, i) => assert.ok(Math.abs(v - two[i]) < 1e-5, `weight ${i}: ${v} vs ${two[i]}`));
});
