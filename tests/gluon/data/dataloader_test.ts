/**
 * gluon.data.DataLoader: batching order and every lastBatch mode, shuffling fixed by
 * mx.random.seed, options and their errors, batchifyFn / sampler / batchSampler, Web
 * Workers giving exactly the batches the main thread gives (random augmentations
 * included), a user dataset sent by module, worker errors, the main-thread fallback, and
 * mx.nd.scope ownership of batches.
 */
import assert from "node:assert/strict";
import * as mx from "../../../mod.ts";
import {
  ArrayDataset,
  BatchSampler,
  DataLoader,
  type Dataset,
  SequentialSampler,
  SimpleDataset,
  vision,
} from "../../../src/gluon/data/mod.ts";
import * as io from "../../../src/io/mod.ts";
import { backendTest, values } from "../../_harness.ts";
import { CountingDataset } from "./_counting_dataset.ts";

const T = vision.transforms;

/** Every batch of an epoch as plain values (and the batches disposed). */
async function epoch(loader: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const b of loader) {
    const fields = Array.isArray(b) ? b : [b];
    const row: unknown[] = [];
    for (const f of fields) {
      if (f instanceof mx.NDArray) {
        row.push({ shape: f.shape, dtype: f.dtype, v: await values(f) });
        f.dispose();
      } else row.push(f);
    }
    out.push(row);
  }
  return out;
}

function toyData(n = 10) {
  const X = mx.nd.arange(0, 2 * n).reshape([n, 2]);
  return new ArrayDataset(X, Array.from({ length: n }, (_, i) => i));
}

backendTest("DataLoader: batches in order, lastBatch keep / discard / rollover", async () => {
  const ds = toyData();
  const keep = new DataLoader(ds, { batchSize: 4 });
  assert.equal(keep.length, 3);
  const b = await epoch(keep) as { shape: number[]; dtype: string; v: number[] }[][];
  assert.deepEqual(b.map((r) => r[0].shape), [[4, 2], [4, 2], [2, 2]]);
  assert.deepEqual(b[2][0].v, [16, 17, 18, 19]);
  assert.deepEqual(b.map((r) => r[1].v), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.equal(b[0][1].dtype, "int32");
  assert.equal(b[0][0].dtype, "float32");
  const discard = new DataLoader(ds, { batchSize: 4, lastBatch: "discard" });
  assert.equal((await epoch(discard)).length, 2);
  const roll = new DataLoader(ds, { batchSize: 4, lastBatch: "rollover" });
  const e1 = await epoch(roll) as { v: number[] }[][];
  assert.deepEqual(e1.map((r) => r[1].v), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  assert.equal(roll.length, 3);
  const e2 = await epoch(roll) as { v: number[] }[][];
  assert.deepEqual(e2.map((r) => r[1].v), [[8, 9, 0, 1], [2, 3, 4, 5], [6, 7, 8, 9]]);
});

Deno.test("DataLoader: shuffle draws a new order each epoch, fixed by mx.random.seed", async () => {
  const ds = new SimpleDataset(Array.from({ length: 20 }, (_, i) => i));
  const order = async () =>
    ((await epoch(new DataLoader(ds, { batchSize: 20, shuffle: true })))[0] as { v: number[] }[])[0]
      .v;
  mx.random.seed(42);
  const a = await order(), b = await order();
  mx.random.seed(42);
  assert.deepEqual(await order(), a);
  assert.notDeepEqual(a, b);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
});

Deno.test("DataLoader: sampler, batchSampler, batchifyFn, and checked options", async () => {
  const ds = toyData(6);
  const odd = new DataLoader(ds, { batchSize: 2, sampler: new SequentialSampler(3, 3) });
  assert.deepEqual((await epoch(odd)).map((r) => (r as { v: number[] }[])[1].v), [[3, 4], [5]]);
  const bs = new DataLoader(ds, {
    batchSampler: new BatchSampler(new SequentialSampler(6), 5, "discard"),
  });
  assert.equal(bs.length, 1);
  // batchifyFn sees the samples as at(i) gives them: an NDArray and a number each.
  const custom = new DataLoader<number[]>(ds, {
    batchSize: 3,
    batchifyFn: (samples) =>
      samples.map((s) => {
        const [x, y] = s as [mx.NDArray, number];
        x.dispose();
        return y * 10;
      }),
  });
  assert.deepEqual(await epoch(custom), [[0, 10, 20], [30, 40, 50]]);
  // An NDArray or an array is a dataset by itself.
  const fromNd = new DataLoader(mx.nd.ones([5, 3]), { batchSize: 5 });
  assert.deepEqual(((await epoch(fromNd))[0] as { shape: number[] }[])[0].shape, [5, 3]);
  assert.deepEqual(
    ((await epoch(new DataLoader([1.5, 2], { batchSize: 2 })))[0] as {
      v: number[];
      dtype: string;
    }[])[0],
    {
      shape: [2],
      dtype: "float32",
      v: [1.5, 2],
    },
  );
  assert.throws(() => new DataLoader(ds, {}), /batchSize must be given/);
  assert.throws(
    () => new DataLoader(ds, { batchSize: 2, shuffle: true, sampler: new SequentialSampler(6) }),
    /shuffle must not be given with a sampler/,
  );
  assert.throws(
    () =>
      new DataLoader(ds, {
        batchSize: 2,
        batchSampler: new BatchSampler(new SequentialSampler(6), 2),
      }),
    /must not be given with a batchSampler/,
  );
  assert.throws(() => new DataLoader(ds, { batchSize: 2, lastBatch: "pad" as never }), /lastBatch/);
  assert.throws(() => new DataLoader(ds, { batch_size: 2 } as never), /did you mean batchSize/);
  assert.throws(() => new DataLoader(3 as never, { batchSize: 2 }), /expected a Dataset/);
  // Accepted for compatibility.
  new DataLoader(ds, { batchSize: 2, pinMemory: true, pinDeviceId: 0, threadPool: true });
  // Strings cannot be stacked.
  await assert.rejects(epoch(new DataLoader(["a", "b"], { batchSize: 2 })), /pass a batchifyFn/);
});

/** Writes a small MNIST-format split (n images h x w). */
async function writeMnist(dir: string, n: number, h: number, w: number) {
  const pix = Uint8Array.from({ length: n * h * w }, (_, k) => (k * 7919) % 256);
  await Deno.writeFile(`${dir}/train-images-idx3-ubyte`, io.encodeIdx([n, h, w], pix));
  await Deno.writeFile(
    `${dir}/train-labels-idx1-ubyte`,
    io.encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)),
  );
}

