/**
 * Operators written in TypeScript (`mx.operator.CustomOp`/`CustomOpProp`/`register`) run as
 * the `Custom` operator: on NDArrays, in autograd, in the Symbol executor and Module, and
 * through Symbol JSON, as MXNet's Python custom operators do.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues } from "../_harness.ts";

type ND = mx.NDArray;
type Req = mx.operator.OpReq[];

/** MXNet's tutorial softmax: forward softmax over axis 1, backward `y - onehot(label)`. */
class Softmax extends mx.operator.CustomOp {
  override forward(_isTrain: boolean, req: Req, [x]: ND[], [y]: ND[]): void {
    const e = x.sub(mx.nd.max(x, { axis: 1, keepdims: true })).exp();
    this.assign(y, req[0], e.div(mx.nd.sum(e, { axis: 1, keepdims: true })));
  }
  override backward(req: Req, _outGrad: ND[], [, label]: ND[], [y]: ND[], [dx]: ND[]): void {
    const onehot = mx.nd.oneHot(label, { depth: y.shape[1], dtype: y.dtype });
    this.assign(dx, req[0], y.sub(onehot));
  }
}

class SoftmaxProp extends mx.operator.CustomOpProp {
  constructor() {
    super(false); // a loss: backward does not read the head gradient
  }
  override listArguments(): string[] {
    return ["data", "label"];
  }
  override listOutputs(): string[] {
    return ["output"];
  }
  override inferShape(s: number[][]): [number[][], number[][], number[][]] {
    return [[s[0], [s[0][0]]], [s[0]], []];
  }
  override createOperator(): mx.operator.CustomOp {
    return new Softmax();
  }
}
mx.operator.register("test_softmax")(SoftmaxProp);

const X = [[1, 2, 3, 0.5], [-1, 0, 2, 2], [0.3, 0.3, -0.2, 1]];
const LABEL = [2, 0, 3];

for (const dtype of ["float64", "float32"] as const) {
  const tol = dtype === "float64" ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-6 };
  backendTest(
    `Custom: the tutorial softmax's values and gradient match softmax + cross-entropy (${dtype})`,
    async () => {
      const x = mx.nd.array(X, { dtype });
      const label = mx.nd.array(LABEL, { dtype });
      x.attachGrad();
      const y = mx.autograd.record(() => mx.nd.Custom(x, label, { opType: "test_softmax" })) as ND;
      y.backward();
      const expected = await mx.nd.softmax(x, { axis: 1 }).data();
      assertClose(await y.data(), expected, tol);
      const custom = await x.grad!.data();

      // The built-in: d/dx of sum(-log softmax(x)[label]).
      const x2 = mx.nd.array(X, { dtype });
      x2.attachGrad();
      mx.autograd.record(() =>
        mx.nd.pick(mx.nd.logSoftmax(x2, { axis: 1 }), label, { axis: 1 }).sum().neg()
      ).backward();
      assertClose(custom, await x2.grad!.data(), tol);
      // The label gets no gradient from the user's backward: it stays zero.
      label.attachGrad();
      mx.autograd.record(() => mx.nd.Custom(x, label, { opType: "test_softmax" }) as ND).backward();
      assert.deepEqual([...await label.grad!.data()], [0, 0, 0]);
    },
    { dtypes: [dtype] },
  );
}

