/** #19: ProgressBar, LogValidationMetricsCallback, moduleCheckpoint, fit's eval callbacks. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

Deno.test("callback: ProgressBar draws MXNet's bar and rounded-up percentage", () => {
  const lines: string[] = [];
  const bar = mx.callback.ProgressBar(3, 8, (l) => lines.push(l));
  const m = new mx.metric.Accuracy();
  for (let nbatch = 0; nbatch <= 3; nbatch++) bar({ epoch: 0, nbatch, evalMetric: m });
  // round(8 * n / 3): 0, 3 (2.67), 5 (5.33), 8; ceil(100 n / 3): 0, 34, 67, 100.
  assert.deepEqual(lines, [
    "[--------] 0%",
    "[===-----] 34%",
    "[=====---] 67%",
    "[========] 100%",
  ]);
  // Python's round() rounds halves to even: 8 * 1 / 16 = 0.5 -> 0, 8 * 3 / 16 = 1.5 -> 2.
  const half: string[] = [];
  const b2 = mx.callback.ProgressBar(16, 8, (l) => half.push(l));
  b2({ epoch: 0, nbatch: 1, evalMetric: m });
  b2({ epoch: 0, nbatch: 3, evalMetric: m });
  assert.deepEqual(half, ["[--------] 7%", "[==------] 19%"]);
  assert.throws(
    () => mx.callback.ProgressBar(0),
    /ProgressBar: total expects a number of batches > 0/,
  );
});

Deno.test("callback: fit's evalEndCallback logs validation metrics, moduleCheckpoint saves", async () => {
  mx.random.seed(3);
  const x = mx.random.uniform(-1, 1, [24, 3]);
  const y = mx.nd.array(Array.from({ length: 24 }, (_, i) => i % 2));
  const train = new mx.io.NDArrayIter({ data: x, label: y, batchSize: 8 });
  const val = new mx.io.NDArrayIter({ data: x, label: y, batchSize: 8 });
  let net = mx.sym.FullyConnected({ data: mx.sym.Variable("data"), numHidden: 2, name: "fc" });
  net = mx.sym.SoftmaxOutput({ data: net, name: "softmax" });
  const mod = new mx.mod.Module({ symbol: net });
  const dir = await Deno.makeTempDir();
  const logged: string[] = [];
  const evalBatches: number[] = [];
  try {
    await mod.fit(train, {
      numEpoch: 4,
      evalData: val,
      evalEndCallback: mx.callback.LogValidationMetricsCallback((l) => logged.push(l)),
      evalBatchEndCallback: ({ nbatch }) => void evalBatches.push(nbatch),
      epochEndCallback: mx.callback.moduleCheckpoint(mod, `${dir}/m`, 2, true),
      initializer: new mx.init.Xavier(),
      logger: null,
    });
    // One line per epoch, with the value score reports for the final parameters.
    assert.equal(logged.length, 4);
    assert.deepEqual(evalBatches, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const [[, acc]] = await mod.score(val, "acc");
    assert.equal(logged[3], `Epoch[3] Validation-accuracy=${acc.toFixed(6)}`);
    // Period 2: epochs 2 and 4 (numbered from 1), with optimizer states.
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(files, [
      "m-0002.params",
      "m-0002.states",
      "m-0004.params",
      "m-0004.states",
      "m-symbol.json",
    ]);
    const again = await mx.mod.Module.load(`${dir}/m`, 4);
    again.bind({ dataShapes: val.provideData, labelShapes: val.provideLabel, forTraining: false });
    const [[, acc2]] = await again.score(val, "acc");
    assert.equal(acc2, acc);
    again.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
    mod.dispose();
  }
});

Deno.test("callback: score's scoreEndCallback gets the number of batches", async () => {
  const x = mx.nd.ones([10, 2]);
  const it = new mx.io.NDArrayIter({ data: x, label: mx.nd.zeros([10]), batchSize: 4 });
  const net = mx.sym.SoftmaxOutput({
    data: mx.sym.FullyConnected({ data: mx.sym.Variable("data"), numHidden: 2, name: "fc" }),
    name: "softmax",
  });
  const mod = new mx.mod.Module({ symbol: net });
  mod.bind({ dataShapes: it.provideData, labelShapes: it.provideLabel, forTraining: false });
  mod.initParams({});
  const ends: [number, number][] = [];
  await mod.score(it, "acc", {
    epoch: 7,
    scoreEndCallback: ({ epoch, nbatch }) => void ends.push([epoch, nbatch]),
  });
  assert.deepEqual(ends, [[7, 3]]);
  await mod.score(it, "acc", {
    numBatch: 2,
    scoreEndCallback: ({ epoch, nbatch }) => void ends.push([epoch, nbatch]),
  });
  assert.deepEqual(ends, [[7, 3], [0, 2]]);
  mod.dispose();
  assert.throws(() => mx.callback.moduleCheckpoint({} as never, "p"), /mod expects a Module/);
});
