/**
 * Multi-core help for the `ts` backend: large buffers live on SharedArrayBuffer, and large
 * matrix products are split by rows of C (and by batch) between the main thread and a small
 * pool of workers (`gemm_worker.ts`) that read and write those buffers in place.
 *
 * - Parts are claimed dynamically from a shared counter (`Atomics.add`), so a worker that is
 *   slow to start or busy simply takes fewer parts, and the main thread alone can finish a job.
 * - Every part is computed by `gemmRows`, which gives exactly the bits of the single-threaded
 *   `gemm`: results do not depend on the number of threads or on who computed what.
 * - Workers are `node:worker_threads` workers (Deno implements them), created lazily on the
 *   first large product and `unref`'d: they never keep a process alive or trip Deno's test
 *   sanitizers. While a product waits for a worker the worker is `ref`'d, so a script that
 *   awaits the result does not exit early.
 * - Anywhere without Deno, SharedArrayBuffer or Atomics (browsers without cross-origin
 *   isolation, for instance) everything stays single-threaded, as it does with
 *   `MXTS_TS_THREADS=1`. `MXTS_TS_THREADS=n` sets the total number of threads (main included).
 *
 * Thresholds, measured on the project's 2-core machine when it was otherwise idle (float32
 * square products, 2 threads vs 1): 64^3 0.75x (a job's message round trip, 0.1-1 ms, costs
 * more than the work), 128^3 1.4x, 192^3 1.6x, 256^3 1.6x, 1024^3 1.9x. Products of at least
 * `PARALLEL_MIN_WORK` (128^3) multiply-adds are split. Buffers of at least `SHARED_MIN_BYTES`
 * (a 128x128 float32 matrix) are allocated shared; allocating a SharedArrayBuffer costs about
 * what an ArrayBuffer does and V8 reads and writes both at the same speed. Operands that are
 * not shared (small buffers, arrays from elsewhere) are copied to shared scratch first: copies
 * of O(mk + kn + mn) elements against O(mnk) multiply-adds.
 *
 * On a machine whose other cores are busy, splitting gains little: the main thread may wait
 * for a descheduled worker's last part (measured 0.9-1.1x with the second core ~70% used by
 * other processes). Large products return a promise (an asynchronous kernel for the engine),
 * so their result is read with `await a.data()`; `dataSync()` throws until it is ready.
 * @module
 */
import {
  allocCompute,
  type ComputeArray,
  type DType,
  isSharedBuffer,
  ITEM_SIZE,
} from "../../src/core/dtype.ts";
import { MXNetError } from "../../src/core/errors.ts";
import { type FloatArray, gemmRows } from "./gemm.ts";

/** Products with fewer multiply-adds than this run on one thread (message latency dominates). */
export const PARALLEL_MIN_WORK = 1 << 21;
/** Buffers of at least this many bytes are allocated on SharedArrayBuffer when threads > 1. */
export const SHARED_MIN_BYTES = 64 * 1024;
/** Rows of C per part are a multiple of this (the micro-kernel's row tile). */
const ROW_ALIGN = 4;
/** Parts per thread: more parts balance better, each part repacks B once. */
const PARTS_PER_THREAD = 4;
/** Fewest rows in a part, so that repacking B stays a small cost. */
const MIN_PART_ROWS = 32;

/** One batched product, as the threads see it (typed arrays over SharedArrayBuffer). */
export interface GemmJob {
  /** Job number, echoed in the worker's reply. */
  readonly id: number;
  /** Shared control words: [0] next part to claim, [1] parts finished. */
  readonly ctl: Int32Array;
  readonly a: FloatArray;
  readonly b: FloatArray;
  readonly c: FloatArray;
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly aBatchStride: number;
  readonly bBatchStride: number;
  /** Rows of C per part; parts never straddle two batches. */
  readonly rowsPerPart: number;
  readonly partsPerBatch: number;
  readonly parts: number;
}

/** A shared float array as posted: the bare SharedArrayBuffer plus where the view lies. */
interface WireArray {
  readonly sab: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly length: number;
  readonly f64: boolean;
}

