/**
 * The MPI binding's own allreduce for small chunks: recursive doubling with
 * point-to-point messages (tag `ALLREDUCE_TAG`) and MPI_Reduce_local. Each step is
 * started with synchronous calls and polled with MPI_Testall for a short, adaptive
 * budget; a step that has not completed by then is waited for on a blocking thread
 * (MPI_Waitall) under the binding's timeout/abort machinery.
 *
 * Where the native library (ffi/, `mx_mpi_allreduce`) is loaded, the whole synchronous
 * part (every step's MPI_Irecv/MPI_Isend, the spin and the reductions) is one call into
 * it; otherwise (TS-only installs, MXTS_MPI_NATIVE=0, MXTS_CPU_BACKEND=ts) the same
 * protocol runs here, one FFI call per MPI call. Both send the same messages, so ranks
 * on either path work together.
 * @module
 */
import { loadNative, takeError } from "../../../backends/native/load.ts";
import type { NativeLibrary } from "../../../backends/native/symbols.ts";
import { MXNetError } from "../../core/errors.ts";
import type { Comm, MpiArray, MpiLib } from "./mpi.ts";
import { env } from "../../core/env.ts";

function envNumber(name: string, fallback: number): number {
  const v = Number(env(name) ?? fallback);
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** Tag of the point-to-point messages of `Mpi.allreduce` (collectives use no user tags). */
export const ALLREDUCE_TAG = 32000;

/**
 * Chunks of up to this many bytes are reduced by the binding's own point-to-point
 * algorithm (MXTS_MPI_P2P_BYTES; 0 turns it off). Must be the same on every rank.
 */
export function p2pMaxBytes(): number {
  return envNumber("MXTS_MPI_P2P_BYTES", DEFAULT_P2P_MAX_BYTES);
}
const DEFAULT_P2P_MAX_BYTES = 4 << 20;

/**
 * How long (µs) a point-to-point step is polled from the calling thread before it is
 * waited for on a blocking thread instead (MXTS_MPI_SPIN_US).
 */
export function spinMicros(): number {
  return envNumber("MXTS_MPI_SPIN_US", 200);
}

/**
 * Smallest adaptive spin budget (ms): never 0, or one slow step would hand every later
 * one to a thread, and the thread's latency keeps the peers out of step.
 */
const SPIN_FLOOR_MS = 0.005;

/**
 * A step's spin budget also covers the transfer itself, at this many bytes per ms
 * (2 GB/s, under what shared memory moves): a big step whose peer is already there is
 * polled to the end, not handed to a thread just because its data takes a while to copy.
 */
const SPIN_BYTES_PER_MS = 2e6;

const STEP_SEND = 0, STEP_RECV = 1, STEP_RECV_REDUCE = 2, STEP_EXCHANGE = 3;
const STEP_HALVE = 4, STEP_GATHER = 5;

/** One step of a rank's allreduce plan. */
export interface Step {
  kind:
    | typeof STEP_SEND
    | typeof STEP_RECV
    | typeof STEP_RECV_REDUCE
    | typeof STEP_EXCHANGE
    | typeof STEP_HALVE
    | typeof STEP_GATHER;
  peer: number;
  /** Halving and gathering steps: this rank holds the lower half of the split range. */
  lower?: boolean;
}

/**
 * Chunks of at least this many bytes are reduced by recursive halving (reduce-scatter)
 * and then doubling (allgather) instead of recursive doubling: each rank then adds up
 * only its share of the elements, which is what bounds big chunks.
 */
const HALVING_MIN_BYTES = 2 << 20;

/**
 * The steps of recursive doubling for `rank` of `size` (MPICH's allreduce for
 * non-powers of two: the first 2*rem ranks pair up, the even one of each pair hands
 * its data to the odd one and gets the result back at the end). With `halving`, the
 * exchanges are recursive halving (reduce-scatter) and then gathering steps in the
 * reverse order (allgather): Rabenseifner's algorithm.
 */
export function doublingPlan(rank: number, size: number, halving = false): Step[] {
  let p2 = 1;
  while (p2 * 2 <= size) p2 *= 2;
  const rem = size - p2, steps: Step[] = [];
  let newRank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      steps.push({ kind: STEP_SEND, peer: rank + 1 });
      newRank = -1;
    } else {
      steps.push({ kind: STEP_RECV_REDUCE, peer: rank - 1 });
      newRank = rank >> 1;
    }
  } else newRank = rank - rem;
  if (newRank >= 0) {
    const peer = (mask: number) => {
      const pn = newRank ^ mask;
      return pn < rem ? pn * 2 + 1 : pn + rem;
    };
    for (let mask = 1; mask < p2; mask <<= 1) {
      steps.push(
        halving
          ? { kind: STEP_HALVE, peer: peer(mask), lower: (newRank & mask) === 0 }
          : { kind: STEP_EXCHANGE, peer: peer(mask) },
      );
    }
    for (let mask = p2 >> 1; halving && mask >= 1; mask >>= 1) {
      steps.push({ kind: STEP_GATHER, peer: peer(mask), lower: (newRank & mask) === 0 });
    }
  }
  if (rank < 2 * rem) {
    steps.push(
      rank % 2 === 0 ? { kind: STEP_RECV, peer: rank + 1 } : {
        kind: STEP_SEND,
        peer: rank - 1,
      },
    );
  }
  return steps;
}

