/**
 * `dist_sync` / `dist_device_sync`: every push of a key is summed over all workers with
 * MPI_Allreduce, and then every worker applies the same update (the optimizer or updater
 * once, on the aggregated gradient) to its copy of the weights. All workers therefore
 * hold bit-identical values after each round, and a pull is a local copy — MXNet's
 * semantics (an update applies once every worker's push has arrived) without a server
 * round trip. Keys are initialised from worker 0's values. Arrays longer than
 * `MXNET_KVSTORE_BIGARRAY_BOUND` elements are reduced in chunks of that many.
 * @module
 */
import { cpu } from "../../core/context.ts";
import { MXNetError } from "../../core/errors.ts";
import { push as enginePush, runNow, type Var } from "../../engine/engine.ts";
import { NDArray } from "../../ndarray/ndarray.ts";
import { keep } from "../../ndarray/scope.ts";
import type { Updater } from "../../optimizer/updater.ts";
import type { Optimizer } from "../../optimizer/optimizer.ts";
import type { Key, KVStore, KVValues, PullOptions, UpdaterFn } from "../kvstore.ts";
import {
  checkShape,
  directView,
  type HostBuffer,
  hostBuffer,
  hostBufferSync,
  keyId,
  type StorageOf,
  sumOnCpu,
} from "./_arrays.ts";
import { pairs } from "../_pairs.ts";
import { checkBarrier, watchPeers } from "./barrier.ts";
import type { Session, Ticket } from "./session.ts";

/** Distributed store types served by collectives. */
export type SyncType = "dist_sync" | "dist_device_sync";

/** Elements per allreduce call (MXNet's MXNET_KVSTORE_BIGARRAY_BOUND, default 1e6). */
export function bigArrayBound(): number {
  let v: string | undefined;
  try {
    v = Deno.env.get("MXNET_KVSTORE_BIGARRAY_BOUND");
  } catch {
    v = undefined;
  }
  const n = Number(v ?? 1_000_000);
  return Number.isInteger(n) && n > 0 ? n : 1_000_000;
}

interface Entry {
  key: Key;
  value: NDArray;
  /** Position in init order (names the key when a peer never joins its collective). */
  pos: number;
  /** `kvstore.push(key)`, the name of this key's push operations. */
  pushName: string;
  /**
   * After a fused pushPull the key's value lives in the first output's memory (a handle
   * of our own on it), not in `value`, until that memory is next written: then
   * `materialize` copies it into `value` first (the var's `beforeWrite`).
   */
  alias: NDArray | null;
  materialize: () => void;
  /** Pushes issued so far (compared across workers at barrier()). */
  pushes: number;
}

/** Where a push stands, for naming it when a peer will never join its collective. */
export interface PushPlace {
  storeId: number;
  barriers: number;
  keyPos: number;
  key: Key;
  pushIndex: number;
}

/**
 * Sums `src` over all workers into `dst` as one engine operation, in collective order.
 * When no earlier collective is queued and nothing is pending on either array (every
 * training step), the allreduce starts right in this call (engine `runNow`) and, when
 * the binding's polled fast path completes it (small arrays whose peers are already
 * there), finishes here: no operation record, no place in the queue. Only an allreduce
 * that has to wait becomes asynchronous, and only then is the peer watch
 * (`watchPeers`) armed.
 */
export function allreduceOp(
  s: Session,
  src: NDArray,
  dst: NDArray,
  what: string,
  chunk: number,
  place?: PushPlace,
): void {
  const ss = src._storage(what), ds = dst._storage(what);
  const job: AllreduceJob = {
    s,
    t: null,
    ss,
    ds,
    what,
    chunk,
    watch: s.numWorkers > 1 ? place : undefined,
  };
  // In place (or two handles on one memory): the var is written, not also read.
  const reads = ss === ds ? NO_VARS : [ss.var], writes = [ds.var];
  if (s.idle && runNow(what, () => runAllreduce(job), reads, writes)) return;
  job.t = s.ticket();
  let started = false;
  enginePush(
    what,
    () => {
      started = true;
      return runAllreduce(job);
    },
    reads,
    writes,
  );
  if (!started) watchStart(s, dst, what, () => started);
}

