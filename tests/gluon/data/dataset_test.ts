/**
 * gluon.data datasets and samplers with MXNet's semantics: ArrayDataset, SimpleDataset,
 * transform / transformFirst (lazy and not), filter, shard, take, sample, a user
 * subclass; Sequential / Random / Filter / Batch samplers with every lastBatch mode.
 */
import assert from "node:assert/strict";
import * as mx from "../../../mod.ts";
import {
  ArrayDataset,
  BatchSampler,
  Dataset,
  FilterSampler,
  RandomSampler,
  SequentialSampler,
  SimpleDataset,
} from "../../../src/gluon/data/mod.ts";
import { backendTest, values } from "../../_harness.ts";

Deno.test("samplers: sequential, random (a seeded permutation), filter", () => {
  assert.deepEqual([...new SequentialSampler(4)], [0, 1, 2, 3]);
  assert.deepEqual([...new SequentialSampler(3, 5)], [5, 6, 7]);
  assert.equal(new SequentialSampler(3, 5).length, 3);
  mx.random.seed(1);
  const r = new RandomSampler(20);
  const a = [...r], b = [...r];
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
  assert.notDeepEqual(a, b, "a new order each pass");
  mx.random.seed(1);
  assert.deepEqual([...r], a, "mx.random.seed fixes the order");
  const f = new FilterSampler((x) => (x as number) % 3 === 0, new SimpleDataset([3, 4, 6, 7, 9]));
  assert.deepEqual([...f], [0, 2, 4]);
  assert.equal(f.length, 3);
  assert.throws(() => new SequentialSampler(-1), /non-negative integer/);
});

