/**
 * The pure-TypeScript backend: typed arrays in host memory. Always available, and the
 * reference every other backend is tested against.
 * @module
 */
import { allocCompute, type ComputeArray, type DType, ITEM_SIZE } from "../../src/core/dtype.ts";
import { MXNetError } from "../../src/core/errors.ts";
import { fillNormal, fillRandint, fillUniform } from "../../src/core/philox.ts";
import type { Backend, DeviceBuffer, Kernels, View } from "../backend.ts";
import { checkAlias, checkWrite } from "../checks.ts";
import { allocBytes, allocHost, BufferPool, LiveBuffers } from "../pool.ts";
import * as conv from "./conv.ts";
import * as conv2d from "./conv2d.ts";
import { hostCtcLoss } from "./ctc.ts";
import { hostComputeKernel } from "./host_compute.ts";
import { runElementwise } from "./elementwise.ts";
import { gemm, gemmGeneric } from "./gemm.ts";
import { allocShared, parallelMatmul } from "./parallel.ts";
import { reduceInto } from "./reduce.ts";

/** A TS-backend buffer: a typed array in host memory. */
export class TSBuffer implements DeviceBuffer {
  /** The elements, in compute form (int64 as Float64Array). */
  data: ComputeArray;
  /** Set once freed, so a use-after-free is caught instead of reading pooled data. */
  freed = false;
  /** Creates a buffer around `data`. */
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly deviceId: number,
    data: ComputeArray,
  ) {
    this.data = data;
  }
}

function buf(b: DeviceBuffer): TSBuffer {
  const t = b as TSBuffer;
  if (!(t instanceof TSBuffer)) {
    throw new MXNetError("ts backend: got a buffer that belongs to another backend");
  }
  if (t.freed) throw new MXNetError("ts backend: buffer used after it was freed");
  return t;
}

function viewArgs(v: View) {
  const b = buf(v.buf);
  return { data: b.data, dtype: b.dtype, offset: v.offset, strides: v.strides };
}

const IDENTITY = {
  name: "copy",
  arity: 1,
  scalars: 0,
  ts: "a",
  wgsl: "a",
  rust: "a",
  cuda: "a",
} as const;

