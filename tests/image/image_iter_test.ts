import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { fixturePath } from "../fixtures/mod.ts";

/** HWC -> CHW float values. */
function chw(hwc: ArrayLike<number>, h: number, w: number, c = 3): Float32Array {
  const out = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) out[k * h * w + p] = hwc[p * c + k];
  return out;
}

function lst(): [number, number, string][] {
  return Deno.readTextFileSync(fixturePath("recordio/train.lst")).trim().split("\n").map((l) => {
    const [i, label, path] = l.split("\t");
    return [Number(i), Number(label), path];
  });
}

Deno.test("augmenters: CreateAugmenter's list, and each augmenter's result", () => {
  const names = (a: mx.image.Augmenter[]) => a.map((x) => x.constructor.name);
  assert.deepEqual(names(mx.image.CreateAugmenter([3, 8, 8])), ["CenterCropAug", "CastAug"]);
  assert.deepEqual(
    names(
      mx.image.CreateAugmenter([3, 8, 8], {
        resize: 10,
        randCrop: true,
        randMirror: true,
        std: true,
      }),
    ),
    ["ResizeAug", "RandomCropAug", "HorizontalFlipAug", "CastAug", "ColorNormalizeAug"],
  );
  assert.throws(
    () => mx.image.CreateAugmenter([3, 8, 8], { brightness: 0.2 }),
    mx.UnsupportedError,
  );
  assert.throws(
    () => mx.image.CreateAugmenter([3, 8, 8], { rand_crop: true } as never),
    /unknown option rand_crop; did you mean randCrop/,
  );

  const src = mx.nd.array(Uint8Array.from({ length: 4 * 6 * 3 }, (_, i) => i), {
    shape: [4, 6, 3],
  });
  assert.deepEqual(new mx.image.ResizeAug(2).call(src).shape, [2, 3, 3]);
  assert.deepEqual(new mx.image.ForceResizeAug([5, 7]).call(src).shape, [7, 5, 3]);
  assert.deepEqual(new mx.image.CenterCropAug([2, 2]).call(src).shape, [2, 2, 3]);
  assert.deepEqual(new mx.image.RandomCropAug([3, 2]).call(src).shape, [2, 3, 3]);
  const flipped = new mx.image.HorizontalFlipAug(1).call(src).dataSync();
  const s = src.dataSync();
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 6; x++) {
      for (let k = 0; k < 3; k++) {
        assert.equal(flipped[(y * 6 + x) * 3 + k], s[(y * 6 + 5 - x) * 3 + k]);
      }
    }
  }
  assert.deepEqual(new mx.image.HorizontalFlipAug(0).call(src).dataSync(), s);
  const f = new mx.image.CastAug().call(src);
  assert.equal(f.dtype, "float32");
  const norm = new mx.image.ColorNormalizeAug(mx.nd.array([1, 2, 3]), mx.nd.array([2, 2, 2])).call(
    f,
  );
  assert.deepEqual(Array.from((norm.dataSync() as Float32Array).subarray(0, 6)), [
    -0.5,
    -0.5,
    -0.5,
    1,
    1,
    1,
  ]);
  assert.equal(new mx.image.ResizeAug(3, 1).dumps(), '["resizeaug",{"size":3,"interp":1}]');
});

