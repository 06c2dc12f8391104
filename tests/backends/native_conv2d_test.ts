/**
 * The native conv2d kernels (per-image im2col + OpenBLAS GEMM), pooling and reductions
 * against the TS reference kernels at odd sizes: batch, channels, groups, stride,
 * padding, dilation and kernel shape; float32, float64 and float16. Until the TS
 * backend has the conv2d kernels, they are compared with the defining loops below.
 */
import assert from "node:assert/strict";
import type {
  Backend,
  Conv2D,
  DeviceBuffer,
  PoolParams,
  PoolType,
  ReduceOp,
} from "../../backends/backend.ts";
import { tsBackend } from "../../backends/mod.ts";
import { nativeBackend, nativeLoadFailure } from "../../backends/native/mod.ts";
import { type DType, toComputeArray } from "../../src/core/dtype.ts";
import { randomValues } from "../_harness.ts";

const native = nativeBackend();
const ignore = native === undefined;
if (ignore) console.log(`native tests skipped: ${nativeLoadFailure()}`);

type ConvKernel = "conv2d" | "conv2dBackwardData" | "conv2dBackwardWeight";

/** Runs one kernel on `be`: writes the inputs, awaits the kernel, reads `outSize` back. */
async function runKernel(
  be: Backend,
  dtype: DType,
  inputs: readonly number[][],
  outSize: number,
  f: (bufs: DeviceBuffer[], out: DeviceBuffer) => unknown,
): Promise<number[]> {
  const bufs = inputs.map((v) => {
    const b = be.alloc(dtype, v.length, 0);
    be.write(b, toComputeArray(dtype, v));
    return b;
  });
  const out = be.alloc(dtype, outSize, 0);
  // Garbage first: kernels must overwrite their output.
  be.write(out, toComputeArray(dtype, new Array(outSize).fill(7)));
  try {
    await f(bufs, out);
    return Array.from(await be.read(out), Number);
  } finally {
    for (const b of [...bufs, out]) be.free(b);
  }
}

function geometry(
  o: {
    batch: number;
    channels: number;
    height: number;
    width: number;
    filters: number;
    groups: number;
    kernel: [number, number];
    stride?: [number, number];
    pad?: [number, number];
    dilate?: [number, number];
  },
): Conv2D {
  const [kernelH, kernelW] = o.kernel;
  const [strideH, strideW] = o.stride ?? [1, 1];
  const [padH, padW] = o.pad ?? [0, 0];
  const [dilateH, dilateW] = o.dilate ?? [1, 1];
  const outH = Math.floor((o.height + 2 * padH - dilateH * (kernelH - 1) - 1) / strideH) + 1;
  const outW = Math.floor((o.width + 2 * padW - dilateW * (kernelW - 1) - 1) / strideW) + 1;
  return {
    batch: o.batch,
    channels: o.channels,
    height: o.height,
    width: o.width,
    filters: o.filters,
    groups: o.groups,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilateH,
    dilateW,
    outH,
    outW,
  };
}

function sizes(p: Conv2D) {
  return {
    x: p.batch * p.channels * p.height * p.width,
    w: p.filters * (p.channels / p.groups) * p.kernelH * p.kernelW,
    y: p.batch * p.filters * p.outH * p.outW,
  };
}

/** Calls `f(xIndex, wIndex, yIndex)` for every term of conv2d's defining sum. */
function eachTerm(p: Conv2D, f: (xi: number, wi: number, yi: number) => void): void {
  const cg = p.channels / p.groups, mg = p.filters / p.groups;
  for (let n = 0; n < p.batch; n++) {
    for (let m = 0; m < p.filters; m++) {
      const g = Math.floor(m / mg);
      for (let oh = 0; oh < p.outH; oh++) {
        for (let ow = 0; ow < p.outW; ow++) {
          const yi = ((n * p.filters + m) * p.outH + oh) * p.outW + ow;
          for (let c = 0; c < cg; c++) {
            for (let i = 0; i < p.kernelH; i++) {
              const ih = oh * p.strideH - p.padH + i * p.dilateH;
              if (ih < 0 || ih >= p.height) continue;
              for (let j = 0; j < p.kernelW; j++) {
                const iw = ow * p.strideW - p.padW + j * p.dilateW;
                if (iw < 0 || iw >= p.width) continue;
                const xi = ((n * p.channels + g * cg + c) * p.height + ih) * p.width + iw;
                f(xi, ((m * cg + c) * p.kernelH + i) * p.kernelW + j, yi);
              }
            }
          }
        }
      }
    }
  }
}

