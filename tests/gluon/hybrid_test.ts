/**
 * Hybridization: every layer gives the same outputs and gradients imperatively, traced
 * (MXNet 2.x forward) and built symbolically (MXNet 1.x hybridForward); graphs are
 * re-made for new input shapes; export writes files SymbolBlock.imports, loadCheckpoint
 * and Module read back.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, randomValues, values } from "../_harness.ts";

const { nn } = mx.gluon;
type Layer = mx.gluon.HybridBlock;

/** A MXNet 1.x block around `inner`: hybridized, its graph is built with mx.sym. */
class Wrap1x extends nn.HybridBlock {
  inner: Layer;
  constructor(inner: Layer) {
    super();
    this.inner = inner;
  }
  override hybridForward(_F: typeof mx.sym, x: mx.NDArray): mx.NDArray {
    return this.inner.forward(x);
  }
}

interface Case {
  name: string;
  make: () => Layer;
  shape: number[];
  /** Integer inputs in [0, n) (no input gradient). */
  indices?: number;
  train?: boolean;
}

const CASES: Case[] = [
  { name: "Dense", make: () => new nn.Dense(5, { activation: "tanh" }), shape: [3, 2, 2] },
  {
    name: "Dense flatten=false",
    make: () => new nn.Dense(5, { flatten: false }),
    shape: [2, 3, 4],
  },
  { name: "Dropout", make: () => new nn.Dropout(0.5), shape: [4, 6], train: true },
  {
    name: "Dropout axes",
    make: () => new nn.Dropout(0.3, { axes: [1] }),
    shape: [4, 6],
    train: true,
  },
  { name: "BatchNorm train", make: () => new nn.BatchNorm(), shape: [4, 3, 2, 2], train: true },
  { name: "BatchNorm predict", make: () => new nn.BatchNorm({ scale: false }), shape: [4, 3, 2] },
  { name: "LayerNorm", make: () => new nn.LayerNorm(), shape: [3, 5] },
  { name: "InstanceNorm", make: () => new nn.InstanceNorm({ scale: true }), shape: [2, 3, 4] },
  { name: "InstanceNorm axis 2", make: () => new nn.InstanceNorm({ axis: 2 }), shape: [2, 3, 4] },
  { name: "GroupNorm", make: () => new nn.GroupNorm({ numGroups: 2 }), shape: [2, 4, 3] },
  { name: "Embedding", make: () => new nn.Embedding(10, 4), shape: [3, 2], indices: 10 },
  { name: "Flatten", make: () => new nn.Flatten(), shape: [2, 3, 2] },
  { name: "Activation relu", make: () => new nn.Activation("relu"), shape: [3, 4] },
  { name: "Activation sigmoid", make: () => new nn.Activation("sigmoid"), shape: [3, 4] },
  { name: "Activation softrelu", make: () => new nn.Activation("softrelu"), shape: [3, 4] },
  { name: "LeakyReLU", make: () => new nn.LeakyReLU(0.1), shape: [3, 4] },
  { name: "PReLU", make: () => new nn.PReLU({ inChannels: 3 }), shape: [2, 3, 4] },
  { name: "ELU", make: () => new nn.ELU(0.7), shape: [3, 4] },
  { name: "SELU", make: () => new nn.SELU(), shape: [3, 4] },
  { name: "GELU", make: () => new nn.GELU(), shape: [3, 4] },
  { name: "Swish", make: () => new nn.Swish(2), shape: [3, 4] },
  { name: "SiLU", make: () => new nn.SiLU(), shape: [3, 4] },
  {
    name: "Conv1D",
    make: () => new nn.Conv1D(4, { kernelSize: 3, padding: 1, strides: 2 }),
    shape: [2, 3, 7],
  },
  {
    name: "Conv2D groups dilation",
    make: () =>
      new nn.Conv2D(4, { kernelSize: 3, groups: 2, dilation: 2, padding: 2, activation: "relu" }),
    shape: [2, 4, 5, 5],
  },
  {
    name: "Conv1DTranspose",
    make: () => new nn.Conv1DTranspose(3, { kernelSize: 3, strides: 2, outputPadding: 1 }),
    shape: [2, 2, 4],
  },
  {
    name: "Conv2DTranspose",
    make: () => new nn.Conv2DTranspose(4, { kernelSize: 3, strides: 2, padding: 1, groups: 2 }),
    shape: [1, 2, 3, 3],
  },
  {
    name: "MaxPool1D",
    make: () => new nn.MaxPool1D({ poolSize: 3, strides: 2 }),
    shape: [2, 3, 7],
  },
  { name: "MaxPool2D ceil", make: () => new nn.MaxPool2D({ ceilMode: true }), shape: [1, 2, 5, 5] },
  { name: "AvgPool1D", make: () => new nn.AvgPool1D({ poolSize: 2 }), shape: [2, 3, 6] },
  {
    name: "AvgPool2D",
    make: () => new nn.AvgPool2D({ poolSize: 3, strides: 2, padding: 1, countIncludePad: false }),
    shape: [1, 2, 5, 5],
  },
  { name: "GlobalMaxPool1D", make: () => new nn.GlobalMaxPool1D(), shape: [2, 3, 5] },
  { name: "GlobalMaxPool2D", make: () => new nn.GlobalMaxPool2D(), shape: [2, 3, 4, 4] },
  { name: "GlobalAvgPool1D", make: () => new nn.GlobalAvgPool1D(), shape: [2, 3, 5] },
  { name: "GlobalAvgPool2D", make: () => new nn.GlobalAvgPool2D(), shape: [2, 3, 4, 4] },
  { name: "ReflectionPad2D", make: () => new nn.ReflectionPad2D(2), shape: [1, 2, 4, 3] },
  { name: "Identity", make: () => new nn.Identity(), shape: [2, 3] },
  {
    name: "HybridConcatenate",
    make: () => new nn.HybridConcatenate(1).add(new nn.Dense(3), new nn.Dense(2)),
    shape: [2, 4],
  },
  {
    name: "HybridSequential",
    make: () =>
      new nn.HybridSequential().add(
        new nn.Conv2D(3, { kernelSize: 3, padding: 1 }),
        new nn.BatchNorm(),
        new nn.Activation("relu"),
        new nn.MaxPool2D(),
        new nn.Flatten(),
        new nn.Dense(4),
      ),
    shape: [2, 1, 6, 6],
    train: true,
  },
];