/**
 * A GemmJob as posted to a worker. Only bare SharedArrayBuffers are posted: Deno's
 * node:worker_threads clones typed-array views over shared memory element by element (about
 * 75 ms for three 1 MiB views, measured), while a bare SharedArrayBuffer is shared at once.
 */
export type GemmWire = Omit<GemmJob, "ctl" | "a" | "b" | "c"> & {
  readonly ctl: SharedArrayBuffer;
  readonly a: WireArray;
  readonly b: WireArray;
  readonly c: WireArray;
};

function toWire(x: FloatArray): WireArray {
  return {
    sab: x.buffer as SharedArrayBuffer,
    byteOffset: x.byteOffset,
    length: x.length,
    f64: x instanceof Float64Array,
  };
}

function fromWire(w: WireArray): FloatArray {
  return w.f64
    ? new Float64Array(w.sab, w.byteOffset, w.length)
    : new Float32Array(w.sab, w.byteOffset, w.length);
}

/** The job a worker received (see `GemmWire`). */
export function jobFromWire(w: GemmWire): GemmJob {
  return {
    ...w,
    ctl: new Int32Array(w.ctl),
    a: fromWire(w.a),
    b: fromWire(w.b),
    c: fromWire(w.c),
  };
}

/**
 * Claims parts of `job` until none is left and computes them; returns how many it computed.
 * Runs on the main thread and in workers alike.
 */
export function runGemmParts(job: GemmJob): number {
  const { ctl, a, b, c, m, n, k, transA, transB, rowsPerPart, partsPerBatch, parts } = job;
  let done = 0;
  for (;;) {
    const q = Atomics.add(ctl, 0, 1);
    if (q >= parts) return done;
    const bi = Math.floor(q / partsPerBatch);
    const i0 = (q - bi * partsPerBatch) * rowsPerPart;
    gemmRows(
      a,
      bi * job.aBatchStride,
      b,
      bi * job.bBatchStride,
      c,
      bi * m * n,
      m,
      n,
      k,
      transA,
      transB,
      false,
      i0,
      i0 + rowsPerPart,
    );
    Atomics.add(ctl, 1, 1);
    done++;
  }
}

// --- configuration -------------------------------------------------------------------------

interface NodeWorker {
  postMessage(msg: unknown): void;
  on(
    ev: "message",
    fn: (msg: { id: number; error?: string; ready?: boolean }) => void,
  ): void;
  on(ev: "error", fn: (err: unknown) => void): void;
  on(ev: "exit", fn: (code: number) => void): void;
  ref(): void;
  unref(): void;
  terminate(): unknown;
}
type WorkerCtor = new (url: URL) => NodeWorker;

let threadsCache: number | undefined;

function readEnvThreads(): number | undefined {
  try {
    // Ask first, so that a run without --allow-env is not prompted for it.
    const d = (globalThis as { Deno?: typeof Deno }).Deno;
    if (!d) return undefined;
    const q = d.permissions.querySync?.({ name: "env", variable: "MXTS_TS_THREADS" });
    if (q && q.state !== "granted") return undefined;
    const v = d.env.get("MXTS_TS_THREADS");
    if (v === undefined || v.trim() === "") return undefined;
    const t = Number(v);
    return Number.isInteger(t) && t >= 1 ? t : undefined;
  } catch {
    return undefined;
  }
}

/** The node:worker_threads Worker class under Deno, else undefined (no static node: import). */
function workerClass(): WorkerCtor | undefined {
  try {
    const g = globalThis as {
      Deno?: unknown;
      process?: { getBuiltinModule?: (id: string) => { Worker?: WorkerCtor } | undefined };
    };
    if (!g.Deno) return undefined;
    return g.process?.getBuiltinModule?.("node:worker_threads")?.Worker;
  } catch {
    return undefined;
  }
}

/**
 * Threads used for large work, the main thread included: `MXTS_TS_THREADS`, else
 * `navigator.hardwareConcurrency`; 1 where shared memory or workers are unavailable.
 */
