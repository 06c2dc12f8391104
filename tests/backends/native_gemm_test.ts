/**
 * The native GEMM (OpenBLAS for float32/float64/int64, loops otherwise) against the TS
 * reference kernel at odd sizes, every transpose and batch stride.
 */
import assert from "node:assert/strict";
import type { Backend, DeviceBuffer } from "../../backends/backend.ts";
import { tsBackend } from "../../backends/mod.ts";
import { nativeBackend, nativeLoadFailure } from "../../backends/native/mod.ts";
import { type DType, toComputeArray } from "../../src/core/dtype.ts";
import { randomValues } from "../_harness.ts";

const native = nativeBackend();
const ignore = native === undefined;
if (ignore) console.log(`native tests skipped: ${nativeLoadFailure()}`);

type P = {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
};

async function run(be: Backend, dtype: DType, a: number[], b: number[], p: P) {
  const bufs: DeviceBuffer[] = [];
  const put = (v: number[]) => {
    const x = be.alloc(dtype, v.length, 0);
    be.write(x, toComputeArray(dtype, v));
    bufs.push(x);
    return x;
  };
  const A = put(a), B = put(b);
  const C = be.alloc(dtype, p.batch * p.m * p.n, 0);
  bufs.push(C);
  await be.kernels.matmul(A, B, C, p);
  const out = Array.from(await be.read(C));
  for (const x of bufs) be.free(x);
  return out;
}

async function check(dtype: DType, p: P, tol: number, seed: number) {
  const aSize = (p.aBatchStride ? p.batch : 1) * p.m * p.k;
  const bSize = (p.bBatchStride ? p.batch : 1) * p.k * p.n;
  const integer = !["float32", "float64", "float16"].includes(dtype);
  const gen = (n: number, s: number) =>
    randomValues(n, s, -4, 4).map((v) => integer ? Math.trunc(v * 30) : v);
  const a = gen(aSize, seed), b = gen(bSize, seed + 1);
  const want = await run(tsBackend(), dtype, a, b, p);
  const got = await run(native!, dtype, a, b, p);
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = integer
      ? got[i] === want[i]
      : Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]));
    assert.ok(ok, `${dtype} ${JSON.stringify(p)}: C[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 33, 65],
  [100, 1, 37],
  [1, 100, 37],
  [5, 3, 0],
  [67, 129, 257],
];

Deno.test({
  name: "native matmul float32/float64 matches the TS kernel (odd sizes, transposes)",
  ignore,
  async fn() {
    let seed = 1;
    for (const dtype of ["float32", "float64"] as const) {
      for (const [m, n, k] of SIZES) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const p = { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 };
            await check(dtype, p, dtype === "float32" ? 1e-4 : 1e-12, seed += 2);
          }
        }
      }
    }
  },
});

Deno.test({
  name: "native matmul batches, shared operands and non-BLAS dtypes match the TS kernel",
  ignore,
  async fn() {
    const base = { m: 7, n: 9, k: 11, transA: true, transB: false };
    for (
      const dtype of ["float32", "float64", "int64", "float16", "int32", "uint8", "int8"] as const
    ) {
      const tol = dtype === "float16" ? 2e-3 : dtype === "float32" ? 1e-4 : 1e-12;
      await check(dtype, { ...base, batch: 3, aBatchStride: 77, bBatchStride: 99 }, tol, 100);
      await check(dtype, { ...base, batch: 3, aBatchStride: 0, bBatchStride: 99 }, tol, 200);
      await check(dtype, { ...base, batch: 2, aBatchStride: 77, bBatchStride: 0 }, tol, 300);
    }
  },
});

Deno.test({
  name: "native matmul large enough to run as a nonblocking call matches the TS kernel",
  ignore,
  async fn() {
    const p = {
      batch: 1,
      m: 300,
      n: 333,
      k: 350,
      transA: false,
      transB: true,
      aBatchStride: 0,
      bBatchStride: 0,
    };
    await check("float32", p, 1e-4, 7);
  },
});