/** The defining loops (f64), used while the TS backend lacks the conv2d kernels. */
function reference(kernel: ConvKernel, p: Conv2D, a: number[], b: number[]): number[] {
  const n = sizes(p);
  if (kernel === "conv2d") {
    const y = new Array(n.y).fill(0);
    eachTerm(p, (xi, wi, yi) => y[yi] += a[xi] * b[wi]);
    return y;
  }
  if (kernel === "conv2dBackwardData") {
    const gx = new Array(n.x).fill(0);
    eachTerm(p, (xi, wi, yi) => gx[xi] += b[wi] * a[yi]);
    return gx;
  }
  const gw = new Array(n.w).fill(0);
  eachTerm(p, (xi, wi, yi) => gw[wi] += b[yi] * a[xi]);
  return gw;
}

const tsHasConv = typeof (tsBackend().kernels as Partial<Record<ConvKernel, unknown>>).conv2d ===
  "function";
if (!ignore) {
  console.log(
    tsHasConv
      ? "conv2d reference: the TS backend's kernels"
      : "conv2d reference: the defining loops (the TS backend has no conv2d kernels yet)",
  );
}

/** The kernel's inputs (a, b) and output size. */
function operands(kernel: ConvKernel, p: Conv2D): [number, number, number] {
  const n = sizes(p);
  if (kernel === "conv2d") return [n.x, n.w, n.y];
  if (kernel === "conv2dBackwardData") return [n.y, n.w, n.x];
  return [n.x, n.y, n.w];
}

function round(dtype: DType, v: number[]): number[] {
  return Array.from(toComputeArray(dtype, v), Number);
}

async function checkConv(kernel: ConvKernel, dtype: DType, p: Conv2D, seed: number) {
  const [na, nb, nout] = operands(kernel, p);
  // Inputs as the dtype stores them, so both sides compute from the same numbers.
  const a = round(dtype, randomValues(na, seed, -2, 2));
  const b = round(dtype, randomValues(nb, seed + 1, -2, 2));
  const call = (be: Backend) =>
    runKernel(be, dtype, [a, b], nout, ([x, y], out) => be.kernels[kernel](x, y, out, p));
  const want = tsHasConv ? await call(tsBackend()) : reference(kernel, p, a, b);
  const got = await call(native!);
  // Scale: the sum of |terms| per output, so cancellation does not tighten the test.
  const tol = dtype === "float64" ? 1e-12 : dtype === "float32" ? 1e-5 : 2e-3;
  const mag = reference(kernel, p, a.map(Math.abs), b.map(Math.abs));
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const bound = tol * (1 + mag[i]) + (dtype === "float16" ? 2 ** -10 * Math.abs(want[i]) : 0);
    assert.ok(
      err <= bound,
      `${kernel} ${dtype} ${JSON.stringify(p)}: out[${i}] = ${got[i]}, want ${want[i]}`,
    );
  }
}

/** The grid the issue asks for, as a list of geometries. */
const CASES: Conv2D[] = [
  geometry({ batch: 1, channels: 1, height: 5, width: 7, filters: 1, groups: 1, kernel: [1, 1] }),
  geometry({ batch: 3, channels: 3, height: 6, width: 5, filters: 4, groups: 1, kernel: [1, 1] }),
  geometry({
    batch: 3,
    channels: 4,
    height: 7,
    width: 6,
    filters: 6,
    groups: 2,
    kernel: [1, 1],
    stride: [2, 1],
    pad: [1, 0],
  }),
  geometry({
    batch: 1,
    channels: 3,
    height: 9,
    width: 8,
    filters: 2,
    groups: 1,
    kernel: [3, 3],
    pad: [1, 1],
  }),
  geometry({
    batch: 3,
    channels: 4,
    height: 9,
    width: 11,
    filters: 4,
    groups: 2,
    kernel: [3, 3],
    stride: [2, 2],
    pad: [1, 2],
    dilate: [2, 1],
  }),
  geometry({
    batch: 3,
    channels: 1,
    height: 12,
    width: 10,
    filters: 3,
    groups: 1,
    kernel: [5, 5],
    pad: [2, 2],
  }),
  geometry({
    batch: 1,
    channels: 4,
    height: 13,
    width: 11,
    filters: 2,
    groups: 2,
    kernel: [5, 5],
    stride: [1, 2],
    dilate: [2, 2],
    pad: [2, 0],
  }),
  geometry({
    batch: 3,
    channels: 3,
    height: 8,
    width: 9,
    filters: 5,
    groups: 1,
    kernel: [2, 3],
    stride: [2, 1],
    pad: [0, 1],
    dilate: [1, 2],
  }),
  geometry({
    batch: 1,
    channels: 4,
    height: 7,
    width: 7,
    filters: 4,
    groups: 2,
    kernel: [2, 3],
    stride: [2, 2],
    pad: [2, 2],
  }),
  // The window is larger than the padded image in one direction: outW = 0.
  geometry({
    batch: 1,
    channels: 1,
    height: 4,
    width: 2,
    filters: 1,
    groups: 1,
    kernel: [3, 5],
    pad: [0, 1],
  }),
];

