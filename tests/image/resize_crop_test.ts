import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

function img(rows: number[][][] | number[][], dtype: "uint8" | "float32" = "uint8"): mx.NDArray {
  return mx.nd.array(rows, { dtype });
}

Deno.test("imresize follows OpenCV's sampling: bilinear, nearest, area (shrink and enlarge), bicubic", () => {
  const row = img([[0, 100]]); // 1x2, one channel as [H, W]
  // cv2.resize(np.array([[0, 100]], np.uint8), (4, 1)) == [[0, 25, 75, 100]]
  assert.deepEqual([...mx.image.imresize(row, 4, 1).dataSync()], [0, 25, 75, 100]);
  assert.deepEqual([...mx.image.imresize(row, 4, 1, 0).dataSync()], [0, 0, 100, 100]);
  // INTER_AREA enlarging: OpenCV's variant weights give [0, 0, 100, 100] for 2 -> 4.
  assert.deepEqual([...mx.image.imresize(row, 4, 1, 2).dataSync()], [0, 0, 100, 100]);
  // INTER_AREA shrinking 3 -> 2: cells [0, 1.5) and [1.5, 3).
  assert.deepEqual([...mx.image.imresize(img([[0, 30, 60]]), 2, 1, 2).dataSync()], [10, 50]);
  // 4x4 -> 2x2 area: the mean of each 2x2 block, per channel.
  const block = mx.nd.array(
    Uint8Array.from({ length: 4 * 4 * 2 }, (_, i) => (i % 2 === 0 ? 4 * (i >> 1) : 200)),
    { shape: [4, 4, 2] },
  );
  const halved = mx.image.imresize(block, 2, 2, 2);
  assert.deepEqual(halved.shape, [2, 2, 2]);
  // Block (0,0) holds pixels 0, 1, 4, 5 -> values 0, 4, 16, 20 -> mean 10.
  assert.deepEqual([...halved.dataSync()], [10, 200, 18, 200, 42, 200, 50, 200]);
  // Bicubic keeps a constant image constant and saturates to uint8.
  const flat = mx.nd.array(new Uint8Array(5 * 7 * 3).fill(77), { shape: [5, 7, 3] });
  const cubic = mx.image.imresize(flat, 11, 9, 3);
  assert.deepEqual(cubic.shape, [9, 11, 3]);
  assert.ok(cubic.dataSync().every((v) => v === 77));
  const edge = mx.image.imresize(img([[0, 255, 255, 0]]), 8, 1, 3).dataSync() as Uint8Array;
  assert.ok(edge.every((v) => v >= 0 && v <= 255) && Math.max(...edge) === 255);
  for (const x of [row, block, halved, flat, cubic]) x.dispose();
});

Deno.test("imresize keeps float32 values unrounded", () => {
  const f = img([[[0], [1]]], "float32");
  const out = mx.image.imresize(f, 4, 1);
  assert.equal(out.dtype, "float32");
  assert.deepEqual([...out.dataSync()], [0, 0.25, 0.75, 1]);
  f.dispose();
  out.dispose();
});

function ramp(h: number, w: number): mx.NDArray {
  return mx.nd.array(Uint8Array.from({ length: h * w * 3 }, (_, i) => i % 251), {
    shape: [h, w, 3],
  });
}

Deno.test("resizeShort, fixedCrop, centerCrop and randomCrop as MXNet computes them", () => {
  const src = ramp(30, 60);
  assert.deepEqual(mx.image.resizeShort(src, 15).shape, [15, 30, 3]);
  assert.deepEqual(mx.image.resizeShort(ramp(60, 25), 10).shape, [24, 10, 3]);

  const crop = mx.image.fixedCrop(src, 5, 7, 10, 4);
  assert.deepEqual(crop.shape, [4, 10, 3]);
  const s = src.dataSync();
  const c = crop.dataSync();
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 10; x++) {
      for (let k = 0; k < 3; k++) {
        assert.equal(c[(y * 10 + x) * 3 + k], s[((y + 7) * 60 + x + 5) * 3 + k]);
      }
    }
  }
  assert.deepEqual(mx.image.fixedCrop(src, 5, 7, 10, 4, [20, 8]).shape, [8, 20, 3]);

  // scale_down((60, 30), (40, 40)) = (30, 30): the centre 30x30 square, resized to 40x40.
  assert.deepEqual(mx.image.scaleDown([60, 30], [40, 40]), [30, 30]);
  assert.deepEqual(mx.image.scaleDown([60, 30], [20, 10]), [20, 10]);
  const [centre, rect] = mx.image.centerCrop(src, [40, 40]);
  assert.deepEqual(rect, [15, 0, 30, 30]);
  assert.deepEqual(centre.shape, [40, 40, 3]);
  const [same] = mx.image.centerCrop(src, [30, 30]);
  assert.deepEqual(same.dataSync(), mx.image.fixedCrop(src, 15, 0, 30, 30).dataSync());

  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 20; i++) {
    const [out, [x0, y0, w, h]] = mx.image.randomCrop(src, [16, 16], 2, rand);
    assert.deepEqual([w, h, out.shape], [16, 16, [16, 16, 3]]);
    assert.ok(x0 >= 0 && x0 <= 44 && y0 >= 0 && y0 <= 14);
    assert.deepEqual(out.dataSync(), mx.image.fixedCrop(src, x0, y0, 16, 16).dataSync());
  }
});