interface Result {
  out: number[];
  xGrad: number[] | null;
  params: Record<string, number[]>;
  grads: Record<string, number[]>;
}

/** Two training-style passes; the second is compared (a hybridized first pass traces). */
async function run(c: Case, mode: "imperative" | "traced" | "symbolic"): Promise<Result> {
  mx.random.seed(11);
  const layer = c.make();
  const net: Layer = mode === "symbolic" ? new Wrap1x(layer) : layer;
  net.initialize(new mx.init.Uniform(0.5));
  if (mode !== "imperative") net.hybridize();
  const n = c.shape.reduce((a, b) => a * b, 1);
  const raw = c.indices
    ? Array.from({ length: n }, (_, i) => (i * 7) % c.indices!)
    : randomValues(n, 5);
  let res: Result | null = null;
  for (let pass = 0; pass < 2; pass++) {
    mx.random.seed(100 + pass);
    const x = mx.nd.array(raw, { shape: c.shape });
    if (!c.indices) x.attachGrad();
    const y = mx.autograd.record(
      () => net.forward(x) as mx.NDArray,
      { trainMode: c.train ?? false },
    );
    y.backward(mx.nd.array(randomValues(y.size, 9), { shape: y.shape }));
    const params: Record<string, number[]> = {}, grads: Record<string, number[]> = {};
    for (const [k, p] of net._collectParamsWithPrefix()) {
      params[k.replace(/^inner\./, "")] = await values(p.data());
      if (p.gradReq !== "null") grads[k.replace(/^inner\./, "")] = await values(p.grad());
    }
    res = { out: await values(y), xGrad: c.indices ? null : await values(x.grad!), params, grads };
  }
  net.dispose();
  return res!;
}

function same(a: Result, b: Result, what: string): void {
  const tol = { rtol: 1e-6, atol: 1e-7 };
  assertClose(a.out, b.out, { ...tol, msg: `${what} output` });
  if (a.xGrad) assertClose(a.xGrad, b.xGrad!, { ...tol, msg: `${what} input gradient` });
  assert.deepEqual(Object.keys(a.params), Object.keys(b.params), what);
  for (const k of Object.keys(a.params)) {
    assertClose(a.params[k], b.params[k], { ...tol, msg: `${what} ${k}` });
  }
  for (const k of Object.keys(a.grads)) {
    assertClose(a.grads[k], b.grads[k], { ...tol, msg: `${what} ${k} gradient` });
  }
}

for (const c of CASES) {
  Deno.test(`hybridize equals imperative, forward and gradients: ${c.name}`, async () => {
    const imperative = await run(c, "imperative");
    assert.ok(imperative.out.every(Number.isFinite));
    same(imperative, await run(c, "traced"), "traced");
    same(imperative, await run(c, "symbolic"), "symbolic (hybridForward with mx.sym)");
  });
}

