/**
 * gluon.data.vision.transforms: values on small known images, against MXNet 1.9's
 * definitions (ToTensor, Normalize exactly in float32; Resize as OpenCV's bilinear with
 * pixel centres and 11-bit fixed-point weights for uint8), shapes, errors, and `forward`
 * on NDArrays on every backend.
 */
import assert from "node:assert/strict";
import * as mx from "../../../mod.ts";
import { HostArray } from "../../../src/gluon/data/_host.ts";
import { kernels, planner } from "../../../src/gluon/data/vision/_pipeline.ts";
import * as T from "../../../src/gluon/data/vision/transforms.ts";
import { assertClose, backendTest, values } from "../../_harness.ts";

const fr = Math.fround;

function u8(shape: number[], v: number[]): HostArray {
  return new HostArray(Uint8Array.from(v), shape, "uint8");
}
function f32(shape: number[], v: number[]): HostArray {
  return new HostArray(Float32Array.from(v), shape, "float32");
}
/** Runs a transform's host path on `x` (the path DataLoaders take). */
function host(t: T.Transform, x: HostArray): HostArray {
  return t._planner!(x.shape, x.dtype).run(x);
}

Deno.test("transforms: ToTensor is HWC uint8 -> CHW float32 / 255, batches too", () => {
  const pix = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255];
  const y = host(new T.ToTensor(), u8([2, 2, 3], pix));
  assert.deepEqual(y.shape, [3, 2, 2]);
  assert.equal(y.dtype, "float32");
  // Channel c of pixel i is pix[3 i + c].
  const want = [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 255].map((v) => fr(v / 255));
  assert.deepEqual(Array.from(y.data), want);
  const b = host(new T.ToTensor(), u8([2, 1, 2, 3], [...pix]));
  assert.deepEqual(b.shape, [2, 3, 1, 2]);
  assert.deepEqual(Array.from(b.data.subarray(6)), [6, 9, 7, 10, 8, 255].map((v) => fr(v / 255)));
});

Deno.test("transforms: Normalize is (x - mean) / std per channel in float32", () => {
  const x = f32([3, 1, 2], [0.5, 1, 0.25, 0.75, 2, 4]);
  const mean = [0.1, 0.2, 0.3], std = [0.5, 1, 2];
  const y = host(new T.Normalize(mean, std), x);
  const want = [0.5, 1, 0.25, 0.75, 2, 4].map((v, i) => {
    const c = Math.floor(i / 2);
    return fr(fr(fr(v) - fr(mean[c])) / fr(std[c]));
  });
  assert.deepEqual(Array.from(y.data), want);
  // One number for every channel; a batch (N, C, H, W).
  const b = host(new T.Normalize(0.5, 0.5), f32([2, 1, 1, 2], [0, 1, 0.5, 0.25]));
  assert.deepEqual(Array.from(b.data), [-1, 1, 0, -0.5]);
  assert.throws(() => host(new T.Normalize([1, 2]), x), /mean has 2 values .* 3 channels/);
  assert.throws(() => host(new T.Normalize(), u8([1, 2, 2], [1, 2, 3, 4])), /uint8 input/);
  assert.throws(() => host(new T.Normalize(), f32([4], [1, 2, 3, 4])), /apply ToTensor first/);
});

Deno.test("transforms: ToTensor then Normalize in one Compose equals the two applied in turn", () => {
  const pix = Array.from({ length: 4 * 5 * 3 }, (_, i) => (i * 53) % 256);
  const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
  const composed = new T.Compose([new T.ToTensor(), new T.Normalize(mean, std)]);
  for (const img of [u8([4, 5, 3], pix), f32([4, 5, 3], pix.map((v) => v + 0.5))]) {
    const apart = host(new T.Normalize(mean, std), host(new T.ToTensor(), img));
    const y = host(composed, img);
    assert.deepEqual(y.shape, [3, 4, 5]);
    assert.deepEqual(y.data, apart.data);
  }
  // Writing straight into a batch (what a DataLoader does) gives the same elements.
  for (
    const t of [composed, new T.ToTensor(), new T.Compose([new T.CenterCrop(3), new T.ToTensor()])]
  ) {
    const img = u8([4, 5, 3], pix), step = t._planner!(img.shape, img.dtype);
    assert.ok(step.into, `${t} writes into a batch`);
    const out = new Float32Array(2 + step.shape.reduce((a, b) => a * b, 1));
    step.into!(img, out, 2);
    assert.deepEqual(out.subarray(2), step.run(img).data);
  }
  const batch = u8([2, 4, 5, 3], [...pix, ...pix.reverse()]);
  const one = new T.Compose([new T.ToTensor(), new T.Normalize(0.5, 0.2)]);
  assert.deepEqual(
    host(one, batch).data,
    host(new T.Normalize(0.5, 0.2), host(new T.ToTensor(), batch)).data,
  );
});

