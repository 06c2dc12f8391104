import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { fixturePath } from "../fixtures/mod.ts";

/** id -> label from the fixture's .lst. */
function lstLabels(): Map<number, number> {
  const text = Deno.readTextFileSync(fixturePath("recordio/train.lst"));
  return new Map(text.trim().split("\n").map((l) => l.split("\t").map(Number) as [number, number]));
}

/** RGB HWC uint8 -> CHW float values. */
function chw(rgb: ArrayLike<number>, h: number, w: number, c = 3): Float32Array {
  const out = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < h * w; i++) out[k * h * w + i] = rgb[i * c + k];
  }
  return out;
}

/** Images of coloured shapes: class 0 a red square, 1 a green bar, 2 a blue cross, on noise. */
function shapeImage(cls: number, seed: number, h = 12, w = 10): Uint8Array {
  const px = new Uint8Array(h * w * 3);
  let s = seed + 1;
  for (let i = 0; i < px.length; i++) {
    s = (s * 16807) % 2147483647;
    px[i] = s % 40;
  }
  const paint = (y: number, x: number) =>
    px.set(cls === 0 ? [220, 10, 10] : cls === 1 ? [10, 220, 10] : [10, 10, 220], 3 * (y * w + x));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (cls === 0 && y >= 3 && y < 9 && x >= 2 && x < 8) paint(y, x);
      if (cls === 1 && x >= 4 && x < 6) paint(y, x);
      if (cls === 2 && (y === 6 || x === 5)) paint(y, x);
    }
  }
  return px;
}

/** Writes `n` PNG records (packImg takes BGR) with labels i % 3; returns the RGB sources. */
function writeShapes(dir: string, n: number): Uint8Array[] {
  const w = new mx.recordio.MXIndexedRecordIO(`${dir}/s.idx`, `${dir}/s.rec`, "w");
  const sources: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const rgb = shapeImage(i % 3, i);
    sources.push(rgb);
    const bgr = rgb.slice();
    for (let p = 0; p < bgr.length; p += 3) [bgr[p], bgr[p + 2]] = [rgb[p + 2], rgb[p]];
    const img = mx.nd.array(bgr, { shape: [12, 10, 3] });
    w.writeIdx(
      i,
      mx.recordio.packImg({ flag: 0, label: i % 3, id: i, id2: 0 }, img, { imgFmt: ".png" }),
    );
    img.dispose();
  }
  w.close();
  return sources;
}

Deno.test("ImageRecordIter reads MXNet's im2rec fixture: labels from the .lst, RGB pixels as imdecode, pad", async () => {
  const labels = lstLabels();
  const rec = new mx.recordio.MXIndexedRecordIO(
    fixturePath("recordio/train.idx"),
    fixturePath("recordio/train.rec"),
    "r",
  );
  const decoded = rec.keys.map((k) => {
    const img = mx.image.imdecode(mx.recordio.unpack(rec.readIdx(k)!)[1]);
    const v = chw(img.dataSync(), 112, 112);
    img.dispose();
    return v;
  });
  const keys = [...rec.keys];
  rec.close();
  const it = new mx.io.ImageRecordIter({
    pathImgrec: fixturePath("recordio/train.rec"),
    dataShape: [3, 112, 112],
    batchSize: 3,
  });
  assert.deepEqual(it.provideData[0].shape, [3, 3, 112, 112]);
  const seen: number[] = [];
  const pads: number[] = [];
  for await (const batch of it) {
    const x = batch.data[0].dataSync() as Float32Array;
    const y = batch.label[0].dataSync() as Float32Array;
    batch.index!.forEach((s, b) => {
      assert.equal(y[b], labels.get(keys[s]));
      assert.deepEqual(x.subarray(b * 3 * 112 * 112, (b + 1) * 3 * 112 * 112), decoded[s]);
    });
    seen.push(...batch.index!);
    pads.push(batch.pad);
    batch.dispose();
  }
  // 8 samples in batches of 3: the last wraps around to sample 0 and reports pad 1.
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 0]);
  assert.deepEqual(pads, [0, 0, 1]);

  // Normalisation: (v - mean) / std * scale, per channel; with the .idx, same records.
  const norm = new mx.io.ImageRecordIter({
    pathImgrec: fixturePath("recordio/train.rec"),
    pathImgidx: fixturePath("recordio/train.idx"),
    dataShape: [3, 112, 112],
    batchSize: 2,
    meanR: 123.68,
    meanG: 116.28,
    meanB: 103.53,
    stdR: 58.395,
    stdG: 57.12,
    stdB: 57.375,
    scale: 0.5,
  });
  const batch = (await norm.next())!;
  const x = batch.data[0].dataSync() as Float32Array;
  const plane = 112 * 112;
  for (const [k, m, s] of [[0, 123.68, 58.395], [1, 116.28, 57.12], [2, 103.53, 57.375]]) {
    for (const i of [0, 777, plane - 1]) {
      const want = Math.fround(Math.fround(decoded[1][k * plane + i] - m) * Math.fround(0.5 / s));
      assert.ok(Math.abs(x[plane * 3 + k * plane + i] - want) < 1e-5);
    }
  }
  batch.dispose();
});

