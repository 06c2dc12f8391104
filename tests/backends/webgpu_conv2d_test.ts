/**
 * The webgpu direct-convolution kernels (conv2d, conv2dBackwardData,
 * conv2dBackwardWeight) against the TS reference backend's, called at the backend level
 * on odd geometries: batch, channels, groups, stride, padding, dilation and kernel shape
 * varied, float32 and (with shader-f16) float16; both weight-gradient variants; a
 * dispatch past the 65,535-workgroup limit; int32 rejected with an UnsupportedError.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import type { Backend, Conv2D, DeviceBuffer } from "../../backends/backend.ts";
import { backendByName } from "../../backends/mod.ts";
import { ADAPTER } from "../../backends/webgpu/mod.ts";
import { CONV_WEIGHT_GROUP_MIN } from "../../backends/webgpu/k_conv2d.ts";
import type { ComputeArray, DType } from "../../src/core/dtype.ts";
import { assertClose, randomValues } from "../_harness.ts";
import { gpuTest } from "./_webgpu.ts";

/** The geometry of one case: square sizes given once apply to both axes. */
interface Case {
  n: number;
  c: number;
  m: number;
  g: number;
  h: number;
  w: number;
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
}

function geometry(t: Case): Conv2D {
  const out = (size: number, k: number, s: number, p: number, d: number) =>
    Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
  return {
    batch: t.n,
    channels: t.c,
    filters: t.m,
    groups: t.g,
    height: t.h,
    width: t.w,
    kernelH: t.k[0],
    kernelW: t.k[1],
    strideH: t.s[0],
    strideW: t.s[1],
    padH: t.p[0],
    padW: t.p[1],
    dilateH: t.d[0],
    dilateW: t.d[1],
    outH: out(t.h, t.k[0], t.s[0], t.p[0], t.d[0]),
    outW: out(t.w, t.k[1], t.s[1], t.p[1], t.d[1]),
  };
}

const sq = (v: number): [number, number] => [v, v];

const CASES: Case[] = [
  // 1x1, single channel.
  { n: 1, c: 1, m: 1, g: 1, h: 7, w: 9, k: sq(1), s: sq(1), p: sq(0), d: sq(1) },
  // 1x1 with padding 2: the border outputs read only padding.
  { n: 3, c: 3, m: 2, g: 1, h: 4, w: 3, k: sq(1), s: sq(1), p: sq(2), d: sq(1) },
  { n: 3, c: 3, m: 5, g: 1, h: 7, w: 9, k: sq(3), s: sq(1), p: sq(1), d: sq(1) },
  { n: 3, c: 4, m: 6, g: 2, h: 9, w: 7, k: sq(3), s: sq(2), p: sq(1), d: sq(1) },
  { n: 1, c: 4, m: 2, g: 2, h: 11, w: 10, k: sq(5), s: sq(1), p: sq(2), d: sq(1) },
  { n: 3, c: 3, m: 4, g: 1, h: 8, w: 9, k: [2, 3], s: sq(2), p: sq(0), d: sq(2) },
  { n: 1, c: 4, m: 4, g: 2, h: 9, w: 9, k: sq(3), s: sq(1), p: sq(2), d: sq(2) },
  { n: 3, c: 1, m: 3, g: 1, h: 5, w: 5, k: sq(5), s: sq(2), p: sq(2), d: sq(1) },
  // Kernel larger than the image (only the padding makes it fit).
  { n: 1, c: 3, m: 2, g: 1, h: 2, w: 3, k: sq(5), s: sq(1), p: sq(2), d: sq(1) },
  // Different settings per axis.
  { n: 3, c: 4, m: 2, g: 2, h: 6, w: 7, k: [2, 3], s: [2, 1], p: [0, 2], d: [1, 2] },
  { n: 1, c: 3, m: 3, g: 1, h: 10, w: 6, k: [3, 2], s: [1, 2], p: [2, 1], d: [2, 1] },
  // Long weight-gradient sums (the workgroup reduction).
  { n: 3, c: 4, m: 4, g: 2, h: 17, w: 15, k: sq(3), s: sq(1), p: sq(1), d: sq(1) },
  { n: 1, c: 3, m: 4, g: 1, h: 16, w: 13, k: [5, 3], s: [1, 2], p: [2, 0], d: [2, 1] },
];

