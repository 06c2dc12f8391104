/** NDArrayIter: batching, last-batch rules, shuffling, input forms, async iteration. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as io from "../../src/io/mod.ts";
import { backendTest, values } from "../_harness.ts";

const N = 10;
const X = Array.from({ length: N }, (_, i) => [i, 10 * i]);
const Y = Array.from({ length: N }, (_, i) => i);

/** First data column and pad of every batch of one epoch (freeing the batches). */
async function epoch(it: io.DataIter): Promise<[number[], number][]> {
  const out: [number[], number][] = [];
  for await (const b of it) {
    const x = await values(b.data[0]);
    out.push([x.filter((_, i) => i % 2 === 0), b.pad]);
    if (b.label.length) {
      const y = await values(b.label[0]);
      assert.deepEqual(y, x.filter((_, i) => i % 2 === 0), "labels stay aligned with data");
    }
    b.dispose();
  }
  return out;
}

backendTest("io: NDArrayIter pad wraps the last batch around", async () => {
  const it = new io.NDArrayIter({ data: X, label: Y, batchSize: 3 });
  assert.deepEqual(it.provideData.map(String), ["DataDesc[data,[3,2],float32,NCHW]"]);
  assert.deepEqual(it.provideLabel.map((d) => [d.name, d.shape]), [["softmax_label", [3]]]);
  const e = await epoch(it);
  assert.deepEqual(e, [[[0, 1, 2], 0], [[3, 4, 5], 0], [[6, 7, 8], 0], [[9, 0, 1], 2]]);
  it.reset();
  const indices: number[][] = [];
  for await (const b of it) indices.push(b.index!), b.dispose();
  assert.deepEqual(indices, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 0, 1]]);
  assert.equal(await it.next(), null);
  it.reset();
  assert.deepEqual(await epoch(it), e);
});

backendTest("io: NDArrayIter discard and roll_over", async () => {
  const d = new io.NDArrayIter({ data: X, label: Y, batchSize: 3, lastBatchHandle: "discard" });
  assert.deepEqual((await epoch(d)).map((b) => b[0]), [[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  const r = new io.NDArrayIter({ data: X, label: Y, batchSize: 3, lastBatchHandle: "roll_over" });
  assert.deepEqual((await epoch(r)).map((b) => b[0]), [[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  r.reset();
  assert.deepEqual(await epoch(r), [[[9, 0, 1], 0], [[2, 3, 4], 0], [[5, 6, 7], 0]]);
  r.reset();
  assert.deepEqual((await epoch(r)).map((b) => b[0]), [[8, 9, 0], [1, 2, 3], [4, 5, 6], [7, 8, 9]]);
});

backendTest("io: NDArrayIter shuffle is a seeded permutation, reshuffled on reset", async () => {
  const run = async () => {
    mx.random.seed(42);
    const it = new io.NDArrayIter({ data: X, label: Y, batchSize: 5, shuffle: true });
    const first = (await epoch(it)).flatMap((b) => b[0]);
    it.reset();
    const second = (await epoch(it)).flatMap((b) => b[0]);
    return [first, second];
  };
  const [a1, a2] = await run();
  const [b1] = await run();
  assert.deepEqual(a1, b1);
  assert.deepEqual([...a1].sort((x, y) => x - y), Y);
  assert.notDeepEqual(a1, Y);
  assert.notDeepEqual(a1, a2);
});

backendTest("io: NDArrayIter input forms and names", async () => {
  const typed = new io.NDArrayIter({ data: new Float32Array([1, 2, 3, 4]), batchSize: 2 });
  assert.deepEqual(typed.provideData[0].shape, [2]);
  const list = new io.NDArrayIter({ data: [mx.nd.array(X), mx.nd.array(Y)], batchSize: 4 });
  assert.deepEqual(list.provideData.map((d) => d.name), ["_0_data", "_1_data"]);
  const dict = new io.NDArrayIter({
    data: { z: mx.nd.array(Y), a: mx.nd.array(X) },
    label: { lbl: Y },
    batchSize: 4,
    dataName: "ignored",
  });
  assert.deepEqual(dict.provideData.map((d) => [d.name, d.shape]), [["a", [4, 2]], ["z", [4]]]);
  assert.deepEqual(dict.provideLabel.map((d) => d.name), ["lbl"]);
  const b = (await dict.next())!;
  assert.equal(b.data.length, 2);
  assert.deepEqual(await values(b.data[1]), [0, 1, 2, 3]);
  b.dispose();
  const named = new io.NDArrayIter({ data: X, label: Y, dataName: "x", labelName: "y" });
  assert.deepEqual([named.provideData[0].name, named.provideLabel[0].name], ["x", "y"]);
  assert.throws(
    () => new io.NDArrayIter({ data: X, label: [1, 2, 3] }),
    (e: Error) =>
      e instanceof mx.ShapeError &&
      /softmax_label has shape \[3\] but data has 10 samples/.test(e.message),
  );
  assert.throws(
    () => new io.NDArrayIter({ data: X, batchSize: 0 }),
    /batchSize must be a positive integer/,
  );
  assert.throws(
    () => new io.NDArrayIter({ data: X, lastBatchHandle: "wrap" as "pad" }),
    /lastBatchHandle/,
  );
});

backendTest("io: NDArrayIter memory stays flat over epochs", async () => {
  const it = new io.NDArrayIter({
    data: X,
    label: Y,
    batchSize: 3,
    shuffle: true,
    lastBatchHandle: "roll_over",
  });
  await epoch(it);
  it.reset();
  await mx.nd.waitAll();
  const before = mx.nd.memoryInfo().count;
  for (let e = 0; e < 3; e++) {
    await epoch(it);
    it.reset();
  }
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, before);
  // The roll_over remainder is the iterator's state, kept across scopes: freed by dispose.
  it.dispose();
});