Deno.test("ImageRecordIter: generated PNGs read back with exact pixels and labels; shuffle is seeded", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const sources = writeShapes(dir, 10);
    const opts = {
      pathImgrec: `${dir}/s.rec`,
      dataShape: [3, 12, 10] as [number, number, number],
      batchSize: 4,
    };
    const it = new mx.io.ImageRecordIter(opts);
    let count = 0;
    for await (const batch of it) {
      const x = batch.data[0].dataSync() as Float32Array;
      const y = batch.label[0].dataSync() as Float32Array;
      batch.index!.forEach((s, b) => {
        assert.equal(y[b], s % 3);
        assert.deepEqual(x.subarray(b * 360, (b + 1) * 360), chw(sources[s], 12, 10));
      });
      count += 4 - batch.pad;
      batch.dispose();
    }
    assert.equal(count, 10);

    const order = async (seed: number, epochs: number): Promise<number[][]> => {
      const s = new mx.io.ImageRecordIter({ ...opts, shuffle: true, seed });
      const out: number[][] = [];
      for (let e = 0; e < epochs; e++) {
        const ids: number[] = [];
        for await (const batch of s) {
          const y = batch.label[0].dataSync() as Float32Array;
          batch.index!.slice(0, 4 - batch.pad).forEach((i, b) => {
            assert.equal(y[b], i % 3);
            ids.push(i);
          });
          batch.dispose();
        }
        out.push(ids);
        s.reset();
      }
      return out;
    };
    const [e1, e2] = await order(3, 2);
    assert.deepEqual([...e1].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual([...e2].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.notDeepEqual(e1, e2); // reshuffled each epoch
    assert.notDeepEqual(e1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(await order(3, 2), [e1, e2]); // the seed fixes it

    // numParts / partIndex: disjoint halves that cover every record.
    const part = async (partIndex: number): Promise<number[]> => {
      const p = new mx.io.ImageRecordIter({ ...opts, batchSize: 1, numParts: 2, partIndex });
      const ys: number[] = [];
      for await (const batch of p) {
        ys.push((batch.data[0].dataSync() as Float32Array)[0]);
        batch.dispose();
      }
      return ys;
    };
    const [a, b] = [await part(0), await part(1)];
    assert.deepEqual([a.length, b.length], [5, 5]);
    assert.deepEqual([...a, ...b], sources.map((s) => s[0]));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ImageRecordIter: randCrop and randMirror cut regions of the source, resize scales the short side", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const sources = writeShapes(dir, 6);
    const it = new mx.io.ImageRecordIter({
      pathImgrec: `${dir}/s.rec`,
      dataShape: [3, 5, 4],
      batchSize: 6,
      randCrop: true,
      randMirror: true,
      seed: 11,
    });
    const positions = new Set<string>();
    let flips = 0;
    for (let epoch = 0; epoch < 4; epoch++) {
      const batch = (await it.next())!;
      const x = batch.data[0].dataSync() as Float32Array;
      batch.index!.forEach((s, b) => {
        const got = x.subarray(b * 60, (b + 1) * 60);
        const src = chw(sources[s], 12, 10);
        let found = "";
        for (let y0 = 0; y0 <= 7 && !found; y0++) {
          for (let x0 = 0; x0 <= 6 && !found; x0++) {
            for (const flip of [false, true]) {
              let same = true;
              for (let k = 0; k < 3 && same; k++) {
                for (let y = 0; y < 5 && same; y++) {
                  for (let xx = 0; xx < 4 && same; xx++) {
                    const sx = x0 + (flip ? 3 - xx : xx);
                    same = got[k * 20 + y * 4 + xx] === src[k * 120 + (y0 + y) * 10 + sx];
                  }
                }
              }
              if (same) {
                found = `${x0},${y0}`;
                if (flip) flips++;
                break;
              }
            }
          }
        }
        assert.ok(found, `sample ${s}: not a crop of its source`);
        positions.add(found);
      });
      batch.dispose();
      it.reset();
    }
    assert.ok(positions.size > 5, `only ${positions.size} crop positions`);
    assert.ok(flips > 3 && flips < 21, `${flips} of 24 mirrored`);

    // resize 6: 12x10 -> 7x6 (short side 6), centre crop 6x6 equals imresize's pixels.
    const r = new mx.io.ImageRecordIter({
      pathImgrec: `${dir}/s.rec`,
      dataShape: [3, 6, 6],
      batchSize: 1,
      resize: 6,
    });
    const batch = (await r.next())!;
    const img = mx.nd.array(sources[0], { shape: [12, 10, 3] });
    const small = mx.image.imresize(img, 6, 7);
    const crop = mx.image.fixedCrop(small, 0, 0, 6, 6);
    assert.deepEqual(batch.data[0].dataSync(), chw(crop.dataSync(), 6, 6));
    for (const a of [img, small, crop]) a.dispose();
    batch.dispose();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ImageRecordIter: label width, gray data, and clear errors", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const w = new mx.recordio.MXRecordIO(`${dir}/m.rec`, "w");
    const img = mx.nd.array(new Uint8Array(4 * 4 * 3).fill(90), { shape: [4, 4, 3] });
    for (let i = 0; i < 3; i++) {
      w.write(
        mx.recordio.packImg({ flag: 0, label: [i, 10 + i, 20 + i], id: i, id2: 0 }, img, {
          imgFmt: ".png",
        }),
      );
    }
    w.close();
    img.dispose();
    const it = new mx.io.ImageRecordIter({
      pathImgrec: `${dir}/m.rec`,
      dataShape: [1, 4, 4],
      batchSize: 3,
      labelWidth: 2,
    });
    assert.deepEqual(it.provideLabel[0].shape, [3, 2]);
    const batch = (await it.next())!;
    assert.deepEqual(await batch.label[0].array(), [[0, 10], [1, 11], [2, 12]]);
    assert.deepEqual(batch.data[0].shape, [3, 1, 4, 4]);
    assert.ok((batch.data[0].dataSync() as Float32Array).every((v) => v === 90));
    batch.dispose();
    assert.equal(await it.next(), null);

    const big = new mx.io.ImageRecordIter({
      pathImgrec: `${dir}/m.rec`,
      dataShape: [3, 8, 8],
      batchSize: 1,
    });
    await assert.rejects(
      big.next(),
      (e: Error) =>
        e instanceof mx.ShapeError && /smaller than dataShape 8x8; set resize/.test(e.message),
    );
    const wide = new mx.io.ImageRecordIter({
      pathImgrec: `${dir}/m.rec`,
      dataShape: [3, 4, 4],
      batchSize: 1,
      labelWidth: 4,
    });
    await assert.rejects(wide.next(), /has 3 labels but labelWidth is 4/);
    assert.throws(
      () =>
        new mx.io.ImageRecordIter(
          {
            pathImgrec: `${dir}/m.rec`,
            dataShape: [3, 4, 4],
            batchSize: 1,
            randCorp: true,
          } as never,
        ),
      /unknown option randCorp; did you mean randCrop/,
    );
    assert.throws(
      () =>
        new mx.io.ImageRecordIter({
          pathImgrec: `${dir}/m.rec`,
          dataShape: [2, 4, 4],
          batchSize: 1,
        }),
      /dataShape must be \[channels \(1 or 3\)/,
    );
    const missing = new mx.io.ImageRecordIter({
      pathImgrec: `${dir}/none.rec`,
      dataShape: [3, 4, 4],
      batchSize: 1,
    });
    await assert.rejects(missing.next(), mx.FileNotFoundError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ImageRecordUInt8Iter gives the augmented pixels as uint8 and refuses normalisation", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const sources = writeShapes(dir, 4);
    const it = new mx.io.ImageRecordUInt8Iter({
      pathImgrec: `${dir}/s.rec`,
      dataShape: [3, 12, 10],
      batchSize: 2,
    });
    assert.equal(it.provideData[0].dtype, "uint8");
    const batch = (await it.next())!;
    assert.equal(batch.data[0].dtype, "uint8");
    assert.deepEqual(
      Array.from(batch.data[0].dataSync() as Uint8Array).slice(0, 360),
      Array.from(chw(sources[0], 12, 10)),
    );
    batch.dispose();
    assert.throws(
      () =>
        new mx.io.ImageRecordUInt8Iter(
          { pathImgrec: `${dir}/s.rec`, dataShape: [3, 12, 10], batchSize: 2, meanR: 1 } as never,
        ),
      /ImageRecordUInt8Iter: unknown option meanR/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