backendTest("Custom: an MLP with the custom softmax trains through Module", async () => {
  mx.random.seed(3);
  const n = 160;
  const pts = await mx.random.uniform(-1, 1, [n, 2]).data() as Float32Array;
  const labels = Array.from({ length: n }, (_, i) => (pts[2 * i] * pts[2 * i + 1] > 0 ? 1 : 0));
  const data = mx.nd.array(pts, { shape: [n, 2] });
  const train = new mx.io.NDArrayIter({ data, label: labels, batchSize: 20, shuffle: true });
  let net = mx.sym.Variable("data");
  net = mx.sym.FullyConnected({ data: net, numHidden: 16, name: "fc1" });
  net = mx.sym.Activation({ data: net, actType: "tanh" });
  net = mx.sym.FullyConnected({ data: net, numHidden: 2, name: "fc2" });
  net = mx.sym.Custom({ data: net, opType: "test_softmax", name: "softmax" });
  assert.deepEqual(net.listArguments().slice(-1), ["softmax_label"]);
  const mod = new mx.mod.Module({ symbol: net });
  await mod.fit(train, {
    numEpoch: 30,
    optimizer: "adam",
    optimizerParams: { learningRate: 0.05 },
    initializer: new mx.init.Xavier(),
    logger: null,
  });
  const evalIter = new mx.io.NDArrayIter({ data, label: labels, batchSize: 20 });
  const [probs] = await mod.predict(evalIter);
  const p = await probs.data();
  let loss = 0;
  for (let i = 0; i < n; i++) loss -= Math.log(Number(p[2 * i + labels[i]]));
  loss /= n;
  assert.ok(loss < 0.25, `mean cross-entropy ${loss}`);
  const [[, acc]] = await mod.score(evalIter, "acc");
  assert.ok(acc > 0.9, `accuracy ${acc}`);
  mod.dispose();
}, { hostMemory: true });

/** y = x - moving_mean; in training the moving mean follows the batch mean (aux state). */
class Center extends mx.operator.CustomOp {
  constructor(readonly momentum: number) {
    super();
  }
  override forward(isTrain: boolean, req: Req, [x]: ND[], [y]: ND[], [mean]: ND[]): void {
    if (isTrain) {
      const batch = mx.nd.mean(x, { axis: 0 });
      this.assign(mean, "write", mean.mul(this.momentum).add(batch.mul(1 - this.momentum)));
    }
    this.assign(y, req[0], x.sub(mean));
  }
  override backward(req: Req, [dy]: ND[], _in: ND[], _out: ND[], [dx]: ND[]): void {
    this.assign(dx, req[0], dy);
  }
}

/** Records the keyword arguments its constructor got, to check they arrive as strings. */
const seenKwargs: Record<string, string>[] = [];

class CenterProp extends mx.operator.CustomOpProp {
  readonly momentum: number;
  constructor(kwargs: Record<string, string>) {
    super();
    seenKwargs.push(kwargs);
    this.momentum = Number(kwargs.momentum ?? "0.9");
  }
  override listAuxiliaryStates(): string[] {
    return ["moving_mean"];
  }
  override inferShape(s: number[][]): [number[][], number[][], number[][]] {
    return [s, [s[0]], [[s[0][1]]]];
  }
  override createOperator(): mx.operator.CustomOp {
    return new Center(this.momentum);
  }
}
mx.operator.register("test_center", CenterProp);

backendTest(
  "Custom: an auxiliary state is updated by forward in training, on NDArrays and in the Executor",
  async () => {
    const x = mx.nd.array([[1, 2], [3, 6]]);
    const mean = mx.nd.zeros([2]);
    const y = mx.nd.Custom(x, mean, { opType: "test_center", momentum: 0.5 }) as ND;
    assert.deepEqual([...await y.data()], [1, 2, 3, 6]); // predicting: the mean is untouched
    assert.deepEqual([...await mean.data()], [0, 0]);
    mx.autograd.record(() => mx.nd.Custom(x, mean, { opType: "test_center", momentum: 0.5 }));
    assert.deepEqual([...await mean.data()], [1, 2]); // 0.5 * 0 + 0.5 * [2, 4]

    const sym = mx.sym.Custom({ data: mx.sym.Variable("data"), opType: "test_center", name: "c" });
    assert.deepEqual(sym.listArguments(), ["data"]);
    assert.deepEqual(sym.listAuxiliaryStates(), ["c_moving_mean"]);
    assert.deepEqual(sym.inferShape({ data: [2, 2] }).auxShapes, [[2]]);
    const aux = mx.nd.array([1, 1]);
    const grad = mx.nd.zeros([2, 2]);
    const ex = sym.bind(mx.cpu(), { data: x }, { argsGrad: { data: grad }, auxStates: [aux] });
    ex.forward({ isTrain: true });
    // Momentum defaults to 0.9 in the Prop: 0.9 * 1 + 0.1 * [2, 4].
    assertClose(await aux.data(), [1.1, 1.3], { rtol: 1e-6 });
    assertClose(await ex.outputs[0].data(), [-0.1, 0.7, 1.9, 4.7], { rtol: 1e-5 });
    ex.backward([mx.nd.ones([2, 2])]);
    assert.deepEqual([...await grad.data()], [1, 1, 1, 1]);
    ex.dispose();
  },
);

