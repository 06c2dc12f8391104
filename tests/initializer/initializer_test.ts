/** Initializers against their formulas: exact values, or sample moments and bounds. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as init from "../../src/initializer/mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

function moments(v: number[]): { mean: number; std: number; maxAbs: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, maxAbs: Math.max(...v.map(Math.abs)) };
}

backendTest("initializer: name suffixes choose the rule, as MXNet", async () => {
  const ini = new init.Uniform(0.5);
  const cases: [string, number | null][] = [
    ["fc1_weight", null],
    ["fc1_bias", 0],
    ["bn_gamma", 1],
    ["bn_beta", 0],
    ["bn_moving_mean", 0],
    ["bn_moving_var", 1],
    ["q_min", 0],
    ["q_max", 1],
  ];
  for (const [name, want] of cases) {
    const a = mx.nd.full([50], 7);
    ini.init(name, a);
    const v = await values(a);
    if (want === null) assert.ok(v.every((x) => x >= -0.5 && x < 0.5 && x !== 7), name);
    else assert.deepEqual(v, new Array(50).fill(want), name);
  }
  assert.throws(
    () => ini.init("fc1_something", mx.nd.zeros([2])),
    /unknown initialization pattern for "fc1_something"/,
  );
  // A Variable's __init__ attribute overrides the suffix rule.
  const a = mx.nd.zeros([3]);
  ini.init(new init.InitDesc("x_bias", { __init__: new init.Constant(3).dumps() }), a);
  assert.deepEqual(await values(a), [3, 3, 3]);
});

backendTest("initializer: Zero, One, Constant", async () => {
  const a = mx.nd.full([2, 2], 5);
  new init.Zero().init("w_weight", a);
  assert.deepEqual(await values(a), [0, 0, 0, 0]);
  new init.One().init("w_weight", a);
  assert.deepEqual(await values(a), [1, 1, 1, 1]);
  new init.Constant(0.25).init("w_weight", a);
  assert.deepEqual(await values(a), [0.25, 0.25, 0.25, 0.25]);
  new init.Constant(mx.nd.array([1, 2])).init("w_weight", a);
  assert.deepEqual(await values(a), [1, 2, 1, 2]);
});

backendTest("initializer: Uniform and Normal moments; seeded", async () => {
  mx.random.seed(3);
  const a = mx.nd.zeros([100, 100]);
  new init.Uniform(0.2).init("w_weight", a);
  const u = moments(await values(a));
  assert.ok(
    u.maxAbs <= 0.2 && Math.abs(u.mean) < 0.01 && Math.abs(u.std - 0.2 / Math.sqrt(3)) < 0.005,
  );
  new init.Normal(0.3).init("w_weight", a);
  const n = moments(await values(a));
  assert.ok(Math.abs(n.mean) < 0.01 && Math.abs(n.std - 0.3) < 0.01, JSON.stringify(n));
  mx.random.seed(3);
  const b = mx.nd.zeros([100, 100]);
  new init.Uniform(0.2).init("w_weight", b);
  mx.random.seed(3);
  new init.Uniform(0.2).init("w_weight", a);
  assert.deepEqual(await values(a), await values(b));
});

backendTest("initializer: Xavier, all fan and distribution choices; MSRAPrelu", async () => {
  const shape = [64, 32, 3, 3]; // fanIn 32*9 = 288, fanOut 64*9 = 576
  const fans = { avg: (288 + 576) / 2, in: 288, out: 576 };
  for (const factorType of ["avg", "in", "out"] as const) {
    for (const rndType of ["uniform", "gaussian"] as const) {
      const a = mx.nd.zeros(shape);
      new init.Xavier({ rndType, factorType, magnitude: 2 }).init("conv_weight", a);
      const s = Math.sqrt(2 / fans[factorType]);
      const m = moments(await values(a));
      const std = rndType === "uniform" ? s / Math.sqrt(3) : s;
      assert.ok(
        Math.abs(m.std - std) < 0.03 * std,
        `${factorType}/${rndType}: std ${m.std} vs ${std}`,
      );
      if (rndType === "uniform") assert.ok(m.maxAbs <= s);
    }
  }
  const a = mx.nd.zeros([100, 200]);
  new init.MSRAPrelu({ factorType: "in", slope: 0 }).init("fc_weight", a);
  const m = moments(await values(a));
  assert.ok(Math.abs(m.std - Math.sqrt(2 / 200)) < 0.003, `MSRA std ${m.std}`);
  assert.throws(
    () => new init.Xavier().init("v_weight", mx.nd.zeros([5])),
    /v_weight of shape \[5\]; it needs at least 2 axes/,
  );
});

backendTest("initializer: Orthogonal rows or columns are orthonormal times scale", async () => {
  for (
    const [shape, rand] of [[[4, 10], "uniform"], [[12, 3], "normal"], [
      [6, 2, 2, 2],
      "uniform",
    ]] as const
  ) {
    const a = mx.nd.zeros(shape);
    new init.Orthogonal({ scale: 2, randType: rand }).init("w_weight", a);
    const v = await values(a);
    const nout = shape[0], nin = v.length / nout;
    const byRows = nout <= nin, count = byRows ? nout : nin, len = byRows ? nin : nout;
    const at = (k: number, i: number) => v[byRows ? k * nin + i : i * nin + k];
    for (let p = 0; p < count; p++) {
      for (let q = 0; q < count; q++) {
        let dot = 0;
        for (let i = 0; i < len; i++) dot += at(p, i) * at(q, i);
        assert.ok(Math.abs(dot - (p === q ? 4 : 0)) < 1e-4, `${shape}: <${p},${q}> = ${dot}`);
      }
    }
  }
});

backendTest("initializer: Bilinear upsampling kernel", async () => {
  const a = mx.nd.zeros([1, 1, 4, 4]);
  new init.Bilinear().init("up_weight", a);
  // f = 2, c = 0.75: per axis [0.25, 0.75, 0.75, 0.25]
  const k = [0.25, 0.75, 0.75, 0.25];
  assertClose(await values(a), k.flatMap((y) => k.map((x) => x * y)));
  const b = mx.nd.zeros([2, 1, 4, 4]);
  new init.Xavier().init("upsampling0_weight", b); // legacy name rule: bilinear
  assertClose((await values(b)).slice(16), k.flatMap((y) => k.map((x) => x * y)));
});

backendTest("initializer: Mixed by pattern; Load from a file with a default", async () => {
  const mixed = new init.Mixed(["^fc1", ".*"], [new init.Constant(2), new init.Zero()]);
  const a = mx.nd.ones([2]), b = mx.nd.ones([2]);
  mixed.init("fc1_weight", a);
  mixed.init("fc2_weight", b);
  assert.deepEqual([...await values(a), ...await values(b)], [2, 2, 0, 0]);
  assert.throws(
    () => new init.Mixed(["^x"], [new init.Zero()]).init("y_weight", a),
    /"y_weight" matches no pattern/,
  );

  const dir = await Deno.makeTempDir();
  await mx.nd.save(`${dir}/m.params`, { "arg:fc1_weight": mx.nd.array([[1, 2], [3, 4]]) });
  const loader = await init.Load.fromFile(`${dir}/m.params`, new init.One());
  const w = mx.nd.zeros([2, 2]), bias = mx.nd.zeros([2]);
  loader.init("fc1_weight", w);
  loader.init("fc1_bias", bias);
  assert.deepEqual(await values(w), [1, 2, 3, 4]);
  assert.deepEqual(await values(bias), [0, 0]); // default initializer's bias rule
  assert.throws(
    () => loader.init("fc1_weight", mx.nd.zeros([3])),
    /fc1_weight has shape \[3\] but the loaded value is \[2,2\]/,
  );
  assert.throws(() => new init.Load({}).init("q_weight", w), /cannot initialise q_weight/);
  for (const x of Object.values(loader.params)) x.dispose();
  await Deno.remove(dir, { recursive: true });
});

backendTest("initializer: create by name or dumps() JSON", () => {
  const x = init.create("xavier", { rndType: "gaussian", magnitude: 2 });
  assert.ok(x instanceof init.Xavier && x.rndType === "gaussian" && x.magnitude === 2);
  const back = init.create(x.dumps()) as init.Xavier;
  assert.equal(back.magnitude, 2);
  assert.ok(init.create("Zero") instanceof init.Zero);
  assert.throws(() => init.create("glorot"), /unknown initializer "glorot"; known: zero/);
  init.register("halves", () => new init.Constant(0.5));
  assert.equal((init.create("Halves") as init.Constant).value, 0.5);
  assert.throws(() => init.create("constant"), /Constant: value must be a number or an NDArray/);
});

// #19: a Variable's `__init__` as MXNet writes it (snake_case options; MXNet's LSTM cells
// put `["lstmbias", {"forget_bias": ...}]` on their bias) chooses the initializer on load.
Deno.test("initializer: MXNet's __init__ attributes in Symbol JSON (xavier, lstmbias)", async () => {
  const json = JSON.stringify({
    nodes: [
      { op: "null", name: "data", inputs: [] },
      {
        op: "null",
        name: "fc_weight",
        attrs: {
          __init__: '["xavier", {"rnd_type": "gaussian", "factor_type": "in", "magnitude": 2}]',
        },
        inputs: [],
      },
      {
        op: "null",
        name: "fc_bias",
        attrs: { __init__: '["lstmbias", {"forget_bias": 2.0}]' },
        inputs: [],
      },
      {
        op: "FullyConnected",
        name: "fc",
        attrs: { num_hidden: "400" },
        inputs: [[0, 0, 0], [1, 0, 0], [2, 0, 0]],
      },
    ],
    arg_nodes: [0, 1, 2],
    node_row_ptr: [0, 1, 2, 3, 4],
    heads: [[3, 0, 0]],
    attrs: { mxnet_version: ["int", 10901] },
  });
  mx.random.seed(3);
  const mod = new mx.mod.Module({ symbol: mx.sym.loadJSON(json), labelNames: [] });
  mod.bind({ dataShapes: [["data", [2, 100]]], forTraining: false });
  mod.initParams({ initializer: new init.Uniform(0.01) });
  const { argParams } = mod.getParams();
  // gaussian, fan in 100: std sqrt(2 / 100) (the default xavier would give 0.063, uniform).
  const w = moments(await values(argParams.fc_weight));
  assert.ok(Math.abs(w.std - Math.sqrt(0.02)) < 0.005, `std ${w.std}`);
  assert.ok(w.maxAbs > 3 * 0.1414 * 0.9, `gaussian tails, max |w| ${w.maxAbs}`);
  const b = await values(argParams.fc_bias);
  assert.deepEqual(b, [...Array(400)].map((_, i) => (i >= 100 && i < 200 ? 2 : 0)));
  for (const a of Object.values(argParams)) a.dispose();
  mod.dispose();
});

Deno.test("initializer: Variable({ init }) takes an Initializer, stored as MXNet's JSON", () => {
  const v = mx.sym.Variable("h2h_bias", { init: new init.LSTMBias({ forgetBias: 0.5 }) });
  assert.equal(v.attr("__init__"), '["lstmbias",{"forget_bias":0.5}]');
  assert.ok(v.toJSON().includes('"__init__": "[\\"lstmbias\\",{\\"forget_bias\\":0.5}]"'));
  const back = init.create(v.attr("__init__")!) as init.LSTMBias;
  assert.equal(back.forgetBias, 0.5);
  assert.throws(
    () => init.create('["lstmbias", {"forget_bia": 1}]'),
    /LSTMBias: unknown option forgetBia.*did you mean forgetBias\?/,
  );
});