const kernels: Kernels = {
  elementwise(row, inputs, scalars, out) {
    runElementwise(row, inputs.map(viewArgs), scalars, viewArgs(out), out.shape);
  },
  copy(src, dst) {
    runElementwise(IDENTITY, [viewArgs(src)], [], viewArgs(dst), dst.shape);
  },
  fill(out, value) {
    const b = buf(out);
    b.data.fill(castScalar(b.dtype, value) as never);
  },
  arange(out, start, step) {
    const b = buf(out);
    const d = b.data;
    for (let i = 0; i < d.length; i++) d[i] = castScalar(b.dtype, start + i * step);
  },
  reduce(op, x, shape, axes, out) {
    reduceInto(op, buf(x).data, shape, axes, buf(out).data);
  },
  matmul(a, b, out, p) {
    const A = buf(a).data, B = buf(b).data, C = buf(out).data;
    const fast = (A instanceof Float32Array || A instanceof Float64Array) &&
      (B instanceof Float32Array || B instanceof Float64Array) &&
      (C instanceof Float32Array || C instanceof Float64Array);
    // Large float products are split between threads (same bits as one thread).
    const parallel = fast ? parallelMatmul(A, B, C, p) : undefined;
    if (parallel) return parallel;
    for (let i = 0; i < p.batch; i++) {
      const args = [
        A,
        i * p.aBatchStride,
        B,
        i * p.bBatchStride,
        C,
        i * p.m * p.n,
        p.m,
        p.n,
        p.k,
        p.transA,
        p.transB,
        false,
      ] as const;
      if (fast) gemm(...(args as unknown as Parameters<typeof gemm>));
      else gemmGeneric(...(args as unknown as Parameters<typeof gemmGeneric>));
    }
  },
  take(x, idx, out, p) {
    const X = buf(x).data, I = buf(idx).data, O = buf(out).data;
    const n = I.length;
    for (let o = 0; o < p.outer; o++) {
      for (let j = 0; j < n; j++) {
        const row = wrapIndex(I[j], p.axisLen, p.mode);
        const src = (o * p.axisLen + row) * p.inner;
        const dst = (o * n + j) * p.inner;
        for (let k = 0; k < p.inner; k++) O[dst + k] = X[src + k];
      }
    }
  },
  takeBackward(g, idx, out, p) {
    const G = buf(g).data, I = buf(idx).data, O = buf(out).data;
    O.fill(0 as never);
    const n = I.length;
    for (let o = 0; o < p.outer; o++) {
      for (let j = 0; j < n; j++) {
        const row = wrapIndex(I[j], p.axisLen, p.mode);
        const dst = (o * p.axisLen + row) * p.inner;
        const src = (o * n + j) * p.inner;
        for (let k = 0; k < p.inner; k++) O[dst + k] += G[src + k];
      }
    }
  },
  sort(x, values, indices, p) {
    const X = buf(x).data, V = buf(values).data, I = buf(indices).data;
    const order = new Array<number>(p.len);
    const sign = p.ascending ? 1 : -1;
    for (let o = 0; o < p.outer; o++) {
      const base = o * p.len;
      for (let j = 0; j < p.len; j++) order[j] = j;
      order.sort((i, j) => {
        const a = X[base + i], b = X[base + j];
        const aNaN = a !== a, bNaN = b !== b;
        if (aNaN || bNaN) return aNaN === bNaN ? i - j : aNaN ? 1 : -1;
        return a === b ? i - j : (a < b ? -1 : 1) * sign;
      });
      for (let j = 0; j < p.len; j++) {
        V[base + j] = X[base + order[j]];
        I[base + j] = order[j];
      }
    }
  },
  random(dist, out, p) {
    const o = buf(out);
    const d = o.data;
    if (dist === "randint") {
      if (
        d instanceof Int32Array || d instanceof Float64Array || d instanceof Uint8Array ||
        d instanceof Int8Array
      ) {
        fillRandint(d, p.a, p.b, p.seed, p.offset);
        return;
      }
      throw new MXNetError(`randint: dtype ${o.dtype} is not an integer type`);
    }
    // float16 is generated in float32 and rounded on store.
    const target = d instanceof Float32Array || d instanceof Float64Array
      ? d
      : new Float32Array(d.length);
    if (dist === "uniform") fillUniform(target, p.a, p.b, p.seed, p.offset);
    else fillNormal(target, p.a, p.b, p.seed, p.offset);
    if (target !== d) d.set(target);
  },
  im2col(x, col, p) {
    conv.im2col(buf(x).data, buf(col).data, p);
  },
  col2im(col, x, p) {
    conv.col2im(buf(col).data, buf(x).data, p);
  },
  pool(x, out, p) {
    conv.pool(buf(x).data, buf(out).data, p);
  },
  poolBackward(x, gy, gx, p) {
    conv.poolBackward(buf(x).data, buf(gy).data, buf(gx).data, p);
  },
  conv2d(x, w, y, p) {
    conv2d.conv2d(buf(x).data, buf(w).data, buf(y).data, p);
  },
  conv2dBackwardData(gy, w, gx, p) {
    conv2d.conv2dBackwardData(buf(gy).data, buf(w).data, buf(gx).data, p);
  },
  conv2dBackwardWeight(x, gy, gw, p) {
    conv2d.conv2dBackwardWeight(buf(x).data, buf(gy).data, buf(gw).data, p);
  },
  ctcLoss: hostCtcLoss((b) => buf(b).data, (b, data) => buf(b).data.set(data as never)),
  hostCompute: hostComputeKernel((b) => buf(b).data, (b, data) => buf(b).data.set(data as never)),
};

/** A number stored as a C cast would: bool is 0/1, int64 (held in float64) truncates. */
function castScalar(dtype: DType, v: number): number {
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  if (dtype === "int64") return Math.trunc(v);
  return v;
}

function wrapIndex(v: number, len: number, mode: "clip" | "wrap"): number {
  const i = Math.trunc(v);
  if (mode === "wrap") return ((i % len) + len) % len;
  return i < 0 ? 0 : i >= len ? len - 1 : i;
}

/** Creates a TS backend with its own pool and live-buffer accounting. */
export function createTSBackend(): Backend {
  const pool = new BufferPool<ComputeArray>();
  const live = new LiveBuffers();
  return {
    name: "ts",
    kernels,
    alloc(dtype, size, deviceId) {
      const bytes = allocBytes(`ts cpu(${deviceId})`, dtype, size);
      // Large buffers go on SharedArrayBuffer so worker threads can use them in place.
      const data = pool.take(dtype, size, bytes) ??
        allocHost(
          `ts cpu(${deviceId})`,
          dtype,
          size,
          bytes,
          () => allocShared(dtype, size) ?? allocCompute(dtype, size),
        );
      live.account(deviceId, 1, bytes);
      return new TSBuffer(dtype, size, deviceId, data);
    },
    free(b) {
      const t = buf(b);
      t.freed = true;
      const bytes = t.size * ITEM_SIZE[t.dtype];
      live.account(t.deviceId, -1, -bytes);
      pool.give(t.dtype, t.size, bytes, t.data);
    },
    write(b, data) {
      const t = buf(b);
      checkWrite("ts write", t, data);
      t.data.set(data as never);
    },
    read(b) {
      return Promise.resolve(buf(b).data.slice());
    },
    alias(b, offset, size) {
      const t = buf(b);
      checkAlias("ts alias", t, offset, size);
      return new TSBuffer(t.dtype, size, t.deviceId, t.data.subarray(offset, offset + size));
    },
    readSync(b) {
      return buf(b).data.slice();
    },
    memoryInfo(deviceId) {
      return live.info(deviceId, pool.bytes);
    },
  };
}
