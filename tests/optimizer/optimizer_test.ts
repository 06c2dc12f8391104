/**
 * Every optimizer against its update formula written out here in plain numbers, over
 * three steps with weight decay, gradient rescaling and clipping switched on.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";
import * as opt from "../../src/optimizer/mod.ts";

const N = 6, STEPS = 3;
const W0 = randomValues(N, 1);
const GRADS = [2, 3, 4].map((s) => randomValues(N, s, -3, 3));
const RESCALE = 0.5, CLIP = 1.0;
const clip = (x: number) => Math.max(-CLIP, Math.min(CLIP, x));
const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);

/** Runs `o` for STEPS updates on index 0 and returns the weights after each step. */
async function run(o: opt.Optimizer): Promise<number[][]> {
  const w = mx.nd.array(W0);
  const state = o.createState(0, w);
  const out: number[][] = [];
  for (const g of GRADS) {
    o.update(0, w, mx.nd.array(g), state);
    out.push(await values(w));
  }
  return out;
}

/** Elementwise reference: `step(w, g, s, t)` updates one coordinate's state `s`. */
function reference(
  init: () => Record<string, number>,
  step: (w: number, g: number, s: Record<string, number>, t: number) => number,
): number[][] {
  const w = [...W0];
  const s = w.map(init);
  return GRADS.map((g, k) => {
    for (let i = 0; i < N; i++) w[i] = step(w[i], g[i], s[i], k + 1);
    return [...w];
  });
}

async function check(o: opt.Optimizer, expected: number[][], rtol = 1e-4): Promise<void> {
  const got = await run(o);
  for (let k = 0; k < STEPS; k++) {
    assertClose(got[k], expected[k], { rtol, atol: 1e-5, msg: `step ${k + 1}` });
  }
}

const common = { rescaleGrad: RESCALE, clipGradient: CLIP };

backendTest("optimizer: SGD without momentum", async () => {
  const lr = 0.1, wd = 0.01;
  await check(
    new opt.SGD({ learningRate: lr, wd, ...common }),
    reference(() => ({}), (w, g) => (1 - lr * wd) * w - lr * clip(RESCALE * g)),
  );
});

backendTest("optimizer: SGD with momentum", async () => {
  const lr = 0.1, wd = 0.01, mu = 0.9;
  await check(
    opt.create("sgd", { learningRate: lr, wd, momentum: mu, ...common }),
    reference(() => ({ m: 0 }), (w, g, s) => {
      s.m = mu * s.m - lr * wd * w - lr * clip(RESCALE * g);
      return w + s.m;
    }),
  );
});

backendTest("optimizer: NAG", async () => {
  const lr = 0.1, wd = 0.01, mu = 0.9;
  await check(
    opt.create("nag", { learningRate: lr, wd, momentum: mu, ...common }),
    reference(() => ({ m: 0 }), (w, g, s) => {
      const G = clip(RESCALE * g) + wd * w;
      s.m = mu * s.m - lr * G;
      return w + mu * s.m - lr * G;
    }),
  );
});

backendTest("optimizer: Signum with and without momentum", async () => {
  const lr = 0.01, wd = 0.01, mu = 0.9, wdLh = 0.1;
  await check(
    new opt.Signum({ learningRate: lr, wd, momentum: mu, wdLh, ...common }),
    reference(() => ({ m: 0 }), (w, g, s) => {
      s.m = mu * s.m - (1 - mu) * (wd * w + clip(RESCALE * g));
      return (1 - lr * wdLh) * w + lr * sign(s.m);
    }),
  );
  await check(
    new opt.Signum({ learningRate: lr, wd, momentum: 0, ...common }),
    reference(() => ({}), (w, g) => (1 - lr * wd) * w - lr * sign(g)),
  );
});