/** A communicator's rank, size and plans, and their argument blocks for the native path. */
export interface CommInfo {
  comm: Comm;
  rank: number;
  size: number;
  /** Recursive doubling. */
  plan: Step[];
  /** Halving then gathering (big chunks; made on first use). */
  halving?: Step[];
  /** `mx_mpi_allreduce`'s argument blocks with the per-plan fields set. */
  block?: Float64Array;
  blockHalving?: Float64Array;
}

/** A range of elements: first, count. */
type Range = [number, number];

/**
 * The element ranges of halving/gathering step `i` of `plan` on `len` elements: this
 * rank's and the peer's. A halving step splits the range both hold in two (the rank
 * whose step says `lower` keeps the lower `n >> 1` elements); a gathering step undoes
 * the latest split not yet undone. ffi/src/mpi.rs's `ranges` computes the same.
 */
export function halvingRanges(plan: Step[], i: number, len: number): [Range, Range] {
  const stack: [Range, boolean][] = [];
  let cur: Range = [0, len];
  const halves = ([a, n]: Range, lower: boolean): [Range, Range] => {
    const lo: Range = [a, n >> 1], hi: Range = [a + (n >> 1), n - (n >> 1)];
    return lower ? [lo, hi] : [hi, lo];
  };
  for (let j = 0; j <= i; j++) {
    const { kind, lower = false } = plan[j];
    if (kind === STEP_HALVE) {
      const h = halves(cur, lower);
      if (j === i) return h;
      stack.push([cur, lower]);
      cur = h[0];
    } else if (kind === STEP_GATHER) {
      const [parent, low] = stack.pop()!;
      if (j === i) return halves(parent, low);
      cur = parent;
    }
  }
  throw new MXNetError(`allreduce: step ${i} is not a halving step`);
}

/** Payload bytes per segment: under the shared-memory transport's 4 KiB eager limit. */
const SEGMENT_BYTES = 4000;
/** Chunks up to this size go as eager segments; bigger ones as one message. */
const SEGMENTED_MAX_BYTES = 64 << 10;
const MAX_REQUESTS = 2 * Math.ceil(SEGMENTED_MAX_BYTES / 3200) + 2;

const addresses = new WeakMap<ArrayBufferLike, number>();

/**
 * The address of a typed array's first element (or of an ArrayBuffer), as a number
 * (user-space addresses fit in 53 bits). Taking `.buffer` moves a small typed array's
 * data off the V8 heap for good, so the address of the buffer stays valid for its
 * lifetime and is cached per buffer.
 */
export function addressOf(a: MpiArray | ArrayBuffer): number {
  const ab = a instanceof ArrayBuffer ? a : a.buffer;
  let base = addresses.get(ab);
  if (base === undefined) {
    base = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(ab)));
    addresses.set(ab, base);
  }
  return a instanceof ArrayBuffer ? base : base + a.byteOffset;
}