backendTest("Custom: a graph with a Custom node round-trips through Symbol JSON", async () => {
  seenKwargs.length = 0;
  const data = mx.sym.Variable("data");
  const c = mx.sym.Custom(data, { opType: "test_center", momentum: 0.25, name: "center" });
  const net = mx.sym.FullyConnected({ data: c, numHidden: 3, name: "fc" });
  const json = net.toJSON();
  const node = JSON.parse(json).nodes.find((n: { op: string }) => n.op === "Custom");
  assert.equal(node.name, "center");
  assert.deepEqual(node.attrs, { op_type: "test_center", momentum: "0.25" });
  assert.equal(node.inputs.length, 2); // data, center_moving_mean
  const back = mx.sym.loadJSON(json);
  assert.equal(back.toJSON(), json);
  assert.deepEqual(back.listAuxiliaryStates(), ["center_moving_mean"]);
  assert.ok(seenKwargs.length > 0);
  for (const k of seenKwargs) assert.deepEqual(k, { momentum: "0.25" });

  const x = mx.nd.array(randomValues(8, 5), { shape: [2, 4] });
  const w = mx.nd.array(randomValues(12, 6), { shape: [3, 4] });
  const b = mx.nd.array([0.1, 0.2, 0.3]);
  const run = async (s: mx.sym.Symbol) => {
    const ex = s.bind(mx.cpu(), { data: x, fc_weight: w, fc_bias: b }, {
      auxStates: [mx.nd.array([0.5, -0.5, 1, 0])],
    });
    ex.forward({ isTrain: true });
    const out = await ex.outputs[0].data();
    ex.dispose();
    return out;
  };
  assertClose(await run(back), await run(net), { rtol: 1e-6 });
});

backendTest(
  'Custom: gradReq "add" accumulates the user\'s gradient; assign honours every req',
  async () => {
    const data = mx.sym.Variable("data");
    const sym = mx.sym.Custom({ data, opType: "test_softmax", name: "sm" });
    const x = mx.nd.array(X);
    const grad = mx.nd.zeros([3, 4]);
    const ex = sym.bind(mx.cpu(), { data: x, sm_label: mx.nd.array(LABEL) }, {
      argsGrad: { data: grad },
      gradReq: "add",
    });
    ex.forward({ isTrain: true });
    ex.backward();
    const once = [...await grad.data()];
    ex.forward({ isTrain: true });
    ex.backward();
    assertClose(await grad.data(), once.map((v) => 2 * v), { rtol: 1e-6 });
    ex.dispose();

    const op = new mx.operator.CustomOp();
    const dst = mx.nd.array([1, 2]);
    op.assign(dst, "add", mx.nd.array([10, 10]));
    assert.deepEqual([...await dst.data()], [11, 12]);
    op.assign(dst, "null", mx.nd.array([0, 0]));
    assert.deepEqual([...await dst.data()], [11, 12]);
    op.assign(dst, "inplace", mx.nd.array([3, 4]));
    assert.deepEqual([...await dst.data()], [3, 4]);
    op.assign(dst, "write", mx.nd.array([5, 6]));
    assert.deepEqual([...await dst.data()], [5, 6]);
    assert.throws(() => op.assign(dst, "keep" as never, dst), /assign: req must be/);
  },
);

