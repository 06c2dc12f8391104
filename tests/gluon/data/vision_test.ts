/**
 * gluon.data.vision datasets on files the test writes (MNIST idx plain and gzip, CIFAR-10
 * and CIFAR-100 binary batches), MXNet's default root, the error for an absent dataset,
 * the synchronous gunzip, and the real Fashion-MNIST of Debian's dataset-fashion-mnist
 * (skipped, saying so, where it is not installed).
 */
import assert from "node:assert/strict";
import * as mx from "../../../mod.ts";
import { gunzipSync } from "../../../src/gluon/data/_inflate.ts";
import { vision } from "../../../src/gluon/data/mod.ts";
import * as io from "../../../src/io/mod.ts";
import { values } from "../../_harness.ts";

const FASHION = "/usr/share/datasets/fashion-mnist";
const hasFashion = (() => {
  try {
    return Deno.statSync(`${FASHION}/train-images-idx3-ubyte.gz`).isFile;
  } catch {
    return false;
  }
})();
if (!hasFashion) {
  console.log(
    `Fashion-MNIST tests skipped: ${FASHION} not found (apt-get install dataset-fashion-mnist)`,
  );
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** Writes an MNIST split of `n` 3x2 images, pixel p of image i = 10 i + p, label i % 10. */
async function writeMnist(dir: string, train: boolean, n: number, gz: boolean) {
  await Deno.mkdir(dir, { recursive: true });
  const p = train ? "train" : "t10k";
  const pix = Uint8Array.from({ length: n * 6 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6));
  const lab = Uint8Array.from({ length: n }, (_, i) => i % 10);
  let img = io.encodeIdx([n, 3, 2], pix), l = io.encodeIdx([n], lab);
  if (gz) (img = await gzip(img)), (l = await gzip(l));
  const ext = gz ? ".gz" : "";
  await Deno.writeFile(`${dir}/${p}-images-idx3-ubyte${ext}`, img);
  await Deno.writeFile(`${dir}/${p}-labels-idx1-ubyte${ext}`, l);
}

Deno.test("vision: MNIST reads idx files, gzip or plain, as [H, W, 1] uint8 and a label", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeMnist(root, true, 12, true);
    await writeMnist(root, false, 4, false);
    const train = new vision.MNIST({ root });
    assert.equal(train.length, 12);
    const [img, label] = train.at(7);
    assert.deepEqual(img.shape, [3, 2, 1]);
    assert.equal(img.dtype, "uint8");
    assert.deepEqual(await values(img), [70, 71, 72, 73, 74, 75]);
    assert.equal(label, 7);
    img.dispose();
    const test = new vision.MNIST({ root, train: false });
    assert.equal(test.length, 4);
    assert.equal(test.at(-1)[1], 3);
    test.at(-1)[0].dispose();
    // MXNet's transform argument: called with (image, label).
    const t = new vision.MNIST({ root, transform: (x, y) => [x.shape[0], y * 2] });
    assert.deepEqual(t.at(3), [3, 6]);
    assert.throws(() => new vision.MNIST({ root, trian: true } as never), /did you mean train/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("vision: the default root is MXNet's $MXNET_HOME/datasets/<name>", async () => {
  const home = await Deno.makeTempDir();
  const saved = Deno.env.get("MXNET_HOME");
  try {
    await writeMnist(`${home}/datasets/mnist`, false, 5, true);
    Deno.env.set("MXNET_HOME", home);
    const ds = new vision.MNIST({ train: false });
    assert.equal(ds.length, 5);
    assert.deepEqual(ds.roots, [`${home}/datasets/mnist`]);
  } finally {
    if (saved === undefined) Deno.env.delete("MXNET_HOME");
    else Deno.env.set("MXNET_HOME", saved);
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("vision: an absent dataset says where it looked and what provides it", () => {
  assert.throws(
    () => new vision.FashionMNIST({ root: "/nonexistent/fm" }),
    (e: Error) =>
      e instanceof mx.MXNetError && /train-images-idx3-ubyte\.gz/.test(e.message) &&
      /looked in \/nonexistent\/fm/.test(e.message) && /dataset-fashion-mnist/.test(e.message) &&
      /Nothing is downloaded/.test(e.message),
  );
  assert.throws(
    () => new vision.CIFAR10({ root: "/nonexistent/c" }),
    /data_batch_1\.bin.*\/nonexistent\/c, \/nonexistent\/c\/cifar-10-batches-bin.*cifar-10-binary/,
  );
  assert.throws(
    () => new vision.MNIST({ root: "/nonexistent/m" }),
    /no Debian package ships MNIST/,
  );
});

/** CIFAR records: `labels` label bytes, then 3072 pixels, channel c of pixel p = (p + 50 c + r) % 256. */
function cifarRecords(n: number, labels: (r: number) => number[]): Uint8Array {
  const lb = labels(0).length, out = new Uint8Array(n * (lb + 3072));
  for (let r = 0; r < n; r++) {
    const o = r * (lb + 3072);
    out.set(labels(r), o);
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) out[o + lb + c * 1024 + p] = (p + 50 * c + r) % 256;
    }
  }
  return out;
}

Deno.test("vision: CIFAR10 and CIFAR100 binary batches, channels moved last", async () => {
  const root = await Deno.makeTempDir();
  try {
    // CIFAR-10 in the official archive's sub-folder.
    const sub = `${root}/cifar-10-batches-bin`;
    await Deno.mkdir(sub);
    for (let b = 1; b <= 5; b++) {
      await Deno.writeFile(`${sub}/data_batch_${b}.bin`, cifarRecords(2, (r) => [(b + r) % 10]));
    }
    await Deno.writeFile(`${sub}/test_batch.bin`, cifarRecords(3, (r) => [r]));
    const c10 = new vision.CIFAR10({ root });
    assert.equal(c10.length, 10);
    const [img, label] = c10.at(3); // batch 2, record 1
    assert.equal(label, 3);
    assert.deepEqual(img.shape, [32, 32, 3]);
    const px = await values(img);
    // Pixel (0, 5) of record 1: channels (5 + 1, 55 + 1, 105 + 1).
    assert.deepEqual(px.slice(15, 18), [6, 56, 106]);
    img.dispose();
    assert.equal(new vision.CIFAR10({ root, train: false }).length, 3);
    // CIFAR-100: coarse then fine label.
    await Deno.writeFile(`${root}/train.bin`, cifarRecords(4, (r) => [r, 40 + r]));
    const coarse = new vision.CIFAR100({ root });
    const fine = new vision.CIFAR100({ root, fineLabel: true });
    assert.equal(coarse.at(2)[1], 2);
    assert.equal(fine.at(2)[1], 42);
    coarse.at(2)[0].dispose(), fine.at(2)[0].dispose();
    await Deno.writeFile(`${root}/test.bin`, new Uint8Array(3075));
    assert.throws(
      () => new vision.CIFAR100({ root, train: false }),
      /not a whole number of 3074-byte/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("vision: gunzip equals the platform's, checks the trailer, rejects corruption", async () => {
  const random = Uint8Array.from({ length: 70000 }, (_, i) => (i * 2654435761) >>> 24);
  const text = new TextEncoder().encode("the quick brown fox ".repeat(5000));
  // Geometric symbol frequencies give Huffman codes up to 15 bits (past the one-lookup 10).
  let seed = 7;
  const skewed = Uint8Array.from({ length: 300000 }, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return Math.min(Math.clz32(seed | 1), 40) * 5;
  });
  for (const data of [random, text, skewed, new Uint8Array(0)]) {
    assert.deepEqual(gunzipSync(await gzip(data)), data);
  }
  // Two members back to back (`cat a.gz b.gz`) inflate to both.
  const both = new Uint8Array([...await gzip(text), ...await gzip(random)]);
  assert.deepEqual(gunzipSync(both), new Uint8Array([...text, ...random]));
  // A stored (uncompressed) block, written by hand: header, BFINAL=1 BTYPE=00, LEN, NLEN.
  const stored = new Uint8Array([
    0x1f,
    0x8b,
    8,
    0,
    0,
    0,
    0,
    0,
    0,
    3,
    1,
    3,
    0,
    0xfc,
    0xff,
    65,
    66,
    67,
    0,
    0,
    0,
    0,
    3,
    0,
    0,
    0,
  ]);
  assert.deepEqual(Array.from(gunzipSync(stored)), [65, 66, 67]);
  const bad = await gzip(text);
  bad[bad.length - 4] ^= 1; // the size in the trailer
  assert.throws(() => gunzipSync(bad, "x.gz"), /x\.gz: gzip trailer says/);
  const cut = (await gzip(text)).subarray(0, 40);
  assert.throws(() => gunzipSync(cut, "y.gz"), mx.FormatError);
  assert.throws(() => gunzipSync(new Uint8Array([1, 2, 3])), /not gzip data/);
});

Deno.test({
  name: "vision: FashionMNIST from Debian's dataset-fashion-mnist",
  ignore: !hasFashion,
  async fn() {
    const train = new vision.FashionMNIST();
    const test = new vision.FashionMNIST({ train: false });
    assert.equal(train.length, 60000);
    assert.equal(test.length, 10000);
    assert.ok(train.roots.includes(FASHION));
    const idx = await io.readIdx(`${FASHION}/train-images-idx3-ubyte.gz`);
    const labels = await io.readIdx(`${FASHION}/train-labels-idx1-ubyte.gz`);
    for (const i of [0, 1, 59999]) {
      const [img, label] = train.at(i);
      assert.deepEqual(img.shape, [28, 28, 1]);
      assert.equal(img.dtype, "uint8");
      assert.deepEqual(await values(img), Array.from(idx.data.subarray(i * 784, (i + 1) * 784)));
      assert.equal(label, labels.data[i]);
      img.dispose();
    }
    // The first training and test images are ankle boots (class 9).
    assert.equal(train.at(0)[1], 9);
    assert.equal(test.at(0)[1], 9);
    train.at(0)[0].dispose(), test.at(0)[0].dispose();
  },
});