/** Off-heap request handles, completion flag and receive buffer of one allreduce. */
interface Scratch {
  reqs: BigUint64Array;
  /** Address of the first request slot, and of each (the TS path's arguments). */
  reqBase: number;
  reqAddrs: bigint[];
  flag: Int32Array;
  flagAddr: bigint;
  tmp: ArrayBuffer;
  tmpAddr: number;
  /** Bytes the current run's caller owns from its data address and its source address. */
  bufBytes: number;
  srcBytes: number;
}

/**
 * The bytes of `arr` from address `addr` to its end, after checking that `bytes` bytes from
 * `addr` lie inside `arr` (`what`: "data", "source"): the library reads and writes that
 * range, so an address outside the array must not reach it.
 */
export function bytesFrom(
  addr: number,
  bytes: number,
  arr: MpiArray | undefined,
  what: string,
): number {
  const start = arr ? addressOf(arr) : 0, end = start + (arr?.byteLength ?? 0);
  if (!arr || addr < start || addr + bytes > end) {
    throw new MXNetError(
      `allreduce: ${bytes} bytes of ${what} at ${addr} are not inside its array ` +
        (arr ? `(${arr.byteLength} bytes at ${start})` : "(none given)"),
    );
  }
  return end - addr;
}

function newScratch(): Scratch {
  const reqs = new BigUint64Array(new ArrayBuffer(8 * MAX_REQUESTS));
  const flag = new Int32Array(new ArrayBuffer(4));
  const tmp = new ArrayBuffer(4096), base = addressOf(reqs.buffer);
  return {
    reqs,
    reqBase: base,
    reqAddrs: Array.from({ length: MAX_REQUESTS }, (_, i) => BigInt(base + 8 * i)),
    flag,
    flagAddr: BigInt(addressOf(flag.buffer)),
    tmp,
    tmpAddr: addressOf(tmp),
    bufBytes: 0,
    srcBytes: 0,
  };
}

/** Timeout and name of a wait. */
export interface WaitOpts {
  timeoutMs?: number;
  what?: string;
}

/** How the binding waits for a nonblocking call (timeout, abort, in-flight count). */
export type Waiter = (
  call: Promise<number>,
  opts: WaitOpts,
  fn: string,
  keep: readonly unknown[],
) => Promise<void>;

/** An allreduce with a step left to wait for. */
interface DoublingRun {
  plan: Step[];
  /** The plan's argument block (native path). */
  block: Float64Array | undefined;
  buf: number;
  /** Address of the source when out of place (read by step 0 only), else 0. */
  src: number;
  len: number;
  item: number;
  seg: number;
  dt: Deno.PointerValue;
  sc: Scratch;
  info: CommInfo;
  opts: WaitOpts;
  keep: MpiArray;
  /** The source array when out of place (kept alive while a step waits). */
  keepSrc: MpiArray | undefined;
}

// `mx_mpi_allreduce`'s argument block (ffi/src/mpi.rs has the same layout); the plan's
// steps follow the header as (kind, peer, lower) triples.
const B_BUF = 1, B_LEN = 2, B_ITEM = 3, B_SEG = 4, B_DTYPE = 5, B_OP = 6, B_COMM = 7;
const B_TAG = 8, B_REQS = 9, B_MAX_REQS = 10, B_TMP = 11, B_TMP_BYTES = 12;
const B_SPIN_NOW = 13, B_SPIN_MAX = 14, B_SPIN_FLOOR = 15, B_STEP = 16, B_COUNT = 17;
const B_POLLED = 18, B_NSTEPS = 19, B_SPIN_EXTRA = 20, B_SRC = 21;
// The bytes owned from the data address, from the source address and at the request slots:
// the library checks every message, reduce and slot against them.
const B_BUF_BYTES = 22, B_SRC_BYTES = 23, B_REQS_BYTES = 24, B_PLAN = 25;
const NATIVE_DONE = 0, NATIVE_PENDING = -1;
/** Version of that layout (ffi/src/mpi.rs's LAYOUT); a library with another is not used. */
const BLOCK_LAYOUT = 4;

