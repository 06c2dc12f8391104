/**
 * MNISTIter on idx files the test writes (plain and gzip, truncated, mismatched) and on
 * the real Fashion-MNIST files of Debian's dataset-fashion-mnist package.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as io from "../../src/io/mod.ts";
import { backendTest, values } from "../_harness.ts";

const FASHION = "/usr/share/datasets/fashion-mnist";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** Writes `n` 2x3 images whose pixels are all `10*i` and labels `i % 10`. */
async function writeSet(
  dir: string,
  n: number,
  gz: boolean,
): Promise<{ image: string; label: string }> {
  const pixels = new Uint8Array(n * 6).map((_, p) => 10 * Math.floor(p / 6));
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  let img = io.encodeIdx([n, 2, 3], pixels), lab = io.encodeIdx([n], labels);
  if (gz) (img = await gzip(img)), (lab = await gzip(lab));
  const ext = gz ? ".gz" : "";
  const image = `${dir}/img${ext}`, label = `${dir}/lab${ext}`;
  await Deno.writeFile(image, img);
  await Deno.writeFile(label, lab);
  return { image, label };
}

backendTest("io: MNISTIter on small idx files, plain and gzip", async () => {
  const dir = await Deno.makeTempDir();
  for (const gz of [false, true]) {
    const files = await writeSet(dir, 7, gz);
    const it = new io.MNISTIter({ ...files, batchSize: 3, shuffle: false, imageSize: [2, 3] });
    assert.deepEqual(it.provideData[0].shape, [3, 1, 2, 3]);
    assert.deepEqual(it.provideLabel[0].shape, [3]);
    const seen: number[] = [];
    for await (const b of it) {
      assert.deepEqual(b.data[0].shape, [3, 1, 2, 3]);
      const x = await values(b.data[0]), y = await values(b.label[0]);
      y.forEach((label, k) => {
        seen.push(label);
        // pixel value 10*i scaled by 1/255, label i % 10
        assert.ok(Math.abs(x[6 * k] - 10 * label / 255) < 1e-6);
      });
      b.dispose();
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]); // the last short batch is dropped, as MXNet
    const flat = await io.MNISTIter.create({
      ...files,
      batchSize: 4,
      flat: true,
      imageSize: [2, 3],
      lastBatchHandle: "pad",
      seed: 3,
    });
    const b1 = (await flat.next())!, b2 = (await flat.next())!;
    assert.deepEqual(b1.data[0].shape, [4, 6]);
    assert.equal(b2.pad, 1);
    const all = [...b1.index!, ...b2.index!.slice(0, 3)];
    assert.deepEqual([...all].sort(), [0, 1, 2, 3, 4, 5, 6]);
    assert.notDeepEqual(all, [0, 1, 2, 3, 4, 5, 6]);
    b1.dispose();
    b2.dispose();
  }
  await Deno.remove(dir, { recursive: true });
});

backendTest("io: MNISTIter shards with numParts / partIndex", async () => {
  const dir = await Deno.makeTempDir();
  const files = await writeSet(dir, 10, false);
  const parts: number[][] = [];
  for (let p = 0; p < 3; p++) {
    const it = await io.MNISTIter.create({
      ...files,
      batchSize: 1,
      imageSize: [2, 3],
      numParts: 3,
      partIndex: p,
      shuffle: p === 1,
    });
    const labels: number[] = [];
    for await (const b of it) labels.push(...await values(b.label[0])), b.dispose();
    parts.push(labels);
  }
  assert.deepEqual(parts[0], [0, 1, 2]);
  assert.deepEqual([...parts[1]].sort(), [3, 4, 5]);
  assert.deepEqual(parts[2], [6, 7, 8, 9]);
  assert.throws(
    () => new io.MNISTIter({ ...files, numParts: 2, partIndex: 2 }),
    /partIndex 2 must be in \[0, numParts=2\)/,
  );
  await Deno.remove(dir, { recursive: true });
});