Deno.test("ImageIter reads MXNet's .rec and the .lst + images alike: pixels and labels", async () => {
  const entries = lst();
  const labelOf = new Map(entries.map(([i, label]) => [i, label]));
  const fromRec = new mx.image.ImageIter({
    batchSize: 3,
    dataShape: [3, 112, 112],
    pathImgrec: fixturePath("recordio/train.rec"),
    pathImgidx: fixturePath("recordio/train.idx"),
  });
  const raw = new mx.gluon.data.RecordFileDataset(fixturePath("recordio/train.rec"));
  const pads: number[] = [];
  for await (const batch of fromRec) {
    const x = batch.data[0].dataSync() as Float32Array;
    const y = batch.label[0].dataSync() as Float32Array;
    batch.index!.forEach((i, b) => {
      const [header, payload] = mx.recordio.unpack(raw.at(i));
      assert.equal(y[b], labelOf.get(header.id));
      const img = mx.image.imdecode(payload);
      assert.deepEqual(
        x.subarray(b * 3 * 112 * 112, (b + 1) * 3 * 112 * 112),
        chw(img.dataSync(), 112, 112),
      );
      img.dispose();
    });
    pads.push(batch.pad);
    batch.dispose();
  }
  assert.deepEqual(pads, [0, 0, 1]);

  const fromList = new mx.image.ImageIter({
    batchSize: 4,
    dataShape: [3, 112, 112],
    pathImglist: fixturePath("recordio/train.lst"),
    pathRoot: fixturePath("recordio/images"),
  });
  let n = 0;
  for await (const batch of fromList) {
    const x = batch.data[0].dataSync() as Float32Array;
    const y = batch.label[0].dataSync() as Float32Array;
    for (let b = 0; b < 4; b++, n++) {
      const [, label, path] = entries[n];
      assert.equal(y[b], label);
      const img = await mx.image.imread(fixturePath(`recordio/images/${path}`));
      assert.deepEqual(
        x.subarray(b * 3 * 112 * 112, (b + 1) * 3 * 112 * 112),
        chw(img.dataSync(), 112, 112),
      );
      img.dispose();
    }
    batch.dispose();
  }
  assert.equal(n, 8);
});

Deno.test("ImageIter: imglist with augmentation, shuffle, shards, discard, and errors", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const list: [number, string][] = [];
    for (let i = 0; i < 6; i++) {
      const img = mx.nd.array(new Uint8Array(10 * 8 * 3).fill(20 * i), { shape: [10, 8, 3] });
      Deno.writeFileSync(`${dir}/${i}.png`, mx.image.imencode(img, ".png"));
      img.dispose();
      list.push([i, `${i}.png`]);
    }
    const base = {
      batchSize: 4,
      dataShape: [3, 4, 4] as [number, number, number],
      imglist: list,
      pathRoot: dir,
    };
    const it = new mx.image.ImageIter({
      ...base,
      shuffle: true,
      randCrop: true,
      randMirror: true,
      mean: [10, 10, 10],
    });
    for (let epoch = 0; epoch < 2; epoch++) {
      const seen: number[] = [];
      for await (const batch of it) {
        assert.deepEqual(batch.data[0].shape, [4, 3, 4, 4]);
        const x = batch.data[0].dataSync() as Float32Array;
        const y = batch.label[0].dataSync() as Float32Array;
        batch.index!.forEach((i, b) => {
          assert.equal(y[b], i);
          // Flat images: every value is 20 i - 10 wherever the crop falls.
          assert.ok(x.subarray(b * 48, (b + 1) * 48).every((v) => v === 20 * i - 10));
        });
        seen.push(...batch.index!.slice(0, 4 - batch.pad));
        batch.dispose();
      }
      assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4, 5]);
      it.reset();
    }
    const discard = new mx.image.ImageIter({ ...base, lastBatchHandle: "discard" });
    let batches = 0;
    for await (const batch of discard) {
      batches++;
      batch.dispose();
    }
    assert.equal(batches, 1);
    const part = new mx.image.ImageIter({ ...base, numParts: 2, partIndex: 1, batchSize: 3 });
    const b = (await part.next())!;
    assert.deepEqual(Array.from(b.label[0].dataSync() as Float32Array), [3, 4, 5]);
    b.dispose();

    const small = new mx.image.ImageIter({ ...base, augList: [new mx.image.CastAug()] });
    await assert.rejects(
      small.next(),
      (e: Error) =>
        e instanceof mx.ShapeError && /is \[10,8,3\] after augmentation/.test(e.message),
    );
    assert.throws(
      () => new mx.image.ImageIter({ ...base, augList: [], resize: 3 }),
      /augList or augmenter options/,
    );
    assert.throws(
      () => new mx.image.ImageIter({ batchSize: 1, dataShape: [3, 4, 4] }),
      /exactly one of pathImgrec/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