type NativeSymbols = NativeLibrary["symbols"];

/**
 * The native library's allreduce bound to the libmpi at `libmpiPath`, or undefined
 * (not built, built before it, or turned off) with the TS path taking over.
 */
function bindNative(libmpiPath: string): NativeSymbols | undefined {
  if (env("MXTS_MPI_NATIVE") === "0" || env("MXTS_CPU_BACKEND") === "ts") return undefined;
  const sym = loadNative()?.lib.symbols;
  if (!sym?.mx_mpi_bind || !sym.mx_mpi_allreduce) return undefined;
  const path = new TextEncoder().encode(libmpiPath);
  const ptr = Deno.UnsafePointer.value(Deno.UnsafePointer.of(path));
  const code = sym.mx_mpi_bind(new Float64Array([4, Number(ptr), path.length, BLOCK_LAYOUT]));
  if (code !== 0) {
    // The library is there but cannot reach this libmpi: say why once, keep working.
    console.warn(`mxts: MPI allreduce runs its TS path: ${takeError(sym, code)}`);
    return undefined;
  }
  return sym;
}

/** The point-to-point allreduce of one `Mpi` (see the module doc). */
export class P2pAllreduce {
  readonly #lib: MpiLib;
  readonly #wait: Waiter;
  readonly #native: NativeSymbols | undefined;
  readonly #scratchPool: Scratch[] = [];
  readonly #p2pMax = p2pMaxBytes();
  readonly #spinMs = spinMicros() / 1000;
  /** The current (adaptive) spin budget in ms; see `#spin`. */
  #spinNowMs = this.#spinMs;
  readonly #dtypes: Map<Deno.PointerValue, number>;
  readonly #op: number;
  /**
   * Steps that completed while polled on the calling thread (`polled`) and that were
   * handed to a blocking thread (`waited`), for diagnostics.
   */
  readonly steps = { polled: 0, waited: 0 };

