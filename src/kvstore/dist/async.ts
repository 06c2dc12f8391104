/**
 * `dist_async`: the server ranks hold the weights. A push is sent to the key's server(s)
 * and applied there by the optimizer as soon as it arrives, with no waiting for other
 * workers; a pull returns the servers' latest value. Keys of at least
 * `MXNET_KVSTORE_BIGARRAY_BOUND` elements are split over all servers. As in MXNet the
 * servers need an optimizer (`setOptimizer`): a push without one is an error.
 * @module
 */
import { cpu } from "../../core/context.ts";
import { MXNetError } from "../../core/errors.ts";
import { push as enginePush } from "../../engine/engine.ts";
import { NDArray } from "../../ndarray/ndarray.ts";
import type { Optimizer } from "../../optimizer/optimizer.ts";
import type { Key, KVStore, KVValues, PullOptions, UpdaterFn } from "../kvstore.ts";
import { checkShape, hostBuffer, keyId, sumOnCpu } from "./_arrays.ts";
import { checkKVOptions, pairs } from "../_pairs.ts";
import { checkBarrier } from "./barrier.ts";
import { encodeOptimizer } from "./optimizer_wire.ts";
import { encode, Op, placement } from "./protocol.ts";
import type { Session } from "./session.ts";
import { bigArrayBound } from "./sync.ts";

interface Entry {
  key: Key;
  idx: number;
  /** The key's shape and dtype, and the var that orders this worker's requests for it. */
  token: NDArray;
  parts: [number, number, number][];
}

