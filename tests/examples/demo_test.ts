/**
 * The demo's code paths: training the MLP (and LeNet) on a small Fashion-MNIST subset with
 * the helpers examples/demo.ts uses, and the PNG writer behind its plots.
 */
import assert from "node:assert/strict";
import { backendTest } from "../_harness.ts";
import {
  CLASS_NAMES,
  evaluate,
  findFashionMNIST,
  iterators,
  lenet,
  mlp,
  train,
} from "../../examples/_fashion.ts";
import {
  Canvas,
  crc32,
  encodePNG,
  hstack,
  imageGrid,
  lineChart,
  niceTicks,
} from "../../examples/_plot.ts";
import { svgPlot } from "../../examples/linear_regression.ts";

const DIR = await findFashionMNIST();

/** Registers a per-backend test, or one ignored test saying the data is missing. */
function dataTest(name: string, fn: (dir: string) => Promise<void>): void {
  if (DIR) backendTest(name, () => fn(DIR));
  else Deno.test({ name: `${name} (Fashion-MNIST not installed)`, ignore: true, fn() {} });
}

dataTest("demo: MLP on 2,000 Fashion-MNIST images, 1 epoch, beats chance", async (dir) => {
  // numParts 30: the first 2,000 training images and the first 333 test images.
  const data = await iterators(dir, { batchSize: 100, flat: true, fraction: 30 });
  assert.equal(data.train.numSamples, 2000);
  const lines: string[] = [];
  const { module, history } = await train(mlp(), data, {
    epochs: 1,
    learningRate: 0.1,
    log: (l) => void lines.push(l),
    speedometer: 10,
  });
  try {
    assert.equal(history.length, 1);
    const [h] = history;
    assert.ok(h.trainAccuracy > 0.4, `train accuracy ${h.trainAccuracy}`);
    assert.ok(h.validationAccuracy > 0.55, `validation accuracy ${h.validationAccuracy}`);
    assert.ok(h.trainLoss > 0 && h.trainLoss < 2.3, `train loss ${h.trainLoss}`);
    assert.ok(h.samplesPerSec > 0 && h.seconds > 0);
    assert.ok(lines.some((l) => /Speed: [\d.]+ samples\/sec/.test(l)), "Speedometer line");
    const ev = await evaluate(module, data.test, 16);
    // Padding is dropped: every test image is counted once.
    assert.equal(ev.images.length, 16);
    assert.equal(ev.images[0].length, 784);
    assert.ok(ev.accuracy > 0.55, `test accuracy ${ev.accuracy}`);
    assert.equal(ev.accuracy, h.validationAccuracy);
    assert.ok(ev.preds.every((p) => p >= 0 && p < CLASS_NAMES.length));
  } finally {
    module.dispose();
  }
});

dataTest("demo: LeNet-5 trains on a Fashion-MNIST subset", async (dir) => {
  // 1,000 training images in 31 batches: LeNet is still early in training (0.36 to 0.55
  // test accuracy over five seeds), but clearly above chance (0.1).
  const data = await iterators(dir, { batchSize: 32, flat: false, fraction: 60 });
  const { module, history } = await train(lenet(), data, {
    epochs: 1,
    learningRate: 0.05,
    log: null,
  });
  try {
    assert.ok(history[0].validationAccuracy > 0.25, `accuracy ${history[0].validationAccuracy}`);
    assert.ok(Number.isFinite(history[0].trainLoss));
  } finally {
    module.dispose();
  }
});

Deno.test("demo: findFashionMNIST ignores a directory without the files", async () => {
  const empty = await Deno.makeTempDir();
  try {
    assert.equal(await findFashionMNIST(empty), DIR);
  } finally {
    await Deno.remove(empty);
  }
});

/** Reads a PNG's chunks, checking every CRC. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let off = 8; off < png.length;) {
    const len = view.getUint32(off);
    const type = new TextDecoder().decode(png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    assert.equal(view.getUint32(off + 8 + len), crc32(png.subarray(off + 4, off + 8 + len)), type);
    out.push({ type, data });
    off += 12 + len;
  }
  return out;
}

Deno.test("plot: crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array()), 0);
});

Deno.test("plot: encodePNG writes a valid RGB PNG whose pixels decode back", async () => {
  const c = new Canvas(37, 11, [10, 20, 30]);
  c.set(0, 0, [255, 0, 0]);
  c.line(0, 10, 36, 0, [0, 255, 0]);
  c.text(2, 2, "OK 1.5%");
  const png = await encodePNG(c);
  const cs = chunks(png);
  assert.deepEqual(cs.map((x) => x.type), ["IHDR", "IDAT", "IEND"]);
  const ihdr = new DataView(cs[0].data.buffer, cs[0].data.byteOffset, 13);
  assert.equal(ihdr.getUint32(0), 37);
  assert.equal(ihdr.getUint32(4), 11);
  assert.deepEqual([...cs[0].data.subarray(8)], [8, 2, 0, 0, 0]);
  const raw = new Uint8Array(
    await new Response(
      new Blob([cs[1].data.slice()]).stream().pipeThrough(new DecompressionStream("deflate")),
    ).arrayBuffer(),
  );
  assert.equal(raw.length, 11 * (1 + 37 * 3));
  for (let y = 0; y < 11; y++) {
    assert.equal(raw[y * (1 + 37 * 3)], 0, "filter type 0");
    assert.deepEqual(
      raw.subarray(y * (1 + 37 * 3) + 1, (y + 1) * (1 + 37 * 3)),
      c.rgb.subarray(y * 37 * 3, (y + 1) * 37 * 3),
    );
  }
  assert.deepEqual([...c.rgb.subarray(0, 3)], [255, 0, 0]);
  assert.equal(cs[2].data.length, 0);
});

Deno.test("plot: charts and image grids have the expected size and ink", () => {
  const c = new Canvas(320, 200);
  lineChart(c, { x: 0, y: 0, w: 320, h: 200 }, {
    title: "accuracy",
    xLabel: "epoch",
    integerX: true,
    series: [{ name: "train", values: [0.5, 0.7, 0.8] }, {
      name: "test",
      values: [0.4, NaN, 0.75],
    }],
  });
  const inked = (cv: Canvas) => cv.rgb.some((v) => v !== 255);
  assert.ok(inked(c));
  const grid = imageGrid({
    images: [new Float32Array(784).fill(1), new Float32Array(784)],
    columns: 2,
    scale: 2,
    captions: ["BAG", "COAT\n(SHIRT)"],
  });
  assert.ok(grid.width >= 2 * 56 && grid.height >= 56);
  // The first image is all ink (value 1 -> black), drawn somewhere on the canvas.
  assert.ok(grid.rgb.some((v) => v === 0));
  const both = hstack([c, grid]);
  assert.equal(both.width, 320 + grid.width);
  assert.equal(both.height, Math.max(200, grid.height));
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

Deno.test("plot: Canvas rejects a non-integer size", () => {
  assert.throws(() => new Canvas(0, 10), RangeError);
  assert.throws(() => new Canvas(2.5, 10), RangeError);
});

Deno.test("linear regression: the SVG plot holds every point and the fitted line", () => {
  const x = [-1, 0, 1], y = [-5, 0.2, 4.9];
  const svg = svgPlot(x, y, 4.9, -0.05);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.equal(svg.match(/<circle /g)?.length, 3);
  assert.match(svg, /fitted y = 4\.900x - 0\.050/);
  assert.equal(svg.match(/<line /g)?.length, 1);
  assert.ok(svg.trimEnd().endsWith("</svg>"));
});
