/**
 * Loss layers through mx.autograd: forward values, and MXNet's loss-layer gradients,
 * which ignore the head gradient.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b);
  return e.map((v) => v / s);
};

/** Runs `op` recorded on data (gradient attached) and backpropagates `head`. */
function run(
  op: string,
  data: mx.NDArray,
  rest: mx.NDArray[],
  params: Record<string, unknown>,
  head?: mx.NDArray,
) {
  data.attachGrad();
  const y = mx.autograd.record(() => mx.engine.invokeOp(op, [data, ...rest], params)[0]);
  y.backward(head);
  return y;
}

const DATA = [[1, 2, 3], [1, 1, 1]];
const P = DATA.map(softmax);

backendTest(
  "SoftmaxOutput: softmax forward, p - onehot(label) backward, head ignored",
  async () => {
    const x = mx.nd.array(DATA);
    // A head gradient of 7s changes nothing: loss layers ignore it.
    const y = run("SoftmaxOutput", x, [mx.nd.array([2, 0])], {}, mx.nd.full([2, 3], 7));
    assertClose(await values(y), P.flat(), { rtol: 1e-6 });
    const hot = [[0, 0, 1], [1, 0, 0]];
    const want = P.flatMap((r, i) => r.map((v, j) => v - hot[i][j]));
    assertClose(await values(x.grad!), want, { rtol: 1e-5, atol: 1e-7 });
  },
);

backendTest("SoftmaxOutput: grad_scale, batch and valid normalization, ignore_label", async () => {
  const hot = [[0, 0, 1], [1, 0, 0]];
  const base = P.flatMap((r, i) => r.map((v, j) => v - hot[i][j]));
  const x = mx.nd.array(DATA);
  run("SoftmaxOutput", x, [mx.nd.array([2, 0])], { grad_scale: "3", normalization: "batch" });
  assertClose(await values(x.grad!), base.map((v) => (v * 3) / 2), { rtol: 1e-5, atol: 1e-7 });
  // Label -1 is ignored: its row gets no gradient and is not counted by "valid".
  const z = mx.nd.array(DATA);
  run("Softmax", z, [mx.nd.array([2, -1])], { use_ignore: true, normalization: "valid" });
  assertClose(await values(z.grad!), [...base.slice(0, 3), 0, 0, 0], { rtol: 1e-5, atol: 1e-7 });
});

backendTest(
  "SoftmaxOutput multi_output: classes on axis 1, null normalization divides by positions",
  async () => {
    // data [1, 3, 2]: two positions, three classes each.
    const cols = [[1, 0, 2], [0.5, 0.5, -1]];
    const x = mx.nd.array([[[1, 0.5], [0, 0.5], [2, -1]]]);
    const y = run("SoftmaxOutput", x, [mx.nd.array([[2, 1]])], { multiOutput: true });
    const p = cols.map(softmax);
    // Back to [class, position] order.
    assertClose(await values(y), [0, 1, 2].flatMap((c) => [p[0][c], p[1][c]]), { rtol: 1e-6 });
    const g = [0, 1, 2].flatMap((
      c,
    ) => [(p[0][c] - (c === 2 ? 1 : 0)) / 2, (p[1][c] - (c === 1 ? 1 : 0)) / 2]);
    assertClose(await values(x.grad!), g, { rtol: 1e-5, atol: 1e-7 });
  },
);

backendTest(
  "SoftmaxOutput smooth_alpha: 1 - alpha on the label, alpha/(K-1) elsewhere",
  async () => {
    const x = mx.nd.array(DATA);
    run("SoftmaxOutput", x, [mx.nd.array([2, 0])], { smooth_alpha: 0.3 });
    const target = [[0.15, 0.15, 0.7], [0.7, 0.15, 0.15]];
    assertClose(await values(x.grad!), P.flatMap((r, i) => r.map((v, j) => v - target[i][j])), {
      rtol: 1e-5,
      atol: 1e-7,
    });
  },
);