Deno.test("BatchSampler: keep, discard and rollover (carried into the next pass)", () => {
  const seq = new SequentialSampler(10);
  const keep = new BatchSampler(seq, 3, "keep");
  assert.deepEqual([...keep], [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  assert.equal(keep.length, 4);
  const discard = new BatchSampler(seq, 3, "discard");
  assert.deepEqual([...discard], [[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  assert.equal(discard.length, 3);
  const roll = new BatchSampler(seq, 4, "rollover");
  assert.equal(roll.length, 2);
  assert.deepEqual([...roll], [[0, 1, 2, 3], [4, 5, 6, 7]]);
  // 8 and 9 start the next pass.
  assert.equal(roll.length, 3);
  assert.deepEqual([...roll], [[8, 9, 0, 1], [2, 3, 4, 5], [6, 7, 8, 9]]);
  assert.deepEqual([...roll], [[0, 1, 2, 3], [4, 5, 6, 7]]);
  assert.deepEqual([...new BatchSampler(seq, 5)], [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
  assert.throws(() => new BatchSampler(seq, 3, "pad" as never), /"keep", "discard", "rollover"/);
  assert.throws(() => new BatchSampler(seq, 0), /positive integer/);
});

backendTest("ArrayDataset: NDArray rows, lists, datasets", async () => {
  const X = mx.nd.arange(0, 12).reshape([4, 3]);
  const y = [5, 6, 7, 8];
  const ds = new ArrayDataset(X, y, ["a", "b", "c", "d"]);
  assert.equal(ds.length, 4);
  const [x1, y1, s1] = ds.at(1) as [mx.NDArray, number, string];
  assert.deepEqual(x1.shape, [3]);
  assert.deepEqual(await values(x1), [3, 4, 5]);
  assert.equal(y1, 6);
  assert.equal(s1, "b");
  const last = ds.at(-1) as [mx.NDArray, number, string];
  assert.equal(last[1], 8);
  // One array: the sample alone, not a 1-tuple.
  assert.equal(new ArrayDataset([1, 2, 3]).at(2), 3);
  assert.equal(new ArrayDataset(Float32Array.from([0.5, 1.5])).at(1), 1.5);
  assert.deepEqual(await values(new ArrayDataset(X).at(0) as mx.NDArray), [0, 1, 2]);
  // A dataset as one of the arrays.
  const nested = new ArrayDataset(new SimpleDataset([10, 20, 30, 40]), y);
  assert.deepEqual(nested.at(3), [40, 8]);
  // filter sees samples as at(i) gives them, and frees their NDArrays after each test.
  await mx.nd.waitAll();
  const live = mx.nd.memoryInfo().count;
  const big = ds.filter((s) => (s as [mx.NDArray, number])[1] > 6);
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, live);
  assert.equal(big.length, 2);
  assert.throws(
    () => new ArrayDataset(X, [1, 2]),
    /array\[0\] has length 4 while array\[1\] has 2/,
  );
  assert.throws(() => new ArrayDataset(), /at least 1/);
  assert.throws(() => ds.at(4), /index 4 is out of range for length 4/);
  assert.throws(() => new ArrayDataset(3 as never), /expected an NDArray/);
});

Deno.test("ArrayDataset: a 1-d NDArray gives numbers (MXNet reads it into NumPy)", async () => {
  const y = mx.nd.array([5, 6, 7, 8]).mul(2);
  await y.waitToRead();
  const ds = new ArrayDataset(y);
  assert.equal(ds.at(1), 12);
  assert.equal(typeof ds.at(3), "number");
  y.dispose();
  // Read once: the dataset keeps its values after the array is gone.
  assert.equal(ds.at(3), 16);
});

Deno.test("Dataset: transform spreads tuples, transformFirst maps the data, lazy or not", () => {
  const ds = new ArrayDataset([1, 2, 3], [10, 20, 30]);
  const t = ds.transform((x: number, y: number) => [x + y, y]);
  assert.deepEqual(t.at(1), [22, 20]);
  assert.deepEqual(ds.transformFirst((x: number) => -x).at(2), [-3, 30]);
  assert.equal(new SimpleDataset([1, 2]).transform((x: number) => x * 7).at(1), 14);
  assert.equal(new SimpleDataset([1, 2]).transformFirst((x: number) => x * 7).at(1), 14);
  // Not lazy: every sample is computed once, now.
  let calls = 0;
  const eager = ds.transformFirst((x: number) => (calls++, x * 2), false);
  assert.equal(calls, 3);
  assert.deepEqual(eager.at(0), [2, 10]);
  eager.at(0);
  assert.equal(calls, 3);
  // An object with forward (a Block) works like a function.
  assert.equal(new SimpleDataset([4]).transform({ forward: (x: number) => x + 1 }).at(0), 5);
  assert.throws(() => ds.transform(3 as never), /expected a function/);
});

Deno.test("Dataset: filter, shard (MXNet's split), take, sample", () => {
  const ds = new SimpleDataset(Array.from({ length: 10 }, (_, i) => i));
  assert.deepEqual([...ds.filter((x) => x % 2 === 1)], [1, 3, 5, 7, 9]);
  // 10 samples in 3 shards: sizes 4, 3, 3.
  assert.deepEqual([...ds.shard(3, 0)], [0, 1, 2, 3]);
  assert.deepEqual([...ds.shard(3, 1)], [4, 5, 6]);
  assert.deepEqual([...ds.shard(3, 2)], [7, 8, 9]);
  assert.throws(() => ds.shard(3, 3), /index must be in \[0, 3\)/);
  assert.deepEqual([...ds.take(3)], [0, 1, 2]);
  assert.equal(ds.take(99).length, 10);
  assert.equal(ds.take(null).length, 10);
  assert.deepEqual([...ds.sample(new SequentialSampler(3, 6))], [6, 7, 8]);
  assert.deepEqual([...ds.shard(2, 1).filter((x) => x > 6).take(2)], [7, 8]);
  assert.throws(() => ds.sample(5 as never), /expected a Sampler/);
});

Deno.test("Dataset: a user subclass gets the same methods", () => {
  class Squares extends Dataset<number> {
    get length() {
      return 6;
    }
    at(i: number) {
      return i * i;
    }
  }
  const sq = new Squares();
  assert.deepEqual([...sq], [0, 1, 4, 9, 16, 25]);
  assert.deepEqual([...sq.filter((v) => v > 5).transform((v: number) => v + 1)], [10, 17, 26]);
  assert.deepEqual([...sq.shard(2, 1)], [9, 16, 25]);
});