interface Run {
  y: ArrayLike<number>;
  gx: ArrayLike<number>;
  gw: ArrayLike<number>;
}

/** Runs all three kernels on backend `be` with the given inputs (outputs pre-filled with
 * garbage, so "overwritten" is checked) and frees every buffer. */
async function runAll(
  be: Backend,
  dtype: DType,
  p: Conv2D,
  data: { x: number[]; w: number[]; gy: number[] },
): Promise<Run> {
  const bufs: DeviceBuffer[] = [];
  const buf = (values: number[] | number): DeviceBuffer => {
    const size = typeof values === "number" ? values : values.length;
    const b = be.alloc(dtype, size, 0);
    bufs.push(b);
    const host = dtype === "float16" ? new Float16Array(size) : new Float32Array(size);
    if (typeof values === "number") host.fill(777);
    else host.set(values);
    be.write(b, host as ComputeArray);
    return b;
  };
  try {
    const x = buf(data.x), w = buf(data.w), gy = buf(data.gy);
    const y = buf(data.gy.length), gx = buf(data.x.length), gw = buf(data.w.length);
    await be.kernels.conv2d(x, w, y, p);
    await be.kernels.conv2dBackwardData(gy, w, gx, p);
    await be.kernels.conv2dBackwardWeight(x, gy, gw, p);
    return { y: await be.read(y), gx: await be.read(gx), gw: await be.read(gw) };
  } finally {
    for (const b of bufs) be.free(b);
  }
}

function inputs(p: Conv2D, seed: number) {
  const nx = p.batch * p.channels * p.height * p.width;
  const nw = p.filters * (p.channels / p.groups) * p.kernelH * p.kernelW;
  const ny = p.batch * p.filters * p.outH * p.outW;
  return {
    x: randomValues(nx, seed),
    w: randomValues(nw, seed + 1),
    gy: randomValues(ny, seed + 2),
  };
}

/** Compares both backends on one case; tolerances scale with the number of terms. */
async function compare(t: Case, dtype: DType, seed: number): Promise<void> {
  const p = geometry(t);
  const data = inputs(p, seed);
  const ts = await runAll(backendByName("ts"), dtype, p, data);
  const gpu = await runAll(backendByName("webgpu"), dtype, p, data);
  const msg = `${dtype} ${JSON.stringify(t)}`;
  const f16 = dtype === "float16";
  const tol = (terms: number) => ({
    rtol: f16 ? 1e-2 : 1e-4,
    atol: (f16 ? 4e-3 : 1e-6) * Math.sqrt(Math.max(1, terms)),
  });
  const cg = p.channels / p.groups, mg = p.filters / p.groups;
  const taps = p.kernelH * p.kernelW;
  assertClose(gpu.y, ts.y, { ...tol(cg * taps), msg: `conv2d ${msg}` });
  assertClose(gpu.gx, ts.gx, { ...tol(mg * taps), msg: `conv2dBackwardData ${msg}` });
  assertClose(gpu.gw, ts.gw, {
    ...tol(p.batch * p.outH * p.outW),
    msg: `conv2dBackwardWeight ${msg}`,
  });
}

gpuTest("conv2d kernels match the TS backend (float32)", async () => {
  // Both weight-gradient variants are covered.
  const red = CASES.map((t) => {
    const p = geometry(t);
    return p.batch * p.outH * p.outW;
  });
  assert.ok(red.some((r) => r < CONV_WEIGHT_GROUP_MIN));
  assert.ok(red.some((r) => r >= CONV_WEIGHT_GROUP_MIN));
  for (const [i, t] of CASES.entries()) await compare(t, "float32", 10 * i + 1);
});

gpuTest("conv2d kernels match the TS backend (float16)", async () => {
  if (!ADAPTER?.hasF16) {
    console.log("float16 conv2d case skipped: the adapter lacks shader-f16");
    return;
  }
  for (const [i, t] of CASES.entries()) await compare(t, "float16", 10 * i + 5);
});

