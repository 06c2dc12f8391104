/** vision.ImageFolderDataset and ImageListDataset over the fixture's images (man/, woman/). */
import assert from "node:assert/strict";
import * as mx from "../../../mod.ts";
import { fixturePath } from "../../fixtures/mod.ts";

const ROOT = fixturePath("recordio/images");
const vision = mx.gluon.data.vision;

Deno.test("ImageFolderDataset: sorted class folders, images decoded as imread", async () => {
  const ds = new vision.ImageFolderDataset(ROOT);
  assert.deepEqual(ds.synsets, ["man", "woman"]);
  assert.equal(ds.length, 8);
  assert.deepEqual(ds.items.map(([p, l]) => [p.slice(ROOT.length), l]), [
    ["/man/man_1.jpg", 0],
    ["/man/man_2.jpg", 0],
    ["/man/man_3.jpg", 0],
    ["/man/man_4.jpg", 0],
    ["/woman/woman_1.jpg", 1],
    ["/woman/woman_2.jpg", 1],
    ["/woman/woman_3.jpg", 1],
    ["/woman/woman_4.jpg", 1],
  ]);
  const [img, label] = ds.at(5);
  const want = await mx.image.imread(`${ROOT}/woman/woman_2.jpg`);
  assert.equal(label, 1);
  assert.deepEqual(img.dataSync(), want.dataSync());
  const [gray] = new vision.ImageFolderDataset(ROOT, { flag: 0 }).at(0);
  assert.deepEqual(gray.shape, [112, 112, 1]);
  for (const a of [img, want, gray]) a.dispose();
  assert.throws(() => new vision.ImageFolderDataset("/nonexistent/folder"), mx.FileNotFoundError);
});

Deno.test("ImageListDataset: a .lst file or [label, path] entries", () => {
  const ds = new vision.ImageListDataset(ROOT, fixturePath("recordio/train.lst"));
  const lines = Deno.readTextFileSync(fixturePath("recordio/train.lst")).trim().split("\n");
  assert.equal(ds.length, lines.length);
  lines.forEach((line, i) => {
    const [, label, path] = line.split("\t");
    assert.deepEqual(ds.items[i], [`${ROOT}/${path}`, Number(label)]);
  });
  const listed = new vision.ImageListDataset(ROOT, [[[1, 2], "man/man_3.jpg"], [
    7,
    "woman/woman_1.jpg",
  ]]);
  const [img, labels] = listed.at(0) as unknown as [mx.NDArray, mx.NDArray];
  assert.deepEqual(img.shape, [112, 112, 3]);
  assert.deepEqual(Array.from(labels.dataSync() as Float32Array), [1, 2]);
  assert.equal(listed.at(1)[1], 7);
  img.dispose();
  labels.dispose();
});

Deno.test("ImageFolderDataset through DataLoader workers gives the main thread's batches", async () => {
  const T = vision.transforms;
  const ds = new vision.ImageFolderDataset(ROOT).transformFirst(
    new T.Compose([new T.Resize(24), new T.ToTensor()]),
  );
  const epoch = async (numWorkers: number) => {
    const out: unknown[] = [];
    using loader = new mx.gluon.data.DataLoader(ds, { batchSize: 4, numWorkers });
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
  assert.deepEqual(main.map((b) => (b as unknown[])[2]), [[0, 0, 0, 0], [1, 1, 1, 1]]);
  assert.deepEqual(await epoch(2), main);
});