const NO_VARS: readonly Var[] = [];

/** One allreduce as allreduceOp pushed it. */
interface AllreduceJob {
  s: Session;
  /**
   * Its place in the collective queue; null when it started with the queue empty, until
   * it has to wait (then it takes the next place, first in line, so later collectives
   * wait for it).
   */
  t: Ticket | null;
  ss: StorageOf;
  ds: StorageOf;
  what: string;
  chunk: number;
  /** Where the push stands, for the peer watch (absent: no watch). */
  watch?: PushPlace;
}

/** The body of allreduceOp's operation: synchronous when it can be. */
function runAllreduce(j: AllreduceJob): Promise<void> | undefined {
  const { ss, ds } = j;
  if (!j.t || j.t.isTurn()) {
    let recv: HostBuffer | null = null, p: Promise<void> | undefined;
    try {
      const send = hostBufferSync(ss);
      recv = send && (ss === ds ? send : hostBufferSync(ds));
      if (send && recv) p = startAllreduce(j, send, recv);
    } catch (e) {
      j.t?.done();
      throw e;
    }
    if (recv && !p) {
      recv.commit();
      j.t?.done();
      return;
    }
    if (recv && p) {
      const t = j.t ??= j.s.ticket(), r = recv;
      return p.then(() => r.commit()).finally(() => t.done());
    }
  }
  const t = j.t ??= j.s.ticket();
  return (async () => {
    try {
      await t.turn;
      const send = await hostBuffer(ss);
      const recv = ss === ds ? send : await hostBuffer(ds);
      const p = startAllreduce(j, send, recv);
      if (p) await p;
      recv.commit();
    } finally {
      t.done();
    }
  })();
}

/** Starts the allreduce of host buffers; undefined once complete, else a promise. */
function startAllreduce(
  j: AllreduceJob,
  send: HostBuffer,
  recv: HostBuffer,
): Promise<void> | undefined {
  const { s } = j, r = recv.data, opts = { chunk: j.chunk, what: j.what };
  let p: Promise<void> | undefined;
  if (r.constructor !== send.data.constructor) {
    r.set(send.data);
    p = s.mpi.allreduceNow(r, r, s.roleComm, opts);
  } else p = s.mpi.allreduceNow(send.data, r, s.roleComm, opts);
  if (!p) return undefined;
  // Only an allreduce that has to wait arms the peer watch.
  const stop = j.watch ? watchPeers(s, j.watch) : null;
  return stop ? p.finally(stop) : p;
}

/** Broadcasts `a` from worker 0 to every worker, in place, in collective order. */
export function bcastOp(s: Session, a: NDArray, what: string): void {
  const t = s.ticket();
  let started = false;
  const as = a._storage(what);
  enginePush(
    what,
    async () => {
      started = true;
      try {
        await t.turn;
        const buf = await hostBuffer(as);
        const d = buf.data;
        await s.mpi.bcast(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), 0, s.roleComm, {
          what,
        });
        buf.commit();
      } finally {
        t.done();
      }
    },
    [],
    [as.var],
  );
  if (!started) watchStart(s, a, what, () => started);
}

/**
 * An input that failed skips the operation, so this rank would never join the collective
 * the others wait in: end the job with the reason instead of hanging.
 */
function watchStart(s: Session, a: NDArray, what: string, started: () => boolean): void {
  a.waitToRead().catch((e) => {
    if (!started()) s.mpi.abort(`${what}: its input failed: ${e instanceof Error ? e.message : e}`);
  });
}

/**
 * The storage of `out` when the allreduce can write its sum straight into it (a cpu
 * array whose memory `directView` reaches, of the store's element type, as the store
 * itself); null when a plain push and pull must convert or move the data.
 */
function fusedOutput(stored: NDArray, out: NDArray): StorageOf | null {
  const what = "kvstore.pushPull", mine = stored._storage(what), st = out._storage(what);
  const view = out.context.deviceType === "cpu" ? directView(st) : null;
  const same = view?.constructor === directView(mine)?.constructor;
  return view && same && st !== mine ? st : null;
}

