/**
 * `getUpdater(optimizer)`: the `(key, grad, weight)` function a kvstore calls, holding
 * one optimizer state per key, and the byte format its states are saved in.
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import type { DType, TypedArray } from "../core/dtype.ts";
import { FormatError, MXNetError, ParamError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { array } from "../ndarray/creation.ts";
import { deserialize, serialize } from "../ndarray/io.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import {
  type PickleState,
  PyRecord,
  PyTuple,
  type PyValue,
  readStatesPickle,
  writeStatesPickle,
} from "./pickle.ts";
import type { Optimizer, OptimizerCounters, OptimizerState, ParamKey } from "./optimizer.ts";

/**
 * The updater a kvstore calls with the merged gradient and the stored weight (MXNet's
 * `mx.optimizer.Updater`): it holds one optimizer state per key, created on first use.
 * An instance is callable, `updater(key, grad, weight)`, as MXNet's `__call__`, and
 * `updater.call(key, grad, weight)` does the same.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const updater = new mx.optimizer.Updater(mx.optimizer.create("sgd", { learningRate: 0.5 }));
 * const w = mx.nd.ones([2]);
 * updater(0, mx.nd.ones([2]), w);
 * updater.call(0, mx.nd.ones([2]), w);
 * console.log(await w.data()); // Float32Array [0, 0]
 * ```
 */
export interface Updater {
  /** Updates `weight` for `key` from `grad` (see `call`). */
  (key: ParamKey, grad: NDArray, weight: NDArray): void;
}

/** Makes instances of a subclass callable: the instance is a function forwarding to `call`. */
abstract class CallableUpdater {
  constructor() {
    const f = (key: ParamKey, grad: NDArray, weight: NDArray): void =>
      (f as unknown as Updater).call(key, grad, weight);
    // The returned function becomes `this` of the subclass, so its fields live on it.
    return Object.setPrototypeOf(f, new.target.prototype);
  }
}

/** See the interface of the same name. */
export class Updater extends CallableUpdater {
  /** The optimizer it applies. */
  readonly optimizer: Optimizer;
  /** States by key (as string). */
  readonly states: Map<string, OptimizerState> = new Map();
  /** Keys whose state is known to be on its weight's device (MXNet's `states_synced`). */
  readonly #synced = new Set<string>();

  /** Wraps `optimizer`. */
  constructor(optimizer: Optimizer) {
    super();
    this.optimizer = optimizer;
  }

  /** Updates `weight` for `key` from `grad`, creating the key's state on first use. */
  call(key: ParamKey, grad: NDArray, weight: NDArray): void {
    const k = String(key);
    if (!this.states.has(k)) this.initState(key, weight);
    else if (!this.#synced.has(k)) {
      this.states.set(k, this.syncStateContext(this.states.get(k)!, weight.context));
      this.#synced.add(k);
    }
    const state = this.states.get(k)!;
    forEachArray(state, (a) => {
      if (a.isDisposed) {
        throw new MXNetError(
          `updater: the optimizer state of key ${JSON.stringify(key)} was freed, most likely by ` +
            `an mx.nd.scope around the update that created it; create states during set-up ` +
            `with updater.initState(key, weight), outside any scope`,
        );
      }
    });
    this.optimizer.updateMultiPrecision(key, weight, grad, state);
  }

  /**
   * Creates the state of `key` now (if missing). States are long-lived arrays: create them
   * during set-up, outside any `mx.nd.scope`, or a scope around the first update frees them.
   */
  initState(key: ParamKey, weight: NDArray): void {
    const k = String(key);
    if (this.states.has(k)) return;
    this.states.set(k, this.optimizer.createStateMultiPrecision(key, weight));
    this.#synced.add(k);
  }

  /**
   * `state` on context `ctx` (MXNet's `sync_state_context`): arrays elsewhere are copied
   * there and the originals freed; arrays already there are kept.
   */
  syncStateContext(state: OptimizerState, ctx: Context): OptimizerState {
    return moveState(state, ctx);
  }

  /**
   * The states as bytes: mxts's format (default; it keeps the update counters and every
   * dtype), or with `format: "mxnet"` the pickle MXNet's `Updater.set_states` reads (the
   * states only: MXNet's own files carry counters only when they pickle the optimizer).
   */
  getStates(opts: { format?: StatesFormat } = {}): Promise<Uint8Array> {
    checkOptions("getStates", opts, ["format"]);
    const format = opts.format ?? "mxts";
    if (format === "mxnet") return encodeMXNetStates(this.states);
    if (format !== "mxts") {
      throw new ParamError(`getStates: format must be "mxts" or "mxnet", got ${format}`);
    }
    return encodeStates(this.states, this.optimizer.counters());
  }

