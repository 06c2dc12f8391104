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
import { push as enginePush, runNow, type Var, waitForVar } from "../../engine/engine.ts";
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
import { checkKVOptions, pairs } from "../_pairs.ts";
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
  /**
   * The latest fused pushPull's allreduce, prepared once: the alias (when there is one)
   * lives in its `dst`. `fusedIn` is the array it was made for when that pushPull was one
   * array in place (every training step's call): the same array again needs no checks.
   * Both stay (holding the array) until a pushPull of the key into other memory.
   */
  fused: Allreduce | null;
  fusedIn: NDArray | null;
  /** Where the key's latest push stands (`PushPlace`). */
  place: () => PushPlace;
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
 * Sums one array's memory over all workers into another's (or the same) as engine
 * operations in collective order, prepared once: a pushPull keeps one per key and
 * starts it every step, so a step that completes at once allocates next to nothing.
 */
class Allreduce {
  readonly #s: Session;
  /** The memory summed, and the memory the sum lands in (may be the same). */
  readonly src: StorageOf;
  readonly dst: StorageOf;
  readonly #what: string;
  readonly #opts: { chunk: number; what: string };
  /** Where the push stands (for the peer watch); absent: no watch. */
  readonly #place?: () => PushPlace;
  readonly #reads: readonly Var[];
  readonly #writes: readonly Var[];
  /** The body run with no ticket (runNow), made once. */
  readonly #runFirst = () => this.#run(null);

  constructor(
    s: Session,
    src: StorageOf,
    dst: StorageOf,
    what: string,
    chunk: number,
    place?: () => PushPlace,
  ) {
    this.#s = s;
    this.src = src;
    this.dst = dst;
    this.#what = what;
    this.#opts = { chunk, what };
    this.#place = s.numWorkers > 1 ? place : undefined;
    // In place (or two handles on one memory): the var is written, not also read.
    this.#reads = src === dst ? NO_VARS : [src.var];
    this.#writes = [dst.var];
  }