Deno.test({
  name: "native conv2d and its gradients match the reference (float32, float64)",
  ignore,
  async fn() {
    let seed = 11;
    for (const dtype of ["float32", "float64"] as const) {
      for (const p of CASES) {
        for (const k of ["conv2d", "conv2dBackwardData", "conv2dBackwardWeight"] as const) {
          await checkConv(k, dtype, p, seed += 2);
        }
      }
    }
  },
});

Deno.test({
  name: "native conv2d and its gradients match the reference (float16)",
  ignore: ignore || (native?.supportsDType?.("float16") === false) ||
    (tsBackend().supportsDType?.("float16") === false),
  async fn() {
    let seed = 101;
    for (const p of CASES.slice(0, 6)) {
      for (const k of ["conv2d", "conv2dBackwardData", "conv2dBackwardWeight"] as const) {
        await checkConv(k, "float16", p, seed += 2);
      }
    }
  },
});

Deno.test({
  name: "native conv2d: LeNet shapes, column-split GEMMs, BLAS-threaded images, async calls",
  ignore,
  async fn() {
    const big = [
      // LeNet conv1 (pad 2) and conv2; nonblocking calls (>= 4M multiply-adds).
      geometry({
        batch: 8,
        channels: 1,
        height: 28,
        width: 28,
        filters: 6,
        groups: 1,
        kernel: [5, 5],
        pad: [2, 2],
      }),
      geometry({
        batch: 16,
        channels: 6,
        height: 14,
        width: 14,
        filters: 16,
        groups: 1,
        kernel: [5, 5],
      }),
      // Per-image GEMM above OpenBLAS's threading threshold: split into column blocks.
      geometry({
        batch: 5,
        channels: 16,
        height: 14,
        width: 14,
        filters: 32,
        groups: 1,
        kernel: [3, 3],
        pad: [1, 1],
      }),
      // Too deep to split: images run one at a time with BLAS threads.
      geometry({
        batch: 2,
        channels: 64,
        height: 9,
        width: 9,
        filters: 64,
        groups: 1,
        kernel: [3, 3],
        pad: [1, 1],
      }),
      // 1x1 stride 1: the image is the GEMM operand, no unfolding.
      geometry({
        batch: 4,
        channels: 32,
        height: 10,
        width: 10,
        filters: 24,
        groups: 2,
        kernel: [1, 1],
      }),
    ];
    let seed = 501;
    for (const p of big) {
      for (const k of ["conv2d", "conv2dBackwardData", "conv2dBackwardWeight"] as const) {
        await checkConv(k, "float32", p, seed += 2);
      }
    }
  },
});

Deno.test({
  name: "native conv2dBackwardWeight is deterministic (per-thread partials summed in order)",
  ignore,
  async fn() {
    const p = geometry({
      batch: 64,
      channels: 6,
      height: 14,
      width: 14,
      filters: 16,
      groups: 1,
      kernel: [5, 5],
    });
    const n = sizes(p);
    const x = randomValues(n.x, 3), gy = randomValues(n.y, 4);
    const run = () =>
      runKernel(
        native!,
        "float32",
        [x, gy],
        n.w,
        ([a, b], out) => native!.kernels.conv2dBackwardWeight(a, b, out, p),
      );
    const first = await run();
    for (let r = 0; r < 3; r++) assert.deepEqual(await run(), first);
  },
});

Deno.test({
  name: "native conv2d rejects integer buffers and mismatched sizes, naming the problem",
  ignore,
  async fn() {
    const p = geometry({
      batch: 1,
      channels: 2,
      height: 4,
      width: 4,
      filters: 2,
      groups: 1,
      kernel: [3, 3],
    });
    const n = sizes(p);
    for (const k of ["conv2d", "conv2dBackwardData", "conv2dBackwardWeight"] as const) {
      const [na, nb, nout] = operands(k, p);
      await assert.rejects(
        () =>
          runKernel(
            native!,
            "int32",
            [new Array(na).fill(1), new Array(nb).fill(1)],
            nout,
            ([a, b], out) => native!.kernels[k](a, b, out, p),
          ),
        (e: Error) => /int32/.test(e.message) && e.message.includes(k),
      );
    }
    await assert.rejects(
      () =>
        runKernel(
          native!,
          "float32",
          [new Array(n.x).fill(1), new Array(n.w + 1).fill(1)],
          n.y,
          ([a, b], out) => native!.kernels.conv2d(a, b, out, p),
        ),
      /w has 37 elements, expected 36/,
    );
    await assert.rejects(
      () =>
        runKernel(
          native!,
          "float32",
          [new Array(n.x).fill(1), new Array(n.w).fill(1)],
          n.y,
          ([a, b], out) => native!.kernels.conv2d(a, b, out, { ...p, groups: 3 }),
        ),
      /groups \(3\) must divide/,
    );
  },
});