/** Builds the class on the local store's class (given late: the two modules import each other). */
export function defineDistSync(Base: typeof KVStore) {
  return class DistSyncKVStore extends Base {
    readonly #s: Session;
    readonly #id: number;
    readonly #store = new Map<Key, Entry>();
    readonly #order: Key[] = [];
    readonly #kind: { value: "number" | "string" | null } = { value: null };
    #fn: UpdaterFn | null = null;
    #barriers = 0;
    /** Read once, as MXNet reads it when the store is created (not per push). */
    readonly #chunk = bigArrayBound();

    constructor(type: SyncType, s: Session) {
      super("local");
      // The base class types `type` as the local kinds; the value is the MXNet name.
      Object.defineProperty(this, "type", { value: type, enumerable: true });
      this.#s = s;
      this.#id = s.nextStoreId();
    }

    /** This worker's rank among the workers. */
    override get rank(): number {
      return this.#s.rank;
    }
    /** Number of workers. */
    override get numWorkers(): number {
      return this.#s.numWorkers;
    }
    /** Number of server processes in the job (unused by the sync stores). */
    override get numServers(): number {
      return this.#s.numServers;
    }
    /** True: only workers create stores (servers run their own loop). */
    override get isWorkerNode(): boolean {
      return true;
    }

    override init(key: Key | readonly Key[], value: KVValues): void {
      for (const [k, vs] of pairs("init", key, value)) {
        const id = keyId("init", k, this.#kind);
        if (this.#store.has(id)) {
          throw new MXNetError(`kvstore.init: key ${JSON.stringify(k)} is already initialised`);
        }
        const stored = vs[0].copyTo(cpu());
        bcastOp(this.#s, stored, `kvstore.init(${JSON.stringify(k)})`);
        const e: Entry = {
          key: k,
          value: stored,
          pos: this.#order.length,
          pushName: `kvstore.push(${JSON.stringify(k)})`,
          pushes: 0,
          alias: null,
          materialize: () => this.#unalias(e, true),
        };
        this.#store.set(id, e);
        this.#order.push(id);
        this.updater?.initState(k, stored);
      }
    }

    override push(key: Key | readonly Key[], value: KVValues): void {
      for (const [k, vs] of pairs("push", key, value)) {
        const e = this.#entry("push", k);
        for (const v of vs) checkShape("push", k, v, e.value);
        const { sum, temp } = sumOnCpu(vs);
        // An updater reads the current value; without one the sum replaces it.
        this.#unalias(e, this.#fn !== null);
        // Without an updater the sum is the new value: reduce straight into it.
        const merged = this.#fn ? NDArray._alloc(e.value.shape, e.value.dtype, cpu()) : e.value;
        e.pushes++;
        allreduceOp(this.#s, sum, merged, e.pushName, this.#chunk, this.#place(e));
        if (temp) sum.dispose();
        if (this.#fn) {
          this.#fn(k, merged, e.value);
          merged.dispose();
        }
      }
    }

    override pull(key: Key | readonly Key[], opts: PullOptions = {}): void {
      if (!opts.out) throw new MXNetError(`kvstore.pull: give the destination as { out }`);
      for (const [k, outs] of pairs("pull", key, opts.out)) {
        const e = this.#entry("pull", k);
        for (const o of outs) {
          checkShape("pull", k, o, e.value);
          const from = e.alias ?? e.value;
          // Pulling into the memory that holds the value already is a no-op.
          if (o._storage("kvstore.pull") !== from._storage("kvstore.pull")) from.copyTo(o);
        }
      }
    }

    /**
     * Push then pull. Without an updater this is one allreduce per key, straight into
     * `out` (default: the pushed arrays, in place; further outputs, one per device, are
     * copies of the first): no separate pull of the store. The store keeps the value where
     * it landed and copies it into its own memory only if that output is written or
     * freed before the next push of the key (copy-on-write).
     */
    override pushPull(key: Key | readonly Key[], value: KVValues, opts: PullOptions = {}): void {
      const ins = pairs("pushPull", key, value);
      const outs = opts.out === undefined ? ins : pairs("pushPull", key, opts.out);
      for (let i = 0; i < ins.length; i++) this.#pushPullKey(ins[i][0], ins[i][1], outs[i][1]);
    }

    #pushPullKey(k: Key, vs: readonly NDArray[], os: readonly NDArray[]): void {
      const e = this.#entry("pushPull", k);
      for (const v of vs) checkShape("pushPull", k, v, e.value);
      if (os !== vs) { for (const o of os) checkShape("pushPull", k, o, e.value); }
      const first = this.#fn ? null : fusedOutput(e.value, os[0]);
      if (!first) {
        this.push(k, vs);
        this.pull(k, { out: os });
        return;
      }
      const { sum, temp } = sumOnCpu(vs);
      e.pushes++;
      // The old value is replaced. Pushing into the same array again (every training
      // step) keeps the store's handle on it; only the save must not fire.
      if (e.alias?._storage("kvstore.pushPull") === first) {
        if (first.var.beforeWrite === e.materialize) first.var.beforeWrite = null;
      } else this.#unalias(e, false);
      allreduceOp(this.#s, sum, os[0], e.pushName, this.#chunk, this.#place(e));
      if (temp) sum.dispose();
      for (let j = 1; j < os.length; j++) {
        if (os[j]._storage("kvstore.pushPull") !== first) os[0].copyTo(os[j]);
      }
      // Armed after the push above, whose own write to the output must not fire it. The
      // handle is the store's: no mx.nd.scope around the call may free it.
      e.alias ??= keep(os[0]._view(os[0].shape));
      first.var.beforeWrite = e.materialize;
    }

    override setUpdater(updater: UpdaterFn): void {
      super.setUpdater(updater);
      this.#fn = updater;
    }

    override setOptimizer(optimizer: Optimizer): void {
      super.setOptimizer(optimizer);
      const u = this.updater as Updater;
      this.#fn = u;
      for (const e of this.#store.values()) {
        this.#unalias(e, true);
        u.initState(e.key, e.value);
      }
    }

    /**
     * Waits for every worker. Push counts per key are compared first: a worker that pushed
     * a key more or fewer times than the others (uneven data partitions) fails here with
     * the keys and ranks named, instead of hanging in the next collective.
     */
    override async barrier(): Promise<void> {
      const counts = Int32Array.from(this.#order, (id) => this.#store.get(id)!.pushes);
      const seq = ++this.#barriers;
      await this.#s.drain();
      await checkBarrier(this.#s, {
        storeId: this.#id,
        seq,
        keys: this.#order.map((id) => this.#store.get(id)!.key),
        counts,
      });
    }

    override dispose(): void {
      for (const e of this.#store.values()) {
        this.#unalias(e, false);
        e.value.dispose();
      }
      this.#store.clear();
      super.dispose();
    }

    /**
     * Ends `e`'s alias (see Entry.alias): with `save`, the value is first copied into the
     * store's own memory (an engine copy, ordered before whatever writes the alias next).
     */
    #unalias(e: Entry, save: boolean): void {
      const a = e.alias;
      if (!a) return;
      e.alias = null;
      const v = a._storage("kvstore").var;
      if (v.beforeWrite === e.materialize) v.beforeWrite = null;
      if (save) a.copyTo(e.value);
      a.dispose();
    }

    /** Where a push of `e` stands, for naming it if a peer never joins. */
    #place(e: Entry): PushPlace {
      return {
        storeId: this.#id,
        barriers: this.#barriers,
        keyPos: e.pos,
        key: e.key,
        pushIndex: e.pushes,
      };
    }

    #entry(where: string, k: Key): Entry {
      const e = this.#store.get(keyId(where, k, this.#kind));
      if (!e) {
        throw new MXNetError(
          `kvstore.${where}: key ${JSON.stringify(k)} has not been initialised; call ` +
            `kv.init(${JSON.stringify(k)}, value) first`,
        );
      }
      if (e.value.isDisposed) {
        throw new MXNetError(
          `kvstore.${where}: the value of key ${JSON.stringify(k)} was freed, most likely by ` +
            `an mx.nd.scope around kv.init; initialise keys during set-up, outside any scope`,
        );
      }
      return e;
    }
  };
}
