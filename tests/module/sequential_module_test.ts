// mx.mod.SequentialModule: a chain of modules trains and predicts as the one composed
// network does (MXNet 1.9.1's sequential_module.py semantics).
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest } from "../_harness.ts";

/** fc1 → relu (no labels), then fc2 → softmax (takes the labels). */
function chain(): mx.mod.SequentialModule {
  let first = mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 5, name: "fc1" });
  first = mx.sym.Activation(first, { actType: "relu", name: "relu1" });
  let second = mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 3, name: "fc2" });
  second = mx.sym.SoftmaxOutput(second, { name: "softmax" });
  return new mx.mod.SequentialModule()
    .add(new mx.mod.Module({ symbol: first, labelNames: [] }))
    .add(new mx.mod.Module({ symbol: second }), { takeLabels: true, autoWiring: true });
}

function data() {
  mx.random.seed(7);
  const x = mx.random.uniform(-1, 1, [30, 4]);
  const y = mx.nd.array(Array.from({ length: 30 }, (_, i) => i % 3));
  return { x, y };
}

const valuesOf = async (r: Record<string, mx.NDArray>) =>
  Object.fromEntries(
    await Promise.all(
      Object.entries(r).map(async ([k, v]) => [k, Array.from(await v.data() as Float32Array)]),
    ),
  ) as Record<string, number[]>;

backendTest("SequentialModule of two modules trains as the single composed Module", async () => {
  const { x, y } = data();
  const seq = chain();
  const trainIt = () => new mx.io.NDArrayIter({ data: x, label: y, batchSize: 10 });
  const it = trainIt();
  seq.bind({ dataShapes: it.provideData, labelShapes: it.provideLabel });
  mx.random.seed(1);
  seq.initParams({ initializer: new mx.init.Xavier() });
  const start = seq.getParams();
  assert.deepEqual(Object.keys(start.argParams).sort(), [
    "fc1_bias",
    "fc1_weight",
    "fc2_bias",
    "fc2_weight",
  ]);
  assert.deepEqual(seq.outputShapes, [["softmax_output", [10, 3]]]);
  assert.deepEqual(seq.labelShapes.map((d) => d.name), ["softmax_label"]);

  // The composed symbol: the second module's data is the first's output.
  const whole = seq.symbol;
  assert.deepEqual(whole.listArguments(), [
    "data",
    "fc1_weight",
    "fc1_bias",
    "fc2_weight",
    "fc2_bias",
    "softmax_label",
  ]);
  const single = new mx.mod.Module({ symbol: whole });

  const opts = {
    numEpoch: 4,
    optimizer: "sgd",
    optimizerParams: { learningRate: 0.3, momentum: 0.5 },
    argParams: start.argParams,
    logger: null,
  };
  await seq.fit(it, opts);
  const it2 = trainIt();
  await single.fit(it2, opts);

  const initial = await valuesOf(start.argParams);
  const got = await valuesOf(seq.getParams().argParams);
  const want = await valuesOf(single.getParams().argParams);
  for (const [name, w] of Object.entries(want)) {
    assert.ok(w.some((v, i) => v !== initial[name][i]), `${name} changed by training`);
    w.forEach((v, i) =>
      assert.ok(Math.abs(got[name][i] - v) < 1e-5, `${name}[${i}]: ${got[name][i]} vs ${v}`)
    );
  }

  // Same predictions, and the same score.
  const [p1] = await seq.predict(trainIt());
  const [p2] = await single.predict(trainIt());
  const a = await p1.data() as Float32Array, b = await p2.data() as Float32Array;
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `prediction ${i}: ${v} vs ${b[i]}`));
  const s1 = await seq.score(trainIt(), "acc");
  const s2 = await single.score(trainIt(), "acc");
  assert.deepEqual(s1, s2);
  assert.ok(s1[0][1] > 0.5, `accuracy after training ${s1[0][1]}`);
  p1.dispose();
  p2.dispose();
  seq.dispose();
  single.dispose();
});

backendTest("SequentialModule backward hands input gradients down the chain", async () => {
  const fc = (name: string, n: number) =>
    new mx.mod.Module({
      symbol: mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: n, name }),
      labelNames: [],
    });
  const seq = new mx.mod.SequentialModule().add(fc("a", 4)).add(fc("b", 2), { autoWiring: true });
  seq.bind({ dataShapes: [["data", [3, 5]]], inputsNeedGrad: true });
  mx.random.seed(4);
  seq.initParams({ initializer: new mx.init.Uniform(0.5) });
  const single = new mx.mod.Module({ symbol: seq.symbol, labelNames: [] });
  single.bind({ dataShapes: [["data", [3, 5]]], inputsNeedGrad: true });
  const { argParams } = seq.getParams();
  single.initParams({ argParams });

  mx.random.seed(9);
  const batch = new mx.io.DataBatch({ data: [mx.random.uniform(-1, 1, [3, 5])] });
  const head = mx.nd.array([[1, -2], [0.5, 0], [3, 1]]);
  for (const m of [seq, single]) {
    m.forward(batch, { isTrain: true });
    m.backward([head]);
  }
  const pairs = [
    [seq.getOutputs()[0], single.getOutputs()[0], "output"],
    [seq.getInputGrads()[0], single.getInputGrads()[0], "data gradient"],
  ] as const;
  for (const [a, b, what] of pairs) {
    const [x, y] = [await a.data() as Float32Array, await b.data() as Float32Array];
    assert.equal(x.length, y.length);
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-5, `${what}[${i}] ${v} vs ${y[i]}`));
  }
  assert.ok((await seq.getInputGrads()[0].data() as Float32Array).some((v) => v !== 0));
  for (const a of [...Object.values(argParams), head]) a.dispose();
  batch.dispose();
  seq.dispose();
  single.dispose();
});

Deno.test("SequentialModule: clear errors for an empty chain, a typo, shared names", () => {
  assert.throws(
    () => new mx.mod.SequentialModule().bind({ dataShapes: [["data", [1, 2]]] }),
    /the chain is empty/,
  );
  const fc = () =>
    new mx.mod.Module({
      symbol: mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 2, name: "fc" }),
      labelNames: [],
    });
  assert.throws(
    () => new mx.mod.SequentialModule().add(fc(), { takeLabel: true } as never),
    mx.ParamError,
  );
  const seq = new mx.mod.SequentialModule().add(fc()).add(fc(), { autoWiring: true });
  seq.bind({ dataShapes: [["data", [1, 2]]], forTraining: false });
  assert.throws(
    () => seq.initParams(),
    /parameter fc_weight of module 1 is already used by module 0/,
  );
  assert.throws(() => seq.update(), /call initOptimizer first/);
  seq.dispose();
});
