/** The Symbol examples of the seed document, spelled as in API.md. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest } from "../_harness.ts";

Deno.test("seed 1: a 2-layer perceptron and its auto-generated argument names", () => {
  let net = mx.sym.Variable("data");
  net = mx.sym.FullyConnected({ data: net, name: "fc1", numHidden: 128 });
  net = mx.sym.Activation({ data: net, name: "relu1", actType: "relu" });
  net = mx.sym.FullyConnected({ data: net, name: "fc2", numHidden: 64 });
  net = mx.sym.SoftmaxOutput({ data: net, name: "out" });
  assert.ok(net instanceof mx.sym.Symbol);
  assert.deepEqual(net.listArguments(), [
    "data",
    "fc1_weight",
    "fc1_bias",
    "fc2_weight",
    "fc2_bias",
    "out_label",
  ]);
});

Deno.test("seed 2: explicitly named weights", () => {
  let net2 = mx.sym.Variable("data");
  const w = mx.sym.Variable("myweight");
  net2 = mx.sym.FullyConnected({ data: net2, weight: w, name: "fc1", numHidden: 128 });
  assert.deepEqual(net2.listArguments(), ["data", "myweight", "fc1_bias"]);
});

Deno.test("seed 3: symbols combined before a fully connected layer", () => {
  const lhs = mx.sym.Variable("data1");
  const rhs = mx.sym.Variable("data2");
  const net = mx.sym.FullyConnected({ data: lhs.add(rhs), name: "fc1", numHidden: 128 });
  assert.deepEqual(net.listArguments(), ["data1", "data2", "fc1_weight", "fc1_bias"]);
});

Deno.test("seed 4: composition replaces an argument and prefixes names", () => {
  let net = mx.sym.Variable("data");
  net = mx.sym.FullyConnected({ data: net, name: "fc1", numHidden: 128 });
  let net2 = mx.sym.Variable("data2");
  net2 = mx.sym.FullyConnected({ data: net2, name: "net2", numHidden: 128 });
  const composed = net.compose({ data: net2 }, { name: "compose" });
  assert.deepEqual(composed.listArguments(), [
    "data2",
    "net2_weight",
    "net2_bias",
    "compose_fc1_weight",
    "compose_fc1_bias",
  ]);
});

Deno.test("seed 5: shape inference from the data shape", () => {
  let net = mx.sym.Variable("data");
  net = mx.sym.FullyConnected({ data: net, name: "fc1", numHidden: 10 });
  const { argShapes, outShapes } = net.inferShape({ data: [100, 100] });
  const names = net.listArguments();
  assert.deepEqual(Object.fromEntries(names.map((n, i) => [n, argShapes[i]])), {
    data: [100, 100],
    fc1_weight: [10, 100],
    fc1_bias: [10],
  });
  assert.deepEqual(outShapes, [[100, 10]]);
});

backendTest("seed 6: simpleBind, forward and backward of a network", async () => {
  let net = mx.sym.Variable("data");
  net = mx.sym.FullyConnected({ data: net, name: "fc1", numHidden: 8 });
  net = mx.sym.Activation({ data: net, name: "relu1", actType: "relu" });
  net = mx.sym.FullyConnected({ data: net, name: "fc2", numHidden: 3 });
  net = mx.sym.SoftmaxOutput({ data: net, name: "out" });
  const texec = net.simpleBind(mx.cpu(), { data: [4, 5] });
  assert.deepEqual(texec.argDict.out_label.shape, [4]);
  mx.random.seed(3);
  for (const n of ["fc1_weight", "fc2_weight", "data"]) {
    texec.argDict[n].set(mx.random.uniform(-1, 1, texec.argDict[n].shape));
  }
  texec.argDict.out_label.set([0, 1, 2, 1]);
  texec.forward({ isTrain: true });
  texec.backward();
  const p = await texec.outputs[0].array() as number[][];
  for (const row of p) assert.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-5);
  // SoftmaxOutput's gradient w.r.t. fc2's output is p - onehot(label); fc2_bias sums it.
  const labels = [0, 1, 2, 1];
  const expect = [0, 1, 2].map((j) =>
    p.reduce((s, row, i) => s + row[j] - (labels[i] === j ? 1 : 0), 0)
  );
  const got = Array.from(await texec.gradDict.fc2_bias.data() as Float32Array);
  got.forEach((g, j) => assert.ok(Math.abs(g - expect[j]) < 1e-5, `fc2_bias grad ${j}`));
  texec.dispose();
  for (const a of [...Object.values(texec.argDict), ...Object.values(texec.gradDict)]) a.dispose();
});
