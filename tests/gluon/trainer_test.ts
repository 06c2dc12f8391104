/**
 * gluon.Trainer: updates against hand-computed values, optimizers by name or instance,
 * multipliers, several contexts through the kvstore (device/local, on the store or not),
 * states, stale gradients and bad options; gluon.utils.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, randomValues, values } from "../_harness.ts";

const { nn, Trainer, utils } = mx.gluon;

function dense(): mx.gluon.nn.Dense {
  const d = new nn.Dense(1, { inUnits: 2 });
  d.initialize(new mx.init.One());
  return d;
}

const X = () => mx.nd.array([[1, 2], [3, 4]]);

Deno.test("Trainer.step: gradients divided by the batch size, SGD update", async () => {
  const net = dense();
  const trainer = new Trainer(net.collectParams(), "sgd", { learningRate: 0.1 });
  mx.autograd.record(() => net.forward(X()).sum()).backward();
  trainer.step(2);
  assertClose(await values(net.weight.data()), [0.8, 0.7]);
  assertClose(await values(net.bias!.data()), [-0.1]);
  assert.equal(trainer.learningRate, 0.1);
  trainer.setLearningRate(0.5);
  assert.equal(trainer.learningRate, 0.5);
  assert.equal(trainer.optimizer.rescaleGrad, 0.5);
  net.dispose();
});

Deno.test("Trainer.step inside mx.nd.scope: the optimizer states it creates outlive the scope", async () => {
  const net = dense();
  const trainer = new Trainer(net.collectParams(), "sgd", { learningRate: 0.1, momentum: 0.9 });
  const step = () =>
    mx.nd.scope(() => {
      mx.autograd.record(() => net.forward(X()).sum()).backward();
      trainer.step(2);
    });
  step(); // creates the momentum states inside the scope
  await mx.nd.waitAll();
  const live = mx.nd.memoryInfo().count;
  step();
  step();
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, live, "no array is left behind by a step");
  // g = [2, 3] (bias 1) every step; mom = 0.9 mom - 0.1 g; w += mom.
  assertClose(await values(net.weight.data()), [1 - 0.2 - 0.38 - 0.542, 1 - 0.3 - 0.57 - 0.813]);
  assertClose(await values(net.bias!.data()), [-0.1 - 0.19 - 0.271]);
  net.dispose();
});

Deno.test("Trainer: an Optimizer instance; lrMult/wdMult from the parameters; wd on biases", async () => {
  const net = dense();
  net.bias!.lrMult = 0;
  const trainer = new Trainer(
    net.collectParams(),
    new mx.optimizer.SGD({ learningRate: 1, wd: 0.5 }),
  );
  mx.autograd.record(() => net.forward(X()).sum()).backward();
  trainer.step(2);
  // w - lr * (g/2 + wd * w) = 1 - ([2, 3] + 0.5)
  assertClose(await values(net.weight.data()), [-1.5, -2.5]);
  assertClose(await values(net.bias!.data()), [0]);
  net.bias!.lrMult = 1;
  net.collectParams(".*weight").setattr("wdMult", 0);
  mx.autograd.record(() => net.forward(X()).sum()).backward();
  trainer.step(2);
  assertClose(await values(net.weight.data()), [-3.5, -5.5]);
  // Gluon applies weight decay to biases too (wd_mult 1): 0 - (1 + 0.5 * 0)
  assertClose(await values(net.bias!.data()), [-1]);
  assert.throws(
    () => new Trainer(net.collectParams(), new mx.optimizer.SGD(), { learningRate: 1 }),
    /optimizerParams must be empty/,
  );
  net.dispose();
});

Deno.test("Trainer: unknown optimizer options and optimizers are clear errors", () => {
  const net = dense();
  assert.throws(
    () => new Trainer(net.collectParams(), "sgd", { learningRate: 0.1, momentom: 0.9 }),
    (e: Error) => {
      assert.ok(e instanceof mx.MXNetError);
      assert.match(
        e.message,
        /SGD: unknown option momentom; did you mean momentum\?/,
      );
      return true;
    },
  );
  assert.throws(
    () => new Trainer(net.collectParams(), "adam", { beta3: 1 }),
    /Adam: unknown option beta3/,
  );
  assert.throws(
    () => new Trainer(net.collectParams(), "sgd", { learning_rate: 0.1 }),
    /unknown option learning_rate; did you mean learningRate\?/,
  );
  assert.throws(() => new Trainer(net.collectParams(), "sgdx"), /unknown optimizer "sgdx"/);
  assert.throws(
    () =>
      new Trainer(net.collectParams(), "sgd", {}, { kvstor: "local" } as mx.gluon.TrainerOptions),
    /did you mean kvstore\?/,
  );
  const fresh = new nn.Dense(1);
  assert.throws(
    () => new Trainer(fresh.collectParams(), "sgd"),
    /parameter dense\d+_(weight|bias) is not initialized; call initialize\(\)/,
  );
  net.dispose();
});

Deno.test("Trainer: a stale gradient is an error unless ignoreStaleGrad", async () => {
  const a = dense(), b = dense();
  const params = new mx.gluon.ParameterDict();
  params.update(a.collectParams());
  params.update(b.collectParams());
  const trainer = new Trainer(params, "sgd", { learningRate: 0.1 });
  mx.autograd.record(() => a.forward(X()).sum()).backward();
  assert.throws(() => trainer.step(2), (e: Error) => {
    assert.match(
      e.message,
      new RegExp(
        `gradient of parameter ${
          b.bias!.name
        } on cpu\\(0\\) has not been updated by backward since the last step`,
      ),
    );
    assert.match(e.message, /ignoreStaleGrad: true/);
    return true;
  });
  mx.autograd.record(() => a.forward(X()).sum()).backward();
  trainer.step(2, { ignoreStaleGrad: true });
  assertClose(await values(b.weight.data()), [1, 1]);
  assert.notDeepEqual(await values(a.weight.data()), [1, 1]);
  // Without a new backward, a's gradient is stale too.
  assert.throws(() => trainer.step(2), /has not been updated by backward/);
  a.dispose();
  b.dispose();
});

/** Trains the same two-layer net on several contexts; returns the weights per context. */
async function dataParallel(
  ctx: mx.Context[],
  opts: mx.gluon.TrainerOptions,
  steps = 3,
  scoped = false,
): Promise<number[][]> {
  mx.random.seed(5);
  const net = new nn.Sequential();
  net.add(new nn.Dense(4, { activation: "relu", inUnits: 3 }), new nn.Dense(2, { inUnits: 4 }));
  net.initialize(new mx.init.Xavier(), { ctx });
  const trainer = new Trainer(
    net.collectParams(),
    "sgd",
    { learningRate: 0.2, momentum: 0.5 },
    opts,
  );
  const l2 = new mx.gluon.loss.L2Loss();
  for (let s = 0; s < steps; s++) {
    const x = mx.nd.array(randomValues(24, 10 + s), { shape: [8, 3] });
    const y = mx.nd.array(randomValues(16, 20 + s), { shape: [8, 2] });
    const step = () => {
      const xs = utils.splitAndLoad(x, ctx), ys = utils.splitAndLoad(y, ctx);
      const losses = mx.autograd.record(() =>
        xs.map((xi, i) => l2.forward(net.forward(xi), ys[i]))
      );
      mx.autograd.backward(losses);
      trainer.step(8);
    };
    if (scoped) mx.nd.scope(step);
    else step();
  }
  const w = (net.at(0) as mx.gluon.nn.Dense).weight;
  const out = await Promise.all(w.listData().map((d) => values(d)));
  net.dispose();
  return out;
}

