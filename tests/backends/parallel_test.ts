import assert from "node:assert/strict";
import { setCpuBackend, tsBackend } from "../../backends/mod.ts";
import { gemm } from "../../backends/ts/gemm.ts";
import { createTSBackend, type TSBuffer } from "../../backends/ts/mod.ts";
import {
  isShared,
  type MatmulParams,
  PARALLEL_MIN_WORK,
  parallelMatmul,
  parallelReady,
  parallelStats,
  SHARED_MIN_BYTES,
  threadCount,
} from "../../backends/ts/parallel.ts";
import * as mx from "../../mod.ts";

/** Deterministic uniform [-1, 1) numbers (LCG), so failures reproduce. */
function fill<T extends Float32Array | Float64Array>(x: T, seed: number): T {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

function sharedOf<T extends Float32Array | Float64Array>(
  ctor: { new (b: ArrayBufferLike): T },
  n: number,
  bpe: number,
): T {
  return new ctor(new SharedArrayBuffer(n * bpe));
}

/** The single-threaded kernel: one `gemm` call per batch, exactly as backends/ts/mod.ts does. */
function serial(
  A: Float32Array | Float64Array,
  B: Float32Array | Float64Array,
  C: Float32Array | Float64Array,
  p: MatmulParams,
) {
  for (let i = 0; i < p.batch; i++) {
    gemm(
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
    );
  }
}

const multi = threadCount() > 1;

/** Odd shapes above the threshold: packed path, direct paths (k < 4, n < 4), batches. */
const CASES: (Omit<MatmulParams, "aBatchStride" | "bBatchStride"> & { shareB: boolean })[] = [
  { batch: 1, m: 131, n: 67, k: 259, transA: false, transB: false, shareB: false },
  { batch: 1, m: 131, n: 67, k: 259, transA: true, transB: true, shareB: false },
  { batch: 1, m: 97, n: 1031, k: 37, transA: false, transB: true, shareB: false },
  { batch: 1, m: 2003, n: 401, k: 3, transA: true, transB: false, shareB: false }, // direct, rows
  { batch: 1, m: 140001, n: 2, k: 9, transA: false, transB: false, shareB: false }, // n < 4
  { batch: 3, m: 61, n: 83, k: 151, transA: false, transB: true, shareB: false },
  { batch: 5, m: 45, n: 77, k: 129, transA: true, transB: false, shareB: true }, // B reused
];

Deno.test("parallel matmul is bit-identical to the single-threaded kernel (f32, f64, odd sizes)", async () => {
  // Workers boot slowly under `deno test` (their module is type-checked): wait, so that they
  // really compute parts of these products.
  assert.equal(await parallelReady(), multi);
  const before = parallelStats().workerParts;
  let seed = 1;
  for (const t of CASES) {
    for (const [ctor, bpe] of [[Float32Array, 4], [Float64Array, 8]] as const) {
      for (const shared of [true, false]) {
        const { batch, m, n, k, shareB } = t;
        assert.ok(batch * m * n * k >= PARALLEL_MIN_WORK, "case must be above the threshold");
        const p: MatmulParams = {
          ...t,
          aBatchStride: m * k,
          bBatchStride: shareB ? 0 : k * n,
        };
        const make = (len: number) =>
          shared ? sharedOf(ctor as typeof Float64Array, len, bpe) : new ctor(len);
        const A = fill(make(batch * m * k), seed++);
        const B = fill(make((shareB ? 1 : batch) * k * n), seed++);
        const want = new ctor(batch * m * n);
        serial(A, B, want, p);
        // Garbage (NaN) in C must be ignored: the kernel overwrites.
        const C = make(batch * m * n).fill(NaN);
        const r = parallelMatmul(A, B, C, p);
        if (multi) assert.ok(r instanceof Promise, `${JSON.stringify(t)}: expected a parallel run`);
        // Single-threaded (MXTS_TS_THREADS=1): the caller runs the kernel, as backends/ts does.
        if (r === undefined) serial(A, B, C, p);
        else await r;
        const name = `${ctor.name} shared=${shared} ${JSON.stringify(t)}`;
        // Bitwise: compare the raw bytes, so -0 vs 0 or different NaNs would also show.
        const got = new Uint8Array(C.buffer, C.byteOffset, C.byteLength);
        const exp = new Uint8Array(want.buffer, want.byteOffset, want.byteLength);
        let bad = -1;
        for (let i = 0; i < exp.length; i++) {
          if (got[i] !== exp[i]) {
            bad = Math.floor(i / bpe);
            break;
          }
        }
        assert.equal(bad, -1, `${name}: element ${bad}: ${C[bad]} vs ${want[bad]}`);
      }
    }
  }
  // The worker must really have taken part (it may miss a few products on a busy machine).
  if (multi) assert.ok(parallelStats().workerParts > before, JSON.stringify(parallelStats()));
});

Deno.test("small products are left to the caller (no threads, no promise)", () => {
  const A = new Float32Array(64 * 64), B = new Float32Array(64 * 64), C = new Float32Array(64 * 64);
  const p = {
    batch: 1,
    m: 64,
    n: 64,
    k: 64,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  assert.equal(parallelMatmul(A, B, C, p), undefined);
});

Deno.test("large ts buffers are shared memory (float16 too), small ones plain", async () => {
  const be = createTSBackend();
  const big = SHARED_MIN_BYTES; // bytes
  for (
    const [dtype, size] of [["float32", big / 4], ["float16", big / 2], ["int32", big / 4], [
      "int64",
      big / 8,
    ]] as const
  ) {
    const b = be.alloc(dtype, size, 0) as TSBuffer;
    assert.equal(isShared(b.data), multi, `${dtype}: shared`);
    assert.equal(b.data.length, size);
    const src = Float32Array.from({ length: size }, (_, i) => (i % 2048) - 1024);
    be.write(
      b,
      dtype === "float16"
        ? new Float16Array(src)
        : dtype === "float32"
        ? src
        : dtype === "int32"
        ? Int32Array.from(src)
        : Float64Array.from(src),
    );
    const back = await be.read(b);
    assert.ok(!isShared(back), `${dtype}: reads hand out plain copies`);
    assert.deepEqual(Array.from(back.slice(0, 5)), [-1024, -1023, -1022, -1021, -1020]);
    assert.equal(back[size - 1], ((size - 1) % 2048) - 1024);
    be.free(b);
  }
  const small = be.alloc("float32", 16, 0) as TSBuffer;
  assert.ok(!isShared(small.data));
  be.free(small);
  assert.equal(be.memoryInfo().count, 0);
});

Deno.test("dot and batch_dot on large arrays match the single-threaded kernel bit for bit", async () => {
  setCpuBackend(tsBackend());
  try {
    await mx.nd.scope(async () => {
      const [m, k, n] = [203, 177, 149];
      const a = mx.nd.random.uniform(-1, 1, [m, k]), b = mx.nd.random.uniform(-1, 1, [k, n]);
      const A = await a.data() as Float32Array, B = await b.data() as Float32Array;
      const want = new Float32Array(m * n);
      gemm(A, 0, B, 0, want, 0, m, n, k, false, false, false);
      const c = mx.nd.dot(a, b);
      assert.deepEqual(await c.data(), want);
      // Chained work after an asynchronous product sees the finished result.
      const s = await c.sum().asScalar();
      assert.ok(Math.abs(s - want.reduce((x, y) => x + y, 0)) < 1e-2 * (1 + Math.abs(s)));
      const [bt, bm, bk, bn] = [4, 67, 129, 71];
      const x = mx.nd.random.uniform(-1, 1, [bt, bm, bk]),
        y = mx.nd.random.uniform(-1, 1, [bt, bn, bk]);
      const X = await x.data() as Float32Array, Y = await y.data() as Float32Array;
      const wantB = new Float32Array(bt * bm * bn);
      for (let i = 0; i < bt; i++) {
        gemm(X, i * bm * bk, Y, i * bn * bk, wantB, i * bm * bn, bm, bn, bk, false, true, false);
      }
      assert.deepEqual(await mx.nd.batchDot(x, y, { transposeB: true }).data(), wantB);
    });
  } finally {
    setCpuBackend(undefined);
  }
});

Deno.test("a script that runs one large matmul exits by itself; MXTS_TS_THREADS=1 gives the same bits", async () => {
  const script = `
    import * as mx from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
    import { parallelReady, parallelStats } from ${
    JSON.stringify(new URL("../../backends/ts/parallel.ts", import.meta.url).href)
  };
    await parallelReady();
    mx.random.seed(7);
    const a = mx.nd.random.uniform(-1, 1, [601, 513]), b = mx.nd.random.uniform(-1, 1, [513, 523]);
    const c = await mx.nd.dot(a, b).data();
    console.error(JSON.stringify(parallelStats()));
    const bytes = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
    let h = 0x811c9dc5;
    for (const x of bytes) h = Math.imul(h ^ x, 16777619) >>> 0;
    console.log(h.toString(16), c.length);
  `;
  const outs: string[] = [];
  for (const threads of ["", "1"]) {
    const env: Record<string, string> = { MXTS_CPU_BACKEND: "ts" };
    if (threads) env.MXTS_TS_THREADS = threads;
    const cmd = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env,
    });
    const child = cmd.spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(script));
    await w.close();
    // A hang (a worker keeping the process alive) fails here instead of stalling the suite.
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const out = await child.output();
    clearTimeout(timer);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `threads=${threads || "default"}: exit ${out.code}\n${stderr}`);
    outs.push(new TextDecoder().decode(out.stdout).trim());
    const stats = JSON.parse(stderr.trim().split("\n").at(-1)!);
    if (threads === "1") assert.equal(stats.threads, 1);
    else if (multi) assert.ok(stats.workerParts > 0, `no part ran on a worker: ${stderr}`);
  }
  assert.match(outs[0], /^[0-9a-f]+ 314323$/);
  assert.equal(outs[0], outs[1], "multi-threaded and MXTS_TS_THREADS=1 results differ");
});