Deno.test("hybridize: a new input shape is re-traced, not run with the old graph", async () => {
  const net = new nn.HybridSequential().add(new nn.Dense(3, { inUnits: 4 }), new nn.Flatten());
  net.initialize();
  const x2 = mx.nd.array(randomValues(8, 1), { shape: [2, 4] });
  const x5 = mx.nd.array(randomValues(20, 2), { shape: [5, 4] });
  const want2 = await values(net.forward(x2)), want5 = await values(net.forward(x5));
  net.hybridize();
  assert.deepEqual(await values(net.forward(x2)), want2);
  const g2 = net._lastGraph();
  const y5 = net.forward(x5);
  assert.deepEqual(y5.shape, [5, 3]);
  assert.deepEqual(await values(y5), want5);
  assert.notEqual(net._lastGraph(), g2);
  assert.deepEqual(await values(net.forward(x2)), want2);
  assert.equal(net._lastGraph(), g2);
  net.dispose();
});

Deno.test("hybridize: a MXNet 2.x forward with NDArray methods and a constant is traced", async () => {
  const scale = mx.nd.array([1, 2, 3]);
  class Net extends nn.HybridBlock {
    dense = new nn.Dense(3);
    override forward(x: mx.NDArray): mx.NDArray {
      const h = this.dense.forward(x);
      return h.mul(scale).add(x.sum({ axis: 1, keepdims: true })).relu();
    }
  }
  const net = new Net();
  net.initialize();
  const x = mx.nd.array(randomValues(8, 4), { shape: [2, 4] });
  const want = await values(net.forward(x));
  net.hybridize();
  net.forward(x);
  assert.deepEqual(await values(net.forward(x)), want);
  const json = net._lastGraph()!.symbol.toJSON();
  assert.match(json, /"op": "FullyConnected"/);
  assert.match(json, /"name": "dense\d+_fwd"/);
  assert.match(json, /"op": "broadcast_mul"/);
  net.dispose();
});

Deno.test("hybridForward (MXNet 1.x): F is mx.nd imperatively, mx.sym when hybridized; deferred shapes", async () => {
  const seen: string[] = [];
  class MyDense extends nn.HybridBlock {
    weight: mx.gluon.Parameter;
    constructor(readonly units: number) {
      super();
      this.weight = this.params.get("weight", { shape: [units, 0], allowDeferredInit: true });
    }
    override hybridForward(
      F: typeof mx.nd,
      x: mx.NDArray,
      params: { weight: mx.NDArray },
    ): mx.NDArray {
      seen.push(F === (mx.nd as unknown) ? "nd" : F === (mx.sym as unknown) ? "sym" : "?");
      return F.FullyConnected({
        data: x,
        weight: params.weight,
        noBias: true,
        numHidden: this.units,
      });
    }
  }
  const net = new MyDense(2);
  net.initialize(new mx.init.One());
  const x = mx.nd.array([[1, 2, 3]]);
  // The first call infers the weight's shape from the input through the symbolic graph.
  assert.deepEqual(await values(net.forward(x)), [6, 6]);
  assert.deepEqual(net.weight.shape, [2, 3]);
  net.hybridize();
  assert.deepEqual(await values(net.forward(x)), [6, 6]);
  assert.deepEqual(await values(net.forward(mx.nd.ones([4, 3]))), new Array(8).fill(3));
  assert.deepEqual(seen, ["sym", "nd", "sym"]);
  net.dispose();
});

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir();
}

