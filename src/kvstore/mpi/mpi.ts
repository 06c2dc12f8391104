/**
 * The one module that talks to libmpi (OpenMPI 4, through Deno FFI). OpenMPI's handles
 * (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`, ...) are the addresses of global symbols,
 * read here as FFI statics. MPI starts with `MPI_THREAD_MULTIPLE` because collectives and
 * receives run as nonblocking FFI calls on Deno's blocking-thread pool, so the event loop
 * (and the dependency engine) keep going while they wait. Allreduce of up to
 * `p2pMaxBytes()` is the exception: it is started with synchronous point-to-point calls
 * and polled briefly on the calling thread (a round trip through the thread pool costs
 * more than the whole reduction of a small array), and moves to the thread pool only
 * when it has to wait (p2p.ts; its synchronous part is one call into the native library
 * where that is built); bigger arrays are reduced in pieces of that size. Without
 * `mpirun` the process is a singleton: rank 0 of 1.
 *
 * Every wait takes a timeout: when it passes the job is aborted with `MPI_Abort` and a
 * message naming the operation, because a thread blocked inside MPI cannot be cancelled.
 * @module
 */
import { MXNetError, UnsupportedError } from "../../core/errors.ts";
import { addressOf, type CommInfo, doublingPlan, P2pAllreduce } from "./p2p.ts";
import { env } from "../../core/env.ts";

export { ALLREDUCE_TAG, doublingPlan, p2pMaxBytes, spinMicros } from "./p2p.ts";