/** Two outputs: `[x + 1, x * 2]`, with a Prop that can be told to return wrong shapes. */
class TwoOutProp extends mx.operator.CustomOpProp {
  readonly mode: string;
  constructor(kwargs: Record<string, string>) {
    super();
    this.mode = kwargs.mode ?? "ok";
  }
  override listOutputs(): string[] {
    return ["plus", "twice"];
  }
  override inferShape(s: number[][]): [number[][], number[][], number[][]] {
    if (this.mode === "one_output") return [s, [s[0]], []];
    if (this.mode === "changes_input") return [[[7]], [s[0], s[0]], []];
    return [s, [s[0], s[0]], []];
  }
  override createOperator(): mx.operator.CustomOp {
    const mode = this.mode;
    return new (class extends mx.operator.CustomOp {
      override forward(_t: boolean, req: Req, [x]: ND[], [a, b]: ND[]): void {
        if (mode === "throws") throw new Error("boom");
        this.assign(a, req[0], x.add(1));
        this.assign(b, req[1], x.mul(2));
      }
    })();
  }
}
mx.operator.register("test_two_out", TwoOutProp);

backendTest(
  "Custom: several outputs come back as an array; mistakes are clear errors naming the op_type",
  async () => {
    const x = mx.nd.array([1, 2]);
    const outs = mx.nd.Custom(x, { opType: "test_two_out" }) as ND[];
    assert.deepEqual([...await outs[0].data()], [2, 3]);
    assert.deepEqual([...await outs[1].data()], [2, 4]);
    assert.deepEqual(
      mx.sym.Custom(mx.sym.Variable("x"), { opType: "test_two_out", name: "t" })
        .listOutputs(),
      ["t_plus", "t_twice"],
    );

    assert.throws(
      () => mx.nd.Custom(x, { opType: "no_such_op" }),
      (e: Error) =>
        e instanceof mx.ParamError && /op_type "no_such_op" is not registered/.test(e.message) &&
        /test_softmax/.test(e.message),
    );
    assert.throws(
      () => mx.sym.Custom({ data: mx.sym.Variable("x"), opType: "no_such_op" }),
      /op_type "no_such_op" is not registered/,
    );
    const json = mx.sym.Custom({ data: mx.sym.Variable("x"), opType: "test_two_out" }).toJSON();
    assert.throws(
      () => mx.sym.loadJSON(json.replace('"test_two_out"', '"gone_op"')),
      /op_type "gone_op" is not registered/,
    );
    assert.throws(
      () => mx.nd.Custom(x, { opType: "test_two_out", mode: "one_output" }),
      (e: Error) =>
        e instanceof mx.ShapeError &&
        /Custom: op_type test_two_out: inferShape returned \[\[2\]\] as the output shapes; expected 2 \(plus, twice\)/
          .test(e.message),
    );
    assert.throws(
      () => mx.nd.Custom(x, { opType: "test_two_out", mode: "changes_input" }),
      /Custom: op_type test_two_out: inferShape: argument data has shape \[2\], inferShape expects \[7\]/,
    );
    assert.throws(
      () => mx.nd.Custom(x, { opType: "test_two_out", mode: "throws" }),
      (e: Error) =>
        e instanceof mx.MXNetError && e.message === "Custom: op_type test_two_out: forward: boom",
    );
    assert.throws(
      () => mx.nd.Custom(x, x, { opType: "test_two_out" }),
      /expected 1 inputs \(data\)/,
    );
    assert.throws(() => mx.nd.Custom(x), /last argument must be an options object with opType/);
    assert.throws(
      () => mx.operator.register("bad", class {} as never),
      /register\("bad"\): expects a subclass of mx.operator.CustomOpProp/,
    );
  },
);