Deno.test("transforms: a deterministic plan is reused for inputs of one shape and dtype only", () => {
  const t = new T.Compose([new T.ToTensor(), new T.Normalize(0.5, 0.25)]);
  const pa = [0, 64, 128, 255], pb = [255, 128, 64, 0];
  const a = u8([2, 2, 1], pa), b = u8([2, 2, 1], pb);
  const sa = t._planner!(a.shape, a.dtype), sb = t._planner!(b.shape, b.dtype);
  assert.equal(sb, sa, "one plan for images of one shape");
  const want = (v: number[]) => v.map((x) => fr(fr(fr(x / 255) - 0.5) / 0.25));
  assert.deepEqual(Array.from(sb.run(a).data), want(pa));
  assert.deepEqual(Array.from(sb.run(b).data), want(pb));
  const c = u8([1, 4, 1], pa), sc = t._planner!(c.shape, c.dtype);
  assert.notEqual(sc, sa);
  assert.deepEqual(sc.shape, [1, 1, 4]);
  assert.deepEqual(Array.from(sc.run(c).data), want(pa));
  const f = f32([2, 2, 1], pa), sf = t._planner!(f.shape, f.dtype);
  assert.notEqual(sf, sa);
  assert.deepEqual(Array.from(sf.run(f).data), want(pa));
  // A random transform draws for every sample: a new plan each time.
  const flip = new T.RandomFlipLeftRight();
  assert.notEqual(flip._planner!(a.shape, a.dtype), flip._planner!(a.shape, a.dtype));
});

Deno.test("transforms: Resize bilinear follows OpenCV (pixel centres, fixed point for uint8)", () => {
  // Up 1x2 -> 1x4: centres at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
  assert.deepEqual(Array.from(host(new T.Resize([4, 1]), u8([1, 2, 1], [0, 100])).data), [
    0,
    25,
    75,
    100,
  ]);
  // Down 1x4 -> 1x2: averages of pairs; uint8 rounds 35.5 up as OpenCV's fixed point does.
  const row = [10, 20, 30, 41];
  assert.deepEqual(Array.from(host(new T.Resize([2, 1]), u8([1, 4, 1], row)).data), [15, 36]);
  assert.deepEqual(Array.from(host(new T.Resize([2, 1]), f32([1, 4, 1], row)).data), [15, 35.5]);
  // 2x2 -> 3x3.
  const y = host(new T.Resize(3), u8([2, 2, 1], [0, 60, 120, 180]));
  assert.deepEqual(y.shape, [3, 3, 1]);
  assert.deepEqual(Array.from(y.data), [0, 30, 60, 60, 90, 120, 120, 150, 180]);
  // Channels interleaved, and a batch (N, H, W, C) resized image by image.
  const rgb = host(new T.Resize([4, 1]), u8([2, 1, 2, 2], [0, 200, 100, 0, 8, 8, 8, 8]));
  assert.deepEqual(rgb.shape, [2, 1, 4, 2]);
  assert.deepEqual(Array.from(rgb.data.subarray(0, 8)), [0, 200, 25, 150, 75, 50, 100, 0]);
  assert.deepEqual(Array.from(rgb.data.subarray(8)), [8, 8, 8, 8, 8, 8, 8, 8]);
});

Deno.test("transforms: Resize keepRatio, nearest, and its errors", () => {
  const wide = u8([20, 40, 3], new Array(2400).fill(7));
  assert.deepEqual(host(new T.Resize(10, { keepRatio: true }), wide).shape, [10, 20, 3]);
  const tall = u8([40, 20, 3], new Array(2400).fill(7));
  assert.deepEqual(host(new T.Resize(10, { keepRatio: true }), tall).shape, [20, 10, 3]);
  assert.deepEqual(host(new T.Resize(10), tall).shape, [10, 10, 3]);
  const near = (w: number, v: number[]) =>
    Array.from(host(new T.Resize([w, 1], { interpolation: 0 }), u8([1, v.length, 1], v)).data);
  assert.deepEqual(near(2, [10, 20, 30, 40]), [10, 30]);
  assert.deepEqual(near(4, [10, 20]), [10, 10, 20, 20]);
  assert.throws(() => new T.Resize(10, { interpolation: 2 }), /interpolation 2 \(bicubic\)/);
  assert.throws(() => new T.Resize(0), /size must be a positive integer/);
  assert.throws(() => new T.Resize(4, { keep_ratio: true } as never), /did you mean keepRatio/);
  assert.throws(() => host(new T.Resize(4), u8([4, 4], new Array(16).fill(0))), /\(H, W, C\)/);
});