  /**
   * Queues one allreduce. When no earlier collective is queued and nothing is pending on
   * either array (every training step), it starts right in this call (engine `runNow`)
   * and, when the binding's polled fast path completes it (small arrays whose peers are
   * already there), finishes here: no operation record, no place in the queue. Only an
   * allreduce that has to wait becomes asynchronous, and only then is the peer watch
   * (`watchPeers`) armed.
   */
  start(): void {
    const s = this.#s;
    if (s.idle && runNow(this.#what, this.#runFirst, this.#reads, this.#writes)) return;
    const t = s.ticket(), watch = this.#place?.();
    let started = false;
    enginePush(
      this.#what,
      () => {
        started = true;
        return this.#run(t, watch);
      },
      this.#reads,
      this.#writes,
    );
    if (!started) watchStart(s, this.dst.var, this.#what, () => started);
  }

  /**
   * The operation's body, synchronous when it can be. `t` is its place in the collective
   * queue; null when it started with the queue empty, until it has to wait (then it takes
   * the next place, first in line, so later collectives wait for it). `watch`: the push's
   * place, taken when it was queued.
   */
  #run(t: Ticket | null, watch?: PushPlace): Promise<void> | undefined {
    const ss = this.src, ds = this.dst;
    if (!t || t.isTurn()) {
      let recv: HostBuffer | null = null, p: Promise<void> | undefined;
      try {
        const send = hostBufferSync(ss);
        recv = send && (ss === ds ? send : hostBufferSync(ds));
        // Without a ticket this runs inside start(): the push's place is the current one,
        // taken only if the allreduce has to wait.
        if (send && recv) p = this.#reduce(send, recv, t ? watch : this.#place);
      } catch (e) {
        t?.done();
        throw e;
      }
      if (recv && !p) {
        recv.commit();
        t?.done();
        return;
      }
      if (recv && p) {
        const tt = t ?? this.#s.ticket(), r = recv;
        return p.then(() => r.commit()).finally(() => tt.done());
      }
    }
    if (!t) watch = this.#place?.();
    const tt = t ?? this.#s.ticket();
    return (async () => {
      try {
        await tt.turn;
        const send = await hostBuffer(ss);
        const recv = ss === ds ? send : await hostBuffer(ds);
        const p = this.#reduce(send, recv, watch);
        if (p) await p;
        recv.commit();
      } finally {
        tt.done();
      }
    })();
  }

  /** Starts the allreduce of host buffers; undefined once complete, else a promise. */
  #reduce(
    send: HostBuffer,
    recv: HostBuffer,
    watch?: PushPlace | (() => PushPlace),
  ): Promise<void> | undefined {
    const s = this.#s, r = recv.data;
    let p: Promise<void> | undefined;
    if (r.constructor !== send.data.constructor) {
      r.set(send.data);
      p = s.mpi.allreduceNow(r, r, s.roleComm, this.#opts);
    } else p = s.mpi.allreduceNow(send.data, r, s.roleComm, this.#opts);
    if (!p) return undefined;
    // Only an allreduce that has to wait arms the peer watch.
    const at = typeof watch === "function" ? watch() : watch;
    const stop = at ? watchPeers(s, at) : null;
    return stop ? p.finally(stop) : p;
  }
}

const NO_VARS: readonly Var[] = [];

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
  if (!started) watchStart(s, as.var, what, () => started);
}

/**
 * An input that failed skips the operation, so this rank would never join the collective
 * the others wait in: end the job with the reason instead of hanging.
 */
function watchStart(s: Session, v: Var, what: string, started: () => boolean): void {
  waitForVar(v).catch((e) => {
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
          fused: null,
          fusedIn: null,
          place: () => this.#place(e),
        };
        this.#store.set(id, e);
        this.#order.push(id);
        this.updater?.initState(k, stored);
      }
    }

    override push(
      key: Key | readonly Key[],
      value: KVValues,
      opts: { priority?: number } = {},
    ): void {
      checkKVOptions("push", opts);
      for (const [k, vs] of pairs("push", key, value)) {
        const e = this.#entry("push", k);
        for (const v of vs) checkShape("push", k, v, e.value);
        const { sum, temp } = sumOnCpu(vs);
        // An updater reads the current value; without one the sum replaces it.
        this.#unalias(e, this.#fn !== null);
        // Without an updater the sum is the new value: reduce straight into it.
        const merged = this.#fn ? NDArray._alloc(e.value.shape, e.value.dtype, cpu()) : e.value;
        e.pushes++;
        const src = sum._storage("kvstore.push"), dst = merged._storage("kvstore.push");
        new Allreduce(this.#s, src, dst, e.pushName, this.#chunk, e.place).start();
        if (temp) sum.dispose();
        if (this.#fn) {
          this.#fn(k, merged, e.value);
          merged.dispose();
        }
      }
    }

    override pull(key: Key | readonly Key[], opts: PullOptions = {}): void {
      checkKVOptions("pull", opts);
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
      checkKVOptions("pushPull", opts);
      if (opts.out === undefined && value instanceof NDArray && this.#pushPullAgain(key, value)) {
        return;
      }
      const ins = pairs("pushPull", key, value);
      const outs = opts.out === undefined ? ins : pairs("pushPull", key, opts.out);
      for (let i = 0; i < ins.length; i++) this.#pushPullKey(ins[i][0], ins[i][1], outs[i][1]);
    }

    /**
     * pushPull(key, a) in place when the key's prepared allreduce was made for this very
     * array: its shape and memory were checked then, and an NDArray's never change. Every
     * training step's call; false (nothing done) otherwise.
     */
    #pushPullAgain(key: Key | readonly Key[], a: NDArray): boolean {
      const e = typeof key === "object" ? undefined : this.#store.get(key);
      if (!e?.fused || e.fusedIn !== a || a.isDisposed || e.value.isDisposed || this.#fn) {
        return false;
      }
      this.#startFused(e, e.fused, a);
      return true;
    }

    #pushPullKey(k: Key, vs: readonly NDArray[], os: readonly NDArray[]): void {
      const what = "kvstore.pushPull", e = this.#entry("pushPull", k);
      for (const v of vs) checkShape("pushPull", k, v, e.value);
      if (os !== vs) { for (const o of os) checkShape("pushPull", k, o, e.value); }
      const out = os[0]._storage(what);
      const first = this.#fn ? null : e.fused?.dst === out ? out : fusedOutput(e.value, os[0]);
      if (!first) {
        this.push(k, vs);
        this.pull(k, { out: os });
        return;
      }
      const { sum, temp } = sumOnCpu(vs);
      const src = sum._storage(what);
      const op = e.fused?.src === src && e.fused.dst === first
        ? e.fused
        : new Allreduce(this.#s, src, first, e.pushName, this.#chunk, e.place);
      // The old value is replaced: an alias elsewhere ends without a save.
      if (e.alias?._storage(what) !== first) this.#unalias(e, false);
      e.fused = temp ? null : op;
      e.fusedIn = !temp && os === vs && vs.length === 1 ? vs[0] : null;
      this.#startFused(e, op, os[0]);
      if (temp) sum.dispose();
      for (let j = 1; j < os.length; j++) {
        if (os[j]._storage(what) !== first) os[0].copyTo(os[j]);
      }
    }

    /**
     * Starts `op`, a pushPull's allreduce into `out`, which then holds the key's value
     * (the alias, see Entry.alias).
     */
    #startFused(e: Entry, op: Allreduce, out: NDArray): void {
      const v = op.dst.var;
      e.pushes++;
      // The old value is replaced: this write must not save it.
      if (v.beforeWrite === e.materialize) v.beforeWrite = null;
      op.start();
      // Armed after the allreduce, whose own write to the output must not fire it. The
      // handle is the store's: no mx.nd.scope around the call may free it.
      e.alias ??= keep(out._view(out.shape));
      v.beforeWrite = e.materialize;
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
