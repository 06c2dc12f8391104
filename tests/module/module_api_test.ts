// Module: reshape, states, saveParams/loadParams, borrowOptimizer, outputShapes, prepare,
// installMonitor (MXNet 1.9.1's module.py semantics).
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest } from "../_harness.ts";

const fcNet = () => mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 2, name: "fc" });

const values = async (a: mx.NDArray) => Array.from(await a.data() as Float32Array);

/** A batch of data only (no labels). */
const batchOf = (rows: number[][]) => new mx.io.DataBatch({ data: [mx.nd.array(rows)] });

backendTest("Module.reshape: new batch size, same weights, outputs X·Wᵀ+b", async () => {
  const mod = new mx.mod.Module({ symbol: fcNet(), labelNames: [] });
  mod.bind({ dataShapes: [["data", [4, 3]]], forTraining: false });
  mx.random.seed(3);
  mod.initParams({ initializer: new mx.init.Uniform(1) });
  const before = mod.getParams().argParams;
  assert.deepEqual(mod.outputShapes, [["fc_output", [4, 2]]]);

  mod.reshape([["data", [6, 3]]]);
  assert.deepEqual(mod.dataShapes.map((d) => [d.name, d.shape]), [["data", [6, 3]]]);
  assert.deepEqual(mod.outputShapes, [["fc_output", [6, 2]]]);
  const after = mod.getParams().argParams;
  for (const n of ["fc_weight", "fc_bias"]) {
    assert.deepEqual(await values(after[n]), await values(before[n]), `${n} kept`);
  }
  const rows = Array.from({ length: 6 }, (_, i) => [i, 1 - i, 0.5 * i]);
  const batch = batchOf(rows);
  mod.forward(batch);
  const [out] = mod.getOutputs();
  assert.deepEqual(out.shape, [6, 2]);
  const w = await values(before.fc_weight), b = await values(before.fc_bias);
  const got = await values(out);
  rows.forEach((r, i) =>
    [0, 1].forEach((j) => {
      const want = r[0] * w[j * 3] + r[1] * w[j * 3 + 1] + r[2] * w[j * 3 + 2] + b[j];
      assert.ok(
        Math.abs(got[i * 2 + j] - want) < 1e-5,
        `out[${i}][${j}] ${got[i * 2 + j]} vs ${want}`,
      );
    })
  );
  assert.throws(
    () => mod.reshape([["x", [2, 3]]]),
    /data shapes name x, but the module's data names are data/,
  );

  // An installed monitor moves to the reshaped executors.
  const mon = new mx.monitor.Monitor(1, (a) => mx.nd.array([a.shape[0]]), "fc_output|data");
  mod.installMonitor(mon);
  mod.reshape([["data", [5, 3]]]);
  mon.tic();
  const five = batchOf(rows.slice(0, 5));
  mod.forward(five);
  assert.deepEqual(await mon.toc(), [[1, "fc_output", "5.0\t"], [1, "data", "5.0\t"]]);
  five.dispose();
  batch.dispose();
  for (const a of [...Object.values(before), ...Object.values(after)]) a.dispose();
  mod.dispose();
});