gpuTest("conv2d kernels: exact small case, batch 0 zeroes gw", async () => {
  // x = 1..9 (3x3), w = ones 2x2, stride 1, no padding: y = window sums.
  const p = geometry({
    n: 1,
    c: 1,
    m: 1,
    g: 1,
    h: 3,
    w: 3,
    k: sq(2),
    s: sq(1),
    p: sq(0),
    d: sq(1),
  });
  const r = await runAll(backendByName("webgpu"), "float32", p, {
    x: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    w: [1, 1, 1, 1],
    gy: [1, 1, 1, 1],
  });
  assert.deepEqual(Array.from(r.y), [12, 16, 24, 28]);
  assert.deepEqual(Array.from(r.gx), [1, 2, 1, 2, 4, 2, 1, 2, 1]);
  assert.deepEqual(Array.from(r.gw), [12, 16, 24, 28]);
  // An empty batch: y and gx are empty, gw is overwritten with zeros.
  const be = backendByName("webgpu");
  const p0 = { ...geometry(CASES[3]), batch: 0 };
  const x = be.alloc("float32", 0, 0), gy = be.alloc("float32", 0, 0);
  const gw = be.alloc("float32", 6 * 2 * 9, 0);
  try {
    be.write(gw, new Float32Array(gw.size).fill(5));
    await be.kernels.conv2dBackwardWeight(x, gy, gw, p0);
    assert.ok((await be.read(gw)).every((v) => v === 0));
  } finally {
    for (const b of [x, gy, gw]) be.free(b);
  }
});

gpuTest("conv2d kernels: dispatches past 65,535 workgroups", async () => {
  // conv2d / backward data: 4100x4100 outputs of a 1x1 filter (65,667 workgroups of 256).
  const big = { n: 1, c: 1, m: 1, g: 1, h: 4100, w: 4100, k: sq(1), s: sq(1), p: sq(0), d: sq(1) };
  const pb = geometry(big);
  const be = backendByName("webgpu");
  const size = 4100 * 4100;
  const bufs = [0, 1, 2, 3].map(() => be.alloc("float32", size, 0));
  const [x, y, gx] = bufs;
  const w = be.alloc("float32", 1, 0);
  bufs.push(w);
  try {
    const xs = new Float32Array(size);
    for (let i = 0; i < size; i++) xs[i] = i % 1001;
    be.write(x, xs);
    be.write(w, new Float32Array([3]));
    await be.kernels.conv2d(x, w, y, pb);
    await be.kernels.conv2dBackwardData(x, w, gx, pb);
    for (const out of [await be.read(y), await be.read(gx)]) {
      for (let i = 0; i < size; i++) {
        if (out[i] !== 3 * (i % 1001)) assert.fail(`element ${i}: ${out[i]}`);
      }
    }
  } finally {
    for (const b of bufs) be.free(b);
  }
  // Weight gradient, one workgroup per element: 64*128*3*3 = 73,728 workgroups.
  await compare(
    { n: 1, c: 128, m: 64, g: 1, h: 12, w: 12, k: sq(3), s: sq(1), p: sq(1), d: sq(1) },
    "float32",
    99,
  );
});

gpuTest("conv2d kernels reject int32 with an UnsupportedError naming the dtype", async () => {
  const be = backendByName("webgpu");
  const p = geometry(CASES[2]);
  const data = inputs(p, 3);
  const bufs = [data.x, data.w, data.gy].map((v) => be.alloc("int32", v.length, 0));
  const [x, w, gy] = bufs;
  try {
    const is = (e: unknown) =>
      e instanceof mx.UnsupportedError && e.message.includes("int32") &&
      e.message.includes("webgpu");
    assert.throws(() => be.kernels.conv2d(x, w, gy, p), is);
    assert.throws(() => be.kernels.conv2dBackwardData(gy, w, x, p), is);
    assert.throws(() => be.kernels.conv2dBackwardWeight(x, gy, w, p), is);
  } finally {
    for (const b of bufs) be.free(b);
  }
  await mx.nd.waitAll();
});