Deno.test("colorNormalize: (src - mean) / std in float32, broadcast over channels", async () => {
  const src = mx.nd.array(Uint8Array.from([10, 20, 30, 40, 50, 60]), { shape: [1, 2, 3] });
  const mean = mx.nd.array([10, 20, 30]);
  const std = mx.nd.array([2, 4, 5]);
  const out = mx.image.colorNormalize(src, mean, std);
  assert.equal(out.dtype, "float32");
  assert.deepEqual(await out.array(), [[[0, 0, 0], [15, 7.5, 6]]]);
  assert.deepEqual(await mx.image.colorNormalize(src, 10).array(), [[[0, 10, 20], [30, 40, 50]]]);
});

Deno.test("copyMakeBorder: OpenCV's five border types", async () => {
  const row = mx.nd.array([[1, 2, 3, 4]], { dtype: "uint8" });
  const pad = (type: 0 | 1 | 2 | 3 | 4, value = 0) =>
    Array.from(mx.image.copyMakeBorder(row, 0, 0, 3, 3, type, value).dataSync() as Uint8Array);
  assert.deepEqual(pad(0, 9), [9, 9, 9, 1, 2, 3, 4, 9, 9, 9]);
  assert.deepEqual(pad(0, 300), [255, 255, 255, 1, 2, 3, 4, 255, 255, 255]);
  assert.deepEqual(pad(1), [1, 1, 1, 1, 2, 3, 4, 4, 4, 4]);
  assert.deepEqual(pad(2), [3, 2, 1, 1, 2, 3, 4, 4, 3, 2]);
  assert.deepEqual(pad(3), [2, 3, 4, 1, 2, 3, 4, 1, 2, 3]);
  assert.deepEqual(pad(4), [4, 3, 2, 1, 2, 3, 4, 3, 2, 1]);
  const rgb = mx.nd.array(new Uint8Array(2 * 2 * 3).fill(5), { shape: [2, 2, 3] });
  const framed = mx.image.copyMakeBorder(rgb, 1, 2, 0, 1, 0, [7, 8, 9]);
  assert.deepEqual(framed.shape, [5, 3, 3]);
  assert.deepEqual(Array.from((framed.dataSync() as Uint8Array).subarray(0, 3)), [7, 8, 9]);
  assert.deepEqual(await mx.image.copyMakeBorder(rgb, 1, 0, 0, 0, 1).shape, [3, 2, 3]);
  assert.throws(
    () => mx.image.copyMakeBorder(row, -1, 0, 0, 0),
    /top must be a non-negative integer/,
  );
  assert.throws(() => mx.image.copyMakeBorder(rgb, 0, 0, 1, 0, 0, [1, 2]), /value needs 3 numbers/);
});

Deno.test("randomSizeCrop: a region of the chosen area and ratio, resized; centre crop as the fallback", () => {
  const src = ramp(40, 50);
  let seed = 5;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 20; i++) {
    const [out, [x0, y0, w, h]] = mx.image.randomSizeCrop(
      src,
      [16, 16],
      [0.3, 0.6],
      [3 / 4, 4 / 3],
      2,
      rand,
    );
    assert.deepEqual(out.shape, [16, 16, 3]);
    assert.ok(x0 >= 0 && y0 >= 0 && x0 + w <= 50 && y0 + h <= 40);
    // Rounding w and h moves the area by less than one row and one column.
    assert.ok(w * h >= 0.3 * 2000 - w - h - 1 && w * h <= 0.6 * 2000 + w + h + 1, `${w}x${h}`);
    assert.ok(w / h >= 0.7 && w / h <= 1.4, `${w}x${h}`);
    out.dispose();
  }
  // No crop of ratio 50 fits a 50x40 image at this area: the centre crop.
  const [, rect] = mx.image.randomSizeCrop(src, [16, 16], 0.9, [50, 60], 2, rand);
  assert.deepEqual(rect, mx.image.centerCrop(src, [16, 16])[1]);
});