Deno.test("Module.saveParams/loadParams: arg:/aux: file, bit-identical round trip", async () => {
  let net = mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 3, name: "fc" });
  net = mx.sym.BatchNorm(net, { name: "bn" });
  const mod = new mx.mod.Module({ symbol: net, labelNames: [] });
  mod.bind({ dataShapes: [["data", [2, 4]]] });
  mx.random.seed(11);
  mod.initParams({ initializer: new mx.init.Xavier() });
  // Give the auxiliary states values an initializer would not.
  mx.nd.scope(() =>
    mod.setParams(mod.getParams().argParams, {
      bn_moving_mean: mx.nd.array([0.1, -0.2, 0.3]),
      bn_moving_var: mx.nd.array([1.5, 2.5, 0.75]),
    })
  );
  const dir = await Deno.makeTempDir();
  const file = `${dir}/m.params`;
  await mod.saveParams(file);
  const saved = await mx.nd.loadDict(file);
  assert.deepEqual(Object.keys(saved).sort(), [
    "arg:bn_beta",
    "arg:bn_gamma",
    "arg:fc_bias",
    "arg:fc_weight",
    "aux:bn_moving_mean",
    "aux:bn_moving_var",
  ]);

  // A fresh module, parameters loaded before bind (they wait for it) and after.
  const other = new mx.mod.Module({ symbol: net, labelNames: [] });
  await other.loadParams(file);
  other.bind({ dataShapes: [["data", [2, 4]]] });
  const a = mod.getParams(), b = other.getParams();
  for (const kind of ["argParams", "auxParams"] as const) {
    for (const [n, v] of Object.entries(a[kind])) {
      assert.deepEqual(await values(b[kind][n]), await values(v), `${kind} ${n}`);
    }
  }
  const third = new mx.mod.Module({ symbol: net, labelNames: [] });
  third.bind({ dataShapes: [["data", [2, 4]]] });
  third.initParams();
  await third.loadParams(file);
  const c = third.getParams();
  assert.deepEqual(await values(c.auxParams.bn_moving_var), [1.5, 2.5, 0.75]);

  await mx.nd.save(`${dir}/bad.params`, { fc_weight: mx.nd.ones([3, 4]) });
  await assert.rejects(() => third.loadParams(`${dir}/bad.params`), mx.FormatError);
  for (const r of [a, b, c]) {
    for (const x of [...Object.values(r.argParams), ...Object.values(r.auxParams)]) x.dispose();
  }
  for (const x of Object.values(saved)) x.dispose();
  mod.dispose();
  other.dispose();
  third.dispose();
  await Deno.remove(dir, { recursive: true });
});

backendTest("Module stateNames: getStates/setStates carry a state across batches", async () => {
  // out = data + state: the state is an input the module neither feeds nor learns.
  // The state's shape comes from its variable (`__shape__`), as MXNet's begin states do.
  const net = mx.sym.Variable("data").add(mx.sym.Variable("state", { shape: [2, 3] }));
  const mod = new mx.mod.Module({ symbol: net, labelNames: [], stateNames: ["state"] });
  assert.deepEqual(mod.paramNames, []);
  mod.bind({ dataShapes: [["data", [2, 3]]] });
  mod.initParams();
  assert.deepEqual(Object.keys(mod.getParams().argParams), []);
  mod.setStates({ value: 2 });
  const batch = batchOf([[1, 2, 3], [4, 5, 6]]);
  mod.forward(batch, { isTrain: true });
  assert.deepEqual(await values(mod.getOutputs()[0]), [3, 4, 5, 6, 7, 8]);
  mod.backward([mx.nd.ones([2, 3])]);
  const [state] = mod.getStates();
  assert.deepEqual(await values(state), [2, 2, 2, 2, 2, 2]);

  // Feeding the output back as the next state, as an RNN's unrolled step does.
  mod.setStates({ states: [mod.getOutputs()[0]] });
  mod.forward(batch, { isTrain: false });
  assert.deepEqual(await values(mod.getOutputs()[0]), [4, 6, 8, 10, 12, 14]);

  assert.throws(() => mod.setStates({}), /exactly one of states and value/);
  assert.throws(
    () => mod.setStates({ states: [mx.nd.zeros([3, 3])] }),
    /state state has shape \[3,3\], bound as \[2,3\]/,
  );
  assert.throws(
    () => new mx.mod.Module({ symbol: net, labelNames: [], stateNames: ["h"] }),
    /state name h is not an argument/,
  );
  batch.dispose();
  mod.dispose();
});