Deno.test("transforms: CenterCrop, and RandomResizedCrop's centre-crop fallback", () => {
  const img = u8([4, 4, 1], Array.from({ length: 16 }, (_, i) => i));
  assert.deepEqual(Array.from(host(new T.CenterCrop(2), img).data), [5, 6, 9, 10]);
  // Larger than the image: cropped to the aspect ratio, then resized up.
  assert.deepEqual(host(new T.CenterCrop([6, 6]), img).shape, [6, 6, 1]);
  // A 4x6 image and a square crop of the whole area never fits, so after ten draws the
  // transform falls back to a centre crop: (2, 2) at x0 = 2, y0 = 1.
  const wide = u8([4, 6, 1], Array.from({ length: 24 }, (_, i) => i));
  mx.random.seed(3);
  const t = new T.RandomResizedCrop(2, { scale: [1, 1], ratio: [1, 1] });
  assert.deepEqual(Array.from(host(t, wide).data), [8, 9, 14, 15]);
  // Area and ratio 1 on a square image: the whole image, resized.
  const whole = host(new T.RandomResizedCrop(2, { scale: [1, 1], ratio: [1, 1] }), img);
  assert.deepEqual(whole.data, host(new T.Resize(2), img).data);
  // Random crops of a larger image: always the requested size.
  const big = u8([32, 32, 3], new Array(3072).fill(9));
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(host(new T.RandomResizedCrop([8, 6]), big).shape, [6, 8, 3]);
  }
});

Deno.test("transforms: flips mirror the right axis; random ones keep or flip, seeded", () => {
  const img = u8([2, 3, 1], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(kernels.flip(img, 1).data), [3, 2, 1, 6, 5, 4]);
  assert.deepEqual(Array.from(kernels.flip(img, 0).data), [4, 5, 6, 1, 2, 3]);
  const t = new T.RandomFlipLeftRight();
  mx.random.seed(11);
  const a = Array.from({ length: 32 }, () => host(t, img).data[0]);
  mx.random.seed(11);
  const b = Array.from({ length: 32 }, () => host(t, img).data[0]);
  assert.deepEqual(a, b);
  assert.ok(a.includes(1) && a.includes(3), `both outcomes occur: ${a}`);
  assert.ok(a.every((v) => v === 1 || v === 3));
  const tb = new T.RandomFlipTopBottom();
  assert.ok([1, 4].includes(host(tb, img).data[0]));
});

Deno.test("transforms: brightness, contrast, saturation, hue, lighting as MXNet computes them", () => {
  // Brightness: v * alpha in float32, uint8 clamped then truncated.
  const px = u8([1, 3, 1], [100, 201, 250]);
  assert.deepEqual(Array.from(kernels.brightness(px, 1.5).data), [150, 255, 255]);
  assert.deepEqual(Array.from(kernels.brightness(px, 0.5).data), [50, 100, 125]);
  // Contrast: blend with the mean luma (one channel: the mean).
  assert.deepEqual(Array.from(kernels.contrast(u8([1, 2, 1], [0, 100]), 0.5).data), [25, 75]);
  const rgb = f32([1, 1, 3], [1, 2, 3]);
  const luma = fr(fr(fr(1 * fr(0.299)) + fr(2 * fr(0.587))) + fr(3 * fr(0.114)));
  assertClose(kernels.contrast(rgb, 2).data, [1, 2, 3].map((v) => 2 * v - luma));
  // Saturation 0 is the pixel's luma, 1 the pixel itself.
  assertClose(kernels.saturation(rgb, 0).data, [luma, luma, luma]);
  assertClose(kernels.saturation(rgb, 1).data, [1, 2, 3]);
  // Hue: pure red rotated by a third of a turn is pure green; grey has no hue.
  assert.deepEqual(Array.from(kernels.hue(u8([1, 1, 3], [255, 0, 0]), 1 / 3).data), [0, 255, 0]);
  assert.deepEqual(Array.from(kernels.hue(u8([1, 1, 3], [255, 0, 0]), 0).data), [255, 0, 0]);
  assert.deepEqual(Array.from(kernels.hue(u8([1, 1, 3], [90, 90, 90]), 0.3).data), [90, 90, 90]);
  // Lighting: the first eigenvector scaled by its eigenvalue 55.46.
  const lit = kernels.lighting(u8([1, 1, 3], [100, 100, 100]), [1, 0, 0]);
  assert.deepEqual(Array.from(lit.data), [68, 67, 67]);
  assertClose(kernels.lighting(f32([1, 1, 3], [0, 0, 0]), [1, 0, 0]).data, [
    55.46 * -0.5675,
    55.46 * -0.5808,
    55.46 * -0.5836,
  ], { rtol: 1e-6 });
});