mx.operator.register(
  "test_double",
  class extends mx.operator.CustomOpProp {
    override createOperator(): mx.operator.CustomOp {
      return new (class extends mx.operator.CustomOp {
        override forward(_t: boolean, req: Req, [x]: ND[], [y]: ND[]): void {
          this.assign(y, req[0], x.mul(2));
        }
      })();
    }
  },
);

backendTest(
  "Custom: F.Custom in a hybridized Gluon block matches the imperative call",
  async () => {
    class Net extends mx.gluon.HybridBlock {
      override hybridForward(F: typeof mx.nd, x: ND): ND {
        return F.Custom(x.mul(2), { opType: "test_double" }) as ND;
      }
    }
    const net = new Net();
    const x = mx.nd.array([[1, -2, 3]]);
    const eager = await (net.forward(x) as ND).data();
    net.hybridize();
    const hybrid = await (net.forward(x) as ND).data();
    assert.deepEqual([...eager], [4, -8, 12]);
    assert.deepEqual([...hybrid], [...eager]);
  },
);

backendTest(
  "Custom: Symbol shape inference fills an argument from the Prop and leaves unknowns unknown",
  () => {
    const sm = mx.sym.Custom({ data: mx.sym.Variable("data"), opType: "test_softmax", name: "sm" });
    const { argShapes, outShapes } = sm.inferShape({ data: [5, 3] });
    assert.deepEqual(argShapes, [[5, 3], [5]]); // the label's shape comes from inferShape
    assert.deepEqual(outShapes, [[5, 3]]);
    // The default inferShape only echoes its input: the label stays unknown, not a scalar.
    const twoIn = mx.sym.Custom({
      a: mx.sym.Variable("a"),
      b: mx.sym.Variable("b"),
      opType: "gradient_like_two_inputs",
    });
    const partial = twoIn.inferShapePartial({ a: [2, 2] });
    assert.deepEqual(partial.argShapes, [[2, 2], undefined]);
  },
);

mx.operator.register(
  "gradient_like_two_inputs",
  class extends mx.operator.CustomOpProp {
    override listArguments(): string[] {
      return ["a", "b"];
    }
  },
);

backendTest(
  "Custom: a Gluon MLP trains by hand with the custom softmax as its loss layer",
  async () => {
    mx.random.seed(5);
    const n = 64;
    const pts = await mx.random.uniform(-1, 1, [n, 2]).data() as Float32Array;
    const labels = Array.from({ length: n }, (_, i) => (pts[2 * i] + pts[2 * i + 1] > 0 ? 1 : 0));
    const x = mx.nd.array(pts, { shape: [n, 2] });
    const y = mx.nd.array(labels);
    const net = new mx.gluon.nn.Sequential().add(
      new mx.gluon.nn.Dense(8, { activation: "tanh" }),
      new mx.gluon.nn.Dense(2),
    );
    net.initialize(new mx.init.Xavier());
    // Plain SGD keeps no optimizer state (the buffer check counts every array).
    const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", { learningRate: 1 });
    const crossEntropy = async () => {
      const p = await (mx.nd.Custom(net.forward(x) as ND, y, { opType: "test_softmax" }) as ND)
        .data();
      return -labels.reduce((s: number, l, i) => s + Math.log(Number(p[2 * i + l])), 0) / n;
    };
    const first = await crossEntropy();
    for (let step = 0; step < 100; step++) {
      await mx.nd.scope(async () => {
        // The user's backward ignores the head gradient (a loss): y - onehot(label).
        const prob = mx.autograd.record(() =>
          mx.nd.Custom(net.forward(x) as ND, y, { opType: "test_softmax" }) as ND
        );
        prob.backward();
        trainer.step(n);
        await prob.waitToRead();
      });
    }
    const last = await crossEntropy();
    assert.ok(last < 0.2 && last < first / 3, `cross-entropy ${first} -> ${last}`);
    net.dispose();
  },
  { hostMemory: true },
);
