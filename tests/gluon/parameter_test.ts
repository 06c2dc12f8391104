/**
 * Parameter and ParameterDict: deferred shapes, initialization on several contexts,
 * gradients and their requests, multipliers, casts, contexts, constants, selection,
 * and their errors.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { values } from "../_harness.ts";

const { Parameter, Constant, ParameterDict, DeferredInitializationError } = mx.gluon;

Deno.test("Parameter: initialize with its own initializer, data/grad, gradReq write", async () => {
  const p = new Parameter("w_weight", { shape: [2, 3], init: "ones" });
  assert.throws(() => p.data(), /w_weight has not been initialized: call initialize\(\)/);
  p.initialize();
  assert.deepEqual(await values(p.data()), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(p.shape, [2, 3]);
  assert.equal(p.dtype, "float32");
  assert.deepEqual(await values(p.grad()), [0, 0, 0, 0, 0, 0]);
  // The data is an autograd variable whose gradient is p.grad().
  const y = mx.autograd.record(() => p.data().mul(3).sum());
  y.backward();
  assert.deepEqual(await values(p.grad()), [3, 3, 3, 3, 3, 3]);
  assert.equal(p.data().grad, p.grad());
  p.zeroGrad();
  assert.deepEqual(await values(p.grad()), [0, 0, 0, 0, 0, 0]);
  assert.equal(String(p), "Parameter w_weight (shape=(2, 3), dtype=float32)");
  p.dispose();
});

Deno.test("Parameter: gradReq add accumulates, null drops the gradient", async () => {
  const p = new Parameter("acc_weight", { shape: [2], gradReq: "add", init: "ones" });
  p.initialize();
  for (let i = 0; i < 3; i++) mx.autograd.record(() => p.data().mul(2).sum()).backward();
  assert.deepEqual(await values(p.grad()), [6, 6]);
  p.gradReq = "null";
  assert.throws(() => p.grad(), /no gradient because gradReq is "null"/);
  assert.deepEqual(await values(p.data()), [1, 1]);
  p.gradReq = "write";
  mx.autograd.record(() => p.data().mul(5).sum()).backward();
  assert.deepEqual(await values(p.grad()), [5, 5]);
  assert.throws(() => (p.gradReq = "sometimes" as mx.gluon.GradReq), /gradReq must be/);
  p.dispose();
});

Deno.test("Parameter: deferred shape until known; DeferredInitializationError says what to do", async () => {
  const p = new Parameter("fc_weight", { shape: [4, 0], allowDeferredInit: true });
  p.initialize(new mx.init.Constant(2));
  assert.throws(() => p.data(), DeferredInitializationError);
  try {
    p.data();
  } catch (e) {
    assert.ok(e instanceof mx.MXNetError);
    assert.match(String(e), /deferred/);
    assert.match(String(e), /Run a forward pass first/);
    assert.match(String(e), /input size \(inUnits, inChannels\)/);
  }
  assert.deepEqual(p.listCtx().map(String), ["cpu(0)"]);
  p.shape = [4, 3];
  assert.deepEqual(await values(p.data()), new Array(12).fill(2));
  assert.throws(() => (p.shape = [4, 5]), /incompatible/);
  // Without allowDeferredInit an unknown shape cannot be initialized.
  const q = new Parameter("q_weight", { shape: [0, 2] });
  assert.throws(() => q.initialize(), /cannot initialize with shape \[0,2\]/);
  p.dispose();
});

Deno.test("Parameter: one copy per context, setData, listData, resetCtx, _reduce", async () => {
  const c0 = mx.cpu(0), c1 = mx.cpu(1);
  const p = new Parameter("m_weight", { shape: [3], init: "zeros" });
  p.initialize(null, { ctx: [c0, c1] });
  assert.deepEqual(p.listCtx().map(String), ["cpu(0)", "cpu(1)"]);
  assert.equal(p.data(c1).context.deviceId, 1);
  assert.equal(p.listData().length, 2);
  assert.equal(p.listGrad().length, 2);
  assert.throws(() => p.data(mx.cpu(2)), /not initialized on context cpu\(2\).*cpu\(0\), cpu\(1\)/);
  p.setData(mx.nd.array([1, 2, 3]));
  for (const d of p.listData()) assert.deepEqual(await values(d), [1, 2, 3]);
  p.data(c1).set(mx.nd.array([3, 4, 5], { ctx: c1 }));
  const avg = p._reduce();
  assert.deepEqual(await values(avg), [2, 3, 4]);
  avg.dispose();
  p.resetCtx(c1);
  assert.deepEqual(p.listCtx().map(String), ["cpu(1)"]);
  assert.deepEqual(await values(p.data()), [2, 3, 4]);
  // Initializing twice warns and keeps the data; forceReinit replaces it.
  p.initialize("ones", { ctx: c0, forceReinit: true });
  assert.deepEqual(await values(p.data()), [1, 1, 1]);
  p.dispose();
});

Deno.test("Parameter: cast converts data and gradient; dtype setter; var()", async () => {
  const p = new Parameter("c_weight", { shape: [2], init: "ones" });
  p.initialize();
  p.cast("float64");
  assert.equal(p.dtype, "float64");
  assert.equal(p.data().dtype, "float64");
  assert.equal(p.grad().dtype, "float64");
  mx.autograd.record(() => p.data().mul(4).sum()).backward();
  assert.deepEqual(await values(p.grad()), [4, 4]);
  p.dtype = "float32";
  assert.equal(p.data().dtype, "float32");
  const v = p.var();
  assert.equal(v.name, "c_weight");
  assert.equal(v.attr("__shape__"), "(2,)");
  p.dispose();
});

Deno.test("Constant: fixed value, no gradient, setData changes it", async () => {
  const c = new Constant("const", [[1, 2], [3, 4]]);
  assert.equal(c.gradReq, "null");
  c.initialize();
  assert.deepEqual(await c.data().array(), [[1, 2], [3, 4]]);
  c.gradReq = "write"; // ignored with a warning, as MXNet
  assert.equal(c.gradReq, "null");
  c.setData(mx.nd.array([[0, 0], [0, 1]]));
  assert.deepEqual(await c.data().array(), [[0, 0], [0, 1]]);
  const d = new ParameterDict("blk_");
  const k = d.getConstant("k", [5, 6]);
  assert.equal(k.name, "blk_k");
  assert.equal(d.getConstant("k"), k);
  assert.throws(() => d.getConstant("missing"), /no constant named blk_missing/);
  c.dispose();
});

Deno.test("ParameterDict: get with prefix, sharing, update clash, setattr, at", () => {
  const a = new ParameterDict("a_");
  const w = a.get("weight", { shape: [2, 0] });
  assert.equal(w.name, "a_weight");
  assert.equal(a.get("weight", { shape: [2, 3] }), w);
  assert.deepEqual(w.shape, [2, 3]);
  assert.throws(
    () => a.get("weight", { dtype: "float64" }),
    /dtype is "float32", asked for "float64"/,
  );
  const b = new ParameterDict("a_", a);
  assert.equal(b.get("weight"), w);
  const other = new ParameterDict("a_");
  other.get("weight", { shape: [1] });
  assert.throws(() => a.update(other), /two different parameters are named a_weight/);
  a.setattr("lr_mult", 0.5);
  a.setattr("wdMult", 0);
  assert.equal(w.lrMult, 0.5);
  assert.equal(w.wdMult, 0);
  assert.throws(() => a.setattr("colour", 1), /unknown attribute colour/);
  assert.equal(a.at("a_weight"), w);
  // A full name without options is looked up as it is (Python's params["a_weight"]).
  assert.equal(a.get("a_weight"), w);
  assert.throws(() => a.at("weight"), /no parameter named weight; it holds a_weight/);
  assert.deepEqual([...a.keys()], ["a_weight"]);
  assert.equal(a.size, 1);
});

Deno.test("ParameterDict: save and load by name, with missing/extra errors", async () => {
  const d = new ParameterDict("net_");
  d.get("weight", { shape: [2], init: "ones" });
  d.get("bias", { shape: [2], init: "zeros" });
  d.initialize();
  const f = await Deno.makeTempFile({ suffix: ".params" });
  try {
    await d.save(f, "net_");
    assert.deepEqual(Object.keys(await mx.nd.load(f)).sort(), ["bias", "weight"]);
    const e = new ParameterDict("net_");
    e.get("weight", { shape: [2] });
    e.get("bias", { shape: [2] });
    await e.load(f, { restorePrefix: "net_" });
    assert.deepEqual(await values(e.at("net_weight").data()), [1, 1]);
    const g = new ParameterDict("x_");
    g.get("weight", { shape: [2] });
    await assert.rejects(
      () => g.load(f, { restorePrefix: "x_" }),
      /parameter bias from file .* is not in the network/,
    );
    const h = new ParameterDict("net_");
    h.get("weight", { shape: [2] });
    h.get("gamma", { shape: [2] });
    await assert.rejects(
      () => h.load(f, { restorePrefix: "net_" }),
      /parameter\(s\) gamma missing in file/,
    );
    await h.load(f, { restorePrefix: "net_", allowMissing: true, ignoreExtra: true });
    assert.deepEqual(await values(h.at("net_weight").data()), [1, 1]);
    for (const x of [d, e, h]) x.dispose();
  } finally {
    await Deno.remove(f);
  }
});

Deno.test("Parameter: unknown options are a ParamError naming the nearest key", () => {
  assert.throws(
    () => new Parameter("w", { shap: [2] } as mx.gluon.ParameterOptions),
    /unknown option shap; did you mean shape\?/,
  );
  assert.throws(
    () => new Parameter("w", { stype: "row_sparse" }),
    /stype row_sparse is not supported/,
  );
});

Deno.test("Parameter: without an initializer of its own, the default's weight rule fills it, whatever its name", async () => {
  // MXNet's Gluon passes the default as the parameter's `__init__`: no name patterns, so a
  // parameter named like lstm_crf's transition matrix initialises (it threw "unknown
  // initialization pattern" before), and a "bias" gets the default's values too.
  const transitions = new Parameter("crf_transitions", { shape: [2, 2] });
  const bias = new Parameter("fc_bias", { shape: [3] });
  for (const p of [transitions, bias]) {
    p.initialize(null, { defaultInit: new mx.init.Constant(0.5) });
  }
  assert.deepEqual(await values(transitions.data()), [0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(await values(bias.data()), [0.5, 0.5, 0.5]);
  for (const p of [transitions, bias]) p.dispose();
});
