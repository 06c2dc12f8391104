/**
 * MXNet's optimizer-state files (`Module.save_optimizer_states`, `gluon.Trainer.save_states`)
 * are Python pickles: a dict from parameter key to state (an NDArray, None, or a tuple of
 * them), alone or paired with the pickled optimizer. This is a restricted reader for such
 * files: it interprets only the opcodes they use and only the globals they name (NDArray,
 * bytearray, OrderedDict, and as inert records MXNet's optimizer, Parameter and Context
 * classes), runs nothing, and rejects any other global. It also writes the dict form.
 * @module
 */
import { FormatError } from "../core/errors.ts";
import type { NDArray } from "../ndarray/ndarray.ts";

/** A Python object of an allowed class that is kept as data: its class and its state. */
export class PyRecord {
  /** Creates a record of class `cls` ("module name"). */
  constructor(readonly cls: string, public args: PyValue[] = [], public state: PyValue = null) {}
  /** The value under `key` of a dict state (MXNet objects pickle their `__dict__`). */
  get(key: string): PyValue | undefined {
    return this.state instanceof Map ? this.state.get(key) : undefined;
  }
}

/** A value an MXNet states pickle holds. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | NDArray
  | PyValue[]
  | PyTuple
  | Map<PyValue, PyValue>
  | PyRecord
  | PyClass;

/** A Python tuple (kept apart from lists only for the reader's checks). */
export class PyTuple {
  /** Wraps the items. */
  constructor(readonly items: PyValue[]) {}
}

/** A reference to an allowed class (`GLOBAL`), not yet called. */
export class PyClass {
  /** Names the class ("module name"). */
  constructor(readonly name: string) {}
}

/** An NDArray being rebuilt: `NDArray(None)` then `BUILD` with `{"handle": bytes}`. */
class PendingNDArray {}

const NDARRAY = new Set(["mxnet.ndarray.ndarray NDArray", "mxnet.ndarray NDArray"]);
const BYTEARRAY = new Set(["builtins bytearray", "__builtin__ bytearray"]);
const ORDERED_DICT = "collections OrderedDict";
/** Classes kept as inert records (the optimizer pickled next to the states, and its fields). */
const RECORD_MODULES = [
  "mxnet.optimizer ",
  "mxnet.optimizer.optimizer ",
  "mxnet.lr_scheduler ",
  "mxnet.gluon.parameter ",
  "mxnet.context ",
  "mxnet.device ",
  "numpy ",
];

function allowed(name: string): boolean {
  return NDARRAY.has(name) || BYTEARRAY.has(name) || name === ORDERED_DICT ||
    RECORD_MODULES.some((m) => name.startsWith(m) && !name.slice(m.length).includes(" "));
}

const MARK = Symbol("mark");
type StackItem = PyValue | PendingNDArray | typeof MARK;

/**
 * Reads an MXNet optimizer-states pickle. `decode` turns an NDArray's `handle` bytes
 * (MXNet's single-array format) into an array.
 * @throws FormatError naming `source`, the byte offset and the opcode or global refused.
 */
