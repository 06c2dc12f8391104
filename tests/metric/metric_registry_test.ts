/** #19: PCC, register/alias and getConfig, against MXNet's metric.py. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose } from "../_harness.ts";

const nd = (v: unknown) => mx.nd.array(v as number[]);
const oneHot = (ids: number[], k: number) =>
  ids.map((c) => Array.from({ length: k }, (_, j) => +(j === c)));

// Labels and predicted classes of 10 samples over 4 classes. numpy: with the confusion
// matrix C[pred, label], n = C.sum(), x = C.sum(1), y = C.sum(0),
// sum(diag(C) * n - x * y) / sqrt(sum(x * (n - x)) * sum(y * (n - y))) = 0.5916079783099616,
// equal to the Pearson correlation of the centred one-hot matrices.
const labels4 = [0, 1, 2, 2, 1, 0, 2, 1, 3, 0];
const preds4 = [0, 2, 2, 2, 1, 0, 1, 1, 3, 1];

Deno.test("metric: PCC of a 4-class confusion matrix, from ids and from scores", async () => {
  const ids = new mx.metric.PCC();
  await ids.update([nd(labels4)], [nd(preds4)]);
  assertClose([ids.get()[1]], [0.5916079783099616], { rtol: 1e-12 });
  const scores = new mx.metric.PCC();
  // The same predictions as class scores (argmax along axis 1), split over two batches:
  // the matrix accumulates, so the value is that of all 10 samples.
  await scores.update(nd(labels4.slice(0, 6)), nd(oneHot(preds4.slice(0, 6), 4)));
  await scores.update(nd(labels4.slice(6)), nd(oneHot(preds4.slice(6), 4)));
  assertClose([scores.get()[1]], [0.5916079783099616], { rtol: 1e-12 });
  assert.equal(scores.get()[0], "pcc");
});

Deno.test("metric: PCC of two classes is numpy's corrcoef and MXNet's documented value", async () => {
  const pcc = new mx.metric.PCC();
  await pcc.update(nd([1, 1, 0, 0, 1, 0, 1]), nd([1, 0, 1, 0, 1, 0, 1]));
  // numpy.corrcoef([1,0,1,0,1,0,1], [1,1,0,0,1,0,1])[0, 1]
  assertClose([pcc.get()[1]], [0.41666666666666663], { rtol: 1e-12 });
  // MXNet's docstring: 1000 false positives, 1 true negative, 1 false negative, 10000 true
  // positives give PCC 0.01917751877733392 (F1 0.95233560306652054).
  const rows = (n: number, r: number[]) => Array.from({ length: n }, () => r);
  const preds = [
    ...rows(1000, [0.3, 0.7]),
    ...rows(1, [0.7, 0.3]),
    ...rows(1, [0.7, 0.3]),
    ...rows(10000, [0.3, 0.7]),
  ];
  const labels = [...new Array(1001).fill(0), ...new Array(10001).fill(1)];
  const doc = new mx.metric.PCC();
  await doc.update([nd(labels)], [nd(preds)]);
  assertClose([doc.get()[1]], [0.01917751877733392], { rtol: 1e-12 });
});

Deno.test("metric: PCC local and global intervals, NaN without variance", async () => {
  const pcc = new mx.metric.PCC();
  assert.ok(Number.isNaN(pcc.get()[1]));
  await pcc.update(nd(labels4), nd(preds4));
  pcc.resetLocal();
  await pcc.update(nd([0, 0]), nd([0, 0])); // one class only: no variance, NaN as MXNet
  assert.ok(Number.isNaN(pcc.get()[1]));
  // Global: all 12 samples. numpy on labels4 + [0, 0], preds4 + [0, 0]: 0.6534973783646051.
  assertClose([pcc.getGlobal()[1]], [0.6534973783646051], { rtol: 1e-12 });
  pcc.reset();
  assert.ok(Number.isNaN(pcc.getGlobal()[1]));
  await assert.rejects(() => pcc.update(nd([-1]), nd([0])), /class ids >= 0/);
});

Deno.test("metric: register and alias make user metrics creatable by name", async () => {
  class LabelMean extends mx.metric.SimpleMetric {
    constructor(opts: mx.metric.MetricOptions = {}) {
      super("label_mean", opts);
    }
    async update(labels: mx.metric.Arrays): Promise<void> {
      for (const l of Array.isArray(labels) ? labels : [labels]) {
        for (const v of await l.data()) this.sumMetric += Number(v), this.numInst++;
      }
    }
  }
  assert.equal(mx.metric.register(LabelMean), LabelMean);
  mx.metric.alias("lm", "Label-Mean")(LabelMean);
  for (const name of ["LabelMean", "labelmean", "lm", "label-mean"]) {
    assert.ok(mx.metric.create(name) instanceof LabelMean, name);
  }
  const m = mx.metric.create("lm", { name: "mine" });
  await m.update([nd([1, 2, 6])], [nd([0, 0, 0])]);
  assert.deepEqual(m.get(), ["mine", 3]);
  // In a list (composite) and through register's explicit name.
  mx.metric.register(LabelMean, "label_mean_v2");
  const comp = mx.metric.create(["acc", "label_mean_v2"]);
  assert.ok(comp instanceof mx.metric.CompositeEvalMetric);
  assert.ok(comp.getMetric(1) instanceof LabelMean);
  // A class that is no metric is refused by name.
  class NotAMetric {}
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => mx.metric.register(NotAMetric as any),
    /register: expects a subclass of EvalMetric, got NotAMetric/,
  );
});

Deno.test("metric: register works as a class decorator", () => {
  @mx.metric.register
  @mx.metric.alias("decorated_alias")
  class Decorated extends mx.metric.MAE {}
  assert.ok(mx.metric.create("decorated") instanceof Decorated);
  assert.ok(mx.metric.create("decorated_alias") instanceof Decorated);
});

Deno.test("metric: getConfig is MXNet's get_config and create(config) rebuilds the metric", () => {
  const top = new mx.metric.TopKAccuracy({ topK: 3, outputNames: ["out"] });
  assert.deepEqual(top.getConfig(), {
    metric: "TopKAccuracy",
    name: "top_k_accuracy_3",
    outputNames: ["out"],
    labelNames: null,
    topK: 3,
  });
  const again = mx.metric.create(top.getConfig()) as mx.metric.TopKAccuracy;
  assert.ok(again instanceof mx.metric.TopKAccuracy);
  assert.equal(again.topK, 3);
  assert.deepEqual(again.getConfig(), top.getConfig());
  assert.deepEqual(new mx.metric.Perplexity({ ignoreLabel: 0 }).getConfig(), {
    metric: "Perplexity",
    name: "perplexity",
    outputNames: null,
    labelNames: null,
    ignoreLabel: 0,
    axis: -1,
  });
  const comp = new mx.metric.CompositeEvalMetric(["acc", new mx.metric.F1({ average: "micro" })]);
  const config = comp.getConfig();
  assert.deepEqual(config.metrics, [
    { metric: "Accuracy", name: "accuracy", outputNames: null, labelNames: null, axis: 1 },
    { metric: "F1", name: "f1", outputNames: null, labelNames: null, average: "micro" },
  ]);
  const rebuilt = mx.metric.create(config) as mx.metric.CompositeEvalMetric;
  assert.deepEqual(rebuilt.getConfig(), config);
  // MXNet's JSON string forms, with its snake_case option names.
  const fromList = mx.metric.create('["top_k_accuracy", {"top_k": 2}]');
  assert.equal((fromList as mx.metric.TopKAccuracy).topK, 2);
  const fromDict = mx.metric.create('{"metric": "Accuracy", "axis": 2, "output_names": ["o"]}');
  assert.deepEqual(fromDict.getConfig().outputNames, ["o"]);
  assert.throws(() => mx.metric.create({ name: "x" } as never), /needs the metric's name/);
  assert.throws(() => new mx.metric.CustomMetric(() => 0).getConfig(), /cannot be serialized/);
});
