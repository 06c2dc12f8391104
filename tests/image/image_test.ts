import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { fixturePath } from "../fixtures/mod.ts";

const JPEGS = ["man/man_1.jpg", "man/man_4.jpg", "woman/woman_2.jpg", "woman/woman_3.jpg"];

/** xorshift32, for reproducible random images. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function randomImage(h: number, w: number, c: number, seed: number): mx.NDArray<"uint8"> {
  const rand = xorshift(seed);
  const data = Uint8Array.from({ length: h * w * Math.max(c, 1) }, () => Math.floor(rand() * 256));
  return mx.nd.array(data, { shape: c === 0 ? [h, w] : [h, w, c] });
}

/** A smooth colour image (gradients), the kind JPEG reproduces closely. */
function smoothImage(h: number, w: number): mx.NDArray<"uint8"> {
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 3 * (y * w + x);
      data[p] = Math.round((255 * x) / (w - 1));
      data[p + 1] = Math.round((255 * y) / (h - 1));
      data[p + 2] = 128 + Math.round(60 * Math.sin(x / 5));
    }
  }
  return mx.nd.array(data, { shape: [h, w, 3] });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("imdecode: MXNet's fixture JPEGs decode to 112x112x3 uint8; gray, BGR and imread agree", async () => {
  for (const name of JPEGS) {
    const bytes = Deno.readFileSync(fixturePath(`recordio/images/${name}`));
    const rgb = mx.image.imdecode(bytes);
    assert.deepEqual([rgb.shape, rgb.dtype], [[112, 112, 3], "uint8"]);
    const px = rgb.dataSync();
    // A photograph: many distinct values, not a blank or garbage image.
    assert.ok(new Set(px).size > 100, name);
    const bgr = mx.image.imdecode(bytes, { toRGB: false }).dataSync();
    for (let p = 0; p < px.length; p += 3) {
      assert.deepEqual([bgr[p], bgr[p + 1], bgr[p + 2]], [px[p + 2], px[p + 1], px[p]]);
    }
    const gray = mx.image.imdecode(bytes, { flag: 0 });
    assert.deepEqual(gray.shape, [112, 112, 1]);
    const g = gray.dataSync();
    for (let i = 0; i < g.length; i++) {
      const want = (px[3 * i] * 4899 + px[3 * i + 1] * 9617 + px[3 * i + 2] * 1868 + 8192) >> 14;
      assert.equal(g[i], want);
    }
    const read = await mx.image.imread(fixturePath(`recordio/images/${name}`));
    assert.deepEqual(read.dataSync(), px);
    for (const a of [rgb, gray, read]) a.dispose();
  }
});

Deno.test("PNG: generated images round trip exactly (gray, RGB, RGBA)", () => {
  for (const [c, seed] of [[1, 1], [3, 2], [4, 3], [0, 4]]) {
    const img = randomImage(17, 23, c, seed);
    const png = mx.image.imencode(img, ".png");
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const rec = mx.recordio.packImg({ flag: 0, label: 2, id: 5, id2: 0 }, img, { imgFmt: ".png" });
    const [header, back] = mx.recordio.unpackImg(rec);
    assert.deepEqual(header, { flag: 0, label: 2, id: 5, id2: 0 });
    assert.deepEqual(back.shape, c <= 1 ? [17, 23] : [17, 23, c]);
    assert.deepEqual(back.dataSync(), img.dataSync());
    if (c === 3) {
      // imencode/imdecode speak RGB; packImg took BGR, so its payload decodes to BGR with
      // toRGB: false.
      const rgb = mx.image.imdecode(png);
      assert.deepEqual(rgb.dataSync(), img.dataSync());
      const bgr = mx.image.imdecode(mx.recordio.unpack(rec)[1], { toRGB: false });
      assert.deepEqual(bgr.dataSync(), img.dataSync());
      rgb.dispose();
      bgr.dispose();
    }
    img.dispose();
    back.dispose();
  }
});