export function threadCount(): number {
  if (threadsCache !== undefined) return threadsCache;
  let t = readEnvThreads() ?? (globalThis.navigator?.hardwareConcurrency ?? 1);
  if (
    typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object" ||
    !workerClass()
  ) t = 1;
  return threadsCache = Math.max(1, Math.floor(t));
}

/**
 * A new zero-filled compute array on a SharedArrayBuffer when it is large enough to be worth
 * sharing and threads are in use; undefined otherwise (allocate a plain one).
 */
export function allocShared(dtype: DType, size: number): ComputeArray | undefined {
  const bytes = size * ITEM_SIZE[dtype];
  if (bytes < SHARED_MIN_BYTES || threadCount() <= 1) return undefined;
  const ctor = allocCompute(dtype, 0).constructor as new (b: SharedArrayBuffer) => ComputeArray;
  // int64 is computed as Float64Array: its compute size is 8 bytes, like its item size.
  return new ctor(new SharedArrayBuffer(size * allocCompute(dtype, 0).BYTES_PER_ELEMENT));
}

/** True when the array's memory is a SharedArrayBuffer. */
export function isShared(x: ArrayBufferView): boolean {
  return isSharedBuffer(x.buffer);
}

// --- the worker pool -------------------------------------------------------------------------

interface Pending {
  readonly job: GemmJob;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

let helpers: NodeWorker[] | null = null;
/** Set when a worker failed: everything runs on the main thread from then on. */
let broken = false;
let nextId = 1;
/** Workers that have started and reported ready, and who waits for all of them. */
let readyCount = 0;
const onReady: ((ok: boolean) => void)[] = [];
const waiting = new Map<number, Pending>();

/** Workers keep the process alive only while someone waits for them. */
function updateRef() {
  const on = waiting.size > 0 || onReady.length > 0;
  for (const w of helpers ?? []) on ? w.ref() : w.unref();
}

function fail(why: string) {
  broken = true;
  const ws = helpers ?? [];
  helpers = null;
  for (const w of ws) {
    try {
      w.unref();
      w.terminate();
    } catch { /* already gone */ }
  }
  for (const p of waiting.values()) {
    p.reject(
      new MXNetError(
        `ts backend: a matmul worker failed (${why}); ` +
          `later products run on one thread`,
      ),
    );
  }
  waiting.clear();
  for (const r of onReady.splice(0)) r(false);
}

/** Parts of large products computed so far: by the main thread, and by workers. */
const partsDone = { main: 0, workers: 0 };

/** How the parts of large products were shared out so far (for tests and tuning). */
export function parallelStats(): { threads: number; mainParts: number; workerParts: number } {
  return { threads: threadCount(), mainParts: partsDone.main, workerParts: partsDone.workers };
}

function onReply(msg: { id: number; error?: string; ready?: boolean }) {
  if (msg.error !== undefined) return fail(msg.error);
  if (msg.ready) {
    if (++readyCount === helpers?.length) {
      for (const r of onReady.splice(0)) r(true);
      updateRef();
    }
    return;
  }
  const p = waiting.get(msg.id);
  if (!p || Atomics.load(p.job.ctl, 1) < p.job.parts) return; // stale, or others still busy
  waiting.delete(msg.id);
  updateRef();
  p.resolve();
}

/** False when loading a local worker module would need a read permission we lack (no prompt). */
function mayRead(url: URL): boolean {
  if (url.protocol !== "file:") return true;
  try {
    const d = (globalThis as { Deno?: typeof Deno }).Deno;
    const q = d?.permissions.querySync?.({ name: "read", path: url });
    return !q || q.state === "granted";
  } catch {
    return true;
  }
}

function pool(): NodeWorker[] | null {
  if (helpers || broken) return helpers;
  const W = workerClass();
  const count = threadCount() - 1;
  if (!W || count <= 0) return null;
  const url = new URL("./gemm_worker.ts", import.meta.url);
  if (!mayRead(url)) {
    broken = true; // no read permission for the worker's module: stay on one thread
    return null;
  }
  const ws: NodeWorker[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const w = new W(url);
      w.unref();
      w.on("message", onReply);
      w.on("error", (e) => fail(e instanceof Error ? e.message : String(e)));
      w.on("exit", (code) => {
        if (helpers?.includes(w)) fail(`exited with code ${code}`);
      });
      ws.push(w);
    }
  } catch {
    for (const w of ws) {
      w.unref();
      w.terminate();
    }
    broken = true;
    return null;
  }
  return helpers = ws;
}

