/**
 * Single-process key-value stores `local` and `device` (MXNet's `KVStoreLocal`): values
 * pushed for a key are summed, then assigned or handed to the updater; pulls copy the
 * stored value out. Everything is an NDArray operation, so push and pull return at once
 * and the dependency engine keeps their order.
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { MXNetError, ShapeError, UnsupportedError } from "../core/errors.ts";
import { readFileChecked, writeFileAtomic } from "../core/files.ts";
import { formatShape, shapeEqual } from "../core/shape.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { getUpdater, type StatesFormat, type Updater } from "../optimizer/updater.ts";
import type { Optimizer } from "../optimizer/optimizer.ts";
import { createDist, isDistType } from "./dist/mod.ts";
import { checkKVOptions, pairs } from "./_pairs.ts";

/** A key: an integer or a string (one store may not mix them, as MXNet). */
export type Key = number | string;

/** `(key, mergedInput, storedValue)`: applies a push to the stored value in place. */
export type UpdaterFn = (key: Key, input: NDArray, stored: NDArray) => void;

/** Store types this module serves. */
export type KVStoreType = "local" | "device" | "dist_sync" | "dist_device_sync" | "dist_async";

/** Options of `pull`, `pushPull` and `broadcast`. */
export interface PullOptions {
  /** Where to copy the value: one array, several (one per device), or one per key. */
  out?: NDArray | readonly (NDArray | readonly NDArray[])[];
  /** Accepted for MXNet compatibility; ordering is the engine's. */
  priority?: number;
}

/** Values for keys: one array, one per device, or one (list) per key. */
export type KVValues = NDArray | readonly (NDArray | readonly NDArray[])[];

/** See the module docs; create with `create("local")`. */
export class KVStore {
  /** `"local"` (merge on CPU) or `"device"` (merge on the pushing device). */
  readonly type: KVStoreType;
  readonly #store = new Map<string, { key: Key; value: NDArray }>();
  #updater: UpdaterFn | null = null;
  #optimizerUpdater: Updater | null = null;
  #keyKind: "number" | "string" | null = null;

  /** Use `create`. */
  constructor(type: KVStoreType) {
    this.type = type;
  }

  /** This process's rank (0: one process). */
  get rank(): number {
    return 0;
  }
  /** Number of workers (1). */
  get numWorkers(): number {
    return 1;
  }

  /** Server processes (0: none outside the distributed stores). */
  get numServers(): number {
    return 0;
  }

  /** True on worker processes (every process of a non-distributed store). */
  get isWorkerNode(): boolean {
    return true;
  }

  /** Stores initial values; a key may be initialised once. */
  init(key: Key | readonly Key[], value: KVValues): void {
    for (const [k, vs] of pairs("init", key, value)) {
      const id = this.#id("init", k);
      if (this.#store.has(id)) {
        throw new MXNetError(`kvstore.init: key ${JSON.stringify(k)} is already initialised`);
      }
      const v = vs[0];
      const ctx = this.type === "local" ? cpu() : v.context;
      const stored = v.copyTo(ctx);
      this.#store.set(id, { key: k, value: stored });
      this.#optimizerUpdater?.initState(k, stored);
    }
  }

  /** Pushes values; several values for one key (one per device) are summed first. */
  push(key: Key | readonly Key[], value: KVValues, opts: { priority?: number } = {}): void {
    checkKVOptions("push", opts);
    for (const [k, vs] of pairs("push", key, value)) {
      const stored = this.#stored("push", k);
      for (const v of vs) this.#checkShape("push", k, v, stored);
      const updater = this.#updater;
      // One value is copied in, or handed to the updater as is when it is on the store's
      // device (MXNet's Reduce does the same).
      if (vs.length === 1 && (!updater || vs[0].context.equals(stored.context))) {
        if (updater) updater(k, vs[0], stored);
        else vs[0].copyTo(stored);
        continue;
      }
      // The sum is a temporary, freed once the engine has used it: a push allocates nothing
      // that outlives it (safe inside mx.nd.scope; memory stays flat).
      const merged = this.#reduce(vs);
      const input = merged.asInContext(stored.context);
      if (updater) updater(k, input, stored);
      else input.copyTo(stored);
      if (input !== merged) input.dispose();
      merged.dispose();
    }
  }

  /** Copies the stored value of each key into `out` (any device; copies as needed). */
  pull(key: Key | readonly Key[], opts: PullOptions = {}): void {
    checkKVOptions("pull", opts);
    if (!opts.out) throw new MXNetError(`kvstore.pull: give the destination as { out }`);
    for (const [k, outs] of pairs("pull", key, opts.out)) {
      const stored = this.#stored("pull", k);
      for (const o of outs) {
        this.#checkShape("pull", k, o, stored);
        stored.copyTo(o);
      }
    }
  }

  /** Push then pull; without `out` the pushed arrays receive the result. */
  pushPull(key: Key | readonly Key[], value: KVValues, opts: PullOptions = {}): void {
    checkKVOptions("pushPull", opts);
    this.push(key, value);
    this.pull(key, { out: opts.out ?? value });
  }

  /** Init with `value` then pull into `out` (MXNet's broadcast). */
  broadcast(key: Key | readonly Key[], value: KVValues, opts: PullOptions = {}): void {
    checkKVOptions("broadcast", opts);
    this.init(key, value);
    if (opts.out) this.pull(key, opts);
  }

  /**
   * Sets the function applied on push: `(key, input, stored)`, updating `stored` in place
   * (MXNet's `_set_updater`). The input is the sum of the pushed values.
   */
  setUpdater(updater: UpdaterFn): void {
    this.#updater = updater;
    this.#optimizerUpdater = null;
  }

