/**
 * Bounds of the libraries in ffi/ (native CPU and CUDA): every kernel checks what it reads
 * and writes against the element counts of the buffers it is given, in Rust, before it
 * touches memory. A seeded fuzz calls each kernel of the backend interface with a valid
 * call and with that call broken in one way (a buffer too small or too large, a view
 * past its buffer's end or before its start, an absurd geometry): the valid call
 * succeeds, every broken one is an MXNetError naming the kernel, and none crashes.
 *
 * Runs on [native], and on [cuda] (a real device, or the emulated run of cuda_test.ts).
 * NDArray.set, which built such a view from a source that does not broadcast, is checked
 * on every backend.
 */
import assert from "node:assert/strict";
import type {
  Backend,
  Conv2D,
  DeviceBuffer,
  KernelResult,
  PoolParams,
  View,
  Window2D,
} from "../../backends/backend.ts";
import { backendByName } from "../../backends/mod.ts";
import { MXNetError } from "../../src/core/errors.ts";
import { stridesOf } from "../../src/core/shape.ts";
import { BINARY, UNARY } from "../../src/ops/elementwise_table.ts";
import { BACKENDS, backendTest, values } from "../_harness.ts";
import * as mx from "../../mod.ts";

const LIBRARY_BACKENDS = BACKENDS.filter((b) => b === "native" || b === "cuda");
if (LIBRARY_BACKENDS.length === 0) {
  console.log("kernel bounds tests skipped: neither the native nor the cuda backend is here");
}