const SYMBOLS = {
  MPI_Init_thread: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  MPI_Initialized: { parameters: ["buffer"], result: "i32" },
  MPI_Finalize: { parameters: [], result: "i32" },
  MPI_Abort: { parameters: ["pointer", "i32"], result: "i32" },
  MPI_Comm_rank: { parameters: ["pointer", "buffer"], result: "i32" },
  MPI_Comm_size: { parameters: ["pointer", "buffer"], result: "i32" },
  MPI_Comm_split: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  MPI_Comm_dup: { parameters: ["pointer", "buffer"], result: "i32" },
  MPI_Allreduce: {
    parameters: ["pointer", "pointer", "i32", "pointer", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  MPI_Allreduce_sync: {
    name: "MPI_Allreduce",
    parameters: ["pointer", "pointer", "i32", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  MPI_Bcast: {
    parameters: ["pointer", "i32", "pointer", "i32", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  MPI_Allgather: {
    parameters: ["pointer", "i32", "pointer", "pointer", "i32", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  MPI_Barrier: { parameters: ["pointer"], result: "i32", nonblocking: true },
  // Started here and polled on this thread (kvstore.init must return with the answer).
  MPI_Iallgather: {
    parameters: ["buffer", "i32", "pointer", "buffer", "i32", "pointer", "pointer", "buffer"],
    result: "i32",
  },
  MPI_Test: { parameters: ["buffer", "buffer", "usize"], result: "i32" },
  // Small messages at exit (the event loop has ended): eager, returns at once.
  MPI_Send_sync: {
    name: "MPI_Send",
    parameters: ["buffer", "i32", "pointer", "i32", "i32", "pointer"],
    result: "i32",
  },
  // A message iprobe has seen: it is there, the receive returns at once.
  MPI_Recv_sync: {
    name: "MPI_Recv",
    parameters: ["buffer", "i32", "pointer", "i32", "i32", "pointer", "usize"],
    result: "i32",
  },
  MPI_Send: {
    parameters: ["pointer", "i32", "pointer", "i32", "i32", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  MPI_Recv: {
    parameters: ["pointer", "i32", "pointer", "i32", "i32", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  MPI_Probe: { parameters: ["i32", "i32", "pointer", "pointer"], result: "i32", nonblocking: true },
  // The allreduce fast path passes memory as integer addresses (no pointer objects per call).
  MPI_Isend: {
    parameters: ["usize", "i32", "pointer", "i32", "i32", "pointer", "usize"],
    result: "i32",
  },
  MPI_Irecv: {
    parameters: ["usize", "i32", "pointer", "i32", "i32", "pointer", "usize"],
    result: "i32",
  },
  MPI_Testall: { parameters: ["i32", "usize", "usize", "usize"], result: "i32" },
  MPI_Waitall: { parameters: ["i32", "usize", "usize"], result: "i32", nonblocking: true },
  MPI_Reduce_local: {
    parameters: ["usize", "usize", "i32", "pointer", "pointer"],
    result: "i32",
  },
  MPI_Iprobe: { parameters: ["i32", "i32", "pointer", "buffer", "buffer"], result: "i32" },
  MPI_Get_count: { parameters: ["buffer", "pointer", "buffer"], result: "i32" },
  ompi_mpi_comm_world: { type: "pointer" },
  ompi_mpi_byte: { type: "pointer" },
  ompi_mpi_int: { type: "pointer" },
  ompi_mpi_float: { type: "pointer" },
  ompi_mpi_double: { type: "pointer" },
  ompi_mpi_op_sum: { type: "pointer" },
} as const;

/** The libmpi symbols the binding uses. */
export type MpiLib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
type Lib = MpiLib;
/** An MPI communicator handle. */
export type Comm = Deno.PointerValue;
/** Element types MPI reduces here. */
export type MpiArray = Float32Array | Float64Array | Int32Array;

/** Options of `Mpi.allreduce` (see there). */
export interface AllreduceOptions {
  /** Elements per reduction (MXNet's MXNET_KVSTORE_BIGARRAY_BOUND); default: all. */
  chunk?: number;
  timeoutMs?: number;
  /** Names the operation in errors. */
  what?: string;
}

const MPI_THREAD_MULTIPLE = 3;
const MPI_ANY_SOURCE = -1;
const MPI_ANY_TAG = -1;
// OpenMPI's MPI_Status: MPI_SOURCE, MPI_TAG, MPI_ERROR, _cancelled (int each), _ucount.
const STATUS_BYTES = 24;

/** Where libmpi is looked for (MXTS_LIBMPI overrides). */
const CANDIDATES = ["libmpi.so.40", "libmpi.so", "/usr/lib/x86_64-linux-gnu/libmpi.so.40"];

/** Source and tag of a probed message, and its size in bytes. */
export interface Envelope {
  /** Sender's rank in the communicator. */
  source: number;
  /** Message tag. */
  tag: number;
  /** Size in bytes. */
  bytes: number;
}

/** Collective wait limit in ms from MXTS_KVSTORE_TIMEOUT (seconds; 0: none; default 600). */
export function defaultTimeoutMs(): number {
  const v = Number(env("MXTS_KVSTORE_TIMEOUT") ?? 600);
  return Number.isFinite(v) && v > 0 ? v * 1000 : 0;
}

/** The MPI runtime of this process (one per process; see `mpi()`). */
export class Mpi {
  readonly #lib: Lib;
  /** MPI_COMM_WORLD. */
  readonly world: Comm;
  /** This process's rank in MPI_COMM_WORLD. */
  readonly rank: number;
  /** Number of processes in MPI_COMM_WORLD. */
  readonly size: number;
  /** Nonblocking calls not yet returned; MPI_Finalize must not run while any is. */
  #inFlight = 0;
  #finalized = false;
  #aborting = false;
  /** Called (in order) before MPI_Finalize, while the event loop still runs. */
  readonly #beforeFinalize: (() => Promise<void>)[] = [];
  /** Called (in order, synchronously) when the process exits, before MPI_Finalize. */
  readonly #atExit: (() => void)[] = [];
  readonly #comms = new Map<object, CommInfo>();
  readonly #p2p: P2pAllreduce;
  #timeoutReport: (() => Promise<string>) | null = null;

  /**
   * Point-to-point allreduce steps that completed while polled on the calling thread
   * (`polled`) and that were handed to a blocking thread (`waited`), for diagnostics.
   */
  get allreduceSteps(): { readonly polled: number; readonly waited: number } {
    return this.#p2p.steps;
  }

  /** True when the native library runs the point-to-point allreduce (src/kvstore/mpi/p2p.ts). */
  get nativeAllreduce(): boolean {
    return this.#p2p.native;
  }

  /** Use `mpi()`. */
  constructor(lib: Lib, path = "libmpi.so.40") {
    this.#lib = lib;
    const provided = new Int32Array(1);
    this.#check(lib.MPI_Init_thread(null, null, MPI_THREAD_MULTIPLE, provided), "MPI_Init_thread");
    if (provided[0] < MPI_THREAD_MULTIPLE) {
      throw new UnsupportedError(
        `MPI_Init_thread: libmpi provides thread level ${provided[0]}, the kvstore needs ` +
          `MPI_THREAD_MULTIPLE (${MPI_THREAD_MULTIPLE}); use an OpenMPI built with thread support`,
      );
    }
    this.world = lib.ompi_mpi_comm_world;
    this.rank = this.commRank(this.world);
    this.size = this.commSize(this.world);
    this.#p2p = new P2pAllreduce(lib, (c, o, f, k) => this.#wait(c, o, f, k), path);
    this.#installExitHooks();
  }

  /** Rank of this process in `comm`. */
  commRank(comm: Comm): number {
    const r = new Int32Array(1);
    this.#check(this.#lib.MPI_Comm_rank(comm, r), "MPI_Comm_rank");
    return r[0];
  }

  /** Size of `comm`. */
  commSize(comm: Comm): number {
    const r = new Int32Array(1);
    this.#check(this.#lib.MPI_Comm_size(comm, r), "MPI_Comm_size");
    return r[0];
  }

  /** MPI_Comm_split (collective over `comm`). */
  commSplit(comm: Comm, color: number, key: number): Comm {
    const out = new BigUint64Array(1);
    this.#check(this.#lib.MPI_Comm_split(comm, color, key, out), "MPI_Comm_split");
    return Deno.UnsafePointer.create(out[0]);
  }

  /** MPI_Comm_dup (collective over `comm`). */
  commDup(comm: Comm): Comm {
    const out = new BigUint64Array(1);
    this.#check(this.#lib.MPI_Comm_dup(comm, out), "MPI_Comm_dup");
    return Deno.UnsafePointer.create(out[0]);
  }

  #dtype(a: MpiArray): Deno.PointerValue {
    if (a instanceof Float32Array) return this.#lib.ompi_mpi_float;
    if (a instanceof Float64Array) return this.#lib.ompi_mpi_double;
    return this.#lib.ompi_mpi_int;
  }

  /**
   * Sums `send` over `comm` into `recv` (same length; `recv` may be `send` for in place).
   * Arrays longer than `chunk` elements are reduced in equal pieces of at most `chunk`.
   *
   * Pieces of at most `p2pMaxBytes()` bytes are reduced by this binding itself, with
   * point-to-point messages (tag `ALLREDUCE_TAG` on `comm`, which collectives never use)
   * and MPI_Reduce_local, by recursive doubling: each step is started with synchronous
   * calls and polled with MPI_Testall for up to `spinMicros()`; only a step that has not
   * completed by then is waited for on a blocking thread (MPI_Waitall), under the same
   * timeout as every other wait; bigger arrays are cut into pieces of that size. With
   * the binding's own algorithm off (`MXTS_MPI_P2P_BYTES=0`), MPI_Allreduce runs on a
   * blocking thread.
   * Every rank computes the same sums in the same order (IEEE addition commutes), so
   * the results are bit-identical on all ranks. The pieces depend only on the array's
   * length and the settings, so every rank takes the same path as long as all see the
   * same settings.
   */
  allreduce(
    send: MpiArray,
    recv: MpiArray,
    comm: Comm,
    opts: AllreduceOptions = {},
  ): Promise<void> {
    try {
      return this.allreduceNow(send, recv, comm, opts) ?? RESOLVED;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * `allreduce`, but returns undefined when it completed during the call (no waiting
   * needed: small arrays whose peers were already there), else a promise.
   */
  allreduceNow(
    send: MpiArray,
    recv: MpiArray,
    comm: Comm,
    opts: AllreduceOptions = {},
  ): Promise<void> | undefined {
    if (send.length !== recv.length || send.constructor !== recv.constructor) {
      throw new MXNetError(`allreduce: send and recv differ in length or type`);
    }
    if (this.#finalized) throw new MXNetError(`MPI_Allreduce: MPI was already finalized`);
    const n = recv.length;
    if (n === 0) return undefined;
    const chunk = Math.max(1, opts.chunk ?? n);
    const info = this.#commInfo(comm);
    const inPlace = send === recv;
    if (info.size === 1) {
      if (!inPlace) recv.set(send);
      return undefined;
    }
    const item = recv.BYTES_PER_ELEMENT;
    if (n <= chunk && n * item <= this.#p2p.maxBytes) {
      // One small chunk: no async function frame unless a step has to wait. Out of
      // place, the first step reads `send` itself (no copy into `recv` first), unless
      // the two overlap.
      const dt = this.#dtype(recv), rb = addressOf(recv);
      if (inPlace || !overlaps(send, recv)) {
        return this.#p2p.run(rb, n, recv, dt, info, opts, inPlace ? 0 : addressOf(send), send);
      }
      recv.set(send);
      return this.#p2p.run(rb, n, recv, dt, info, opts);
    }
    return this.#allreduceChunks(send, recv, comm, info, chunk, opts);
  }

  async #allreduceChunks(
    send: MpiArray,
    recv: MpiArray,
    comm: Comm,
    info: CommInfo,
    chunk: number,
    opts: AllreduceOptions,
  ): Promise<void> {
    const n = recv.length, dt = this.#dtype(recv), op = this.#lib.ompi_mpi_op_sum;
    const inPlace = send === recv;
    const sp = Deno.UnsafePointer.of(send), rp = Deno.UnsafePointer.of(recv);
    const item = recv.BYTES_PER_ELEMENT;
    // Out of place and apart, chunks are read from `send` directly (see allreduceNow).
    const copy = !inPlace && overlaps(send, recv);
    // Equal pieces, as many as the chunk size asks for, and more when the binding's own
    // algorithm takes pieces of at most maxBytes (it beats MPI_Allreduce on big arrays:
    // 16 MiB in 4 MiB pieces in 3.3 ms against 4.3 ms here). Equal pieces, not full
    // chunks and a remainder: 4 MiB of float32 in 1e6-element chunks would leave a
    // 190 KiB tail that costs a whole extra round of messages.
    const maxBytes = this.#p2p.maxBytes;
    const parts = Math.max(
      Math.ceil(n / chunk),
      maxBytes > 0 ? Math.ceil((n * item) / maxBytes) : 1,
    );
    for (let i = 0, at = 0; i < parts; i++) {
      const end = Math.floor(((i + 1) * n) / parts), len = end - at;
      if (len * item <= maxBytes) {
        if (copy) recv.set(send.subarray(at, end), at);
        const src = inPlace || copy ? 0 : addressOf(send) + at * item;
        const p = this.#p2p.run(addressOf(recv) + at * item, len, recv, dt, info, opts, src, send);
        if (p) await p;
      } else {
        const s = inPlace
          ? Deno.UnsafePointer.create(1n)
          : Deno.UnsafePointer.offset(sp!, at * item);
        const r = Deno.UnsafePointer.offset(rp!, at * item);
        await this.#wait(
          this.#lib.MPI_Allreduce(s, r, len, dt, op, comm),
          opts,
          "MPI_Allreduce",
          [send, recv],
        );
      }
      at = end;
    }
  }

  /** Rank, size and recursive-doubling plan of a communicator (cached per handle). */
  #commInfo(comm: Comm): CommInfo {
    const key = comm as object;
    let info = this.#comms.get(key);
    if (!info) {
      const rank = this.commRank(comm), size = this.commSize(comm);
      info = { comm, rank, size, plan: doublingPlan(rank, size) };
      this.#comms.set(key, info);
    }
    return info;
  }

  /** Sums in place, synchronously (small arrays; blocks the event loop). */
  allreduceSync(buf: MpiArray, comm: Comm): void {
    const code = this.#lib.MPI_Allreduce_sync(
      Deno.UnsafePointer.create(1n),
      Deno.UnsafePointer.of(buf),
      buf.length,
      this.#dtype(buf),
      this.#lib.ompi_mpi_op_sum,
      comm,
    );
    this.#check(code, "MPI_Allreduce");
  }

  /** Broadcasts `buf` from `root` over `comm`. */
  async bcast(
    buf: MpiArray | Uint8Array,
    root: number,
    comm: Comm,
    opts: { timeoutMs?: number; what?: string } = {},
  ): Promise<void> {
    if (buf.byteLength === 0) return;
    const p = this.#lib.MPI_Bcast(
      Deno.UnsafePointer.of(buf),
      buf.byteLength,
      this.#lib.ompi_mpi_byte,
      root,
      comm,
    );
    await this.#wait(p, opts, "MPI_Bcast", [buf]);
  }

  /** Gathers one Int32Array of equal length from every rank, in rank order. */
  async allgather(
    mine: Int32Array,
    comm: Comm,
    opts: { timeoutMs?: number; what?: string } = {},
  ): Promise<Int32Array> {
    const out = new Int32Array(mine.length * this.commSize(comm));
    const int = this.#lib.ompi_mpi_int;
    const p = this.#lib.MPI_Allgather(
      Deno.UnsafePointer.of(mine),
      mine.length,
      int,
      Deno.UnsafePointer.of(out),
      mine.length,
      int,
      comm,
    );
    await this.#wait(p, opts, "MPI_Allgather", [mine, out]);
    return out;
  }

  /**
   * Gathers one Int32Array of equal length from every rank of `comm`, in rank order,
   * synchronously: started with MPI_Iallgather and polled on this thread, so the caller
   * gets the answer before it returns (kvstore.init does). Between polls `poll` runs (it
   * may end the job, e.g. when a peer is known to have left); after the timeout the job
   * is aborted naming `what`. Blocks the event loop: only for small, rare exchanges on a
   * communicator nothing else uses, issued in the same order on every rank.
   */
  allgatherPolled(
    mine: Int32Array,
    comm: Comm,
    opts: { timeoutMs?: number; what?: string; poll?: () => void } = {},
  ): Int32Array {
    const what = opts.what ?? "MPI_Iallgather";
    if (this.#finalized) throw new MXNetError(`${what}: MPI was already finalized`);
    const out = new Int32Array(mine.length * this.commSize(comm));
    const int = this.#lib.ompi_mpi_int, req = new BigUint64Array(1), flag = new Int32Array(1);
    this.#check(
      this.#lib.MPI_Iallgather(mine, mine.length, int, out, mine.length, int, comm, req),
      what,
    );
    const ms = opts.timeoutMs ?? defaultTimeoutMs();
    const t0 = performance.now();
    for (let i = 0;; i++) {
      this.#check(this.#lib.MPI_Test(req, flag, 0n), what);
      if (flag[0]) return out;
      if (i >= 100) {
        // Peers not there yet: sleep between polls, longer as the wait grows (< 5 ms).
        sleeper ??= new Int32Array(new SharedArrayBuffer(4));
        Atomics.wait(sleeper, 0, 0, Math.min(5, (i - 100) / 20 + 0.1));
        opts.poll?.();
      }
      if (ms > 0 && performance.now() - t0 > ms) {
        this.abort(
          `${what} did not complete within ${ms / 1000} s (MXTS_KVSTORE_TIMEOUT); another ` +
            `rank is gone, stuck, or issued different kvstore calls`,
        );
      }
    }
  }

  /** Sends a small message synchronously (at exit, when no event loop is left). */
  sendSync(buf: Uint8Array, dest: number, tag: number, comm: Comm): void {
    this.#check(
      this.#lib.MPI_Send_sync(buf, buf.byteLength, this.#lib.ompi_mpi_byte, dest, tag, comm),
      "MPI_Send",
    );
  }

  /** Receives a message `iprobe` reported (so it does not wait), synchronously. */
  recvSync(buf: Uint8Array, source: number, tag: number, comm: Comm): void {
    this.#check(
      this.#lib.MPI_Recv_sync(buf, buf.byteLength, this.#lib.ompi_mpi_byte, source, tag, comm, 0n),
      "MPI_Recv",
    );
  }

  /** MPI_Barrier over `comm`. */
  async barrier(comm: Comm, opts: { timeoutMs?: number; what?: string } = {}): Promise<void> {
    await this.#wait(this.#lib.MPI_Barrier(comm), opts, "MPI_Barrier", []);
  }

  /** Sends bytes to `dest` with `tag`. */
  async send(
    buf: Uint8Array,
    dest: number,
    tag: number,
    comm: Comm,
    opts: { timeoutMs?: number; what?: string } = {},
  ): Promise<void> {
    const p = this.#lib.MPI_Send(
      buf.byteLength ? Deno.UnsafePointer.of(buf) : null,
      buf.byteLength,
      this.#lib.ompi_mpi_byte,
      dest,
      tag,
      comm,
    );
    await this.#wait(p, opts, "MPI_Send", [buf]);
  }

  /** Receives into `buf` (at most its size) from `source` with `tag`. */
  async recv(
    buf: Uint8Array,
    source: number,
    tag: number,
    comm: Comm,
    opts: { timeoutMs?: number; what?: string } = {},
  ): Promise<void> {
    const p = this.#lib.MPI_Recv(
      buf.byteLength ? Deno.UnsafePointer.of(buf) : null,
      buf.byteLength,
      this.#lib.ompi_mpi_byte,
      source,
      tag,
      comm,
      null,
    );
    await this.#wait(p, opts, "MPI_Recv", [buf]);
  }

  /** Waits for the next message (any source and tag unless given) and returns its envelope. */
  async probe(
    comm: Comm,
    opts: { source?: number; tag?: number; timeoutMs?: number; what?: string } = {},
  ): Promise<Envelope> {
    const status = new Uint8Array(STATUS_BYTES);
    const p = this.#lib.MPI_Probe(
      opts.source ?? MPI_ANY_SOURCE,
      opts.tag ?? MPI_ANY_TAG,
      comm,
      Deno.UnsafePointer.of(status),
    );
    await this.#wait(p, opts, "MPI_Probe", [status]);
    return this.#envelope(status);
  }

  /** The envelope of a waiting message, or null (returns at once). */
  iprobe(comm: Comm, source = MPI_ANY_SOURCE, tag = MPI_ANY_TAG): Envelope | null {
    const status = new Uint8Array(STATUS_BYTES), flag = new Int32Array(1);
    this.#check(this.#lib.MPI_Iprobe(source, tag, comm, flag, status), "MPI_Iprobe");
    return flag[0] ? this.#envelope(status) : null;
  }

  #envelope(status: Uint8Array): Envelope {
    const v = new DataView(status.buffer);
    const count = new Int32Array(1);
    this.#check(this.#lib.MPI_Get_count(status, this.#lib.ompi_mpi_byte, count), "MPI_Get_count");
    return { source: v.getInt32(0, true), tag: v.getInt32(4, true), bytes: count[0] };
  }

  /**
   * Prints `message` and ends the whole job (every rank) with MPI_Abort: for failures a
   * thread blocked in MPI cannot recover from.
   */
  abort(message: string, code = 1): never {
    if (!this.#aborting) {
      this.#aborting = true;
      console.error(`mxts: rank ${this.rank}: ${message}; aborting the MPI job`);
      this.#lib.MPI_Abort(this.world, code);
    }
    Deno.exit(code);
  }

  /**
   * Sets what a timed-out wait reports before it aborts: `fn` finds out which ranks are
   * unreachable or gone (src/kvstore/dist/peers.ts) and says so, or returns "" for the
   * generic message.
   */
  onTimeout(fn: () => Promise<string>): void {
    this.#timeoutReport = fn;
  }

  /** The timeout report (see `onTimeout`), at most 5 s, never throwing. */
  async #diagnose(): Promise<string> {
    const fn = this.#timeoutReport;
    if (!fn) return "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<string>((resolve) => timer = setTimeout(() => resolve(""), 5000)),
      ]);
    } catch {
      return "";
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `fn` (awaited) before MPI_Finalize at exit, e.g. to tell servers this worker is done. */
  beforeFinalize(fn: () => Promise<void>): void {
    this.#beforeFinalize.push(fn);
  }

  /**
   * Runs `fn` synchronously when the process exits (normally or by `Deno.exit`), before
   * MPI_Finalize, e.g. to tell the other workers this one has left. Not after an abort.
   */
  atExit(fn: () => void): void {
    this.#atExit.push(fn);
  }

  /** Calls MPI_Finalize now (once); later MPI calls are errors. */
  finalize(): void {
    if (this.#finalized) return;
    if (!this.#aborting) {
      for (const fn of this.#atExit.splice(0)) {
        try {
          fn();
        } catch (e) {
          console.error(`mxts: rank ${this.rank}: at exit: ${e instanceof Error ? e.message : e}`);
        }
      }
    }
    this.#finalized = true;
    // Finalizing with a thread still inside MPI would hang or crash: the job is broken then,
    // and mpirun reports the rank that exited without finalizing.
    if (this.#inFlight === 0) this.#lib.MPI_Finalize();
  }

  /** True once finalized. */
  get finalized(): boolean {
    return this.#finalized;
  }

  async #wait(
    call: Promise<number>,
    opts: { timeoutMs?: number; what?: string },
    fn: string,
    keep: readonly unknown[],
  ): Promise<void> {
    if (this.#finalized) throw new MXNetError(`${fn}: MPI was already finalized`);
    this.#inFlight++;
    const ms = opts.timeoutMs ?? defaultTimeoutMs();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const code = ms > 0
        ? await Promise.race([
          call,
          new Promise<number>((_, reject) => {
            timer = setTimeout(() => reject(new Error("timeout")), ms);
          }),
        ]).catch(async (e) => {
          if (e instanceof Error && e.message === "timeout") {
            const found = await this.#diagnose();
            this.abort(
              `${opts.what ?? fn} did not complete within ${ms / 1000} s (MXTS_KVSTORE_TIMEOUT); ` +
                (found || `another rank is gone, stuck, or issued different kvstore calls`),
            );
          }
          throw e;
        })
        : await call;
      this.#check(code, opts.what ?? fn);
    } finally {
      clearTimeout(timer);
      this.#inFlight--;
      keepAlive(keep);
    }
  }

  #check(code: number, what: string): void {
    if (code !== 0) throw new MXNetError(`${what}: MPI error code ${code}`);
  }

  #installExitHooks(): void {
    let flushing = false;
    globalThis.addEventListener("beforeunload", (e) => {
      if (this.#finalized || flushing || this.#beforeFinalize.length === 0) return;
      flushing = true;
      e.preventDefault();
      (async () => {
        for (const fn of this.#beforeFinalize.splice(0)) await fn();
      })().catch((err) => this.abort(`exit: ${err instanceof Error ? err.message : err}`))
        .finally(() => flushing = false);
    });
    globalThis.addEventListener("unload", () => this.finalize());
    // A failure the program does not handle ends every rank now instead of leaving the
    // others waiting in a collective.
    const fail = (what: string, err: unknown) => {
      if (this.#finalized || this.size === 1) return;
      const msg = err instanceof Error ? err.stack ?? err.message : String(err);
      this.abort(`${what}: ${msg}`);
    };
    globalThis.addEventListener("error", (e) => fail("uncaught error", e.error));
    globalThis.addEventListener("unhandledrejection", (e) => fail("unhandled rejection", e.reason));
  }
}

const RESOLVED = Promise.resolve();

/**
 * Atomics.wait on this never wakes early: a sleep that blocks the thread. Made on first
 * use: browsers without cross-origin isolation have no SharedArrayBuffer, and the bundle
 * must load there.
 */
let sleeper: Int32Array | null = null;

/** Holds the buffers of a nonblocking call reachable until it returns. */
function keepAlive(_values: readonly unknown[]): void {}

let instance: Mpi | null = null;
let failure: string | null = null;

/** True when this process was started by mpirun (OpenMPI's environment is set). */
export function underMpirun(): boolean {
  return env("OMPI_COMM_WORLD_SIZE") !== undefined;
}

/**
 * The process's MPI runtime, initialised on first use; throws UnsupportedError naming the
 * package to install when libmpi cannot be loaded.
 */
export function mpi(): Mpi {
  if (instance) return instance;
  if (failure) throw new UnsupportedError(failure);
  const tried: string[] = [];
  const override = env("MXTS_LIBMPI");
  for (const path of override ? [override] : CANDIDATES) {
    try {
      const lib = Deno.dlopen(path, SYMBOLS);
      instance = new Mpi(lib.symbols, path);
      return instance;
    } catch (e) {
      if (e instanceof MXNetError) throw e;
      tried.push(`${path}: ${e instanceof Error ? e.message : e}`);
    }
  }
  failure = `the distributed kvstore needs libmpi (OpenMPI): install openmpi-bin and ` +
    `libopenmpi-dev (Debian), or set MXTS_LIBMPI to libmpi's path. Tried ${tried.join("; ")}`;
  throw new UnsupportedError(failure);
}

/** Whether two distinct arrays share any bytes (then `send` is copied into `recv` first). */
function overlaps(a: MpiArray, b: MpiArray): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength;
}