backendTest("optimizer: Adam", async () => {
  const lr = 0.01, wd = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  await check(
    new opt.Adam({ learningRate: lr, wd, ...common }),
    reference(() => ({ m: 0, v: 0 }), (w, g, s, t) => {
      const gg = clip(RESCALE * g + wd * w);
      s.m = b1 * s.m + (1 - b1) * gg;
      s.v = b2 * s.v + (1 - b2) * gg * gg;
      const lrt = lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t);
      return w - lrt * s.m / (Math.sqrt(s.v) + eps);
    }),
  );
});

backendTest("optimizer: Adamax", async () => {
  const lr = 0.002, wd = 0.01, b1 = 0.9, b2 = 0.999;
  await check(
    new opt.Adamax({ wd, ...common }),
    reference(() => ({ m: 0, u: 0 }), (w, g, s, t) => {
      const gg = clip(RESCALE * g + wd * w);
      s.m = b1 * s.m + (1 - b1) * gg;
      s.u = Math.max(b2 * s.u, Math.abs(gg));
      return w - lr / (1 - b1 ** t) * s.m / s.u;
    }),
  );
});

backendTest("optimizer: Nadam", async () => {
  const lr = 0.001, wd = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, decay = 0.004;
  // The momentum schedule is one product for the whole optimizer; one parameter here.
  let mSchedule = 1;
  let lastT = 0;
  await check(
    new opt.Nadam({ wd, ...common }),
    reference(() => ({ m: 0, v: 0 }), (w, g, s, t) => {
      const mt = b1 * (1 - 0.5 * 0.96 ** (t * decay));
      const mt1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * decay));
      if (t !== lastT) (mSchedule *= mt), (lastT = t);
      const next = mSchedule * mt1;
      const gg = clip(RESCALE * g + wd * w);
      s.m = b1 * s.m + (1 - b1) * gg;
      s.v = b2 * s.v + (1 - b2) * gg * gg;
      const mBar = (1 - mt) * gg / (1 - mSchedule) + mt1 * s.m / (1 - next);
      return w - lr * mBar / (Math.sqrt(s.v / (1 - b2 ** t)) + eps);
    }),
  );
});

backendTest("optimizer: AdaGrad", async () => {
  const lr = 0.1, wd = 0.01, eps = 1e-7;
  await check(
    new opt.AdaGrad({ learningRate: lr, wd, ...common }),
    reference(() => ({ h: 0 }), (w, g, s) => {
      const gg = clip(RESCALE * g);
      s.h += gg * gg;
      return w - lr * (gg / Math.sqrt(s.h + eps) + wd * w);
    }),
  );
});

backendTest("optimizer: RMSProp plain and centered, with weight clipping", async () => {
  const lr = 0.01, wd = 0.01, g1 = 0.9, g2 = 0.9, eps = 1e-8;
  await check(
    new opt.RMSProp({ learningRate: lr, wd, ...common }),
    reference(() => ({ n: 0 }), (w, g, s) => {
      const gg = clip(RESCALE * g + wd * w);
      s.n = (1 - g1) * gg * gg + g1 * s.n;
      return w - lr * gg / Math.sqrt(s.n + eps);
    }),
  );
  await check(
    new opt.RMSProp({ learningRate: lr, wd, centered: true, clipWeights: 0.5, ...common }),
    reference(() => ({ n: 0, m: 0, d: 0 }), (w, g, s) => {
      const gg = clip(RESCALE * g + wd * w);
      s.n = (1 - g1) * gg * gg + g1 * s.n;
      s.m = (1 - g1) * gg + g1 * s.m;
      s.d = g2 * s.d - lr * gg / Math.sqrt(s.n - s.m * s.m + eps);
      return Math.max(-0.5, Math.min(0.5, w + s.d));
    }),
    1e-3,
  );
});