/** mulberry32: a small seeded generator, so a failure reproduces. */
function rng(seed: number): { int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

type Rng = ReturnType<typeof rng>;

/** One call: the sizes of the buffers it takes, and how it calls the kernel on them. */
interface Case {
  sizes: number[];
  call(be: Backend, bufs: DeviceBuffer[]): KernelResult;
}

/** A kernel under test: a valid call and the same call broken (undefined: nothing to break). */
interface Fuzzed {
  /** The kernel's name as error messages give it. */
  name: RegExp;
  make(r: Rng): { valid: Case; broken: Case | undefined };
}

/** A size other than `n`: smaller, larger, or 0. */
function wrongSize(r: Rng, n: number): number {
  const w = r.pick([n - 1, n + 1, 0, n * 2 + 3, Math.max(0, n - r.int(1, 8))]);
  return w === n || w < 0 ? n + 1 : w;
}

/** `c` with buffer `i` resized to a wrong size. */
function resized(r: Rng, c: Case, i = r.int(0, c.sizes.length - 1)): Case {
  const sizes = c.sizes.slice();
  sizes[i] = wrongSize(r, sizes[i]);
  return { sizes, call: c.call };
}

function randomShape(r: Rng, maxNd = 4): number[] {
  return Array.from({ length: r.int(1, maxNd) }, () => r.int(1, 5));
}

function sizeOfShape(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/**
 * A view of `shape` over buffer `b` whose strides or offset leave it. Only the output's
 * shape is the kernel's iteration shape (inputs are read over it), so only an output is
 * given the huge shape.
 */
function badView(r: Rng, b: DeviceBuffer, shape: number[], isOut: boolean): View {
  const strides = stridesOf(shape);
  // Strides cannot leave a buffer along axes of length 1: then move the start instead.
  const spread = shape[0] > 1;
  switch (spread ? r.int(0, 4) : r.int(0, 2) * 2) {
    case 0: // starts past the first element
      return { buf: b, shape, strides, offset: r.int(1, 4) };
    case 1: // a flipped axis without the offset that keeps it inside
      return { buf: b, shape, strides: strides.map((s, d) => (d === 0 ? -s : s)), offset: 0 };
    case 2: // starts before the buffer
      return { buf: b, shape, strides, offset: -r.int(1, 3) };
    case 3: // a stride that walks past the end
      return { buf: b, shape, strides: strides.map((s) => s * 2 + 1), offset: 0 };
    default: // the NDArray.set reproducer: a huge shape over a small buffer
      if (!isOut) return { buf: b, shape, strides, offset: r.int(1, 4) };
      return { buf: b, shape: [10_000_000], strides: [1], offset: 0 };
  }
}

function windowOf(r: Rng): Window2D {
  const [kernelH, kernelW, strideH, strideW] = [r.int(1, 3), r.int(1, 3), r.int(1, 2), r.int(1, 2)];
  const [padH, padW, dilateH, dilateW] = [r.int(0, 1), r.int(0, 1), r.int(1, 2), r.int(1, 2)];
  const [height, width] = [r.int(3, 6), r.int(3, 6)];
  const out = (n: number, k: number, s: number, p: number, d: number) =>
    Math.max(1, Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1);
  return {
    batch: r.int(1, 2),
    channels: r.int(1, 3),
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilateH,
    dilateW,
    outH: out(height, kernelH, strideH, padH, dilateH),
    outW: out(width, kernelW, strideW, padW, dilateW),
  };
}

/** The window with one field enlarged far past any buffer (2^40 or 2^31). */
function absurd<T extends Window2D>(r: Rng, p: T): T {
  const keys = ["height", "width", "outH", "outW", "batch", "channels"] as const;
  return { ...p, [r.pick(keys)]: r.pick([2 ** 40, 2 ** 31, 2 ** 20]) };
}

const poolTypes = ["max", "avg", "sum"] as const;

const FUZZED: Record<string, Fuzzed> = {
  elementwise: {
    name: /elementwise\(broadcast_add\)/,
    make(r) {
      const shape = randomShape(r);
      const n = sizeOfShape(shape);
      // b broadcasts along the leading axis.
      const bShape = shape.slice(1);
      const bStrides = [0, ...stridesOf(bShape)];
      const call =
        (which: number, bad: (b: DeviceBuffer) => View) => (be: Backend, bufs: DeviceBuffer[]) => {
          const views: View[] = [
            { buf: bufs[0], shape, strides: stridesOf(shape), offset: 0 },
            { buf: bufs[1], shape, strides: bStrides, offset: 0 },
            { buf: bufs[2], shape, strides: stridesOf(shape), offset: 0 },
          ];
          if (which >= 0) views[which] = bad(bufs[which]);
          return be.kernels.elementwise(BINARY.broadcast_add, [views[0], views[1]], [], views[2]);
        };
      const sizes = [n, sizeOfShape(bShape), n];
      const which = r.int(0, 2);
      return {
        valid: { sizes, call: call(-1, () => undefined as never) },
        broken: r.int(0, 2) === 0
          ? {
            sizes: sizes.map((s, i) => (i === which ? Math.max(0, s - 1) : s)),
            call: call(-1, () => undefined as never),
          }
          : { sizes, call: call(which, (b) => badView(r, b, shape, which === 2)) },
      };
    },
  },
  copy: {
    name: /copy/,
    make(r) {
      const shape = randomShape(r);
      const n = sizeOfShape(shape);
      const call =
        (bad: ((b: DeviceBuffer) => View) | undefined, dst: boolean) =>
        (be: Backend, bufs: DeviceBuffer[]) => {
          const dense = (b: DeviceBuffer): View => ({
            buf: b,
            shape,
            strides: stridesOf(shape),
            offset: 0,
          });
          const src = bad && !dst ? bad(bufs[0]) : dense(bufs[0]);
          const out = bad && dst ? bad(bufs[1]) : dense(bufs[1]);
          return be.kernels.copy(src, out);
        };
      const dst = r.int(0, 1) === 1;
      return {
        valid: { sizes: [n, n], call: call(undefined, false) },
        broken: { sizes: [n, n], call: call((b) => badView(r, b, shape, dst), dst) },
      };
    },
  },
  reduce: {
    name: /reduce\(sum\)/,
    make(r) {
      const shape = randomShape(r);
      const axes = shape.map((_, d) => d).filter(() => r.int(0, 1) === 1);
      const outSize = sizeOfShape(shape.filter((_, d) => !axes.includes(d)));
      const valid: Case = {
        sizes: [sizeOfShape(shape), outSize],
        call: (be, [x, out]) => be.kernels.reduce("sum", x, shape, axes, out),
      };
      return { valid, broken: resized(r, valid) };
    },
  },
  matmul: {
    name: /matmul/,
    make(r) {
      const [batch, m, n, k] = [r.int(1, 3), r.int(1, 5), r.int(1, 5), r.int(1, 5)];
      const shared = r.int(0, 1) === 1;
      const p = {
        batch,
        m,
        n,
        k,
        transA: r.int(0, 1) === 1,
        transB: r.int(0, 1) === 1,
        aBatchStride: m * k,
        bBatchStride: shared ? 0 : k * n,
      };
      const valid: Case = {
        sizes: [batch * m * k, shared ? k * n : batch * k * n, batch * m * n],
        call: (be, [a, b, c]) => be.kernels.matmul(a, b, c, p),
      };
      // a and b may be larger than their matrices reach; a smaller one is the error.
      const i = r.int(0, 2);
      const sizes = valid.sizes.slice();
      sizes[i] = i === 2 ? wrongSize(r, sizes[i]) : sizes[i] - r.int(1, sizes[i]);
      return { valid, broken: { sizes, call: valid.call } };
    },
  },
  take: {
    name: /take/,
    make(r) {
      const [outer, axisLen, inner, nidx] = [r.int(1, 3), r.int(1, 5), r.int(1, 4), r.int(1, 6)];
      const p = { outer, axisLen, inner, mode: r.pick(["clip", "wrap"] as const) };
      const valid: Case = {
        sizes: [outer * axisLen * inner, nidx, outer * nidx * inner],
        call: (be, [x, idx, out]) => be.kernels.take(x, idx, out, p),
      };
      return { valid, broken: resized(r, valid, r.pick([0, 2])) };
    },
  },
  takeBackward: {
    name: /takeBackward/,
    make(r) {
      const [outer, axisLen, inner, nidx] = [r.int(1, 3), r.int(1, 5), r.int(1, 4), r.int(1, 6)];
      const p = { outer, axisLen, inner, mode: r.pick(["clip", "wrap"] as const) };
      const valid: Case = {
        sizes: [outer * nidx * inner, nidx, outer * axisLen * inner],
        call: (be, [g, idx, out]) => be.kernels.takeBackward(g, idx, out, p),
      };
      return { valid, broken: resized(r, valid, r.pick([0, 2])) };
    },
  },
  sort: {
    name: /sort/,
    make(r) {
      const p = { outer: r.int(1, 4), len: r.int(1, 6), ascending: r.int(0, 1) === 1 };
      const n = p.outer * p.len;
      const valid: Case = {
        sizes: [n, n, n],
        call: (be, [x, v, i]) => be.kernels.sort(x, v, i, p),
      };
      return { valid, broken: resized(r, valid) };
    },
  },
  im2col: {
    name: /im2col/,
    make(r) {
      const p = windowOf(r);
      const x = p.batch * p.channels * p.height * p.width;
      const col = p.channels * p.kernelH * p.kernelW * p.batch * p.outH * p.outW;
      const call = (q: Window2D) => (be: Backend, [a, b]: DeviceBuffer[]) =>
        be.kernels.im2col(a, b, q);
      const valid: Case = { sizes: [x, col], call: call(p) };
      return {
        valid,
        broken: r.int(0, 3) === 0
          ? { sizes: [x, col], call: call(absurd(r, p)) }
          : resized(r, valid),
      };
    },
  },
  col2im: {
    name: /col2im/,
    make(r) {
      const p = windowOf(r);
      const x = p.batch * p.channels * p.height * p.width;
      const col = p.channels * p.kernelH * p.kernelW * p.batch * p.outH * p.outW;
      const call = (q: Window2D) => (be: Backend, [a, b]: DeviceBuffer[]) =>
        be.kernels.col2im(a, b, q);
      const valid: Case = { sizes: [col, x], call: call(p) };
      return {
        valid,
        broken: r.int(0, 3) === 0
          ? { sizes: [col, x], call: call(absurd(r, p)) }
          : resized(r, valid),
      };
    },
  },
  pool: {
    name: /pool\((max|avg|sum)\)/,
    make(r) {
      const w = windowOf(r);
      const p: PoolParams = {
        ...w,
        dilateH: 1,
        dilateW: 1,
        type: r.pick(poolTypes),
        countIncludePad: true,
      };
      const sizes = [
        p.batch * p.channels * p.height * p.width,
        p.batch * p.channels * p.outH * p.outW,
      ];
      const call = (q: PoolParams) => (be: Backend, [x, out]: DeviceBuffer[]) =>
        be.kernels.pool(x, out, q);
      const valid: Case = { sizes, call: call(p) };
      return {
        valid,
        broken: r.int(0, 3) === 0 ? { sizes, call: call(absurd(r, p)) } : resized(r, valid),
      };
    },
  },
  poolBackward: {
    name: /poolBackward\((max|avg|sum)\)/,
    make(r) {
      const w = windowOf(r);
      const p: PoolParams = {
        ...w,
        dilateH: 1,
        dilateW: 1,
        type: r.pick(poolTypes),
        countIncludePad: false,
      };
      const xn = p.batch * p.channels * p.height * p.width;
      const sizes = [xn, p.batch * p.channels * p.outH * p.outW, xn];
      const call = (q: PoolParams) => (be: Backend, [x, gy, gx]: DeviceBuffer[]) =>
        be.kernels.poolBackward(x, gy, gx, q);
      const valid: Case = { sizes, call: call(p) };
      return {
        valid,
        broken: r.int(0, 3) === 0 ? { sizes, call: call(absurd(r, p)) } : resized(r, valid),
      };
    },
  },
};

for (const kernel of ["conv2d", "conv2dBackwardData", "conv2dBackwardWeight"] as const) {
  FUZZED[kernel] = {
    name: new RegExp(`${kernel}\\b`),
    make(r) {
      const groups = r.int(1, 2);
      const w = windowOf(r);
      const p: Conv2D = {
        ...w,
        channels: groups * r.int(1, 2),
        filters: groups * r.int(1, 2),
        groups,
      };
      const x = p.batch * p.channels * p.height * p.width;
      const wt = p.filters * (p.channels / p.groups) * p.kernelH * p.kernelW;
      const y = p.batch * p.filters * p.outH * p.outW;
      const sizes = kernel === "conv2d"
        ? [x, wt, y]
        : kernel === "conv2dBackwardData"
        ? [y, wt, x]
        : [x, y, wt];
      const call = (q: Conv2D) => (be: Backend, [a, b, c]: DeviceBuffer[]) =>
        be.kernels[kernel](a, b, c, q);
      const valid: Case = { sizes, call: call(p) };
      return {
        valid,
        broken: r.int(0, 3) === 0 ? { sizes, call: call(absurd(r, p)) } : resized(r, valid),
      };
    },
  };
}

/** Runs a case on fresh zeroed float32 buffers; frees them whatever happens. */
async function run(be: Backend, c: Case): Promise<void> {
  const bufs = c.sizes.map((n) => be.alloc("float32", n, 0));
  try {
    for (const b of bufs) be.write(b, new Float32Array(b.size));
    await c.call(be, bufs);
    // A read waits for the device's queue (CUDA launches are asynchronous).
    await be.read(bufs[bufs.length - 1]);
  } finally {
    for (const b of bufs) be.free(b);
  }
}

const CASES_PER_KERNEL = 60;

for (const name of LIBRARY_BACKENDS) {
  for (const [kernel, fuzz] of Object.entries(FUZZED)) {
    Deno.test(`kernel bounds: ${kernel} rejects mismatched sizes and views, never crashes [${name}]`, async () => {
      const be = backendByName(name);
      const r = rng(0x5eed + kernel.length * 7919);
      let broken = 0;
      for (let i = 0; i < CASES_PER_KERNEL; i++) {
        const { valid, broken: bad } = fuzz.make(r);
        await run(be, valid); // the checks never refuse a correct call
        if (!bad) continue;
        broken++;
        await assert.rejects(() => run(be, bad), (e: unknown) => {
          assert.ok(e instanceof MXNetError, `case ${i}: ${e}`);
          assert.match(e.message, new RegExp(`^${name.split(" ")[0]} `), `case ${i}`);
          assert.match(e.message, fuzz.name, `case ${i}`);
          return true;
        });
      }
      assert.ok(broken >= CASES_PER_KERNEL / 2, `${broken} broken cases ran`);
    });
  }

  Deno.test(`kernel bounds: the message says what was wrong [${name}]`, async () => {
    const be = backendByName(name);
    const small = be.alloc("float32", 10, 0), big = be.alloc("float32", 1000, 0);
    try {
      // The NDArray.set reproducer at kernel level: a 10-element source read as 1000.
      await assert.rejects(
        async () =>
          await be.kernels.copy(
            { buf: small, shape: [1000], strides: [1], offset: 0 },
            { buf: big, shape: [1000], strides: [1], offset: 0 },
          ),
        (e: Error) =>
          e instanceof MXNetError &&
          /copy: elementwise: input 0 view \(shape \[1000\], strides \[1\], offset 0\) addresses elements outside a buffer of 10 \(elements 0..=999\)/
            .test(e.message),
      );
      await assert.rejects(
        async () => await be.kernels.reduce("max", big, [10, 10], [1], small),
        (e: Error) =>
          e instanceof MXNetError && /reduce: x has 1000 elements, expected 100/.test(e.message),
      );
      await assert.rejects(
        async () =>
          await be.kernels.take(small, small, big, {
            outer: 1,
            axisLen: 10,
            inner: 1,
            mode: "clip",
          }),
        (e: Error) =>
          e instanceof MXNetError && /take: out has 1000 elements, expected 10/.test(e.message),
      );
      // Unary rows check their one input like any other.
      await assert.rejects(
        async () =>
          await be.kernels.elementwise(
            UNARY.negative,
            [{ buf: small, shape: [4], strides: [-1], offset: 2 }],
            [],
            { buf: big, shape: [4], strides: [1], offset: 0 },
          ),
        (e: Error) => e instanceof MXNetError && /elementwise\(negative\)/.test(e.message),
      );
    } finally {
      be.free(small);
      be.free(big);
    }
  });
}

backendTest(
  "NDArray.set: a source that does not broadcast to the target is a ShapeError",
  async () => {
    const dst = mx.nd.zeros([10_000_000]);
    assert.throws(
      () => dst.set(mx.nd.full([10], 2)),
      (e: Error) =>
        e instanceof mx.ShapeError &&
        /set: cannot assign shape \[10\] to \[10000000\]/.test(e.message),
    );
    const m = mx.nd.zeros([2, 3]);
    for (const bad of [[3, 1], [2], [1, 2, 3], [6]]) {
      assert.throws(() => m.set(mx.nd.ones(bad)), mx.ShapeError, `shape [${bad}]`);
    }
    // Broadcasting sources still assign.
    m.set(mx.nd.array([1, 2, 3]));
    assert.deepEqual(await values(m), [1, 2, 3, 1, 2, 3]);
    m.set(mx.nd.array([[4], [5]]));
    assert.deepEqual(await values(m), [4, 4, 4, 5, 5, 5]);
    m.set(mx.nd.array([[[7]]]).reshape([1, 1]));
    assert.deepEqual(await values(m), [7, 7, 7, 7, 7, 7]);
  },
);

// Host writes and aliases, on every backend: a typed array clamps a bad range silently,
// and the libraries trust a buffer's element count, so an alias past its buffer's end
// would let a kernel write past the allocation.
for (const name of BACKENDS) {
  Deno.test(`buffer bounds: host writes fill the buffer exactly, aliases lie inside it [${name}]`, async () => {
    const be = backendByName(name);
    const b = be.alloc("float32", 8, 0);
    try {
      const refused = (fn: () => unknown, what: RegExp) =>
        assert.throws(fn, (e: unknown) => {
          assert.ok(e instanceof MXNetError, `${e}`);
          assert.match(e.message, new RegExp(`^${name} `));
          assert.match(e.message, what);
          return true;
        });
      refused(() => be.write(b, new Float32Array(20)), /write: got (20 elements|80 bytes)/);
      refused(() => be.write(b, new Float32Array(3)), /write: got (3 elements|12 bytes)/);
      be.write(b, Float32Array.from({ length: 8 }, (_, i) => i));
      if (be.alias?.(b, 2, 6)) {
        for (const [offset, size] of [[5, 10], [-2, 4], [0, 9], [8, 1], [1.5, 2]]) {
          refused(() => be.alias!(b, offset, size), /alias: elements .* not inside a buffer of 8/);
        }
        const tail = be.alias(b, 6, 2)!;
        assert.deepEqual(Array.from(await be.read(tail)), [6, 7]);
      }
      assert.deepEqual(Array.from(await be.read(b)), [0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      be.free(b);
    }
  });
}