export function readStatesPickle(
  bytes: Uint8Array,
  source: string,
  decode: (handle: Uint8Array) => NDArray,
): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder("utf-8", { fatal: true });
  const latin1 = new TextDecoder("latin1");
  const stack: StackItem[] = [];
  const memo = new Map<number, StackItem>();
  let at = 0;
  const fail = (msg: string, offset = at): never => {
    throw new FormatError(`${source}: optimizer-states pickle: ${msg}`, offset);
  };
  const need = (n: number) => {
    if (at + n > bytes.length) fail(`truncated (needs ${n} more bytes)`);
  };
  const u8 = () => (need(1), bytes[at++]);
  const u16 = () => (need(2), at += 2, view.getUint16(at - 2, true));
  const u32 = () => (need(4), at += 4, view.getUint32(at - 4, true));
  const i32 = () => (need(4), at += 4, view.getInt32(at - 4, true));
  const take = (n: number) => (need(n), at += n, bytes.subarray(at - n, at));
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail("unterminated text line");
    const s = latin1.decode(bytes.subarray(at, end));
    at = end + 1;
    return s;
  };
  const pop = (): StackItem => (stack.length ? stack.pop()! : fail("stack underflow"));
  const popMark = (): StackItem[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail("no MARK on the stack");
    return stack.splice(i).slice(1);
  };
  const value = (x: StackItem): PyValue => {
    if (x === MARK || x instanceof PendingNDArray) fail("an NDArray without its data");
    return x as PyValue;
  };
  const top = (): StackItem => (stack.length ? stack[stack.length - 1] : fail("empty stack"));
  const global = (name: string): PyClass => {
    if (!allowed(name)) {
      fail(
        `refusing global ${name}: MXNet's states files hold only NDArrays, bytearrays, ` +
          `dicts and MXNet's optimizer objects`,
      );
    }
    return new PyClass(name);
  };
  const call = (f: StackItem, args: PyValue[], newobj: boolean): StackItem => {
    if (!(f instanceof PyClass)) return fail("call of something that is not an allowed class");
    if (NDARRAY.has(f.name)) return new PendingNDArray();
    if (BYTEARRAY.has(f.name)) {
      const [data] = args;
      if (data === undefined) return new Uint8Array(0);
      if (data instanceof Uint8Array) return data.slice();
      // Python 2's bytearray(str, "latin-1").
      if (typeof data === "string") return Uint8Array.from(data, (c) => c.charCodeAt(0));
      return fail("bytearray of something that is not bytes");
    }
    if (f.name === ORDERED_DICT) return new Map();
    if (!newobj && f.name.startsWith("numpy ")) return fail(`refusing a call of ${f.name}`);
    return new PyRecord(f.name, args);
  };
  const setItems = (d: StackItem, items: StackItem[]) => {
    if (!(d instanceof Map)) fail("SETITEM on something that is not a dict");
    if (items.length % 2) fail("odd number of dict items");
    for (let i = 0; i < items.length; i += 2) {
      (d as Map<PyValue, PyValue>).set(value(items[i]), value(items[i + 1]));
    }
  };
  need(2);
  for (;;) {
    const opAt = at;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("unknown pickle protocol", opAt);
        break;
      case 0x95: // FRAME
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail("stack not reduced to one value at STOP", opAt);
        return value(stack[0]);
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: { // LONG1
        const n = u8();
        let v = 0n;
        const b = take(n);
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number.isSafeInteger(Number(v)) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(text.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text.decode(take(u8())));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(take(i32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([value(pop())]));
        break;
      case 0x86: { // TUPLE2
        const b = value(pop()), a = value(pop());
        stack.push(new PyTuple([a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = value(pop()), b = value(pop()), a = value(pop());
        stack.push(new PyTuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark().map(value)));
        break;
      case 0x6c: // LIST
        stack.push(popMark().map(value));
        break;
      case 0x61: { // APPEND
        const v = value(pop());
        const l = top();
        if (!Array.isArray(l)) fail("APPEND to something that is not a list", opAt);
        (l as PyValue[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark().map(value);
        const l = top();
        if (!Array.isArray(l)) fail("APPENDS to something that is not a list", opAt);
        (l as PyValue[]).push(...items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop(), k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const mod = line();
        stack.push(global(`${mod} ${line()}`));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = value(pop()), mod = value(pop());
        if (typeof name !== "string" || typeof mod !== "string") fail("bad STACK_GLOBAL", opAt);
        stack.push(global(`${mod} ${name}`));
        break;
      }
      case 0x52: { // REDUCE
        const args = value(pop());
        if (!(args instanceof PyTuple)) fail("REDUCE without an argument tuple", opAt);
        stack.push(call(pop(), (args as PyTuple).items, false));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = value(pop());
        if (!(args instanceof PyTuple)) fail("NEWOBJ without an argument tuple", opAt);
        stack.push(call(pop(), (args as PyTuple).items, true));
        break;
      }
      case 0x62: { // BUILD
        const state = value(pop());
        const obj = pop();
        if (obj instanceof PendingNDArray) {
          const handle = state instanceof Map ? state.get("handle") : undefined;
          if (!(handle instanceof Uint8Array)) fail("an NDArray without a handle", opAt);
          try {
            stack.push(decode(handle as Uint8Array));
          } catch (e) {
            throw new FormatError(
              `${source}: optimizer-states pickle: NDArray: ${(e as Error).message}`,
              opAt,
              { cause: e },
            );
          }
        } else if (obj instanceof PyRecord) {
          obj.state = state;
          stack.push(obj);
        } else if (obj instanceof Map && state instanceof Map) {
          for (const [k, v] of state) obj.set(k, v);
          stack.push(obj);
        } else fail("BUILD of something that is not an object", opAt);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) fail(`memo ${i} is not defined`, opAt);
        stack.push(memo.get(i)!);
        break;
      }
      default:
        fail(`opcode 0x${op.toString(16)} is not one MXNet's states files use`, opAt);
    }
  }
}

/** A state as MXNet pickles it: an NDArray's single-array bytes, None, or a tuple. */
export type PickleState = Uint8Array | null | PickleState[];

/**
 * Writes `states` (parameter key to state) as the pickle MXNet's `Updater.set_states`
 * reads (protocol 3, as MXNet's `pickle.dumps` on Python 3): integer keys for numeric
 * keys, NDArrays as `NDArray` objects with their `handle` bytes, lists as tuples.
 */
export function writeStatesPickle(states: ReadonlyMap<string, PickleState>): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const op = (...b: number[]) => parts.push(Uint8Array.from(b));
  const u32 = (n: number) => op(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
  const str = (s: string) => {
    const b = enc.encode(s);
    op(0x58);
    u32(b.length);
    parts.push(b);
  };
  const glob = (
    mod: string,
    name: string,
  ) => (op(0x63), parts.push(enc.encode(`${mod}\n${name}\n`)));
  const put = (s: PickleState): void => {
    if (s === null) op(0x4e);
    else if (s instanceof Uint8Array) {
      glob("mxnet.ndarray.ndarray", "NDArray");
      op(0x4e, 0x85, 0x52, 0x7d); // NONE TUPLE1 REDUCE EMPTY_DICT
      str("handle");
      glob("builtins", "bytearray");
      op(0x42);
      u32(s.length);
      parts.push(s);
      op(0x85, 0x52, 0x73, 0x62); // TUPLE1 REDUCE SETITEM BUILD
    } else {
      op(0x28);
      for (const x of s) put(x);
      op(0x74); // TUPLE
    }
  };
  op(0x80, 3, 0x7d); // PROTO 3, EMPTY_DICT
  if (states.size) op(0x28); // MARK
  for (const [k, s] of states) {
    if (/^(0|[1-9]\d{0,8})$/.test(k)) {
      op(0x4a);
      u32(Number(k));
    } else str(k);
    put(s);
  }
  if (states.size) op(0x75); // SETITEMS
  op(0x2e); // STOP
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}
