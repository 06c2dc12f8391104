import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { fixtureBytes, fixturePath } from "../fixtures/mod.ts";
import {
  formatList,
  listImages,
  makeList,
  packList,
  parseArgs,
  readList,
} from "../../tools/im2rec.ts";

Deno.test("im2rec --pass-through of MXNet's .lst reproduces MXNet's .rec and .idx byte for byte", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.copyFileSync(fixturePath("recordio/train.lst"), `${dir}/train.lst`);
    const rec = packList(`${dir}/train.lst`, fixturePath("recordio/images"), { passThrough: true });
    assert.deepEqual(Deno.readFileSync(rec), fixtureBytes("recordio/train.rec"));
    assert.equal(
      Deno.readTextFileSync(`${dir}/train.idx`),
      Deno.readTextFileSync(fixturePath("recordio/train.idx")),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** A 16x12 RGB image of class `cls` (a shape in one colour) with a per-image shade. */
function shape(cls: number, k: number): Uint8Array {
  const h = 16, w = 12, px = new Uint8Array(h * w * 3).fill(10 + k);
  const colour = [[230, 20, 20], [20, 230, 20], [20, 20, 230]][cls];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = cls === 0
        ? (y - 8) ** 2 + (x - 6) ** 2 < 16
        : cls === 1
        ? y === 8 || x === 6
        : y > 3 && y < 12 && x > 2 && x < 10;
      if (inside) px.set(colour, 3 * (y * w + x));
    }
  }
  return px;
}

Deno.test("im2rec packs a generated folder tree; ImageRecordIter reads exact PNG pixels and labels", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const classes = ["circle", "cross", "square"];
    const sources = new Map<string, Uint8Array>();
    classes.forEach((name, cls) => {
      Deno.mkdirSync(`${dir}/root/${name}`, { recursive: true });
      for (let k = 0; k < 4; k++) {
        const px = shape(cls, k);
        const img = mx.nd.array(px, { shape: [16, 12, 3] });
        Deno.writeFileSync(`${dir}/root/${name}/${k}.png`, mx.image.imencode(img, ".png"));
        img.dispose();
        sources.set(`${name}/${k}.png`, px);
      }
    });
    Deno.writeTextFileSync(`${dir}/root/notes.txt`, "not an image");
    assert.deepEqual(listImages(`${dir}/root`, true, [".png"]).slice(3, 6), [
      [3, "circle/3.png", 0],
      [4, "cross/0.png", 1],
      [5, "cross/1.png", 1],
    ]);
    assert.equal(formatList([[3, "a/b.png", 1, 2.5]]), "3\t1.000000\t2.500000\ta/b.png\n");

    const written = makeList(`${dir}/data`, `${dir}/root`, { recursive: true, shuffle: true });
    assert.deepEqual(written, [`${dir}/data.lst`]);
    const items = readList(`${dir}/data.lst`);
    assert.equal(items.length, 12);
    assert.notDeepEqual(items.map((i) => i[0]), [...Array(12).keys()]);

    packList(`${dir}/data.lst`, `${dir}/root`, { encoding: ".png" });
    const it = new mx.io.ImageRecordIter({
      pathImgrec: `${dir}/data.rec`,
      pathImgidx: `${dir}/data.idx`,
      dataShape: [3, 16, 12],
      batchSize: 4,
    });
    let n = 0;
    for await (const batch of it) {
      const x = batch.data[0].dataSync() as Float32Array;
      const y = batch.label[0].dataSync() as Float32Array;
      for (let b = 0; b < 4; b++, n++) {
        const [, path, label] = items[n];
        assert.equal(y[b], label);
        assert.equal(label, classes.indexOf(path.split("/")[0]));
        const src = sources.get(path)!;
        for (let k = 0; k < 3; k++) {
          for (let p = 0; p < 16 * 12; p++) assert.equal(x[b * 576 + k * 192 + p], src[p * 3 + k]);
        }
      }
      batch.dispose();
    }
    assert.equal(n, 12);

    // JPEG with resize and a train/val split.
    makeList(`${dir}/split`, `${dir}/root`, { recursive: true, trainRatio: 0.75 });
    assert.deepEqual(readList(`${dir}/split_train.lst`).length, 9);
    assert.deepEqual(readList(`${dir}/split_val.lst`).length, 3);
    packList(`${dir}/split_train.lst`, `${dir}/root`, { resize: 8, quality: 90, centerCrop: true });
    const r = new mx.recordio.MXIndexedRecordIO(
      `${dir}/split_train.idx`,
      `${dir}/split_train.rec`,
      "r",
    );
    const [header, img] = mx.recordio.unpackImg(r.readIdx(r.keys[0])!);
    r.close();
    assert.deepEqual([header.id, img.shape], [0, [8, 8, 3]]);
    img.dispose();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("im2rec command line: flags as im2rec.py, unknown flags refused", () => {
  const a = parseArgs([
    "p",
    "r",
    "--list",
    "--recursive",
    "--exts",
    ".jpg",
    ".png",
    "--train-ratio",
    "0.8",
  ]);
  assert.deepEqual(a.listOpts, { recursive: true, exts: [".jpg", ".png"], trainRatio: 0.8 });
  assert.equal(a.list, true);
  const b = parseArgs(["p", "r", "--resize", "256", "--encoding", ".png", "--pass-through"]);
  assert.deepEqual(b.packOpts, { resize: 256, encoding: ".png", passThrough: true });
  assert.throws(() => parseArgs(["p", "r", "--num-thread", "4"]), /unknown flag --num-thread/);
  assert.throws(() => parseArgs(["p"]), /expected PREFIX and ROOT/);
});
