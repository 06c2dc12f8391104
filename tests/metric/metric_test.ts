/** Every metric against its formula written out on small batches. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as metric from "../../src/metric/mod.ts";
import { assertClose, backendTest } from "../_harness.ts";

const nd = (v: unknown) => mx.nd.array(v as number[]);

backendTest("metric: Accuracy over batches, class scores or class ids", async () => {
  const m = new metric.Accuracy();
  await m.update([nd([0, 1, 1])], [nd([[0.3, 0.7], [0.1, 0.9], [0.6, 0.4]])]); // 1 of 3
  await m.update(nd([2, 0]), nd([2, 0])); // ids, 2 of 2
  assert.deepEqual(m.get(), ["accuracy", 3 / 5]);
  m.reset();
  assert.ok(Number.isNaN(m.get()[1]));
  await assert.rejects(() => m.update([nd([1])], []), /1 label arrays but 0 prediction arrays/);
  // Class axis other than 1: scores [batch, seq, classes] with axis 2.
  const seq = new metric.Accuracy({ axis: 2 });
  await seq.update(nd([[1, 0]]), nd([[[0, 1], [0, 1]]]));
  assert.equal(seq.get()[1], 0.5);
});

backendTest("metric: TopKAccuracy", async () => {
  const m = new metric.TopKAccuracy({ topK: 2 });
  const preds = nd([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1], [0.35, 0.3, 0.4]]);
  await m.update([nd([2, 2, 0])], [preds]); // in top 2: yes, no, yes
  assert.deepEqual(m.get(), ["top_k_accuracy_2", 2 / 3]);
  // Ties rank the higher index first, as the last columns of numpy's stable argsort.
  const tie = new metric.TopKAccuracy({ topK: 2 });
  await tie.update(nd([0, 1]), nd([[0.3, 0.3, 0.4], [0.3, 0.3, 0.4]]));
  assert.equal(tie.get()[1], 0.5);
});

// tp, fp, fn, tn of the batch below: labels 1 1 0 0 1, predicted 1 0 1 0 1.
const binLabels = nd([1, 1, 0, 0, 1]);
const binPreds = nd([[0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.9, 0.1], [0.4, 0.6]]);
const tp = 2, fp = 1, fn = 1, tn = 1;

backendTest("metric: F1 macro and micro", async () => {
  const p = tp / (tp + fp), r = tp / (tp + fn), f1 = 2 * p * r / (p + r);
  const macro = new metric.F1();
  await macro.update([binLabels], [binPreds]);
  await macro.update([nd([1, 0])], [nd([[0, 1], [0, 1]])]); // p 1/2, r 1: f1 2/3
  assertClose([macro.get()[1]], [(f1 + 2 / 3) / 2]);
  const micro = new metric.F1({ average: "micro" });
  await micro.update([binLabels], [binPreds]);
  await micro.update([nd([1, 0])], [nd([[0, 1], [0, 1]])]);
  const P = 3 / 5, R = 3 / 4;
  assertClose([micro.get()[1]], [2 * P * R / (P + R)]);
  await assert.rejects(() => macro.update([nd([2])], [nd([[0, 1]])]), /only supports binary/);
});

backendTest("metric: MCC", async () => {
  const m = new metric.MCC();
  await m.update([binLabels], [binPreds]);
  const want = (tp * tn - fp * fn) / Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  assertClose([m.get()[1]], [want]);
});

backendTest("metric: MAE, MSE, RMSE averaged per batch", async () => {
  const l1 = [1, 2, 3], p1 = [1.5, 2, 2], l2 = [0, 0], p2 = [2, -2];
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const d1 = l1.map((x, i) => x - p1[i]), d2 = l2.map((x, i) => x - p2[i]);
  const cases: [metric.SimpleMetric, (d: number[]) => number][] = [
    [new metric.MAE(), (d) => mean(d.map(Math.abs))],
    [new metric.MSE(), (d) => mean(d.map((x) => x * x))],
    [new metric.RMSE(), (d) => Math.sqrt(mean(d.map((x) => x * x)))],
  ];
  for (const [m, f] of cases) {
    await m.update([nd(l1)], [nd(p1)]);
    await m.update([nd(l2)], [nd([p2])]); // [1, 2] predictions against [2] labels: flattened
    assertClose([m.get()[1]], [(f(d1) + f(d2)) / 2], { msg: m.name });
  }
});

backendTest("metric: CrossEntropy, NegativeLogLikelihood", async () => {
  const probs = [[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]], labels = [1, 0, 1];
  const want = -(Math.log(0.8 + 1e-12) + Math.log(0.6 + 1e-12) + Math.log(0.5 + 1e-12)) / 3;
  for (const m of [new metric.CrossEntropy(), new metric.NegativeLogLikelihood()]) {
    await m.update([nd(labels)], [nd(probs)]);
    assertClose([m.get()[1]], [want], { msg: m.name });
  }
  assert.equal(new metric.NegativeLogLikelihood().name, "nll-loss");
});

backendTest("metric: Perplexity with an ignored label", async () => {
  const m = new metric.Perplexity({ ignoreLabel: 0 });
  await m.update([nd([[1, 2], [0, 2]])], [
    nd([[0.1, 0.6, 0.3], [0.2, 0.3, 0.5], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8]]),
  ]);
  const nll = -(Math.log(0.6) + Math.log(0.5) + Math.log(0.8)) / 3;
  assertClose([m.get()[1]], [Math.exp(nll)]);
});

backendTest("metric: PearsonCorrelation", async () => {
  const l = [1, 2, 3, 4], p = [2, 1, 4, 5];
  const ml = 2.5, mp = 3;
  const cov = l.reduce((s, x, i) => s + (x - ml) * (p[i] - mp), 0);
  const sl = Math.sqrt(l.reduce((s, x) => s + (x - ml) ** 2, 0));
  const sp = Math.sqrt(p.reduce((s, x) => s + (x - mp) ** 2, 0));
  const m = new metric.PearsonCorrelation();
  await m.update([nd(l)], [nd(p)]);
  assertClose([m.get()[1]], [cov / (sl * sp)]);
});

backendTest("metric: Loss averages the outputs", async () => {
  const m = new metric.Loss();
  await m.update([], [nd([1, 2, 3])]);
  await m.update([], [nd([[4]])]);
  assert.deepEqual(m.get(), ["loss", 10 / 4]);
});

backendTest("metric: CustomMetric, CompositeEvalMetric and create", async () => {
  const maxErr = (l: metric.HostArray, p: metric.HostArray) =>
    Math.max(...Array.from(l.v, (x, i) => Math.abs(x - p.v[i])));
  const custom = metric.create(maxErr);
  await custom.update([nd([1, 2])], [nd([1.5, 4])]);
  // MXNet names a custom metric after its function; only lambdas get "custom(<lambda>)".
  assert.deepEqual(custom.get(), ["maxErr", 2]);
  assert.equal(
    metric.create((_l: metric.HostArray, _p: metric.HostArray) => 0).name,
    "custom(<lambda>)",
  );
  const pairs = new metric.CustomMetric(() => [3, 4], { name: "pairs" });
  await pairs.update([nd([0])], [nd([0])]);
  assert.deepEqual(pairs.get(), ["pairs", 0.75]);

  const comp = metric.create(["acc", "ce"]);
  assert.ok(comp instanceof metric.CompositeEvalMetric);
  await comp.update([nd([1, 0])], [nd([[0.2, 0.8], [0.3, 0.7]])]);
  const [names, vals] = comp.get() as [string[], number[]];
  assert.deepEqual(names, ["accuracy", "cross-entropy"]);
  assertClose(vals, [0.5, -(Math.log(0.8) + Math.log(0.3)) / 2]);
  assert.deepEqual(comp.getNameValue().map((p) => p[0]), names);
  comp.reset();
  assert.ok(Number.isNaN((comp.get()[1] as number[])[0]));
  assert.throws(() => metric.create("acc2"), /unknown metric "acc2"; known: acc/);
  assert.equal((metric.create("top_k_accuracy", { topK: 3 }) as metric.TopKAccuracy).topK, 3);
});

backendTest("metric: updateDict picks outputs and labels by name", async () => {
  const m = new metric.Accuracy({ outputNames: ["out_output"], labelNames: ["out_label"] });
  await m.updateDict({ out_label: nd([1]) }, { out_output: nd([[0, 1]]), other: nd([[1, 0]]) });
  assert.equal(m.get()[1], 1);
  await assert.rejects(
    () => m.updateDict({}, { out_output: nd([[0, 1]]) }),
    /no label named "out_label"/,
  );
});

// #19: MXNet's Speedometer(batch_size, frequent, auto_reset=True) logs each interval's
// value and resets the local metric; it used to log the running epoch value.
Deno.test("metric: resetLocal starts a local interval, getGlobal keeps the epoch's value", async () => {
  const acc = new metric.Accuracy();
  await acc.update(nd([0, 1]), nd([0, 1])); // 2 of 2
  acc.resetLocal();
  await acc.update(nd([0, 1, 1, 0]), nd([1, 1, 0, 0])); // 2 of 4
  assert.deepEqual(acc.get(), ["accuracy", 0.5]);
  assert.deepEqual(acc.getGlobal(), ["accuracy", 4 / 6]);
  const ppl = new metric.Perplexity();
  await ppl.update(nd([0]), nd([[0.5, 0.5]]));
  ppl.resetLocal();
  await ppl.update(nd([1]), nd([[0.75, 0.25]]));
  assertClose([ppl.get()[1], ppl.getGlobal()[1]], [
    4,
    Math.exp(-(Math.log(0.5) + Math.log(0.25)) / 2),
  ]);
  // Micro F1 scores the counts of the interval, and all counts together globally.
  const f1 = new metric.F1({ average: "micro" });
  const scores = (ys: number[]) => nd(ys.map((y) => (y ? [0, 1] : [1, 0])));
  await f1.update(nd([1, 1, 0]), scores([1, 1, 0])); // tp 2
  f1.resetLocal();
  await f1.update(nd([1, 0]), scores([0, 1])); // fn 1, fp 1: local F1 0
  assert.deepEqual(f1.get(), ["f1", 0]);
  assert.deepEqual(f1.getGlobal(), ["f1", 2 / 3]); // p 2/3, r 2/3
  const comp = new metric.CompositeEvalMetric([new metric.Accuracy(), new metric.MAE()]);
  await comp.update(nd([0, 1]), nd([0, 1]));
  comp.resetLocal();
  await comp.update(nd([1, 1]), nd([0, 1]));
  assert.deepEqual(comp.getNameValue(), [["accuracy", 0.5], ["mae", 0.5]]);
  assert.deepEqual(comp.getGlobalNameValue(), [["accuracy", 0.75], ["mae", 0.25]]);
  comp.reset();
  assert.ok(Number.isNaN(comp.getGlobal()[1][0]));
});

Deno.test("callback: Speedometer logs per-interval metric values with autoReset (MXNet)", async () => {
  const batches: [number[], number[]][] = [
    [[0, 1], [0, 1]], // 2/2
    [[0, 1], [0, 1]], // 2/2
    [[0, 1], [0, 1]], // 2/2
    [[0, 1], [1, 0]], // 0/2
    [[0, 1], [1, 0]], // 0/2
  ];
  const run = async (autoReset: boolean) => {
    const lines: string[] = [];
    const cb = mx.callback.Speedometer(2, 2, autoReset, (l) => lines.push(l));
    const m = new metric.Accuracy();
    for (let i = 0; i < batches.length; i++) {
      await m.update(nd(batches[i][0]), nd(batches[i][1]));
      // Batches are numbered from 0, as MXNet's fit numbers them; batch 0 starts the clock.
      await cb({ epoch: 0, nbatch: i, evalMetric: m });
    }
    return { lines, global: m.getGlobal()[1] };
  };
  const reset = await run(true);
  assert.match(
    reset.lines[0],
    /^Epoch\[0\] Batch \[0-2\]\tSpeed: [\d.]+ samples\/sec\taccuracy=1\.000000$/,
  );
  assert.match(reset.lines[1], /Batch \[2-4\].*\taccuracy=0\.000000$/);
  assert.equal(reset.lines.length, 2);
  assert.equal(reset.global, 0.6, "the epoch's value is kept for fit's epoch log");
  const running = await run(false);
  assert.match(running.lines[1], /Batch \[0-4\].*\taccuracy=0\.600000$/);
  assert.throws(
    () => mx.callback.Speedometer(2, 2, console.log as never),
    /Speedometer: argument 3 \(autoReset\) expects a boolean/,
  );
});