/** Builds the class on the local store's class (given late: the modules import each other). */
export function defineDistAsync(Base: typeof KVStore) {
  return class DistAsyncKVStore extends Base {
    readonly #s: Session;
    readonly #id: number;
    readonly #store = new Map<Key, Entry>();
    readonly #kind: { value: "number" | "string" | null } = { value: null };
    #hasOptimizer = false;
    #barriers = 0;

    constructor(s: Session) {
      super("local");
      Object.defineProperty(this, "type", { value: "dist_async", enumerable: true });
      if (s.numServers === 0) {
        throw new MXNetError(
          `kvstore.create: dist_async needs server ranks and this job has none; start it with ` +
            `deno run -A tools/launch.ts -n WORKERS -s SERVERS -- script.ts`,
        );
      }
      this.#s = s;
      this.#id = s.nextStoreId();
      s.onExit(() => this.#settle());
    }

    /** This worker's rank among the workers. */
    override get rank(): number {
      return this.#s.rank;
    }
    /** Number of workers. */
    override get numWorkers(): number {
      return this.#s.numWorkers;
    }
    /** Number of server processes. */
    override get numServers(): number {
      return this.#s.numServers;
    }
    /** True: only workers create stores. */
    override get isWorkerNode(): boolean {
      return true;
    }

    override init(key: Key | readonly Key[], value: KVValues): void {
      for (const [k, vs] of pairs("init", key, value)) {
        const id = keyId("init", k, this.#kind);
        if (this.#store.has(id)) {
          throw new MXNetError(`kvstore.init: key ${JSON.stringify(k)} is already initialised`);
        }
        const v = vs[0];
        if (v.dtype !== "float32" && v.dtype !== "float64") {
          throw new MXNetError(
            `kvstore.init: dist_async keys hold float32 or float64, key ${JSON.stringify(k)} ` +
              `is ${v.dtype}`,
          );
        }
        const token = v.copyTo(cpu());
        const idx = this.#store.size;
        const parts = placement(idx, token.size, this.#s.numServers, bigArrayBound());
        const e: Entry = { key: k, idx, token, parts };
        this.#store.set(id, e);
        // Worker 0's value initialises the servers, as in MXNet; the others' are ignored.
        if (this.#s.rank === 0) {
          const json = JSON.stringify({ key: k, dtype: v.dtype });
          this.#op(`kvstore.init(${JSON.stringify(k)})`, [], [token], async ([tk]) => {
            const host = await hostBuffer(tk);
            await Promise.all(parts.map(([srv, off, len]) =>
              this.#s.request(
                srv,
                encode(
                  this.#header(Op.INIT, e, off, len),
                  json,
                  host.data.subarray(off, off + len),
                ),
                new Uint8Array(0),
                `kvstore.init(${JSON.stringify(k)})`,
              )
            ));
          });
        }
      }
    }

    override push(
      key: Key | readonly Key[],
      value: KVValues,
      opts: { priority?: number } = {},
    ): void {
      checkKVOptions("push", opts);
      if (!this.#hasOptimizer) {
        throw new MXNetError(
          `kvstore.push: dist_async applies pushes on the servers, which need an optimizer: ` +
            `call kv.setOptimizer(...) first`,
        );
      }
      for (const [k, vs] of pairs("push", key, value)) {
        const e = this.#entry("push", k);
        for (const v of vs) checkShape("push", k, v, e.token);
        const { sum, temp } = sumOnCpu(vs);
        const what = `kvstore.push(${JSON.stringify(k)})`;
        this.#op(what, [sum], [e.token], async ([src]) => {
          const host = await hostBuffer(src);
          await Promise.all(e.parts.map(([srv, off, len]) =>
            this.#s.request(
              srv,
              encode(this.#header(Op.PUSH, e, off, len), "", host.data.subarray(off, off + len)),
              new Uint8Array(0),
              what,
            )
          ));
        });
        if (temp) sum.dispose();
      }
    }

    override pull(key: Key | readonly Key[], opts: PullOptions = {}): void {
      checkKVOptions("pull", opts);
      if (!opts.out) throw new MXNetError(`kvstore.pull: give the destination as { out }`);
      for (const [k, outs] of pairs("pull", key, opts.out)) {
        const e = this.#entry("pull", k);
        for (const o of outs) checkShape("pull", k, o, e.token);
        const tmp = NDArray._alloc(e.token.shape, e.token.dtype, cpu());
        const what = `kvstore.pull(${JSON.stringify(k)})`;
        this.#op(what, [], [tmp, e.token], async ([dst]) => {
          const host = await hostBuffer(dst);
          const d = host.data;
          await Promise.all(e.parts.map(([srv, off, len]) =>
            this.#s.request(
              srv,
              encode(this.#header(Op.PULL, e, off, len)),
              new Uint8Array(
                d.buffer,
                d.byteOffset + off * d.BYTES_PER_ELEMENT,
                len * d.BYTES_PER_ELEMENT,
              ),
              what,
            )
          ));
          host.commit();
        });
        for (const o of outs) tmp.copyTo(o);
        tmp.dispose();
      }
    }

    override setUpdater(_updater: UpdaterFn): void {
      throw new MXNetError(
        `kvstore.setUpdater: dist_async updates on the server ranks, and a function cannot be ` +
          `sent to another process; use kv.setOptimizer(optimizer)`,
      );
    }

    /** Sends the optimizer to the servers (from worker 0, as MXNet). */
    override setOptimizer(optimizer: Optimizer): void {
      const text = encodeOptimizer(optimizer);
      this.#hasOptimizer = true;
      if (this.#s.rank !== 0) return;
      const msg = () =>
        encode(
          { op: Op.SET_OPTIMIZER, storeId: this.#id, keyIdx: 0, offset: 0, length: 0, replyTag: 0 },
          text,
        );
      const tokens = [...this.#store.values()].map((e) => e.token);
      this.#op("kvstore.setOptimizer", [], tokens, async () => {
        await Promise.all(
          this.#s.serverRanks.map((_, i) =>
            this.#s.request(i, msg(), new Uint8Array(0), "kvstore.setOptimizer")
          ),
        );
      });
    }

    /** Waits for this worker's requests to be applied, then for every worker. */
    override async barrier(): Promise<void> {
      const seq = ++this.#barriers;
      await this.#settle();
      await checkBarrier(this.#s, { storeId: this.#id, seq, keys: [], counts: new Int32Array(0) });
    }

    override dispose(): void {
      for (const e of this.#store.values()) e.token.dispose();
      this.#store.clear();
      super.dispose();
    }

    async #settle(): Promise<void> {
      await Promise.all([...this.#store.values()].map((e) => e.token.waitToRead()));
    }

    #header(op: number, e: Entry, offset: number, length: number) {
      return { op, storeId: this.#id, keyIdx: e.idx, offset, length, replyTag: 0 };
    }

    /** One engine operation over the arrays' storages (captured now). */
    #op(
      what: string,
      reads: readonly NDArray[],
      writes: readonly NDArray[],
      fn: (storages: ReturnType<NDArray["_storage"]>[]) => Promise<void>,
    ): void {
      const rs = reads.map((a) => a._storage(what)), ws = writes.map((a) => a._storage(what));
      enginePush(what, () => fn([...rs, ...ws]), rs.map((s) => s.var), ws.map((s) => s.var));
    }

    #entry(where: string, k: Key): Entry {
      const e = this.#store.get(keyId(where, k, this.#kind));
      if (!e) {
        throw new MXNetError(
          `kvstore.${where}: key ${JSON.stringify(k)} has not been initialised; call ` +
            `kv.init(${JSON.stringify(k)}, value) first`,
        );
      }
      return e;
    }
  };
}