  constructor(lib: MpiLib, wait: Waiter, libmpiPath: string) {
    this.#lib = lib;
    this.#wait = wait;
    this.#native = bindNative(libmpiPath);
    const num = (p: Deno.PointerValue) => Number(Deno.UnsafePointer.value(p));
    this.#dtypes = new Map(
      [lib.ompi_mpi_float, lib.ompi_mpi_double, lib.ompi_mpi_int].map((p) => [p, num(p)]),
    );
    this.#op = num(lib.ompi_mpi_op_sum);
  }

  /** True when the native library runs the synchronous part. */
  get native(): boolean {
    return this.#native !== undefined;
  }

  /** Chunks of up to this many bytes go through `run`. */
  get maxBytes(): number {
    return this.#p2pMax;
  }

  /**
   * Recursive-doubling allreduce on `len` elements of `arr`'s type at address `buf`
   * (inside `arr`), with datatype `dt`: in place, or, with a source address `src`
   * (inside `srcArr`, not overlapping `buf`'s elements), of the source into `buf`
   * without copying it there first: the plan's first step sends from the source,
   * receives the peer's data straight into `buf` and reduces the source into it (sums
   * commute bit for bit, so the result is the in-place one); later steps run in place.
   * Returns undefined when it finished without waiting, else a promise for the rest.
   */
  run(
    buf: number,
    len: number,
    arr: MpiArray,
    dt: Deno.PointerValue,
    info: CommInfo,
    opts: WaitOpts,
    src = 0,
    srcArr?: MpiArray,
  ): Promise<void> | undefined {
    if (src === buf) src = 0;
    const item = arr.BYTES_PER_ELEMENT, bytes = len * item;
    const bufBytes = bytesFrom(buf, bytes, arr, "data");
    const srcBytes = src === 0 ? 0 : bytesFrom(src, bytes, srcArr, "source");
    const sc = this.#scratchPool.pop() ?? newScratch();
    sc.bufBytes = bufBytes;
    sc.srcBytes = srcBytes;
    if (sc.tmp.byteLength < bytes) {
      sc.tmp = new ArrayBuffer(Math.max(bytes, Math.min(this.#p2pMax, 2 * sc.tmp.byteLength)));
      sc.tmpAddr = addressOf(sc.tmp);
    }
    // Messages that fit the shared-memory eager limit go without a rendezvous: small
    // chunks are sent as several such segments at once.
    const seg = bytes <= SEGMENTED_MAX_BYTES ? Math.floor(SEGMENT_BYTES / item) : len;
    const halving = bytes >= HALVING_MIN_BYTES;
    const plan = halving ? info.halving ??= doublingPlan(info.rank, info.size, true) : info.plan;
    let block: Float64Array | undefined;
    if (this.#native) {
      block = halving
        ? info.blockHalving ??= this.#newBlock(info, plan)
        : info.block ??= this.#newBlock(info, plan);
      // The fast path allocates nothing unless a step is left pending.
      let r: number;
      try {
        r = this.#callNative(block, buf, src, len, item, seg, dt, sc, 0);
      } catch (e) {
        this.#scratchPool.push(sc);
        throw e;
      }
      if (r === NATIVE_DONE) {
        this.#scratchPool.push(sc);
        return undefined;
      }
    }
    const run: DoublingRun = {
      plan,
      block,
      buf,
      src,
      len,
      item,
      seg,
      dt,
      sc,
      info,
      opts,
      keep: arr,
      keepSrc: srcArr,
    };
    if (block) {
      return this.#stepsAsync(run, block[B_STEP], block[B_COUNT])
        .finally(() => this.#scratchPool.push(sc));
    }
    let p: Promise<void> | undefined;
    try {
      p = this.#steps(run, 0);
    } finally {
      if (!p) this.#scratchPool.push(sc);
    }
    return p?.finally(() => this.#scratchPool.push(sc));
  }

  /**
   * Runs plan steps from `i` in the native library: NATIVE_DONE, or NATIVE_PENDING with
   * the step and its request count in `b`; throws on an MPI error.
   */
  #callNative(
    b: Float64Array,
    buf: number,
    src: number,
    len: number,
    item: number,
    seg: number,
    dt: Deno.PointerValue,
    sc: Scratch,
    i: number,
  ): number {
    const sym = this.#native!;
    b[B_BUF] = buf;
    b[B_SRC] = src;
    b[B_LEN] = len;
    b[B_ITEM] = item;
    b[B_SEG] = seg;
    b[B_DTYPE] = this.#dtypes.get(dt)!;
    b[B_REQS] = sc.reqBase;
    b[B_TMP] = sc.tmpAddr;
    b[B_TMP_BYTES] = sc.tmp.byteLength;
    b[B_BUF_BYTES] = sc.bufBytes;
    b[B_SRC_BYTES] = sc.srcBytes;
    b[B_REQS_BYTES] = sc.reqs.byteLength;
    b[B_SPIN_NOW] = this.#spinNowMs * 1000;
    b[B_STEP] = i;
    b[B_SPIN_EXTRA] = (len * item * 1000) / SPIN_BYTES_PER_MS;
    const r = sym.mx_mpi_allreduce!(b);
    if (r !== NATIVE_DONE && r !== NATIVE_PENDING) throw new MXNetError(takeError(sym, r));
    this.#spinNowMs = b[B_SPIN_NOW] / 1000;
    this.steps.polled += b[B_POLLED];
    if (r === NATIVE_PENDING) this.steps.waited++;
    return r;
  }

  #newBlock(info: CommInfo, plan: Step[]): Float64Array {
    const b = new Float64Array(B_PLAN + 3 * plan.length);
    b[0] = b.length;
    b[B_OP] = this.#op;
    b[B_COMM] = Number(Deno.UnsafePointer.value(info.comm));
    b[B_TAG] = ALLREDUCE_TAG;
    b[B_MAX_REQS] = MAX_REQUESTS;
    b[B_SPIN_MAX] = this.#spinMs * 1000;
    b[B_SPIN_FLOOR] = SPIN_FLOOR_MS * 1000;
    b[B_NSTEPS] = plan.length;
    plan.forEach((s, k) => {
      b[B_PLAN + 3 * k] = s.kind;
      b[B_PLAN + 3 * k + 1] = s.peer;
      b[B_PLAN + 3 * k + 2] = s.lower ? 1 : 0;
    });
    return b;
  }

  /** Runs plan steps from `i`; undefined when all completed here, else a promise. */
  #steps(run: DoublingRun, i: number): Promise<void> | undefined {
    if (this.#native) {
      const { block, buf, src, len, item, seg, dt, sc } = run;
      if (this.#callNative(block!, buf, src, len, item, seg, dt, sc, i) === NATIVE_DONE) {
        return undefined;
      }
      return this.#stepsAsync(run, block![B_STEP], block![B_COUNT]);
    }
    const lib = this.#lib, { plan, sc, len, dt, item, seg } = run;
    const comm = run.info.comm, tmp = BigInt(sc.tmpAddr), buf = BigInt(run.buf);
    const src = run.src !== 0 ? BigInt(run.src) : buf;
    for (; i < plan.length; i++) {
      const { kind, peer } = plan[i];
      const reqs = sc.reqAddrs;
      // Out of place, the first step reads the source and receives into `buf`.
      const oop = i === 0 && run.src !== 0;
      const sendBase = oop ? src : buf, into = oop ? buf : tmp;
      // MPI_Reduce_local's input: the peer's data, or out of place the source.
      const redIn = oop ? sendBase : tmp;
      if (kind === STEP_HALVE || kind === STEP_GATHER) {
        // One message each way on element ranges (halving runs on big chunks only).
        const [[mine, mineN], [other, otherN]] = halvingRanges(plan, i, len);
        const at = (base: bigint, el: number) => base + BigInt(el * item);
        const [to, toN, from, fromN] = kind === STEP_HALVE
          ? [at(into, mine), mineN, at(sendBase, other), otherN]
          : [at(buf, other), otherN, at(buf, mine), mineN];
        check(
          lib.MPI_Irecv(to, toN, dt, peer, ALLREDUCE_TAG, comm, reqs[0]) |
            lib.MPI_Isend(from, fromN, dt, peer, ALLREDUCE_TAG, comm, reqs[1]),
          "MPI_Isend/MPI_Irecv",
        );
        if (!this.#spin(2, sc, (len * item) / SPIN_BYTES_PER_MS)) {
          this.steps.waited++;
          return this.#stepsAsync(run, i, 2);
        }
        this.steps.polled++;
        if (kind === STEP_HALVE) {
          const sum = lib.ompi_mpi_op_sum;
          check(
            lib.MPI_Reduce_local(at(redIn, mine), at(buf, mine), mineN, dt, sum),
            "MPI_Reduce_local",
          );
        }
        continue;
      }
      const recvTo = kind === STEP_RECV ? buf : kind === STEP_SEND ? -1n : into;
      const sends = kind === STEP_SEND || kind === STEP_EXCHANGE;
      let count = 0, code = 0;
      for (let at = 0; at < len; at += seg) {
        const l = Math.min(seg, len - at), off = at === 0 ? 0n : BigInt(at * item);
        if (recvTo >= 0n) {
          code |= lib.MPI_Irecv(recvTo + off, l, dt, peer, ALLREDUCE_TAG, comm, reqs[count++]);
        }
        if (sends) {
          code |= lib.MPI_Isend(sendBase + off, l, dt, peer, ALLREDUCE_TAG, comm, reqs[count++]);
        }
      }
      check(code, "MPI_Isend/MPI_Irecv");
      if (!this.#spin(count, sc, (len * item) / SPIN_BYTES_PER_MS)) {
        this.steps.waited++;
        return this.#stepsAsync(run, i, count);
      }
      this.steps.polled++;
      if (kind === STEP_RECV_REDUCE || kind === STEP_EXCHANGE) {
        check(lib.MPI_Reduce_local(redIn, buf, len, dt, lib.ompi_mpi_op_sum), "MPI_Reduce_local");
      }
    }
    return undefined;
  }

  /** Waits for step `i`'s `count` requests on a blocking thread, then runs the rest. */
  async #stepsAsync(run: DoublingRun, i: number, count: number): Promise<void> {
    const lib = this.#lib, { sc } = run;
    const handedOff = performance.now();
    await this.#wait(
      lib.MPI_Waitall(count, sc.reqAddrs[0], 0n),
      run.opts,
      "MPI_Allreduce",
      [sc, run.keep, run.keepSrc],
    );
    this.#learnLateness(performance.now() - handedOff);
    const kind = run.plan[i].kind;
    if (kind === STEP_RECV_REDUCE || kind === STEP_EXCHANGE || kind === STEP_HALVE) {
      const [first, n] = kind === STEP_HALVE
        ? halvingRanges(run.plan, i, run.len)[0]
        : [0, run.len];
      const off = first * run.item;
      // Out of place, step 0 received the peer's data into `buf`: the input is the source.
      const input = i === 0 && run.src !== 0 ? run.src : sc.tmpAddr;
      check(
        lib.MPI_Reduce_local(
          BigInt(input + off),
          BigInt(run.buf + off),
          n,
          run.dt,
          lib.ompi_mpi_op_sum,
        ),
        "MPI_Reduce_local",
      );
    }
    const rest = this.#steps(run, i + 1);
    if (rest) await rest;
  }

  /**
   * After a step waited `waitedMs` on a thread: a wait shorter than the largest budget
   * means the peer was only a little late — typically because it was itself coming back
   * from a thread, whose wake-up takes tens of µs. Spinning twice that long next time
   * lets both ranks meet while polling again; without it both can stay in a stable slow
   * rhythm of thread hand-offs (measured: 1 MiB allreduces at 600 µs instead of 115 µs,
   * until the process ended). A longer wait (a peer still computing) keeps the quartered
   * budget, so uneven training steps do not burn the thread in polls.
   */
  #learnLateness(waitedMs: number): void {
    if (waitedMs < this.#spinMs) {
      this.#spinNowMs = Math.min(this.#spinMs, Math.max(this.#spinNowMs, 2 * waitedMs));
    }
  }

  /**
   * Polls the requests for up to the current spin budget plus `extraMs` (the transfer's
   * own time); true once all completed. The budget adapts: it doubles (up to `spinMicros()`) after a step completed while polled
   * and drops to a quarter (not under 5 µs) after one that had to be handed to a thread,
   * so a program whose peers arrive late (training with uneven compute) stops burning its
   * thread in polls, while back-to-back collectives keep the full budget.
   */
  #spin(count: number, sc: Scratch, extraMs: number): boolean {
    const lib = this.#lib, flag = sc.flag, reqs = sc.reqAddrs[0], flagAddr = sc.flagAddr;
    flag[0] = 0;
    const budget = this.#spinNowMs;
    check(lib.MPI_Testall(count, reqs, flagAddr, 0n), "MPI_Testall");
    if (flag[0]) {
      if (budget < this.#spinMs) {
        this.#spinNowMs = Math.min(this.#spinMs, Math.max(SPIN_FLOOR_MS, 2 * budget));
      }
      return true;
    }
    if (budget + extraMs > 0) {
      const end = performance.now() + budget + extraMs;
      for (;;) {
        for (let k = 0; k < 8; k++) {
          check(lib.MPI_Testall(count, reqs, flagAddr, 0n), "MPI_Testall");
          if (flag[0]) {
            this.#spinNowMs = Math.min(this.#spinMs, Math.max(SPIN_FLOOR_MS, 2 * budget));
            return true;
          }
        }
        if (performance.now() >= end) break;
      }
    }
    this.#spinNowMs = Math.min(this.#spinMs, Math.max(SPIN_FLOOR_MS, budget / 4));
    return false;
  }
}

function check(code: number, what: string): void {
  if (code !== 0) throw new MXNetError(`${what}: MPI error code ${code}`);
}
