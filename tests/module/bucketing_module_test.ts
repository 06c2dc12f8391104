// mx.mod.BucketingModule: buckets share the default bucket's parameters and optimizer
// (MXNet 1.9.1's bucketing_module.py semantics).
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest } from "../_harness.ts";

/** Averages a [batch, length, 3] sequence over its length, then classifies: one weight set for every length. */
function network(): mx.sym.Symbol {
  const pooled = mx.sym.Variable("data").mean({ axis: 1 });
  const fc = mx.sym.FullyConnected(pooled, { numHidden: 2, name: "fc" });
  return mx.sym.SoftmaxOutput(fc, { name: "softmax" });
}

const symGen = (_key: unknown): mx.mod.SymGenResult => [network(), ["data"], ["softmax_label"]];

/** Batches of sequence lengths 2, 4, 2, 4, ... with their bucket keys. */
function batches(): mx.io.DataBatch[] {
  mx.random.seed(21);
  return [2, 4, 2, 4, 4, 2].map((len, i) => {
    const data = mx.random.uniform(-1, 1, [3, len, 3]);
    const label = mx.nd.array([i % 2, (i + 1) % 2, i % 2]);
    return new mx.io.DataBatch({
      data: [data],
      label: [label],
      bucketKey: len,
      provideData: [new mx.io.DataDesc("data", [3, len, 3])],
      provideLabel: [new mx.io.DataDesc("softmax_label", [3])],
    });
  });
}

const values = async (a: mx.NDArray) => Array.from(await a.data() as Float32Array);

backendTest(
  "BucketingModule: buckets share parameters and momentum; equals one reshaped Module",
  async () => {
    const bm = new mx.mod.BucketingModule({ symGen, defaultBucketKey: 4 });
    bm.bind({ dataShapes: [["data", [3, 4, 3]]], labelShapes: [["softmax_label", [3]]] });
    mx.random.seed(1);
    bm.initParams({ initializer: new mx.init.Xavier() });
    const start = bm.getParams().argParams;
    const optimizer = { optimizer: "sgd", optimizerParams: { learningRate: 0.5, momentum: 0.9 } };
    bm.initOptimizer(optimizer);

    const ref = new mx.mod.Module({ symbol: network() });
    ref.bind({ dataShapes: [["data", [3, 4, 3]]], labelShapes: [["softmax_label", [3]]] });
    ref.initParams({ argParams: start });
    ref.initOptimizer(optimizer);

    const list = batches();
    for (const b of list) {
      bm.forwardBackward(b);
      bm.update();
      assert.equal(bm.bucketKey, b.bucketKey);
      ref.reshape(b.provideData!, b.provideLabel);
      ref.forwardBackward(b);
      ref.update();
    }
    // The bucket of length 2 was bound on the way and steps the same weights.
    assert.deepEqual(bm.dataShapes.map((d) => d.shape), [[3, 2, 3]]);
    const got = bm.getParams().argParams, want = ref.getParams().argParams;
    for (const n of ["fc_weight", "fc_bias"]) {
      const [g, w, s] = [await values(got[n]), await values(want[n]), await values(start[n])];
      assert.ok(w.some((v, i) => v !== s[i]), `${n} changed`);
      w.forEach((v, i) => assert.ok(Math.abs(g[i] - v) < 1e-5, `${n}[${i}] ${g[i]} vs ${v}`));
    }
    // The default bucket sees what the length-2 bucket learned: same arrays.
    bm.switchBucket(4, null);
    const fromDefault = bm.getParams().argParams;
    assert.deepEqual(await values(fromDefault.fc_weight), await values(got.fc_weight));

    for (const r of [start, got, want, fromDefault]) for (const a of Object.values(r)) a.dispose();
    for (const b of list) b.dispose();
    bm.dispose();
    ref.dispose();
  },
);

Deno.test("BucketingModule: clear errors and a bucket with other parameter shapes", () => {
  assert.throws(
    () => new mx.mod.BucketingModule({ symGen, defaultBucketKey: null }),
    /defaultBucketKey is required/,
  );
  // A generator whose weights depend on the key cannot share them.
  const bad = (key: unknown): mx.mod.SymGenResult => [
    mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: key as number, name: "fc" }),
    ["data"],
    [],
  ];
  const bm = new mx.mod.BucketingModule({ symGen: bad, defaultBucketKey: 2 });
  assert.throws(() => bm.forward(new mx.io.DataBatch({ data: [] })), /call bind first/);
  bm.bind({ dataShapes: [["data", [1, 3]]], forTraining: false });
  bm.initParams();
  assert.throws(
    () => bm.switchBucket(5, [["data", [1, 3]]]),
    /parameter fc_weight is \[2,3\] in the shared module but this module needs \[5,3\]/,
  );
  assert.throws(() => bm.switchBucket(7, null), /bucket 7 is new; give its data shapes/);
  bm.dispose();
});