  /**
   * Replaces the states by saved ones (mxts's format, or an MXNet pickle: a dict of
   * states, alone or with the pickled optimizer, whose update counters are then restored);
   * they move to each weight's device on next use. `keyOf` maps a saved key to this
   * updater's (MXNet's kvstore files key by parameter name).
   */
  setStates(bytes: Uint8Array, source = "optimizer states", keyOf = (k: string) => k): void {
    const decoded = isPickle(bytes)
      ? decodeMXNetStates(bytes, source, this.optimizer)
      : decodeStates(bytes, source);
    this.dispose();
    for (const [k, s] of decoded.states) this.states.set(keyOf(k), s);
    if (decoded.counters) {
      const c = decoded.counters;
      const counts = Object.entries(c.indexUpdateCount).map(([k, n]) => [keyOf(k), n]);
      this.optimizer.restoreCounters({ ...c, indexUpdateCount: Object.fromEntries(counts) });
    }
  }

  /** Frees every state array. */
  dispose(): void {
    for (const s of this.states.values()) forEachArray(s, (a) => a.dispose());
    this.states.clear();
    this.#synced.clear();
  }
}

/**
 * Wraps `optimizer` for a kvstore (MXNet's `get_updater`): a new `Updater`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * import { getUpdater, SGD } from "./mod.ts";
 * const update = getUpdater(new SGD({ learningRate: 0.5 }));
 * const w = mx.nd.ones([2]);
 * update(0, mx.nd.ones([2]), w);
 * console.log(await w.data()); // Float32Array [0.5, 0.5]
 * ```
 */
export function getUpdater(optimizer: Optimizer): Updater {
  return new Updater(optimizer);
}

/** Calls `f` on every array of an optimizer state (a nested list of arrays, or null). */
export function forEachArray(s: OptimizerState, f: (a: NDArray) => void): void {
  if (s instanceof NDArray) f(s);
  else if (Array.isArray(s)) { for (const x of s) forEachArray(x, f); }
}

function moveState(s: OptimizerState, ctx: Context): OptimizerState {
  if (s instanceof NDArray) {
    if (s.context.equals(ctx)) return s;
    const moved = s.copyTo(ctx);
    s.dispose();
    return moved;
  }
  return s === null ? null : (s as OptimizerState[]).map((x) => moveState(x, ctx));
}

/** The byte formats of saved optimizer states. */
export type StatesFormat = "mxts" | "mxnet";

// Layout: "MXTSOPT1" (the last character is the format's version), u32 JSON length, JSON {counters, states, arrays: [{shape, dtype, bytes}]},
// then the arrays' bytes back to back (little-endian, row-major). A state tree in the JSON
// is null, an array index {a: i}, or a list of trees.
const MAGIC_PREFIX = "MXTSOPT";
const VERSION = "1";
const MAGIC = MAGIC_PREFIX + VERSION;
type Tree = null | { a: number } | Tree[];
interface Header {
  counters: OptimizerCounters;
  states: Record<string, Tree>;
  arrays: { shape: number[]; dtype: DType; bytes: number }[];
}

