/**
 * gluon.loss: each loss against MXNet 1.9's formula computed here directly, with weights,
 * sample weights, batch axes, label reshaping, hybridization, and a user subclass of Loss.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, randomValues, values } from "../_harness.ts";

const { loss } = mx.gluon;
const N = 3, C = 4;
const predV = randomValues(N * C, 1, -2, 2);
const pred = () => mx.nd.array(predV, { shape: [N, C] });
const rows = <T>(f: (r: number) => T) => Array.from({ length: N }, (_, r) => f(r));
const at = (r: number, c: number) => predV[r * C + c];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const softplus = (v: number) => Math.log1p(Math.exp(v));
const close = async (got: mx.NDArray, want: number[]) =>
  assertClose(await values(got), want, { rtol: 1e-5, atol: 1e-6 });

Deno.test("L2Loss and L1Loss: per-example means, weight, sample weight, label reshaped", async () => {
  const labelV = randomValues(N * C, 2);
  const label = mx.nd.array(labelV, { shape: [N * C] }); // reshaped to pred's shape
  const sq = rows((r) =>
    mean(Array.from({ length: C }, (_, c) => (labelV[r * C + c] - at(r, c)) ** 2))
  );
  await close(new loss.L2Loss().forward(pred(), label), sq.map((v) => v / 2));
  await close(new loss.L2Loss({ weight: 3 }).forward(pred(), label), sq.map((v) => 1.5 * v));
  const sw = mx.nd.array([[1], [0], [2]]);
  await close(
    new loss.L2Loss().forward(pred(), label, sw),
    sq.map((v, r) => (v / 2) * [1, 0, 2][r]),
  );
  const ab = rows((r) =>
    mean(Array.from({ length: C }, (_, c) => Math.abs(labelV[r * C + c] - at(r, c))))
  );
  await close(new loss.L1Loss().forward(pred(), label), ab);
  // batchAxis 1: one value per column.
  const cols = Array.from(
    { length: C },
    (_, c) => mean(rows((r) => Math.abs(labelV[r * C + c] - at(r, c)))),
  );
  await close(new loss.L1Loss({ batchAxis: 1 }).forward(pred(), label), cols);
});

Deno.test("SoftmaxCrossEntropyLoss: sparse and dense labels, fromLogits, axis", async () => {
  const lse = rows((r) =>
    Math.log(Array.from({ length: C }, (_, c) => Math.exp(at(r, c))).reduce((a, b) => a + b))
  );
  const labels = [2, 0, 3];
  const want = rows((r) => lse[r] - at(r, labels[r]));
  await close(new loss.SoftmaxCrossEntropyLoss().forward(pred(), mx.nd.array(labels)), want);
  await close(
    new loss.SoftmaxCELoss({ weight: 0.5 }).forward(pred(), mx.nd.array(labels)),
    want.map((v) => v / 2),
  );
  const logp = pred().logSoftmax({ axis: -1 });
  await close(
    new loss.SoftmaxCrossEntropyLoss({ fromLogits: true }).forward(logp, mx.nd.array(labels)),
    want,
  );
  const dist = mx.nd.array(labels).oneHot(C);
  await close(new loss.SoftmaxCrossEntropyLoss({ sparseLabel: false }).forward(pred(), dist), want);
  // Classes on axis 0: labels per column.
  const t = pred().transpose();
  await close(
    new loss.SoftmaxCrossEntropyLoss({ axis: 0, batchAxis: 1 }).forward(t, mx.nd.array(labels)),
    want,
  );
});

Deno.test("SigmoidBinaryCrossEntropyLoss: logits, fromSigmoid, posWeight", async () => {
  const z = randomValues(N * C, 3, 0, 1).map((v) => (v > 0.5 ? 1 : 0));
  const label = mx.nd.array(z, { shape: [N, C] });
  const bce = (p: number, y: number, pw = 1) => -(pw * y * Math.log(p) + (1 - y) * Math.log(1 - p));
  const want = rows((r) =>
    mean(Array.from({ length: C }, (_, c) => bce(sig(at(r, c)), z[r * C + c])))
  );
  await close(new loss.SigmoidBinaryCrossEntropyLoss().forward(pred(), label), want);
  await close(
    new loss.SigmoidBCELoss({ fromSigmoid: true }).forward(pred().sigmoid(), label),
    want,
  );
  const pw = mx.nd.array([[1, 2, 0.5, 3]]);
  const wantPw = rows((r) =>
    mean(Array.from({ length: C }, (_, c) => bce(sig(at(r, c)), z[r * C + c], [1, 2, 0.5, 3][c])))
  );
  await close(new loss.SigmoidBinaryCrossEntropyLoss().forward(pred(), label, null, pw), wantPw);
  await close(
    new loss.SigmoidBinaryCrossEntropyLoss({ fromSigmoid: true }).forward(
      pred().sigmoid(),
      label,
      null,
      pw,
    ),
    wantPw,
  );
});

Deno.test("KLDivLoss (summed per example), HuberLoss, HingeLoss, SquaredHingeLoss, LogisticLoss", async () => {
  const q = randomValues(N * C, 4, 0.1, 1);
  const label = mx.nd.array(q, { shape: [N, C] });
  await close(
    new loss.KLDivLoss().forward(pred(), label),
    rows((r) =>
      Array.from(
        { length: C },
        (_, c) => q[r * C + c] * (Math.log(q[r * C + c] + 1e-12) - at(r, c)),
      ).reduce((a, b) => a + b)
    ),
  );
  const y = randomValues(N * C, 5).map((v) => (v > 0 ? 1 : -1));
  const sl = mx.nd.array(y, { shape: [N, C] });
  const per = (f: (p: number, l: number) => number) =>
    rows((r) => mean(Array.from({ length: C }, (_, c) => f(at(r, c), y[r * C + c]))));
  await close(
    new loss.HuberLoss({ rho: 0.5 }).forward(pred(), sl),
    per((p, l) => {
      const d = Math.abs(l - p);
      return d > 0.5 ? d - 0.25 : d * d;
    }),
  );
  await close(new loss.HingeLoss().forward(pred(), sl), per((p, l) => Math.max(0, 1 - p * l)));
  await close(
    new loss.SquaredHingeLoss({ margin: 2 }).forward(pred(), sl),
    per((p, l) => Math.max(0, 2 - p * l) ** 2),
  );
  await close(new loss.LogisticLoss().forward(pred(), sl), per((p, l) => softplus(-p * l)));
  const b01 = mx.nd.array(y.map((v) => (v + 1) / 2), { shape: [N, C] });
  await close(
    new loss.LogisticLoss({ labelFormat: "binary" }).forward(pred(), b01),
    per((p, l) => softplus(-p * l)),
  );
  assert.throws(
    () => new loss.LogisticLoss({ labelFormat: "other" as "binary" }),
    /labelFormat must be/,
  );
});

Deno.test("TripletLoss, PoissonNLLLoss, CosineEmbeddingLoss", async () => {
  const pos = randomValues(N * C, 6), negv = randomValues(N * C, 7);
  const trip = rows((r) => {
    let s = 0;
    for (let c = 0; c < C; c++) {
      s += (pos[r * C + c] - at(r, c)) ** 2 - (negv[r * C + c] - at(r, c)) ** 2;
    }
    return Math.max(0, s + 1);
  });
  await close(
    new loss.TripletLoss().forward(
      pred(),
      mx.nd.array(pos, { shape: [N, C] }),
      mx.nd.array(negv, { shape: [N, C] }),
    ),
    trip,
  );
  const t = randomValues(N * C, 8, 0, 4).map(Math.floor);
  const target = mx.nd.array(t, { shape: [N, C] });
  const all = predV.map((p, i) => Math.exp(p) - t[i] * p);
  const pl = new loss.PoissonNLLLoss().forward(pred(), target);
  assert.deepEqual(pl.shape, [1]);
  await close(pl, [mean(all)]);
  const rate = predV.map((p) => Math.abs(p) + 0.1);
  const full = rate.map((p, i) => {
    const ti = t[i];
    const st = ti > 1 ? ti * Math.log(ti) - ti + 0.5 * Math.log(2 * Math.PI * ti) : 0;
    return p - ti * Math.log(p + 1e-8) + st;
  });
  await close(
    new loss.PoissonNLLLoss({ fromLogits: false, computeFull: true }).forward(
      mx.nd.array(rate, { shape: [N, C] }),
      target,
    ),
    [mean(full)],
  );
  const x2 = randomValues(N * C, 9);
  const lab = [1, -1, -1];
  const cos = rows((r) => {
    let d = 0, a = 0, b = 0;
    for (let c = 0; c < C; c++) {
      d += at(r, c) * x2[r * C + c];
      a += at(r, c) ** 2;
      b += x2[r * C + c] ** 2;
    }
    return d / Math.max(Math.sqrt(a) * Math.sqrt(b), 1e-12);
  });
  const ce = new loss.CosineEmbeddingLoss({ margin: 0.1 }).forward(
    pred(),
    mx.nd.array(x2, { shape: [N, C] }),
    mx.nd.array(lab),
  );
  assert.deepEqual(ce.shape, [N, 1]);
  await close(ce, cos.map((v, r) => (lab[r] === 1 ? 1 - v : Math.max(0, v - 0.1))));
});

Deno.test("losses: gradients flow, hybridized losses equal imperative ones", async () => {
  const make = () => new loss.SoftmaxCrossEntropyLoss();
  const labels = mx.nd.array([1, 2, 0]);
  const grads: number[][] = [];
  for (const hybrid of [false, true]) {
    const l = make();
    if (hybrid) l.hybridize();
    for (let i = 0; i < 2; i++) {
      const p = pred();
      p.attachGrad();
      mx.autograd.record(() => l.forward(p, labels)).backward();
      if (i === 1) grads.push(await values(p.grad!));
    }
  }
  assert.deepEqual(grads[0], grads[1]);
  // d/dp of -log softmax(p)[y] is softmax(p) - onehot(y)
  const sm = await values(pred().softmax());
  const onehot = (i: number) => ([1, 2, 0][Math.floor(i / C)] === i % C ? 1 : 0);
  assertClose(grads[0], sm.map((v, i) => v - onehot(i)), { rtol: 1e-5, atol: 1e-6 });
});

Deno.test("gluon.loss.Loss: a user subclass defines forward; unknown options are errors", async () => {
  class MeanAbs extends loss.Loss {
    constructor() {
      super(2, 0);
    }
    override forward(p: mx.NDArray, l: mx.NDArray): mx.NDArray {
      return p.sub(l).abs().mean({ axis: this.batchAxis, exclude: true }).mul(this.lossWeight!);
    }
  }
  const l = new MeanAbs();
  assertClose(await values(l.forward(mx.nd.array([[1, -1]]), mx.nd.array([[0, 0]]))), [2]);
  assert.equal(String(l), "MeanAbs(batch_axis=0, w=2)");
  assert.throws(
    () => new loss.L2Loss({ wieght: 2 } as mx.gluon.loss.LossOptions),
    /L2Loss: unknown option wieght; did you mean weight\?/,
  );
});

Deno.test("CTCLoss: NTC scores with the blank last, as the CTCLoss operator on TNC", async () => {
  // Two sequences of 4 steps over 3 classes + blank (index 3); labels padded with -1.
  const pred = mx.nd.array(Array.from({ length: 2 * 4 * 4 }, (_, i) => Math.sin(i * 0.7)), {
    shape: [2, 4, 4],
  });
  const label = mx.nd.array([[0, 1], [2, -1]]);
  const ctc = new loss.CTCLoss();
  const got = await values(ctc.forward(pred, label));
  const want = await values(
    mx.nd.CTCLoss(mx.nd.swapaxes(pred, 0, 1), label, { blankLabel: "last" }),
  );
  assert.equal(got.length, 2);
  assertClose(got, want);
  // By hand for the second sequence: -log of the summed probability of every alignment of
  // [2] over 4 steps (blank = 3), from the softmax of each step.
  const p = await values(mx.nd.softmax(pred));
  const at = (t: number, c: number) => p[(1 * 4 + t) * 4 + c];
  let total = 0;
  for (let s = 0; s < 4; s++) {
    for (let e = s; e < 4; e++) {
      let prob = 1;
      for (let t = 0; t < 4; t++) prob *= t >= s && t <= e ? at(t, 2) : at(t, 3);
      total += prob;
    }
  }
  assertClose([got[1]], [-Math.log(total)], { rtol: 1e-4 });
  // Lengths, TNC layout and a weight.
  const tnc = new loss.CTCLoss({ layout: "TNC", weight: 2 });
  const lens = await values(tnc.forward(
    mx.nd.swapaxes(pred, 0, 1),
    label,
    mx.nd.array([4, 3]),
    mx.nd.array([2, 1]),
  ));
  const ref = await values(mx.nd.CTCLoss(
    mx.nd.swapaxes(pred, 0, 1),
    label,
    mx.nd.array([4, 3]),
    mx.nd.array([2, 1]),
    { blankLabel: "last", useDataLengths: true, useLabelLengths: true },
  ));
  assertClose(lens, ref.map((v) => 2 * v));
  assert.throws(() => new loss.CTCLoss({ layout: "NCT" as "NTC" }), /layout must be/);
  // Gradients reach the scores.
  pred.attachGrad();
  const l = mx.autograd.record(() => ctc.forward(pred, label));
  l.backward();
  assert.ok((await values(pred.grad!)).some((v) => v !== 0));
});