/** One epoch under seed `s`. */
async function seeded(s: number, ds: Dataset, opts: Record<string, unknown>): Promise<unknown[]> {
  mx.random.seed(s);
  using loader = new DataLoader(ds, { batchSize: 7, shuffle: true, ...opts });
  return await epoch(loader);
}

backendTest(
  "DataLoader: workers give the main thread's batches, augmentations included",
  async () => {
    const root = await Deno.makeTempDir();
    try {
      await writeMnist(root, 45, 10, 12);
      const gray = new vision.MNIST({ root }).transformFirst(
        new T.Compose([
          new T.RandomResizedCrop(8),
          new T.RandomFlipLeftRight(),
          new T.RandomBrightness(0.3),
          new T.ToTensor(),
          new T.Normalize(0.5, 0.25),
        ]),
      );
      const main = await seeded(7, gray, {});
      assert.equal(main.length, 7);
      assert.deepEqual((main[0] as { shape: number[] }[])[0].shape, [7, 1, 8, 8]);
      assert.deepEqual(await seeded(7, gray, { numWorkers: 2 }), main);
      assert.deepEqual(await seeded(7, gray, { numWorkers: 3, prefetch: 1 }), main);
      assert.notDeepEqual(await seeded(8, gray, { numWorkers: 2 }), main);
      // Colour transforms on a view of the dataset (shard, then filter).
      const rgb = new ArrayDataset(
        mx.nd.array(Uint8Array.from({ length: 20 * 4 * 4 * 3 }, (_, k) => (k * 31) % 256), {
          shape: [20, 4, 4, 3],
        }),
        Float32Array.from({ length: 20 }, (_, i) => i / 2),
      ).shard(2, 1).filter((s) => (s as [mx.NDArray, number])[1] !== 6).transformFirst(
        new T.Compose([
          new T.RandomColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.2 }),
          new T.RandomLighting(0.1),
          new T.RandomFlipTopBottom(),
          new T.Cast("float32"),
        ]),
      );
      const m = await seeded(3, rgb, {});
      assert.deepEqual((m[0] as { dtype: string }[])[1].dtype, "float32");
      assert.deepEqual(await seeded(3, rgb, { numWorkers: 2 }), m);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

backendTest("DataLoader: a user dataset reaches workers through workerSpec()", async () => {
  const ds = new CountingDataset(11).transformFirst(
    new T.Compose([new T.RandomFlipLeftRight(), new T.ToTensor()]),
  );
  const main = await seeded(1, ds, { lastBatch: "discard" });
  assert.equal(main.length, 1);
  assert.deepEqual(await seeded(1, ds, { lastBatch: "discard", numWorkers: 2 }), main);
  // Labels are i * i for the shuffled i.
  const [, y] = main[0] as { v: number[] }[];
  assert.ok(y.v.every((v) => Number.isInteger(Math.sqrt(v))));
});

Deno.test("DataLoader: a failing sample fails the loop, in a worker or not", async () => {
  const ds = new CountingDataset(10, 5);
  for (const numWorkers of [0, 2]) {
    await assert.rejects(
      epoch(new DataLoader(ds, { batchSize: 3, numWorkers })),
      /sample 5 is broken/,
    );
  }
});

Deno.test("DataLoader: what a worker cannot rebuild loads on the main thread, with a warning", async () => {
  const ds = toyData().transformFirst((x: mx.NDArray) => x.mul(2));
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => warnings.push(a.join(" "));
  try {
    const loader = new DataLoader(ds, { batchSize: 4, numWorkers: 2 });
    const a = await epoch(loader);
    await epoch(loader);
    assert.deepEqual(a, await epoch(new DataLoader(ds, { batchSize: 4 })));
    assert.equal(warnings.length, 1, "warned once per loader");
    assert.match(
      warnings[0],
      /numWorkers=2, loading on the main thread: transformFirst was given the function/,
    );
  } finally {
    console.warn = warn;
  }
});

Deno.test("DataLoader: batches belong to the scope the loop runs in", async () => {
  const loader = new DataLoader(toyData(), { batchSize: 5, numWorkers: 1 });
  const seen: mx.NDArray[] = [];
  await mx.nd.scope(async () => {
    for await (const [X, y] of loader) seen.push(X, y);
  });
  assert.equal(seen.length, 4);
  assert.ok(seen.every((a) => a.isDisposed), "disposed with the scope");
  // Outside any scope the caller owns them. An abandoned epoch leaves the workers for the
  // next one; close() stops them, and a later epoch starts new ones.
  for await (const [X, y] of loader) {
    assert.ok(!X.isDisposed);
    X.dispose(), y.dispose();
    break;
  }
  const again = await epoch(loader);
  loader.close();
  assert.deepEqual(await epoch(loader), again);
  loader.close();
});

const FASHION = "/usr/share/datasets/fashion-mnist";
const hasFashion = (() => {
  try {
    return Deno.statSync(`${FASHION}/t10k-images-idx3-ubyte.gz`).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "DataLoader: Fashion-MNIST with 2 workers equals the main thread",
  ignore: !hasFashion,
  async fn() {
    const ds = new vision.FashionMNIST({ train: false }).take(1000).transformFirst(
      new T.Compose([new T.ToTensor(), new T.Normalize(0.13, 0.31)]),
    );
    const opts = { batchSize: 256, shuffle: true };
    mx.random.seed(0);
    const main = await epoch(new DataLoader(ds, opts));
    mx.random.seed(0);
    using loader = new DataLoader(ds, { ...opts, numWorkers: 2 });
    const workers = await epoch(loader);
    assert.deepEqual(workers, main);
    // The next epoch, on the same workers, is the main thread's next epoch too.
    const main2 = await epoch(new DataLoader(ds, opts));
    mx.random.seed(0);
    await epoch(new DataLoader(ds, opts));
    assert.deepEqual(await epoch(loader), main2);
    assert.deepEqual((main[0] as { shape: number[] }[])[0].shape, [256, 1, 28, 28]);
    assert.deepEqual((main[3] as { shape: number[] }[])[0].shape, [232, 1, 28, 28]);
  },
});