backendTest("Module.borrowOptimizer: both modules step the same momentum states", async () => {
  const x = [[1, 2, 3], [0.5, -1, 2]];
  const head = mx.nd.array([[1, -1], [0.5, 2]]);
  const make = () => {
    const m = new mx.mod.Module({ symbol: fcNet(), labelNames: [] });
    m.bind({ dataShapes: [["data", [2, 3]]] });
    return m;
  };
  const init = { weight: mx.nd.array([[0.1, 0.2, 0.3], [-0.1, 0.4, 0.2]]), bias: mx.nd.zeros([2]) };
  const step = (m: mx.mod.Module) => {
    const batch = batchOf(x);
    m.forward(batch, { isTrain: true });
    m.backward([head]);
    m.update();
    batch.dispose();
  };
  const sgd = { optimizer: "sgd", optimizerParams: { learningRate: 0.1, momentum: 0.9 } };
  // Reference: one module, two steps.
  const ref = make();
  ref.initParams({ argParams: { fc_weight: init.weight, fc_bias: init.bias } });
  ref.initOptimizer(sgd);
  step(ref);
  step(ref);

  const first = make(), second = make();
  first.initParams({ argParams: { fc_weight: init.weight, fc_bias: init.bias } });
  first.initOptimizer(sgd);
  const bare = make();
  assert.throws(() => first.borrowOptimizer(bare), /shared module has no optimizer yet/);
  bare.dispose();
  step(first);
  mx.nd.scope(() => second.setParams(first.getParams().argParams));
  second.borrowOptimizer(first);
  assert.equal(second.optimizer, first.optimizer);
  step(second);
  const want = ref.getParams().argParams, got = second.getParams().argParams;
  for (const n of ["fc_weight", "fc_bias"]) {
    const [g, w] = [await values(got[n]), await values(want[n])];
    w.forEach((v, i) => assert.ok(Math.abs(g[i] - v) < 1e-6, `${n}[${i}] ${g[i]} vs ${v}`));
  }
  for (const a of [...Object.values(want), ...Object.values(got), head, init.weight, init.bias]) {
    a.dispose();
  }
  second.dispose();
  first.dispose();
  ref.dispose();
});

backendTest(
  "Module.outputShapes/prepare/installMonitor: shapes over devices; fit with a monitor",
  async () => {
    let net = mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 2, name: "fc" });
    net = mx.sym.SoftmaxOutput(net, { name: "softmax" });
    const mod = new mx.mod.Module({ symbol: net, context: [mx.cpu(0), mx.cpu(1)] });
    assert.throws(() => mod.prepare(batchOf([[1]])), /Module.prepare: call bind first/);
    mod.bind({ dataShapes: [["data", [6, 3]]], labelShapes: [["softmax_label", [6]]] });
    assert.deepEqual(mod.outputNames, ["softmax_output"]);
    assert.deepEqual(mod.outputShapes, [["softmax_output", [6, 2]]]);

    mx.random.seed(2);
    const it = new mx.io.NDArrayIter({
      data: mx.random.uniform(-1, 1, [12, 3]),
      label: mx.nd.array(Array.from({ length: 12 }, (_, i) => i % 2)),
      batchSize: 6,
    });
    const mon = new mx.monitor.Monitor(1, null, "fc_weight|softmax_output");
    const lines: string[] = [];
    await mod.fit(it, { numEpoch: 1, monitor: mon, logger: (l) => lines.push(l) });
    const batchLines = lines.filter((l) => l.startsWith("Batch:"));
    // Two batches, two executors: each logs softmax_output and fc_weight per device.
    assert.equal(batchLines.length, 2 * 2 * 2, lines.join("\n"));
    assert.ok(batchLines.some((l) => /^Batch: {7}2 softmax_output/.test(l)), batchLines.join("\n"));
    // Both devices hold the same weights: the same statistic.
    const weights = batchLines.filter((l) => l.includes("fc_weight"));
    assert.equal(weights[0], weights[1]);
    assert.equal(weights[2], weights[3]);
    it.dispose?.();
    mod.dispose();
  },
);