Deno.test("Trainer on two contexts: kvstore device/local (on the store or not) equals one context", async () => {
  const [single] = await dataParallel([mx.cpu(0)], {});
  const two = [mx.cpu(0), mx.cpu(1)];
  for (
    const opts of [
      {},
      { kvstore: "local" },
      { kvstore: "device", updateOnKvstore: false },
      { kvstore: mx.kv.create("local"), updateOnKvstore: true },
    ] as mx.gluon.TrainerOptions[]
  ) {
    const [w0, w1] = await dataParallel(two, opts);
    assertClose(w0, w1, { rtol: 1e-6, msg: JSON.stringify(opts) });
    assertClose(w0, single, { rtol: 1e-5, atol: 1e-6, msg: JSON.stringify(opts) });
  }
  // Without a kvstore each copy follows its own gradients.
  const [a, b] = await dataParallel(two, { kvstore: null });
  assert.notDeepEqual(a, b);
});

Deno.test("Trainer: steps inside mx.nd.scope keep the kvstore and momentum made in the first", async () => {
  // One context: the momentum state is made by the first update, inside the scope.
  assertClose(
    (await dataParallel([mx.cpu(0)], {}, 3, true))[0],
    (await dataParallel([mx.cpu(0)], {}))[0],
    { rtol: 1e-6 },
  );
  const two = [mx.cpu(0), mx.cpu(1)];
  const plain = await dataParallel(two, {});
  for (const opts of [{}, { kvstore: "device", updateOnKvstore: false }]) {
    const scoped = await dataParallel(two, opts as mx.gluon.TrainerOptions, 3, true);
    assertClose(scoped[0], scoped[1], { rtol: 1e-6, msg: JSON.stringify(opts) });
    assertClose(scoped[0], plain[0], { rtol: 1e-6, msg: JSON.stringify(opts) });
  }
});

