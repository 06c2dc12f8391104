/** Symbol graphs: naming, composition, attributes, inference, JSON, executors. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

Deno.test("arithmetic symbols get MXNet's automatic names", () => {
  mx.name.resetNames();
  const a = mx.sym.Variable("a"), b = mx.sym.Variable("b");
  const c = a.add(b);
  assert.equal(c.name, "_plus0");
  assert.equal(a.mul(b).name, "_mul0");
  assert.equal(a.add(b).name, "_plus1");
  assert.deepEqual(c.listArguments(), ["a", "b"]);
  assert.deepEqual(c.listOutputs(), ["_plus0_output"]);
  assert.ok(c instanceof mx.sym.Symbol);
});

Deno.test("variables carry shape, dtype, lr/wd multipliers as MXNet attributes", () => {
  const v = mx.sym.Variable("w", { shape: [3, 4], dtype: "float64", lrMult: 0.5, wdMult: 2 });
  assert.deepEqual(v.listAttr(), {
    __shape__: "(3, 4)",
    __dtype__: "float64",
    __lr_mult__: "0.5",
    __wd_mult__: "2",
  });
  assert.deepEqual(v.inferShape().argShapes, [[3, 4]]);
  assert.deepEqual(v.inferType().argTypes, ["float64"]);
});

Deno.test("name prefix scopes", () => {
  const s = mx.name.prefix("net_", () => mx.sym.exp(mx.sym.Variable("x"), { name: "e" }));
  assert.equal(s.name, "net_e");
});

Deno.test("inferShape propagates and reports contradictions with the node name", () => {
  const a = mx.sym.Variable("a"), b = mx.sym.Variable("b");
  const c = mx.sym.dot(a, b, { name: "d" });
  const r = c.inferShape({ a: [2, 3], b: [3, 5] });
  assert.deepEqual(r.outShapes, [[2, 5]]);
  assert.throws(() => c.inferShape({ a: [2, 3], b: [4, 5] }), (e: unknown) => {
    assert.ok(e instanceof mx.ShapeError);
    assert.match((e as Error).message, /node d/);
    return true;
  });
  assert.throws(() => c.inferShape({ a: [2, 3] }), /cannot infer the shapes of b/);
  assert.deepEqual(c.inferShapePartial({ a: [2, 3] }).argShapes, [[2, 3], undefined]);
});

Deno.test("Group, getInternals, getChildren, get", () => {
  const x = mx.sym.Variable("x");
  const e = mx.sym.exp(x, { name: "e" });
  const s = mx.sym.sqrt(e, { name: "s" });
  const g = mx.sym.Group([e, s]);
  assert.deepEqual(g.listOutputs(), ["e_output", "s_output"]);
  assert.deepEqual(s.getInternals().listOutputs(), ["x", "e_output", "s_output"]);
  assert.deepEqual(s.getChildren()!.listOutputs(), ["e_output"]);
  assert.equal(s.getInternals().get("e_output").name, "e");
});

backendTest("seed: bind A * B and forward", async () => {
  const A = mx.sym.Variable("A");
  const B = mx.sym.Variable("B");
  const C = A.mul(B);
  const a = mx.nd.ones([3]).mul(4);
  const b = mx.nd.ones([3]).mul(2);
  const ex = C.bind(mx.cpu(), { A: a, B: b });
  ex.forward();
  assert.deepEqual(await ex.outputs[0].array(), [8, 8, 8]);
  ex.dispose();
});

backendTest("executor backward matches the analytic gradient and reuses outputs", async () => {
  const x = mx.sym.Variable("x"), w = mx.sym.Variable("w");
  const y = mx.sym.sum(mx.sym.square(mx.sym.dot(x, w)));
  const ex = y.simpleBind(mx.cpu(), { x: [2, 3], w: [3, 1] });
  ex.argDict.x.set([[1, 2, 3], [4, 5, 6]]);
  ex.argDict.w.set([[1], [0], [-1]]);
  const out = ex.forward({ isTrain: true })[0];
  assert.deepEqual(await values(out), [8]); // (1-3)^2 + (4-6)^2
  ex.backward();
  // d/dw sum((xw)^2) = 2 x^T (xw) = 2 * [[1,4],[2,5],[3,6]] . [[-2],[-2]]
  assert.deepEqual(await values(ex.gradDict.w), [-20, -28, -36]);
  const again = ex.forward({ isTrain: true })[0];
  assert.equal(again, out, "outputs are the same arrays every forward, as in MXNet");
  ex.backward();
  assert.deepEqual(await values(ex.gradDict.w), [-20, -28, -36], "gradReq write overwrites");
  ex.dispose();
  for (const a of [...Object.values(ex.argDict), ...Object.values(ex.gradDict)]) a.dispose();
});

backendTest("gradReq add accumulates; null leaves no gradient", async () => {
  const x = mx.sym.Variable("x"), k = mx.sym.Variable("k");
  const y = mx.sym.sum(x.mul(k));
  const ex = y.simpleBind(mx.cpu(), { x: [2], k: [2] }, { gradReq: { x: "add", k: "null" } });
  ex.argDict.k.set([3, 4]);
  for (let i = 0; i < 2; i++) {
    ex.forward({ isTrain: true });
    ex.backward();
  }
  assert.deepEqual(await values(ex.gradDict.x), [6, 8]);
  assert.equal(ex.gradDict.k, undefined);
  ex.dispose();
  for (const a of [...Object.values(ex.argDict), ...Object.values(ex.gradDict)]) a.dispose();
});

backendTest("a 1,000-step forward/backward loop keeps memory flat", async () => {
  const x = mx.sym.Variable("x"), w = mx.sym.Variable("w");
  const y = mx.sym.sum(mx.sym.tanh(mx.sym.dot(x, w)));
  const ex = y.simpleBind(mx.cpu(), { x: [8, 4], w: [4, 3] });
  ex.forward({ isTrain: true });
  ex.backward();
  await mx.nd.waitAll();
  const base = mx.nd.memoryInfo().count;
  for (let i = 0; i < 1000; i++) {
    ex.forward({ isTrain: true });
    ex.backward();
  }
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, base);
  const g = await values(ex.gradDict.w);
  assert.ok(g.every((v) => Number.isFinite(v)));
  ex.dispose();
  for (const a of [...Object.values(ex.argDict), ...Object.values(ex.gradDict)]) a.dispose();
});

backendTest("executor gradients equal autograd's on the same graph", async () => {
  const xv = mx.nd.array([[0.5, -1], [2, 0.25]]);
  const x = mx.sym.Variable("x");
  const y = mx.sym.sum(mx.sym.softmax(mx.sym.sigmoid(x)).mul(mx.sym.Variable("c")));
  const c = mx.nd.array([[1, 2], [3, 4]]);
  const ex = y.bind(mx.cpu(), { x: xv, c }, { argsGrad: { x: mx.nd.zeros([2, 2]) } });
  ex.forward({ isTrain: true });
  ex.backward();
  const x2 = xv.copy();
  x2.attachGrad();
  const z = mx.autograd.record(() => x2.sigmoid().softmax().mul(c).sum());
  z.backward();
  assertClose(await values(ex.gradDict.x), await values(x2.grad!), { rtol: 1e-6 });
  ex.dispose();
});

Deno.test("JSON: attributes stringified MXNet's way and loaded back", () => {
  const x = mx.sym.Variable("x", { shape: [2, 2] });
  const s = mx.sym.sum(x, { axis: [0], keepdims: true, name: "s" });
  const json = s.toJSON();
  assert.match(json, /"attrs": \{\n\s+"axis": "\(0,\)", \n\s+"keepdims": "True"\n\s+\}/);
  const back = mx.sym.loadJSON(json);
  assert.equal(back.toJSON(), json);
  assert.deepEqual(back.inferShape().outShapes, [[1, 2]]);
});