Deno.test("export -> SymbolBlock.imports round trip (arg:/aux: names, BatchNorm statistics)", async () => {
  const dir = await tempDir();
  try {
    const net = new nn.HybridSequential();
    net.add(
      new nn.Conv2D(4, { kernelSize: 3, activation: "relu" }),
      new nn.BatchNorm(),
      new nn.MaxPool2D(),
      new nn.Dense(3),
    );
    net.initialize(new mx.init.Xavier());
    net.hybridize();
    const x = mx.nd.array(randomValues(2 * 1 * 8 * 8, 3), { shape: [2, 1, 8, 8] });
    // Train a step so the running statistics move away from their initial values.
    mx.autograd.record(() => net.forward(x)).backward();
    const want = await values(net.forward(x));
    await net.export(`${dir}/net`, 3);
    const saved = await mx.nd.load(`${dir}/net-0003.params`) as Record<string, mx.NDArray>;
    const keys = Object.keys(saved).sort();
    assert.ok(keys.some((k) => /^aux:batchnorm\d+_running_mean$/.test(k)), keys.join());
    assert.ok(keys.some((k) => /^arg:conv\d+_weight$/.test(k)), keys.join());
    assert.equal(keys.length, 8);
    const back = await mx.gluon.SymbolBlock.imports(
      `${dir}/net-symbol.json`,
      ["data"],
      `${dir}/net-0003.params`,
    );
    assert.deepEqual(await values(back.forward(x)), want);
    // A different batch size runs through the same (shape-free) graph.
    assert.deepEqual(back.forward(mx.nd.ones([5, 1, 8, 8])).shape, [5, 3]);
    // And it saves under structural names like any block.
    await back.saveParameters(`${dir}/back.params`);
    net.dispose();
    back.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export -> mx.model.loadCheckpoint and mx.mod.Module predict the same", async () => {
  const dir = await tempDir();
  try {
    const net = new nn.HybridSequential().add(
      new nn.Dense(8, { activation: "relu" }),
      new nn.Dense(3),
    );
    net.initialize();
    net.hybridize();
    const x = mx.nd.array(randomValues(12, 6), { shape: [4, 3] });
    const want = await values(net.forward(x));
    await net.export(`${dir}/mlp`, 0);
    const { symbol, argParams, auxParams } = await mx.model.loadCheckpoint(`${dir}/mlp`, 0);
    assert.deepEqual(symbol.listArguments().slice(0, 1), ["data"]);
    const mod = new mx.mod.Module({ symbol, dataNames: ["data"], labelNames: [] });
    mod.bind({ dataShapes: [["data", [4, 3]]], forTraining: false });
    mod.setParams(argParams, auxParams);
    mod.forward(new mx.io.DataBatch({ data: [x], label: [] }), { isTrain: false });
    assertClose(await values(mod.getOutputs()[0]), want);
    net.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export before a hybridized forward is an error saying what to do", async () => {
  const net = new nn.Dense(2);
  await assert.rejects(
    () => net.export("/tmp/never"),
    /call dense\d+\.hybridize\(\) and run forward once/,
  );
});

Deno.test("SymbolBlock wraps a Symbol: deferred shapes from the first input, Symbol composition", async () => {
  const data = mx.sym.Variable("data");
  const fc = mx.sym.FullyConnected({ data, numHidden: 3, name: "fc" });
  const out = mx.sym.Activation({ data: fc, actType: "relu", name: "act" });
  const net = new mx.gluon.SymbolBlock(out, data);
  assert.deepEqual([...net.collectParams().keys()], ["fc_weight", "fc_bias"]);
  // The block's initializer fills every parameter without one of its own, bias included, by
  // its weight rule (MXNet's Gluon): 5 inputs of 1 times weights of 1, plus a bias of 1.
  net.initialize(new mx.init.One());
  assert.deepEqual(await values(net.forward(mx.nd.ones([2, 5]))), new Array(6).fill(6));
  assert.deepEqual(net.collectParams().at("fc_weight").shape, [3, 5]);
  const composed = net.forward(mx.sym.Variable("x"));
  assert.deepEqual(composed.listArguments(), ["x", "fc_weight", "fc_bias"]);
  net.dispose();
});

Deno.test("hybridize: hybridized children inside a plain Block and inside a hybridized parent", async () => {
  class Mixed extends nn.Block {
    body = new nn.HybridSequential().add(new nn.Dense(4, { activation: "relu" }), new nn.Dense(3));
    head = new nn.Dense(2);
    override forward(x: mx.NDArray): mx.NDArray {
      return this.head.forward(this.body.forward(x).tanh());
    }
  }
  const net = new Mixed();
  net.initialize();
  const x = mx.nd.array(randomValues(10, 8), { shape: [2, 5] });
  const want = await values(net.forward(x));
  net.hybridize(); // the plain Block hybridizes its HybridBlock children
  for (let i = 0; i < 2; i++) assert.deepEqual(await values(net.forward(x)), want);
  assert.ok(net.body._lastGraph() !== null && net.head._lastGraph() !== null);
  // A hybridized parent traces its (hybridized) children into its own graph.
  const outer = new nn.HybridSequential().add(net.body, new nn.Activation("tanh"), net.head);
  outer.hybridize();
  for (let i = 0; i < 2; i++) assert.deepEqual(await values(outer.forward(x)), want);
  const ops = outer._lastGraph()!.symbol._nodes().filter((n) => !n.isVariable).map((n) =>
    n.op!.name
  );
  assert.deepEqual(ops, [
    "FullyConnected",
    "Activation",
    "FullyConnected",
    "Activation",
    "FullyConnected",
  ]);
  net.dispose();
});

Deno.test("hybridForward calling NDArray-only code with Symbols explains the two styles", () => {
  class Inner extends nn.HybridBlock {
    // In-place writes exist on arrays only: a Symbol has no mulInPlace.
    override forward(x: mx.NDArray): mx.NDArray {
      return x.mulInPlace(2);
    }
  }
  class Outer extends nn.HybridBlock {
    inner = new Inner();
    override hybridForward(_F: unknown, x: mx.NDArray): mx.NDArray {
      return this.inner.forward(x);
    }
  }
  const net = new Outer();
  net.hybridize();
  assert.throws(() => net.forward(mx.nd.ones([2, 3])), (e: Error) => {
    assert.ok(e instanceof mx.MXNetError);
    assert.match(
      e.message,
      /building the graph with Symbols .* failed: .*define forward\(x\) instead/,
    );
    return true;
  });
});