Deno.test("Trainer: allreduceGrads + update with clipping in between; not with updateOnKvstore", async () => {
  const net = dense();
  const trainer = new Trainer(net.collectParams(), "sgd", { learningRate: 1 });
  mx.autograd.record(() => net.forward(X()).sum().mul(10)).backward();
  trainer.allreduceGrads();
  const norm = await utils.clipGlobalNorm([net.weight.grad(), net.bias!.grad()], 1);
  assertClose([norm], [Math.sqrt(40 ** 2 + 60 ** 2 + 20 ** 2)]);
  trainer.update(1);
  const scale = 1 / Math.sqrt(40 ** 2 + 60 ** 2 + 20 ** 2);
  assertClose(await values(net.weight.data()), [1 - 40 * scale, 1 - 60 * scale], { rtol: 1e-5 });
  const two = new nn.Dense(1, { inUnits: 2 });
  two.initialize(undefined, { ctx: [mx.cpu(0), mx.cpu(1)] });
  const t2 = new Trainer(two.collectParams(), "sgd", {}, { kvstore: "device" });
  assert.throws(() => t2.allreduceGrads(), /updateOnKvstore: false/);
  net.dispose();
  two.dispose();
});

Deno.test("Trainer.saveStates / loadStates resume momentum exactly", async () => {
  const f = await Deno.makeTempFile();
  try {
    const step = (net: mx.gluon.nn.Dense, t: mx.gluon.Trainer) => {
      mx.autograd.record(() => net.forward(X()).sum()).backward();
      t.step(2);
    };
    const a = dense();
    const ta = new Trainer(a.collectParams(), "sgd", { learningRate: 0.1, momentum: 0.9 });
    step(a, ta);
    await ta.saveStates(f);
    const saved = await values(a.weight.data());
    step(a, ta);
    const b = dense();
    b.weight.setData(mx.nd.array([saved]));
    const tb = new Trainer(b.collectParams(), "sgd", { learningRate: 0.1, momentum: 0.9 });
    await tb.loadStates(f);
    b.bias!.setData(a.bias!.data().sub(0)); // bias state is restored too; align the value
    step(b, tb);
    assertClose(await values(b.weight.data()), await values(a.weight.data()), { rtol: 1e-6 });
    assert.equal(tb.optimizer.numUpdate, ta.optimizer.numUpdate);
    a.dispose();
    b.dispose();
  } finally {
    await Deno.remove(f);
  }
});