backendTest("optimizer: AdaDelta", async () => {
  const wd = 0.01, rho = 0.9, eps = 1e-5;
  await check(
    new opt.AdaDelta({ wd, ...common }),
    reference(() => ({ ag: 0, ad: 0 }), (w, g, s) => {
      const gg = clip(RESCALE * g);
      s.ag = rho * s.ag + (1 - rho) * gg * gg;
      const d = Math.sqrt(s.ad + eps) / Math.sqrt(s.ag + eps) * gg;
      s.ad = rho * s.ad + (1 - rho) * d * d;
      return w - (d + wd * w);
    }),
  );
});

backendTest("optimizer: Ftrl", async () => {
  const lr = 0.1, wd = 0.01, l1 = 0.01, beta = 1;
  await check(
    new opt.Ftrl({ wd, ...common }),
    reference(() => ({ z: 0, n: 0 }), (w, g, s) => {
      const gg = clip(RESCALE * g);
      s.z += gg - (Math.sqrt(s.n + gg * gg) - Math.sqrt(s.n)) * w / lr;
      s.n += gg * gg;
      return Math.abs(s.z) > l1 ? (sign(s.z) * l1 - s.z) / ((beta + Math.sqrt(s.n)) / lr + wd) : 0;
    }),
  );
});

backendTest("optimizer: LAMB (layer-wise trust ratio)", async () => {
  const lr = 0.01, wd = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-6;
  const w = [...W0];
  const m = w.map(() => 0), v = w.map(() => 0);
  const expected = GRADS.map((g, k) => {
    const t = k + 1;
    const r = w.map((wi, i) => {
      const gg = clip(RESCALE * g[i]);
      m[i] = b1 * m[i] + (1 - b1) * gg;
      v[i] = b2 * v[i] + (1 - b2) * gg * gg;
      return (m[i] / (1 - b1 ** t)) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps) + wd * wi;
    });
    const r1 = Math.min(Math.hypot(...w), 0.8), r2 = Math.hypot(...r);
    const ratio = r1 > 0 && r2 > 0 ? r1 / r2 : 1;
    for (let i = 0; i < N; i++) w[i] -= lr * ratio * r[i];
    return [...w];
  });
  await check(new opt.LAMB({ learningRate: lr, wd, upperBound: 0.8, ...common }), expected);
});

backendTest("optimizer: lr/wd multipliers by index, name and symbol attributes", async () => {
  const sym = {
    listArguments: () => ["fc_weight", "fc_bias"],
    attrDict: () => ({ fc_weight: { __lr_mult__: "0.5" } }),
  };
  const o = new opt.SGD({
    learningRate: 1,
    wd: 0.1,
    paramIdx2Name: { 0: "fc_weight", 1: "fc_bias" },
    sym,
  });
  const w = mx.nd.ones([1]), b = mx.nd.ones([1]);
  o.update(0, w, mx.nd.zeros([1]), null); // lr 0.5, wd 0.1: 1 - 0.05
  o.update(1, b, mx.nd.zeros([1]), null); // bias: no weight decay by default
  assertClose(await values(w), [0.95]);
  assertClose(await values(b), [1]);
  o.setWdMult({ fc_bias: 2 });
  o.setLrMult({ 1: 0.1 });
  o.update(1, b, mx.nd.zeros([1]), null); // lr 0.1, wd 0.2
  assertClose(await values(b), [0.98]);
  assert.equal(o.numUpdate, 2);
  assert.deepEqual(Object.fromEntries(o.indexUpdateCount), { 0: 1, 1: 2 });
});

backendTest("optimizer: multipliers from a real Symbol's Variable attributes", async () => {
  const net = mx.sym.Variable("fc_weight", { lrMult: 0.5, wdMult: 2 }).add(
    mx.sym.Variable("fc_bias"),
  );
  const o = opt.create("sgd", {
    learningRate: 1,
    wd: 0.1,
    sym: net,
    paramIdx2Name: { 0: "fc_weight", 1: "fc_bias" },
  });
  const w = mx.nd.ones([1]);
  o.update(0, w, mx.nd.zeros([1]), null); // lr 0.5, wd 0.2: 1 - 0.1
  assertClose(await values(w), [0.9]);
});