// ---- pooling ----

function poolParams(
  batch: number,
  channels: number,
  height: number,
  width: number,
  kernel: number,
  stride: number,
  pad: number,
  type: PoolType,
  countIncludePad = true,
): PoolParams {
  const outH = Math.floor((height + 2 * pad - kernel) / stride) + 1;
  const outW = Math.floor((width + 2 * pad - kernel) / stride) + 1;
  return {
    batch,
    channels,
    height,
    width,
    kernelH: kernel,
    kernelW: kernel,
    strideH: stride,
    strideW: stride,
    padH: pad,
    padW: pad,
    dilateH: 1,
    dilateW: 1,
    outH,
    outW,
    type,
    countIncludePad,
  };
}

async function checkPool(p: PoolParams, dtype: DType, seed: number, withNaN = false) {
  const nx = p.batch * p.channels * p.height * p.width;
  const ny = p.batch * p.channels * p.outH * p.outW;
  // Quarter steps in a small range: many ties, so "first maximal element" is exercised.
  const x = randomValues(nx, seed, -2, 2).map((v) => Math.round(v * 4) / 4);
  if (withNaN) { for (let i = 3; i < nx; i += 17) x[i] = NaN; }
  const gy = round(dtype, randomValues(ny, seed + 1, -1, 1));
  const fwd = (be: Backend) =>
    runKernel(be, dtype, [x], ny, ([a], out) => be.kernels.pool(a, out, p));
  const bwd = (be: Backend) =>
    runKernel(be, dtype, [x, gy], nx, ([a, b], out) => be.kernels.poolBackward(a, b, out, p));
  const tol = dtype === "float16" ? 1e-3 : 1e-6;
  const what = `${dtype} ${JSON.stringify(p)}`;
  for (const [name, f] of [["pool", fwd], ["poolBackward", bwd]] as const) {
    const want = await f(tsBackend()), got = await f(native!);
    for (let i = 0; i < want.length; i++) {
      const same = Number.isNaN(want[i])
        ? Number.isNaN(got[i])
        : Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]));
      assert.ok(same, `${name} ${what}: out[${i}] = ${got[i]}, want ${want[i]}`);
    }
  }
}

Deno.test({
  name: "native pool / poolBackward match the TS kernels (LeNet and odd shapes)",
  ignore,
  async fn() {
    let seed = 900;
    // LeNet's two max-pooling layers (the 2x2 stride-2 fast path, in parallel).
    await checkPool(poolParams(256, 6, 28, 28, 2, 2, 0, "max"), "float32", seed++);
    await checkPool(poolParams(256, 16, 10, 10, 2, 2, 0, "max"), "float32", seed++);
    // Odd sizes: a trailing row/column no window covers, overlap, padding, every type.
    for (const dtype of ["float32", "float64", "float16", "int32"] as const) {
      for (const type of ["max", "avg", "sum"] as const) {
        for (const include of [true, false]) {
          await checkPool(poolParams(3, 4, 7, 9, 2, 2, 0, type, include), dtype, seed++);
          await checkPool(poolParams(2, 3, 9, 8, 3, 2, 1, type, include), dtype, seed++);
          await checkPool(poolParams(1, 1, 5, 6, 3, 1, 1, type, include), dtype, seed++);
          await checkPool(poolParams(2, 2, 6, 7, 5, 3, 2, type, include), dtype, seed++);
        }
      }
    }
    // NaN propagates through max pooling; the gradient still picks a position.
    await checkPool(poolParams(3, 4, 8, 8, 2, 2, 0, "max"), "float32", seed++, true);
    await checkPool(poolParams(2, 3, 9, 8, 3, 2, 1, "max"), "float64", seed++, true);
  },
});

// ---- reductions ----