  /**
   * Applies `optimizer` on every push (the pushed values are gradients). The optimizer
   * states of keys initialised so far, and of keys initialised later, are created at once,
   * so they outlive any `mx.nd.scope` around the training steps.
   */
  setOptimizer(optimizer: Optimizer): void {
    this.#optimizerUpdater?.dispose();
    const u = getUpdater(optimizer);
    this.#updater = u;
    this.#optimizerUpdater = u;
    for (const { key, value } of this.#store.values()) u.initState(key, value);
  }

  /** The optimizer updater set by `setOptimizer`, or null. */
  get updater(): Updater | null {
    return this.#optimizerUpdater;
  }

  /**
   * Writes the optimizer states (and counters) to `path`; `format: "mxnet"` writes the
   * pickle MXNet reads (states only).
   */
  async saveOptimizerStates(path: string, opts: { format?: StatesFormat } = {}): Promise<void> {
    const bytes = await this.#needOptimizer("saveOptimizerStates").getStates(opts);
    await writeFileAtomic(path, bytes, "saveOptimizerStates");
  }

  /**
   * Reads states written by `saveOptimizerStates` or by MXNet (a pickle); `keyOf` maps a
   * saved key to this store's.
   */
  async loadOptimizerStates(path: string, keyOf?: (key: string) => string): Promise<void> {
    const u = this.#needOptimizer("loadOptimizerStates");
    u.setStates(await readFileChecked(path, "loadOptimizerStates"), path, keyOf);
  }

  /** Waits for all workers (one here: resolves at once). */
  barrier(): Promise<void> {
    return Promise.resolve();
  }

  /** Frees the stored values and optimizer states. */
  dispose(): void {
    for (const { value } of this.#store.values()) value.dispose();
    this.#optimizerUpdater?.dispose();
    this.#store.clear();
  }

  #needOptimizer(where: string): Updater {
    if (!this.#optimizerUpdater) {
      throw new MXNetError(`kvstore.${where}: no optimizer is set; call setOptimizer first`);
    }
    return this.#optimizerUpdater;
  }

  /** Sums `vs` on the merge device: CPU for local, the first value's device for device. */
  #reduce(vs: readonly NDArray[]): NDArray {
    const ctx: Context = this.type === "local" ? cpu() : vs[0].context;
    const buf = vs[0].copyTo(ctx);
    for (const v of vs.slice(1)) {
      if (v.context.equals(ctx)) buf.addInPlace(v);
      else {
        const moved = v.copyTo(ctx);
        buf.addInPlace(moved);
        moved.dispose();
      }
    }
    return buf;
  }

  #id(where: string, k: Key): string {
    const kind = typeof k === "number" ? "number" : typeof k === "string" ? "string" : null;
    if (kind === null || (kind === "number" && !Number.isInteger(k))) {
      throw new MXNetError(`kvstore.${where}: keys are integers or strings, got ${String(k)}`);
    }
    if (this.#keyKind && this.#keyKind !== kind) {
      throw new MXNetError(
        `kvstore.${where}: key ${
          JSON.stringify(k)
        } is a ${kind} but this store uses ${this.#keyKind} keys`,
      );
    }
    if (where === "init") this.#keyKind = kind;
    return String(k);
  }

  #stored(where: string, k: Key): NDArray {
    const e = this.#store.get(this.#id(where, k));
    if (!e) {
      throw new MXNetError(
        `kvstore.${where}: key ${JSON.stringify(k)} has not been initialised; call ` +
          `kv.init(${JSON.stringify(k)}, value) first`,
      );
    }
    if (e.value.isDisposed) {
      throw new MXNetError(
        `kvstore.${where}: the value of key ${JSON.stringify(k)} was freed, most likely by an ` +
          `mx.nd.scope around kv.init; initialise keys during set-up, outside any scope`,
      );
    }
    return e.value;
  }

  #checkShape(where: string, k: Key, v: NDArray, stored: NDArray): void {
    if (!(v instanceof NDArray)) {
      throw new MXNetError(`kvstore.${where}: key ${JSON.stringify(k)}: expected an NDArray`);
    }
    if (!shapeEqual(v.shape, stored.shape)) {
      throw new ShapeError(
        `kvstore.${where}: key ${JSON.stringify(k)} holds shape ${formatShape(stored.shape)}, ` +
          `got ${formatShape(v.shape)}`,
      );
    }
  }
}

/**
 * Creates a key-value store: `"local"` or `"device"` in this process, or the distributed
 * `"dist_sync"`, `"dist_device_sync"`, `"dist_async"` over MPI (start the processes with
 * `mpirun` or `deno task launch`; without them, one worker of rank 0).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * import { create } from "./mod.ts";
 * const kv = create("local");
 * kv.init(3, mx.nd.ones([2, 3]).mul(2));
 * const a = mx.nd.zeros([2, 3]);
 * kv.pull(3, { out: a });
 * console.log(await a.array()); // [[2, 2, 2], [2, 2, 2]]
 * ```
 */
export function create(type: string = "local"): KVStore {
  if (type === "local" || type === "device") return new KVStore(type);
  if (isDistType(type)) return createDist(type);
  if (type.startsWith("dist")) {
    throw new UnsupportedError(
      `kvstore.create: ${JSON.stringify(type)} needs the distributed (MPI) kvstore, which this ` +
        `build does not include yet; use "local" or "device"`,
    );
  }
  throw new MXNetError(
    `kvstore.create: unknown type ${JSON.stringify(type)}; use "local" or "device"`,
  );
}