backendTest("SoftmaxOutput with probability labels: p - label", async () => {
  const x = mx.nd.array(DATA);
  const label = [[0.2, 0.3, 0.5], [0, 1, 0]];
  run("SoftmaxOutput", x, [mx.nd.array(label)], { normalization: "batch" });
  assertClose(await values(x.grad!), P.flatMap((r, i) => r.map((v, j) => v - label[i][j])), {
    rtol: 1e-5,
    atol: 1e-7,
  });
});

backendTest(
  "LinearRegressionOutput: identity forward, grad_scale/outputs * (out - label)",
  async () => {
    const x = mx.nd.array([[1, 2], [3, 4]]);
    const y = run(
      "LinearRegressionOutput",
      x,
      [mx.nd.array([[0, 2], [1, 1]])],
      { gradScale: 2 },
      mx.nd.full([2, 2], 5),
    );
    assert.deepEqual(await values(y), [1, 2, 3, 4]);
    assert.deepEqual(await values(x.grad!), [1, 0, 2, 3]);
  },
);

backendTest("LogisticRegressionOutput: sigmoid forward, sigmoid - label backward", async () => {
  const x = mx.nd.array([[0], [Math.log(3)]]);
  const y = run("LogisticRegressionOutput", x, [mx.nd.array([1, 0])], {});
  assertClose(await values(y), [0.5, 0.75], { rtol: 1e-6 });
  assertClose(await values(x.grad!), [-0.5, 0.75], { rtol: 1e-6 });
});

backendTest("MAERegressionOutput: sign(out - label) / outputs", async () => {
  const x = mx.nd.array([[1, -2, 3]]);
  run("MAERegressionOutput", x, [mx.nd.array([[2, -2, 0]])], {});
  assertClose(await values(x.grad!), [-1 / 3, 0, 1 / 3]);
});

backendTest("MakeLoss: identity forward, grad_scale normalised gradient", async () => {
  const x = mx.nd.array([[1, 2], [3, 4]]);
  const y = run("MakeLoss", x, [], { grad_scale: 2, normalization: "valid", valid_thresh: 1.5 });
  assert.deepEqual(await values(y), [1, 2, 3, 4]);
  // Three outputs exceed valid_thresh: 2 / 3 everywhere.
  assertClose(await values(x.grad!), [2 / 3, 2 / 3, 2 / 3, 2 / 3]);
  const z = mx.nd.array([[1, 2], [3, 4]]);
  run("make_loss", z, [], {}, mx.nd.full([2, 2], 9));
  assert.deepEqual(await values(z.grad!), [1, 1, 1, 1]);
});

backendTest(
  "softmax_cross_entropy: summed -log p[label]; its gradient follows the head",
  async () => {
    const x = mx.nd.array(DATA);
    const y = run("softmax_cross_entropy", x, [mx.nd.array([2, 0])], {}, mx.nd.array([2]));
    assert.deepEqual(y.shape, [1]);
    assertClose(await values(y), [-Math.log(P[0][2]) - Math.log(P[1][0])], { rtol: 1e-6 });
    const hot = [[0, 0, 1], [1, 0, 0]];
    assertClose(await values(x.grad!), P.flatMap((r, i) => r.map((v, j) => 2 * (v - hot[i][j]))), {
      rtol: 1e-5,
      atol: 1e-7,
    });
  },
);

backendTest("loss layers check their label shapes", () => {
  assert.throws(
    () => mx.engine.invokeOp("SoftmaxOutput", [mx.nd.ones([2, 3]), mx.nd.ones([3])]),
    /SoftmaxOutput: label has shape \[3\]/,
  );
  assert.throws(
    () => mx.engine.invokeOp("LinearRegressionOutput", [mx.nd.ones([2, 3]), mx.nd.ones([2, 2])]),
    /LinearRegressionOutput: label has shape \[2,2\]/,
  );
});