async function checkReduce(
  op: ReduceOp,
  dtype: DType,
  shape: number[],
  axes: number[],
  seed: number,
) {
  const n = shape.reduce((a, b) => a * b, 1);
  const outN = shape.filter((_, i) => !axes.includes(i)).reduce((a, b) => a * b, 1);
  // prod over many elements: values near 1 keep it finite and meaningful.
  const x = op === "prod"
    ? randomValues(n, seed, 0.99, 1.01)
    : randomValues(n, seed, -3, 3).map((v) => Math.round(v * 8) / 8);
  const f = (be: Backend) =>
    runKernel(be, dtype, [x], outN, ([a], out) => be.kernels.reduce(op, a, shape, axes, out));
  const want = await f(tsBackend()), got = await f(native!);
  const red = n / Math.max(outN, 1);
  const tol = dtype === "float16" ? 2e-3 : dtype === "float32" ? 1e-6 : 1e-12;
  for (let i = 0; i < want.length; i++) {
    const scale = op === "sum" ? 3 * red : 1 + Math.abs(want[i]);
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol * scale,
      `reduce ${op} ${dtype} ${shape} axes ${axes}: out[${i}] = ${got[i]}, want ${want[i]}`,
    );
  }
}

Deno.test({
  name: "native reduce over interleaved and leading axes matches the TS kernel",
  ignore,
  async fn() {
    const cases: [number[], number[]][] = [
      [[256, 6, 28, 28], [0, 2, 3]],
      [[256, 16, 10, 10], [0, 2, 3]],
      [[256, 120], [0]],
      [[256, 10], [0]],
      [[3, 5, 7], [0, 2]],
      [[4, 1, 5, 6], [1, 3]],
      [[5, 4, 3, 2], [1, 3]],
      [[2, 3, 4, 5], [0, 2]],
      [[2, 3, 4, 5], [1, 2]],
      [[3, 1, 4, 1, 5], [0, 2, 4]],
      [[1, 7, 1, 3], [0, 2]],
      [[6, 5, 4, 3, 2], [0, 1, 3]],
      [[2, 0, 3], [0, 2]],
      [[300, 7, 130], [0, 2]],
    ];
    let seed = 1300;
    for (const [shape, axes] of cases) {
      for (const op of ["sum", "prod", "max", "min", "argmax", "argmin"] as const) {
        await checkReduce(op, "float32", shape, axes, seed++);
      }
    }
    for (const dtype of ["float64", "float16", "int32"] as const) {
      for (const [shape, axes] of cases.slice(4)) {
        for (const op of ["sum", "max", "argmin"] as const) {
          await checkReduce(op, dtype, shape, axes, seed++);
        }
      }
    }
  },
});

Deno.test({
  name: "native reduce(max/min) over interleaved axes propagates NaN",
  ignore,
  async fn() {
    const shape = [4, 3, 5], axes = [0, 2];
    const x = randomValues(60, 5);
    x[17] = NaN; // element (1, 0, 2): kept index 0
    for (const op of ["max", "min"] as const) {
      const f = (be: Backend) =>
        runKernel(be, "float32", [x], 3, ([a], out) => be.kernels.reduce(op, a, shape, axes, out));
      const want = await f(tsBackend()), got = await f(native!);
      assert.ok(Number.isNaN(want[0]) && Number.isNaN(got[0]), `${op}: ${got} vs ${want}`);
      assert.deepEqual(got.slice(1), want.slice(1));
    }
  },
});

Deno.test({
  name: "native im2col / col2im match the TS kernels (padding, stride, dilation)",
  ignore,
  async fn() {
    let seed = 2000;
    // The last one is large enough for col2im to split its channels across threads.
    const lenet2 = geometry({
      batch: 16,
      channels: 6,
      height: 14,
      width: 14,
      filters: 16,
      groups: 1,
      kernel: [5, 5],
    });
    for (const p of [...CASES, lenet2]) {
      const n = sizes(p);
      const cols = p.channels * p.kernelH * p.kernelW * p.batch * p.outH * p.outW;
      const x = randomValues(n.x, seed++), col = randomValues(cols, seed++);
      for (const dtype of ["float32", "float64"] as const) {
        const fwd = (be: Backend) =>
          runKernel(be, dtype, [x], cols, ([a], out) => be.kernels.im2col(a, out, p));
        const adj = (be: Backend) =>
          runKernel(be, dtype, [col], n.x, ([a], out) => be.kernels.col2im(a, out, p));
        assert.deepEqual(await fwd(native!), await fwd(tsBackend()), `im2col ${JSON.stringify(p)}`);
        const got = await adj(native!), want = await adj(tsBackend());
        for (let i = 0; i < want.length; i++) {
          assert.ok(Math.abs(got[i] - want[i]) <= 1e-6 * (1 + Math.abs(want[i])), `col2im [${i}]`);
        }
      }
    }
  },
});