Deno.test("JPEG: encode/decode of a smooth image stays within JPEG tolerance; packImg is BGR in, BGR out", () => {
  const img = smoothImage(40, 56);
  const back = mx.image.imdecode(mx.image.imencode(img, ".jpg", { quality: 95 }));
  const a = img.dataSync();
  const b = back.dataSync();
  const mean = a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
  assert.ok(maxAbsDiff(a, b) <= 12 && mean < 1.5, `max ${maxAbsDiff(a, b)}, mean ${mean}`);
  const [, unpacked] = mx.recordio.unpackImg(
    mx.recordio.packImg({ flag: 0, label: [1, 2], id: 1, id2: 0 }, img),
    1,
  );
  assert.ok(maxAbsDiff(unpacked.dataSync(), a) <= 12);
  const low = mx.image.imencode(img, ".jpg", { quality: 10 });
  assert.ok(low.length < mx.image.imencode(img, ".jpg").length);
  for (const x of [img, back, unpacked]) x.dispose();
});

Deno.test("unpackImg reads MXNet's fixture records as BGR 112x112x3", () => {
  const r = new mx.recordio.MXRecordIO(fixturePath("recordio/train.rec"), "r");
  try {
    let n = 0;
    for (let rec = r.read(); rec !== null; rec = r.read(), n++) {
      const [header, img] = mx.recordio.unpackImg(rec);
      const [, payload] = mx.recordio.unpack(rec);
      assert.deepEqual(img.shape, [112, 112, 3]);
      const bgr = mx.image.imdecode(payload, { toRGB: false });
      assert.deepEqual(img.dataSync(), bgr.dataSync());
      const [, gray] = mx.recordio.unpackImg(rec, 0);
      assert.deepEqual(gray.shape, [112, 112]);
      assert.ok(header.label === 0 || header.label === 1);
      for (const x of [img, bgr, gray]) x.dispose();
    }
    assert.equal(n, 8);
  } finally {
    r.close();
  }
});

Deno.test("bad image bytes and arguments are MXNetErrors naming the function", () => {
  assert.throws(
    () => mx.image.imdecode(Uint8Array.from([1, 2, 3, 4])),
    (e: Error) => e instanceof mx.FormatError && /imdecode: not a JPEG or PNG/.test(e.message),
  );
  const png = mx.image.imencode(randomImage(8, 8, 3, 9), ".png");
  assert.throws(() => mx.image.imdecode(png.subarray(0, 40)), mx.FormatError);
  const jpg = Deno.readFileSync(fixturePath("recordio/images/man/man_1.jpg"));
  assert.throws(() => mx.image.imdecode(jpg.subarray(0, 100)), mx.FormatError);
  assert.throws(() => mx.image.imdecode(jpg, { flag: 2 as 1 }), /flag must be 1 \(color\) or 0/);
  assert.throws(() => mx.image.imdecode(jpg, { to_rgb: 0 } as never), mx.ParamError);
  const img = randomImage(4, 4, 3, 1);
  assert.throws(() => mx.image.imencode(img, ".bmp"), /must be ".jpg" or ".png"/);
  assert.throws(() => mx.image.imencode(img, ".jpg", { quality: 0 }), /quality must be/);
  assert.throws(() => mx.image.imresize(img, 0, 3), /w must be a positive integer/);
  assert.throws(() => mx.image.imresize(img, 3, 3, 4), mx.UnsupportedError);
  assert.throws(() => mx.image.imresize(img, 3, 3, 7), /interp must be 0/);
  assert.throws(() => mx.image.fixedCrop(img, 2, 2, 3, 1), /not inside the 4x4 image/);
  img.dispose();
});

Deno.test("fuzz: 400 mutated JPEG and PNG files decode or throw FormatError", () => {
  const rand = xorshift(0xbadc0de);
  const below = (n: number): number => Math.floor(rand() * Math.max(1, n));
  const bases = [
    Deno.readFileSync(fixturePath("recordio/images/woman/woman_1.jpg")),
    mx.image.imencode(randomImage(19, 13, 3, 5), ".png"),
    mx.image.imencode(randomImage(9, 31, 1, 6), ".png"),
  ];
  let rejected = 0;
  for (let iter = 0; iter < 400; iter++) {
    let m = bases[iter % bases.length].slice();
    if (below(3) === 0) m = m.slice(0, below(m.length));
    else for (let k = 1 + below(4); k > 0; k--) m[below(Math.min(m.length, 400))] = below(256);
    try {
      mx.image.imdecode(m).dispose();
    } catch (e) {
      assert.ok(e instanceof mx.FormatError, `iteration ${iter}: ${e}`);
      rejected++;
    }
  }
  assert.ok(rejected > 0);
});
