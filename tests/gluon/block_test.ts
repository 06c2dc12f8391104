/**
 * Block: registration of children and Parameters held in properties, the d2l
 * builders'-guide behaviours (deferred shapes, shared layers, custom initializers,
 * custom blocks with their own parameters, save/load), hooks, summary and bad input.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, values } from "../_harness.ts";

const { nn, Parameter } = mx.gluon;

class MLP extends nn.Block {
  hidden = new nn.Dense(256, { activation: "relu" });
  out = new nn.Dense(10);
  override forward(x: mx.NDArray): mx.NDArray {
    return this.out.forward(this.hidden.forward(x));
  }
}

async function tempFile(suffix = ".params"): Promise<string> {
  return await Deno.makeTempFile({ suffix });
}

Deno.test("Block: class-field children register in declaration order; structural names", () => {
  const net = new MLP();
  net.initialize();
  const x = mx.nd.random.uniform(0, 1, [2, 20]);
  const y = net.forward(x);
  assert.deepEqual(y.shape, [2, 10]);
  const names = [...net.collectParams().keys()];
  assert.equal(names.length, 4);
  assert.match(names[0], /^dense\d+_weight$/);
  assert.deepEqual([...net._collectParamsWithPrefix().keys()], [
    "hidden.weight",
    "hidden.bias",
    "out.weight",
    "out.bias",
  ]);
  assert.match(net.name, /^mlp\d+$/);
  assert.deepEqual(net.hidden.weight.shape, [256, 20]);
  net.dispose();
});

Deno.test("Block: deferred initialization: shapes unknown until the first forward", () => {
  const net = new nn.Sequential();
  net.add(new nn.Dense(256, { activation: "relu" }), new nn.Dense(10));
  net.initialize();
  const w0 = net.at(0).weight as mx.gluon.Parameter;
  assert.deepEqual(w0.shape, [256, 0]);
  assert.throws(() => w0.data(), mx.gluon.DeferredInitializationError);
  net.forward(mx.nd.ones([2, 20]));
  assert.deepEqual(w0.shape, [256, 20]);
  assert.deepEqual((net.at(1).weight as mx.gluon.Parameter).shape, [10, 256]);
  assert.equal(net.length, 2);
  assert.equal(net.at(-1), net.at(1));
  net.dispose();
});

Deno.test("Block: shared layers hold one weight; a write through one is seen by the other", async () => {
  const shared = new nn.Dense(8, { activation: "relu" });
  const net = new nn.Sequential();
  net.add(
    new nn.Dense(8, { activation: "relu" }),
    shared,
    new nn.Dense(8, { activation: "relu", params: shared.params }),
    new nn.Dense(10),
  );
  net.initialize();
  const x = mx.nd.random.uniform(0, 1, [2, 20]);
  net.forward(x);
  const a = net.at(1) as mx.gluon.nn.Dense, b = net.at(2) as mx.gluon.nn.Dense;
  assert.equal(a.weight, b.weight);
  assert.deepEqual(await values(a.weight.data()), await values(b.weight.data()));
  a.weight.data().set(mx.nd.full([8, 8], 100));
  assert.deepEqual(await values(b.weight.data()), new Array(64).fill(100));
  // The parameter appears once in collectParams; the gradient sums both uses.
  assert.equal([...net.collectParams().keys()].length, 6);
  const y = mx.autograd.record(() => net.forward(x).sum());
  y.backward();
  assert.ok((await values(a.weight.grad())).some((v) => v !== 0));
  net.dispose();
});

Deno.test("Block: initializers: built-in, Constant, and a custom Initializer subclass", async () => {
  const net = new nn.Sequential();
  net.add(new nn.Dense(8, { activation: "relu" }), new nn.Dense(1));
  net.initialize(new mx.init.Constant(1));
  const x = mx.nd.ones([2, 4]);
  net.forward(x);
  const d0 = net.at(0) as mx.gluon.nn.Dense;
  assert.deepEqual(await values(d0.weight.data()), new Array(32).fill(1));
  // Biases keep their own initializer ("zeros"), as in MXNet.
  assert.deepEqual(await values(d0.bias!.data()), new Array(8).fill(0));

  class MyInit extends mx.init.Initializer {
    calls: string[] = [];
    get kind(): string {
      return "myinit";
    }
    initWeight(name: string, arr: mx.NDArray): void {
      this.calls.push(name);
      mx.nd.random.uniform(-10, 10, arr.shape).copyTo(arr);
      const kept = arr.abs().greaterEqual(5);
      arr.mulInPlace(kept);
    }
  }
  const init = new MyInit();
  net.initialize(init, { forceReinit: true });
  assert.deepEqual(init.calls.length, 2);
  const w = await values(d0.weight.data());
  assert.ok(w.every((v) => v === 0 || Math.abs(v) >= 5), "weights in (-5, 5) are zeroed");
  // One layer re-initialized alone, with its own initializer.
  net.at(1).initialize(new mx.init.Constant(42), { forceReinit: true });
  assert.deepEqual(
    await values((net.at(1) as mx.gluon.nn.Dense).weight.data()),
    new Array(8).fill(42),
  );
  net.dispose();
});

Deno.test("Block: a custom block with its own Parameters (d2l's MyDense)", async () => {
  class MyDense extends nn.Block {
    weight: mx.gluon.Parameter;
    bias: mx.gluon.Parameter;
    constructor(units: number, inUnits: number) {
      super();
      this.weight = new Parameter("weight", { shape: [inUnits, units] });
      this.bias = new Parameter("bias", { shape: [units] });
    }
    override forward(x: mx.NDArray): mx.NDArray {
      return mx.nd.dot(x, this.weight.data()).add(this.bias.data()).relu();
    }
  }
  const dense = new MyDense(3, 5);
  // Registered (and named with the block's prefix) when first needed, as here.
  assert.deepEqual([...dense.params.keys()], [dense.weight.name, dense.bias.name]);
  assert.match(dense.weight.name, /^mydense\d+_weight$/);
  dense.initialize();
  const y = dense.forward(mx.nd.random.uniform(0, 1, [2, 5]));
  assert.deepEqual(y.shape, [2, 3]);
  assert.ok((await values(y)).every((v) => v >= 0));
  // Inside a Sequential: parameters are collected and saved under structural names.
  const net = new nn.Sequential();
  net.add(new MyDense(8, 64), new MyDense(1, 8));
  net.initialize();
  assert.deepEqual(net.forward(mx.nd.ones([2, 64])).shape, [2, 1]);
  assert.deepEqual([...net._collectParamsWithPrefix().keys()], [
    "0.weight",
    "0.bias",
    "1.weight",
    "1.bias",
  ]);
  dense.dispose();
  net.dispose();
});

Deno.test("Block: saveParameters / loadParameters give equal outputs; files have MXNet's names", async () => {
  const f = await tempFile();
  try {
    const net = new MLP();
    net.initialize();
    const x = mx.nd.random.uniform(0, 1, [2, 20]);
    const y = net.forward(x);
    await net.saveParameters(f);
    const loaded = await mx.nd.load(f) as Record<string, mx.NDArray>;
    assert.deepEqual(Object.keys(loaded), [
      "hidden.weight",
      "hidden.bias",
      "out.weight",
      "out.bias",
    ]);
    assert.deepEqual(loaded["hidden.weight"].shape, [256, 20]);
    const clone = new MLP();
    await clone.loadParameters(f);
    assert.deepEqual(await values(clone.forward(x)), await values(y));
    net.dispose();
    clone.dispose();
  } finally {
    await Deno.remove(f);
  }
});

Deno.test("Block: loading names missing, extra and mis-shaped parameters", async () => {
  const f = await tempFile();
  try {
    const net = new nn.Sequential();
    net.add(new nn.Dense(4, { inUnits: 3 }), new nn.Dense(2, { inUnits: 4 }));
    net.initialize();
    await net.saveParameters(f);

    const bigger = new nn.Sequential();
    bigger.add(new nn.Dense(4, { inUnits: 3 }), new nn.Dense(2, { inUnits: 4 }), new nn.Dense(1));
    await assert.rejects(() => bigger.loadParameters(f), (e: Error) => {
      assert.ok(e instanceof mx.MXNetError);
      assert.match(e.message, /parameter\(s\) 2\.weight, 2\.bias missing in file/);
      assert.match(e.message, /allowMissing: true/);
      return true;
    });
    await bigger.loadParameters(f, { allowMissing: true });
    assert.deepEqual(
      await values((bigger.at(0) as mx.gluon.nn.Dense).weight.data()),
      await values((net.at(0) as mx.gluon.nn.Dense).weight.data()),
    );

    const smaller = new nn.Sequential();
    smaller.add(new nn.Dense(4, { inUnits: 3 }));
    await assert.rejects(
      () => smaller.loadParameters(f),
      /parameter 1\.weight from file .* is not in the network, whose parameters are 0\.weight, 0\.bias; set ignoreExtra: true/,
    );
    await smaller.loadParameters(f, { ignoreExtra: true });

    const wrong = new nn.Sequential();
    wrong.add(new nn.Dense(4, { inUnits: 5 }), new nn.Dense(2, { inUnits: 4 }));
    await assert.rejects(() => wrong.loadParameters(f), (e: Error) => {
      assert.ok(e instanceof mx.ShapeError);
      assert.match(
        e.message,
        /dense\d+_weight: shape mismatch loading file .* \(as 0\.weight\): the network expects \[4,5\] but the file holds \[4,3\]/,
      );
      return true;
    });
    for (const n of [net, bigger, smaller, wrong]) n.dispose();
  } finally {
    await Deno.remove(f);
  }
});

Deno.test("Block: calling before initialize is a clear MXNetError", () => {
  const net = new nn.Sequential();
  net.add(new nn.Dense(3));
  assert.throws(() => net.forward(mx.nd.ones([2, 4])), (e: Error) => {
    assert.ok(e instanceof mx.MXNetError);
    assert.match(e.message, /dense\d+_weight has not been initialized: call initialize\(\)/);
    return true;
  });
  class NoForward extends nn.Block {}
  assert.throws(() => new NoForward().forward(mx.nd.ones([1])), /forward is not defined/);
});

Deno.test("Block: forward hooks and pre-hooks run around forward; detach removes them", () => {
  const net = new nn.Dense(2, { inUnits: 3 });
  net.initialize();
  const seen: string[] = [];
  const pre = net.registerForwardPreHook((b, inputs) => {
    seen.push(`pre ${b.name} ${(inputs[0] as mx.NDArray).shape}`);
  });
  const post = net.registerForwardHook((_b, _in, out) => {
    seen.push(`post ${(out as mx.NDArray).shape}`);
  });
  net.forward(mx.nd.ones([4, 3]));
  pre.detach();
  net.forward(mx.nd.ones([1, 3]));
  post.detach();
  net.forward(mx.nd.ones([1, 3]));
  assert.deepEqual(seen, [`pre ${net.name} 4,3`, "post 4,2", "post 1,2"]);
  net.dispose();
});

Deno.test("Block: apply, cast, zeroGrad, nameScope prefixes, toString", async () => {
  const net = new nn.Sequential();
  net.nameScope(() => {
    net.add(new nn.Dense(4, { inUnits: 2 }), new nn.Dense(1, { inUnits: 4 }));
  });
  const names = [...net.collectParams().keys()];
  assert.match(names[0], new RegExp(`^${net.prefix}dense0_weight$`));
  assert.match(names[2], new RegExp(`^${net.prefix}dense1_weight$`));
  assert.deepEqual(
    [...net.collectParams(".*bias").keys()],
    [`${net.prefix}dense0_bias`, `${net.prefix}dense1_bias`],
  );
  net.initialize();
  const visited: string[] = [];
  net.apply((b) => visited.push(b.constructor.name));
  assert.deepEqual(visited, ["Dense", "Dense", "Sequential"]);
  const y = mx.autograd.record(() => net.forward(mx.nd.ones([3, 2])).sum());
  y.backward();
  net.zeroGrad();
  for (const p of net.collectParams().values()) {
    assert.ok((await values(p.grad())).every((v) => v === 0));
  }
  net.cast("float64");
  assert.equal(net.forward(mx.nd.ones([1, 2], { dtype: "float64" })).dtype, "float64");
  assert.equal(
    String(net),
    "Sequential(\n  (0): Dense(2 -> 4, linear)\n  (1): Dense(4 -> 1, linear)\n)",
  );
  net.collectParams().setattr("gradReq", "null");
  assert.ok([...net.collectParams().values()].every((p) => p.gradReq === "null"));
  net.dispose();
});

Deno.test("Block: summary prints MXNet's table of layers, shapes and parameter counts", () => {
  const net = new nn.Sequential();
  net.add(new nn.Dense(256, { activation: "relu" }), new nn.Dense(10));
  net.initialize();
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    net.summary(mx.nd.ones([2, 20]));
  } finally {
    console.log = log;
  }
  const out = lines.join("\n");
  assert.match(out, /Layer \(type\)\s+Output Shape\s+Param #/);
  assert.match(out, /\s+Input\s+\(2, 20\)\s+0/);
  assert.match(out, /Activation-1\s+\(2, 256\)\s+0/);
  assert.match(out, /Dense-2\s+\(2, 256\)\s+5376/);
  assert.match(out, /Dense-3\s+\(2, 10\)\s+2570/);
  assert.match(out, /Total params: 7946/);
  assert.match(out, /Trainable params: 7946/);
  assert.match(out, /Unique parameters in model: 7946/);
  net.dispose();
});

Deno.test("Block: a HybridBlock's children must be HybridBlocks", () => {
  const h = new nn.HybridSequential();
  assert.throws(
    () => h.add(new nn.Sequential() as unknown as mx.gluon.nn.HybridBlock),
    /children of a HybridBlock must be HybridBlocks/,
  );
  class Bad extends nn.HybridBlock {
    inner = new nn.Lambda((x: mx.NDArray) => x);
  }
  assert.throws(() => new Bad().collectParams(), /inner is a Lambda; use HybridSequential/);
});

Deno.test("Block: Lambda and HybridLambda wrap functions", async () => {
  const lam = new nn.Lambda("relu");
  assert.deepEqual(await values(lam.forward(mx.nd.array([-1, 2]))), [0, 2]);
  const hl = new nn.HybridLambda((F: typeof mx.nd, x: mx.NDArray) =>
    F.LeakyReLU({ data: x, slope: 0.1 })
  );
  assertClose(await values(hl.forward(mx.nd.array([-1, 2]))), [-0.1, 2]);
  hl.hybridize();
  assertClose(await values(hl.forward(mx.nd.array([-1, 2]))), [-0.1, 2]);
  const named = new nn.HybridLambda("tanh");
  named.hybridize();
  assertClose(await values(named.forward(mx.nd.array([0, 1]))), [0, Math.tanh(1)]);
  assert.throws(() => new nn.Lambda("nope"), /nope is not a function of mx\.nd/);
});