Deno.test("transforms: random colour transforms draw factors in MXNet's ranges, seeded", () => {
  const img = u8([2, 2, 3], [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  for (const t of [new T.RandomBrightness(0.5), new T.RandomContrast(0.5)]) {
    mx.random.seed(5);
    const a = host(t, img).data;
    mx.random.seed(5);
    assert.deepEqual(host(t, img).data, a);
  }
  // Brightness 0 draws factor 1: the image unchanged.
  assert.deepEqual(host(new T.RandomBrightness(0), img).data, img.data);
  // Factors within [0.5, 1.5]: the first pixel stays within [5, 15].
  for (let i = 0; i < 20; i++) {
    const v = host(new T.RandomBrightness(0.5), img).data[0];
    assert.ok(v >= 5 && v <= 15, `${v}`);
  }
  const jitter = new T.RandomColorJitter({
    brightness: 0.3,
    contrast: 0.3,
    saturation: 0.3,
    hue: 0.1,
  });
  mx.random.seed(9);
  const j1 = host(jitter, img).data;
  mx.random.seed(9);
  assert.deepEqual(host(jitter, img).data, j1);
  assert.deepEqual(host(new T.RandomColorJitter(), img).data, img.data);
  assert.deepEqual(host(new T.RandomLighting(0), img).data, img.data);
  assert.throws(() => new T.RandomBrightness(-1), /non-negative/);
  assert.throws(() => new T.RandomColorJitter({ hues: 1 } as never), /did you mean hue/);
  assert.throws(() => host(new T.RandomHue(0.1), u8([2, 2, 2], new Array(8).fill(0))), /1 or 3/);
});

Deno.test("transforms: Cast and Compose", () => {
  const c = host(new T.Cast("uint8"), f32([3], [1.7, 2.2, 250.9]));
  assert.equal(c.dtype, "uint8");
  assert.deepEqual(Array.from(c.data), [1, 2, 250]);
  assert.equal(host(new T.Cast(), u8([1], [3])).dtype, "float32");
  assert.throws(() => new T.Cast("float8" as never), /unknown dtype/);
  const comp = new T.Compose([new T.Resize(1), new T.ToTensor(), new T.Normalize(0.5, 0.5)]);
  const y = host(comp, u8([2, 2, 1], [255, 255, 255, 255]));
  assert.deepEqual(y.shape, [1, 1, 1]);
  assert.deepEqual(Array.from(y.data), [1]);
  assert.ok(comp._spec && new T.HybridCompose([new T.ToTensor()])._spec);
  // A function in the list: still a transform for NDArrays, but not one a worker rebuilds.
  assert.equal(new T.Compose([new T.ToTensor(), (x: mx.NDArray) => x])._spec, undefined);
  assert.throws(() => new T.Compose([3 as never]), /transforms\[0\]/);
  // The planner checks shapes as each transform sees them.
  assert.throws(
    () => planner(comp._spec!)([2, 2], "uint8"),
    /Resize: expected an image/,
  );
});

backendTest("transforms: forward on NDArrays equals the host path", async () => {
  const pix = Array.from({ length: 2 * 3 * 3 }, (_, i) => (i * 37) % 256);
  const img = mx.nd.array(Uint8Array.from(pix), { shape: [2, 3, 3] });
  const t = new T.Compose([
    new T.Resize([4, 3]),
    new T.ToTensor(),
    new T.Normalize([0.4, 0.5, 0.6], 0.2),
  ]);
  const y = t.forward(img);
  assert.deepEqual(y.shape, [3, 3, 4]);
  assert.equal(y.dtype, "float32");
  assert.deepEqual(await values(y), Array.from(host(t, u8([2, 3, 3], pix)).data));
  // Composed with a function: each part runs in turn.
  const twice = new T.Compose([new T.ToTensor(), (x: mx.NDArray) => x.mul(2)]).forward(img);
  assertClose(
    await values(twice),
    pix.map((_, i) => 2 * fr(pix[(i % 6) * 3 + Math.floor(i / 6)] / 255)),
  );
  // The input may still be being computed: the transform waits for it.
  const flipped = new T.RandomFlipTopBottom().forward(img.add(0));
  assert.equal((await values(flipped)).length, 18);
  assert.throws(() => new T.ToTensor().forward(mx.nd.zeros([3])), /ToTensor: expected an image/);
  assert.throws(() => new T.ToTensor().forward([1, 2] as never), /expected an NDArray/);
});