backendTest("io: bad idx files name the file", async () => {
  const dir = await Deno.makeTempDir();
  const { image, label } = await writeSet(dir, 5, false);
  const bytes = await Deno.readFile(image);
  await Deno.writeFile(`${dir}/cut`, bytes.subarray(0, bytes.length - 4));
  const cut = new io.MNISTIter({ image: `${dir}/cut`, label, imageSize: [2, 3] });
  await assert.rejects(
    () => cut.next(),
    (e: Error) =>
      e instanceof mx.FormatError &&
      e.message.includes(
        `${dir}/cut: truncated idx file: shape [5,2,3] needs 30 data bytes, found 26`,
      ),
  );
  const gz = await gzip(bytes);
  await Deno.writeFile(`${dir}/cut.gz`, gz.subarray(0, gz.length - 10));
  await assert.rejects(
    () => io.MNISTIter.create({ image: `${dir}/cut.gz`, label }),
    new RegExp(`${dir}/cut.gz`),
  );
  await Deno.writeFile(`${dir}/junk`, new TextEncoder().encode("hello world"));
  await assert.rejects(() => io.readIdx(`${dir}/junk`), /junk: not an idx file/);
  const other = await writeSet(`${dir}`, 5, true); // labels of another length
  await Deno.writeFile(other.label, io.encodeIdx([4], new Uint8Array(4)));
  await assert.rejects(
    () => io.MNISTIter.create({ image, label: other.label, imageSize: [2, 3] }),
    /holds 5 images but .*lab.gz holds 4 labels/,
  );
  await assert.rejects(
    () => io.MNISTIter.create({ image, label }),
    /images are 2x3 but the iterator declares 28x28/,
  );
  await assert.rejects(
    () => io.MNISTIter.create({ image: `${dir}/none`, label }),
    /cannot read .*none/,
  );
  await Deno.remove(dir, { recursive: true });
});

const haveFashion = await Deno.stat(`${FASHION}/t10k-images-idx3-ubyte.gz`).then(
  () => true,
  () => false,
);
if (!haveFashion) {
  console.log(
    `io: Fashion-MNIST test skipped: ${FASHION} not found (apt-get install dataset-fashion-mnist)`,
  );
}

Deno.test({
  name: "io: MNISTIter reads the real Fashion-MNIST files",
  ignore: !haveFashion,
  async fn() {
    const test = await io.MNISTIter.create({
      image: `${FASHION}/t10k-images-idx3-ubyte.gz`,
      label: `${FASHION}/t10k-labels-idx1-ubyte.gz`,
      batchSize: 1000,
      shuffle: false,
      flat: true,
    });
    assert.equal(test.numSamples, 10000);
    const counts = new Array(10).fill(0);
    let batches = 0, mean = 0;
    for await (const b of test) {
      assert.deepEqual(b.data[0].shape, [1000, 784]);
      const x = await b.data[0].data() as Float32Array;
      for (const v of x) assert.ok(v >= 0 && v <= 1);
      mean += x.reduce((a, v) => a + v, 0) / x.length;
      for (const y of await values(b.label[0])) counts[y]++;
      if (batches === 0) {
        // The first test images are an ankle boot (9), a pullover (2) and trousers (1).
        assert.deepEqual((await values(b.label[0])).slice(0, 3), [9, 2, 1]);
      }
      batches++;
      b.dispose();
    }
    assert.equal(batches, 10);
    assert.deepEqual(counts, new Array(10).fill(1000)); // Fashion-MNIST's test set is balanced
    assert.ok(Math.abs(mean / batches - 0.286) < 0.01, `mean pixel ${mean / batches}`);
    const train = await io.MNISTIter.create({
      image: `${FASHION}/train-images-idx3-ubyte.gz`,
      label: `${FASHION}/train-labels-idx1-ubyte.gz`,
      batchSize: 256,
      numParts: 2,
      partIndex: 1,
    });
    assert.equal(train.numSamples, 30000);
    const b = (await train.next())!;
    assert.deepEqual(b.data[0].shape, [256, 1, 28, 28]);
    b.dispose();
    await mx.nd.waitAll();
  },
});