Deno.test("d2l linear regression (concise): Dense + L2Loss + Trainer recover w and b", async () => {
  mx.random.seed(1);
  const n = 1000;
  const trueW = [2, -3.4], trueB = 4.2;
  const X = mx.nd.random.normal(0, 1, [n, 2]);
  const y = X.dot(mx.nd.array([[trueW[0]], [trueW[1]]])).add(trueB).add(
    mx.nd.random.normal(0, 0.01, [n, 1]),
  );
  const net = new nn.Sequential();
  net.add(new nn.Dense(1));
  net.initialize(new mx.init.Normal(0.01));
  const loss = new mx.gluon.loss.L2Loss();
  const trainer = new Trainer(net.collectParams(), "sgd", { learningRate: 0.03 });
  for (let epoch = 0; epoch < 3; epoch++) {
    for (let i = 0; i < n; i += 10) {
      mx.nd.scope(() => {
        const xb = X.sliceAxis(0, i, i + 10), yb = y.sliceAxis(0, i, i + 10);
        mx.autograd.record(() => loss.forward(net.forward(xb), yb)).backward();
        trainer.step(10);
      });
    }
  }
  const d = net.at(0) as mx.gluon.nn.Dense;
  const w = await values(d.weight.data()), b = await values(d.bias!.data());
  assert.ok(Math.abs(w[0] - 2) < 0.01 && Math.abs(w[1] + 3.4) < 0.01, `w ${w}`);
  assert.ok(Math.abs(b[0] - 4.2) < 0.01, `b ${b}`);
  net.dispose();
});

Deno.test("utils.splitData / splitAndLoad: even and uneven splits, errors", async () => {
  const x = mx.nd.arange(0, 10).reshape([5, 2]);
  assert.throws(() => utils.splitData(x, 2), /cannot be split evenly into 2 slices along axis 0/);
  const parts = utils.splitData(x, 2, { evenSplit: false });
  assert.deepEqual(parts.map((p) => p.shape), [[3, 2], [2, 2]]);
  assert.deepEqual(await values(parts[1]), [6, 7, 8, 9]);
  const cols = utils.splitData(mx.nd.ones([2, 6]), 3, { batchAxis: 1 });
  assert.deepEqual(cols.map((p) => p.shape), [[2, 2], [2, 2], [2, 2]]);
  const loaded = utils.splitAndLoad([[1, 2], [3, 4]], [mx.cpu(0), mx.cpu(1)]);
  assert.deepEqual(loaded.map((a) => String(a.context)), ["cpu(0)", "cpu(1)"]);
  assert.deepEqual(await values(loaded[1]), [3, 4]);
  assert.equal(utils.splitAndLoad(x, [mx.cpu(0)])[0], x);
});

Deno.test("utils.clipGlobalNorm leaves small gradients alone; checkSha1", async () => {
  const a = mx.nd.array([0.3, 0.4]);
  assertClose([await utils.clipGlobalNorm([a], 1)], [0.5]);
  assertClose(await values(a), [0.3, 0.4]);
  const f = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(f, "abc");
    assert.equal(await utils.checkSha1(f, "a9993e364706816aba3e25717850c26c9cd0d89d"), true);
    assert.equal(await utils.checkSha1(f, "0000"), false);
  } finally {
    await Deno.remove(f);
  }
});

Deno.test("Trainer: setData while the kvstore holds the weights takes effect at the next step", async () => {
  const net = new nn.Dense(1, { inUnits: 2 });
  net.initialize(new mx.init.One(), { ctx: [mx.cpu(0), mx.cpu(1)] });
  const trainer = new Trainer(net.collectParams(), "sgd", { learningRate: 0.1 });
  const stepOn = () => {
    const xs = utils.splitAndLoad(X(), [mx.cpu(0), mx.cpu(1)]);
    mx.autograd.backward(mx.autograd.record(() => xs.map((x) => net.forward(x).sum())));
    trainer.step(2);
  };
  stepOn();
  assert.ok(trainer.updateOnKvstore);
  net.weight.setData(mx.nd.array([[5, 5]]));
  stepOn();
  // 5 - 0.1 * [4, 6] / 2 on both copies.
  for (const w of net.weight.listData()) assertClose(await values(w), [4.8, 4.7]);
  net.dispose();
});