/**
 * Starts the worker pool now (it otherwise starts on the first large product, which then runs
 * mostly on the main thread while workers boot) and resolves once every worker is ready: true,
 * or false when large products will run on one thread (threads unavailable or a worker failed).
 */
export function parallelReady(): Promise<boolean> {
  const ws = threadCount() > 1 ? pool() : null;
  if (!ws) return Promise.resolve(false);
  if (readyCount === ws.length) return Promise.resolve(true);
  return new Promise((resolve) => {
    onReady.push(resolve);
    updateRef(); // keep the process alive for the ready messages
  });
}

// --- the matmul entry ------------------------------------------------------------------------

/** The `matmul` kernel's parameters (see backends/backend.ts). */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
}

function toShared<T extends FloatArray>(x: T): T {
  if (isShared(x)) return x;
  const ctor = x.constructor as new (b: SharedArrayBuffer) => T;
  const s = new ctor(new SharedArrayBuffer(x.byteLength));
  s.set(x);
  return s;
}

/**
 * Runs the float `matmul` kernel (C overwritten) on several threads when it is large enough;
 * returns a promise that settles when C is complete, or undefined when the product is not
 * worth splitting (or threads are unavailable) and the caller should run it itself.
 */
export function parallelMatmul(
  A: FloatArray,
  B: FloatArray,
  C: FloatArray,
  p: MatmulParams,
): Promise<void> | undefined {
  const { batch, m, n, k } = p;
  if (m <= 0 || n <= 0 || k <= 0 || batch * m * n * k < PARALLEL_MIN_WORK) return undefined;
  const threads = threadCount();
  if (threads <= 1 || broken) return undefined;
  // Parts: rows of C in multiples of the row tile, at least PARTS_PER_THREAD per thread.
  const perBatch = Math.max(1, Math.ceil((threads * PARTS_PER_THREAD) / batch));
  let rows = Math.ceil(m / perBatch / ROW_ALIGN) * ROW_ALIGN;
  rows = Math.min(m, Math.max(rows, MIN_PART_ROWS));
  const partsPerBatch = Math.ceil(m / rows);
  const parts = batch * partsPerBatch;
  if (parts < 2) return undefined;
  const ws = pool();
  if (!ws) return undefined;
  const c = toShared(C);
  const job: GemmJob = {
    id: nextId++,
    ctl: new Int32Array(new SharedArrayBuffer(8)),
    a: toShared(A),
    b: toShared(B),
    c,
    batch,
    m,
    n,
    k,
    transA: p.transA,
    transB: p.transB,
    aBatchStride: p.aBatchStride,
    bBatchStride: p.bBatchStride,
    rowsPerPart: rows,
    partsPerBatch,
    parts,
  };
  const wire: GemmWire = {
    ...job,
    ctl: job.ctl.buffer as SharedArrayBuffer,
    a: toWire(job.a),
    b: toWire(job.b),
    c: toWire(job.c),
  };
  for (const w of ws) w.postMessage(wire);
  const mine = runGemmParts(job);
  // Every part is done by someone once the job completes: the rest ran (or runs) on workers.
  partsDone.main += mine;
  partsDone.workers += parts - mine;
  const finish = () => {
    if (c !== C) C.set(c);
  };
  if (Atomics.load(job.ctl, 1) >= parts) {
    finish();
    return Promise.resolve();
  }
  // A worker still holds a part: wait for its reply (workers are ref'd meanwhile).
  return new Promise<void>((resolve, reject) => {
    waiting.set(job.id, {
      job,
      resolve: () => {
        finish();
        resolve();
      },
      reject,
    });
    updateRef();
  });
}
