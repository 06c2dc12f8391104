/**
 * gluon.data.RecordFileDataset and vision.ImageRecordDataset over MXNet's im2rec fixture:
 * records by position, decoded images with the .lst labels, and the same batches from the
 * DataLoader on the main thread and in workers.
 */
import assert from "node:assert/strict";
import * as mx from "../../../mod.ts";
import { fixturePath } from "../../fixtures/mod.ts";

const REC = fixturePath("recordio/train.rec");

function lstLabels(): Map<number, number> {
  const text = Deno.readTextFileSync(fixturePath("recordio/train.lst"));
  return new Map(text.trim().split("\n").map((l) => l.split("\t").map(Number) as [number, number]));
}

Deno.test("RecordFileDataset: record i is the i-th key's record of the .idx", () => {
  const ds = new mx.gluon.data.RecordFileDataset(REC);
  assert.equal(ds.idxFile, fixturePath("recordio/train.idx"));
  assert.equal(ds.length, 8);
  const index = new mx.recordio.MXIndexedRecordIO(ds.idxFile, REC, "r");
  try {
    index.keys.forEach((key, i) => {
      const rec = ds.at(i);
      assert.deepEqual(rec, index.readIdx(key));
      assert.equal(mx.recordio.unpack(rec)[0].id, key);
    });
  } finally {
    index.close();
  }
  assert.throws(() => ds.at(8), /RecordFileDataset.at: index 8 is out of range for length 8/);
  assert.throws(
    () => new mx.gluon.data.RecordFileDataset("/nonexistent/a.rec"),
    mx.FileNotFoundError,
  );
});

Deno.test("ImageRecordDataset: [image, label] with RGB 112x112x3 images and the .lst labels", () => {
  const labels = lstLabels();
  const raw = new mx.gluon.data.RecordFileDataset(REC);
  const ds = new mx.gluon.data.vision.ImageRecordDataset(REC);
  assert.equal(ds.length, 8);
  for (let i = 0; i < ds.length; i++) {
    const [header, payload] = mx.recordio.unpack(raw.at(i));
    const [img, label] = ds.at(i);
    assert.deepEqual([img.shape, img.dtype], [[112, 112, 3], "uint8"]);
    assert.equal(label, labels.get(header.id));
    const want = mx.image.imdecode(payload);
    assert.deepEqual(img.dataSync(), want.dataSync());
    img.dispose();
    want.dispose();
  }
  const gray = new mx.gluon.data.vision.ImageRecordDataset(REC, { flag: 0 });
  const [g] = gray.at(0);
  assert.deepEqual(g.shape, [112, 112, 1]);
  g.dispose();
  const shapes = new mx.gluon.data.vision.ImageRecordDataset(REC, {
    transform: (image, label) => {
      const s = [image.shape, label];
      image.dispose();
      return s;
    },
  });
  assert.deepEqual(shapes.at(3), [[112, 112, 3], labels.get(mx.recordio.unpack(raw.at(3))[0].id)]);
  assert.throws(
    () => new mx.gluon.data.vision.ImageRecordDataset(REC, { flag: 3 as 1 }),
    /flag must be 1 \(color\) or 0/,
  );
});

Deno.test("ImageRecordDataset through the DataLoader: workers give the main thread's batches", async () => {
  const T = mx.gluon.data.vision.transforms;
  const ds = new mx.gluon.data.vision.ImageRecordDataset(REC).transformFirst(
    new T.Compose([new T.Resize(32), new T.ToTensor()]),
  );
  const epoch = async (numWorkers: number) => {
    const out: unknown[] = [];
    using loader = new mx.gluon.data.DataLoader(ds, { batchSize: 3, numWorkers });
    for await (const batch of loader) {
      const [x, y] = batch as [mx.NDArray, mx.NDArray];
      out.push([
        x.shape,
        Array.from(x.dataSync() as Float32Array),
        Array.from(y.dataSync() as Float32Array),
      ]);
      x.dispose();
      y.dispose();
    }
    return out;
  };
  const main = await epoch(0);
  assert.equal(main.length, 3);
  assert.deepEqual((main[0] as unknown[])[0], [3, 3, 32, 32]);
  const labels = lstLabels();
  const raw = new mx.gluon.data.RecordFileDataset(REC);
  const want = Array.from({ length: 8 }, (_, i) => labels.get(mx.recordio.unpack(raw.at(i))[0].id));
  assert.deepEqual(main.flatMap((b) => (b as number[][])[2]), want);
  assert.deepEqual(await epoch(2), main);
});