backendTest("optimizer: create by name, unknown names name the choices", () => {
  for (
    const n of [
      "SGD",
      "nag",
      "adam",
      "adagrad",
      "rmsprop",
      "adadelta",
      "adamax",
      "nadam",
      "ftrl",
      "signum",
      "lamb",
    ]
  ) {
    assert.ok(opt.create(n) instanceof opt.Optimizer, n);
  }
  assert.throws(() => opt.create("adamw2"), /unknown optimizer "adamw2"; known: sgd/);
  assert.throws(
    () => opt.create("sgd", { learning_rate: 0.1 }),
    /SGD: unknown option learning_rate; did you mean learningRate?/,
  );
});

backendTest("optimizer: updater keeps per-key state and round-trips it through bytes", async () => {
  const make = () => opt.getUpdater(new opt.Adam({ learningRate: 0.1 }));
  const a = make(), b = make();
  const wa = mx.nd.array(W0), wb = mx.nd.array(W0);
  a(0, mx.nd.array(GRADS[0]), wa);
  a("fc_weight", mx.nd.array(GRADS[1]), mx.nd.array(W0));
  b.setStates(await a.getStates());
  assert.equal(b.optimizer.numUpdate, 1);
  assert.deepEqual([...b.states.keys()], ["0", "fc_weight"]);
  wb.set(wa);
  a(0, mx.nd.array(GRADS[1]), wa);
  b(0, mx.nd.array(GRADS[1]), wb);
  assertClose(await values(wb), await values(wa));
  assert.throws(() => b.setStates(new Uint8Array(20), "opt.states"), /opt.states: not an mxts/);
  a.dispose();
  b.dispose();
});

backendTest("optimizer: a training loop's memory stays flat", async () => {
  const update = opt.getUpdater(new opt.SGD({ learningRate: 0.1, momentum: 0.9 }));
  const w = mx.nd.array(W0);
  update(0, mx.nd.ones([N]), w); // creates the state
  await mx.nd.waitAll();
  const before = mx.nd.memoryInfo().count;
  for (let i = 0; i < 20; i++) mx.nd.scope(() => update(0, mx.nd.ones([N]), w));
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, before);
  update.dispose();
});

backendTest("optimizer: a state freed by a scope is reported, initState avoids it", async () => {
  const update = opt.getUpdater(new opt.SGD({ learningRate: 0.1, momentum: 0.9 }));
  const w = mx.nd.array(W0);
  mx.nd.scope(() => update(0, mx.nd.ones([N]), w)); // creates key 0's state inside the scope
  assert.throws(() => update(0, mx.nd.ones([N]), w), /state of key 0 was freed.*updater.initState/);
  update.initState(1, w);
  for (let i = 0; i < 3; i++) mx.nd.scope(() => update(1, mx.nd.ones([N]), w));
  await mx.nd.waitAll();
  update.dispose();
});

backendTest(
  "optimizer: multiPrecision updates float16 weights through a float32 copy",
  async () => {
    const run = async (multiPrecision: boolean) => {
      const update = opt.getUpdater(
        new opt.SGD({ learningRate: 1e-4, momentum: 0.5, multiPrecision }),
      );
      const w = mx.nd.ones([2], { dtype: "float16" });
      for (let i = 0; i < 10; i++) update(0, mx.nd.ones([2], { dtype: "float16" }), w);
      const v = await values(w);
      update.dispose();
      return v[0];
    };
    // Each step changes the weight by about 1e-4, below float16's spacing (2^-10) at 1.
    assert.equal(await run(false), 1);
    let mom = 0, w = 1;
    for (let i = 0; i < 10; i++) (mom = 0.5 * mom - 1e-4), (w += mom);
    assert.equal(await run(true), new Float16Array([w])[0]);
  },
);