async function encodeStates(
  states: Map<string, OptimizerState>,
  counters: OptimizerCounters,
): Promise<Uint8Array> {
  const arrays: NDArray[] = [];
  const toTree = (s: OptimizerState): Tree => {
    if (s instanceof NDArray) return { a: arrays.push(s) - 1 };
    return s === null ? null : (s as OptimizerState[]).map(toTree);
  };
  const trees = Object.fromEntries([...states].map(([k, s]) => [k, toTree(s)]));
  const datas = await Promise.all(arrays.map((a) => a.data()));
  const header: Header = {
    counters,
    states: trees,
    arrays: arrays.map((a, i) => ({
      shape: [...a.shape],
      dtype: a.dtype,
      bytes: datas[i].byteLength,
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const total = 12 + json.length + datas.reduce((n, d) => n + d.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let at = 12 + json.length;
  for (const d of datas) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

const TYPED: Record<DType, (b: ArrayBuffer) => TypedArray> = {
  float32: (b) => new Float32Array(b),
  float64: (b) => new Float64Array(b),
  float16: (b) => new Float16Array(b),
  int32: (b) => new Int32Array(b),
  int8: (b) => new Int8Array(b),
  int64: (b) => new BigInt64Array(b),
  uint8: (b) => new Uint8Array(b),
  bool: (b) => new Uint8Array(b),
};

function decodeStates(
  bytes: Uint8Array,
  source: string,
): { states: Map<string, OptimizerState>; counters: OptimizerCounters } {
  const magic = bytes.length < 12 ? "" : new TextDecoder().decode(bytes.subarray(0, 8));
  if (!magic.startsWith(MAGIC_PREFIX)) {
    throw new FormatError(
      `${source}: not an mxts optimizer-states file (bad magic: those start with ` +
        `${MAGIC_PREFIX}) nor an MXNet states pickle`,
      0,
    );
  }
  if (magic !== MAGIC) {
    throw new FormatError(
      `${source}: mxts optimizer-states format version ${magic.slice(MAGIC_PREFIX.length)} ` +
        `is not known to this version of mxts, which reads version ${VERSION}`,
      7,
    );
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + len > bytes.length) {
    throw new FormatError(`${source}: truncated header (needs ${len} bytes)`, 12);
  }
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len)));
  } catch (e) {
    throw new FormatError(`${source}: corrupt header`, 12, { cause: e });
  }
  let at = 12 + len;
  const ctx = cpu();
  const arrays = header.arrays.map(({ shape, dtype, bytes: n }) => {
    if (at + n > bytes.length) {
      throw new FormatError(`${source}: truncated array data (needs ${n} bytes)`, at);
    }
    const typed = TYPED[dtype](bytes.slice(at, at + n).buffer);
    at += n;
    return array(typed, { shape, dtype, ctx });
  });
  const fromTree = (t: Tree): OptimizerState =>
    t === null ? null : Array.isArray(t) ? t.map(fromTree) : arrays[t.a];
  const states = new Map(Object.entries(header.states).map(([k, t]) => [k, fromTree(t)]));
  return { states, counters: header.counters };
}

/** True for a Python pickle (protocol 2 or later starts with PROTO). */
function isPickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

/** MXNet's pickle of `states` (see `writeStatesPickle`); arrays in MXNet's single format. */
async function encodeMXNetStates(states: Map<string, OptimizerState>): Promise<Uint8Array> {
  const toPickle = async (s: OptimizerState): Promise<PickleState> => {
    if (s instanceof NDArray) {
      const host = s.context.deviceType === "cpu" ? s : s.copyTo(cpu());
      await host.data(); // serialize reads synchronously
      try {
        return serialize(host);
      } finally {
        if (host !== s) host.dispose();
      }
    }
    return s === null ? null : await Promise.all((s as OptimizerState[]).map(toPickle));
  };
  const out = new Map<string, PickleState>();
  for (const [k, s] of states) out.set(k, await toPickle(s));
  return writeStatesPickle(out);
}

/**
 * The states of an MXNet pickle, and the update counters of the optimizer pickled with
 * them (null when the file holds the states only, as `Module.save_optimizer_states` does).
 */
function decodeMXNetStates(
  bytes: Uint8Array,
  source: string,
  optimizer: Optimizer,
): { states: Map<string, OptimizerState>; counters: OptimizerCounters | null } {
  const top = readStatesPickle(bytes, source, (h) => deserialize(h));
  let dict = top, saved: PyRecord | null = null;
  if (top instanceof PyTuple && top.items.length === 2 && top.items[1] instanceof PyRecord) {
    [dict, saved] = [top.items[0], top.items[1]];
  }
  if (!(dict instanceof Map)) {
    throw new FormatError(`${source}: an MXNet states pickle holds a dict of states`, 0);
  }
  const toState = (v: PyValue, key: string): OptimizerState => {
    if (v instanceof NDArray || v === null) return v;
    const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
    if (items) return items.map((x) => toState(x, key));
    throw new FormatError(
      `${source}: the state of key ${key} is not an NDArray, None or a tuple of them`,
      0,
    );
  };
  const states = new Map<string, OptimizerState>();
  for (const [k, v] of dict) states.set(String(k), toState(v, String(k)));
  if (saved === null) return { states, counters: null };
  const cls = saved.cls.split(" ")[1];
  if (cls.toLowerCase() !== optimizer.constructor.name.toLowerCase()) {
    for (const s of states.values()) forEachArray(s, (a) => a.dispose());
    throw new MXNetError(
      `${source}: the states were saved with MXNet's ${cls} optimizer; this updater's is ` +
        `${optimizer.constructor.name}, whose states differ`,
    );
  }
  const counts = saved.get("_index_update_count");
  const numUpdate = saved.get("num_update");
  return {
    states,
    counters: {
      numUpdate: typeof numUpdate === "number" ? numUpdate : 0,
      indexUpdateCount: counts instanceof Map
        ? Object.fromEntries([...counts].map(([k, n]) => [String(k), Number(n)]))
        : {},
      extra: {},
    },
  };
}
