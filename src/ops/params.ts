/**
 * Parameter parsing: user options (camelCase) or MXNet JSON attributes (snake_case
 * strings) into typed values, validated once per call.
 * @module
 */
import { asDType } from "../core/dtype.ts";
import { ParamError } from "../core/errors.ts";
import type { OpDef, Params, ParamSpec } from "./op_def.ts";

/** `numHidden` -> `num_hidden`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/** MXNet's JSON key of a parameter. */
export function jsonKey(key: string, spec: ParamSpec): string {
  return spec.json ?? snakeCase(key);
}

function parseTuple(v: string): number[] {
  const body = v.trim().replace(/^[([]/, "").replace(/[)\]]$/, "").trim();
  if (body === "") return [];
  return body.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) =>
    s === "None" ? NaN : Number(s)
  );
}

/** "an integer >= 1", "a number in [0, 1]": the range part of a message. */
function rangeText(spec: ParamSpec, what: string): string {
  const b = boundsOf(spec);
  const min = Number.isFinite(b.min) ? b.min : undefined;
  const max = Number.isFinite(b.max) ? b.max : undefined;
  if (min !== undefined && max !== undefined) return `${what} in [${min}, ${max}]`;
  if (min !== undefined) return `${what} >= ${min}`;
  if (max !== undefined) return `${what} <= ${max}`;
  return what;
}

/** The declared bounds; a shape's entries are sizes (>= 0) unless it says otherwise. */
function boundsOf(spec: ParamSpec): { min?: number; max?: number } {
  return { min: spec.min ?? (spec.type === "shape" ? 0 : undefined), max: spec.max };
}

/** True when `x` lies in the declared bounds (NaN never does). */
function inRange(spec: ParamSpec, x: number): boolean {
  const { min, max } = boundsOf(spec);
  return (min === undefined || x >= min) && (max === undefined || x <= max) && !Number.isNaN(x);
}

function convert(op: string, key: string, spec: ParamSpec, raw: unknown): unknown {
  const bad = (expected: string): never => {
    // Both spellings, so a graph file's num_hidden is as recognisable as numHidden.
    const json = jsonKey(key, spec);
    const name = json === key ? key : `${key} (${json})`;
    throw new ParamError(
      `${op}: parameter ${name} expects ${expected}, got ${JSON.stringify(raw)}`,
    );
  };
  // JSON attributes arrive as strings ("128", "(3, 3)", "True").
  const v = typeof raw === "string" && spec.type !== "string" && spec.type !== "dtype"
    ? parseString(spec, raw)
    : raw;
  // MXNet writes optional parameters left unset as "None".
  if (v === null && spec.default === null) return null;
  const hasRange = spec.min !== undefined || spec.max !== undefined;
  switch (spec.type) {
    case "int":
      if (typeof v !== "number" || !Number.isSafeInteger(v) || !inRange(spec, v)) {
        bad(rangeText(spec, "an integer"));
      }
      if (spec.values && !spec.values.includes(v as number)) {
        bad(`one of ${spec.values.join(", ")}`);
      }
      return v;
    case "float":
      if (typeof v !== "number" || (hasRange && !inRange(spec, v))) {
        bad(rangeText(spec, "a number"));
      }
      return v;
    case "bool":
      if (typeof v !== "boolean") bad("true or false");
      return v;
    case "string":
      if (typeof v !== "string") bad("a string");
      if (spec.values && !spec.values.includes(v as string)) {
        bad(`one of ${spec.values.join(", ")}`);
      }
      return v;
    case "dtype": {
      // An optional dtype left unset is written "None" in graph JSON (_np_cumsum's dtype).
      if (v === "None" && spec.default === null) return null;
      const dt = asDType(v, `${op}: parameter ${key}`);
      if (spec.values && !spec.values.includes(dt)) bad(`one of ${spec.values.join(", ")}`);
      return dt;
    }
    case "shape": {
      const list = typeof v === "number" ? [v] : v;
      const ok = (d: unknown) =>
        typeof d === "number" && Number.isSafeInteger(d) && inRange(spec, d);
      if (!Array.isArray(list) || !list.every(ok)) {
        bad(`a tuple of ${rangeText(spec, "integers")}`);
      }
      return [...(list as number[])];
    }
    case "floats": {
      const list = typeof v === "number" ? [v] : v;
      const ok = (d: unknown) => typeof d === "number" && (!hasRange || inRange(spec, d));
      if (!Array.isArray(list) || !list.every(ok)) bad(`a tuple of ${rangeText(spec, "numbers")}`);
      return [...(list as number[])];
    }
    case "ranges": {
      const list = typeof v === "number" ? [v] : v;
      const ok = (d: unknown) => d === null || Number.isNaN(d) || Number.isSafeInteger(d);
      if (!Array.isArray(list) || !list.every(ok)) bad("a tuple of integers or None");
      return (list as (number | null)[]).map((d) => (d === null || Number.isNaN(d) ? null : d));
    }
    case "axes": {
      if (v === null || v === undefined) return null;
      if (typeof v === "number" && Number.isSafeInteger(v)) return v;
      if (Array.isArray(v) && v.every((d) => Number.isSafeInteger(d))) return [...v];
      return bad("an axis, a tuple of axes, or null");
    }
  }
}

/**
 * A number as MXNet writes one (Python's `str`: "3", "0.001", "inf", "-inf", "nan"), or
 * `s` itself when `t` (its trimmed text) is not one, for the type check to reject:
 * `Number` alone would make "abc" NaN and "" zero, and let them pass as numbers.
 */
function parseNumber(t: string, s: string): number | string {
  const special = /^([+-]?)(nan|inf|infinity)$/i.exec(t);
  if (special) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  const n = t === "" ? NaN : Number(t);
  return Number.isNaN(n) ? s : n;
}

function parseString(spec: ParamSpec, s: string): unknown {
  const t = s.trim();
  switch (spec.type) {
    case "int":
    case "float":
      return t === "None" ? null : parseNumber(t, s);
    case "bool":
      if (t === "None") return null;
      return t === "True" || t === "true" || t === "1"
        ? true
        : t === "False" || t === "false" || t === "0"
        ? false
        : s;
    case "axes":
      if (t === "None" || t === "") return null;
      return t.startsWith("(") || t.startsWith("[") ? parseTuple(t) : Number(t);
    default:
      return parseTuple(t);
  }
}

const EMPTY: Params = Object.freeze({});
const paramless = new WeakMap<OpDef, boolean>();
function noParams(def: OpDef): boolean {
  let v = paramless.get(def);
  if (v === undefined) paramless.set(def, v = Object.keys(def.params).length === 0);
  return v;
}

/** An operator's params by MXNet JSON key, and as a list: built once per operator. */
interface ParamTable {
  byJson: Map<string, string>;
  specs: [string, ParamSpec][];
}
const tables = new WeakMap<OpDef, ParamTable>();
function tableOf(def: OpDef): ParamTable {
  let t = tables.get(def);
  if (!t) {
    const specs = Object.entries(def.params);
    t = { byJson: new Map(specs.map(([key, spec]) => [jsonKey(key, spec), key])), specs };
    tables.set(def, t);
  }
  return t;
}

/**
 * Validates and fills defaults. Accepts camelCase keys or MXNet's JSON keys; unknown
 * keys throw ParamError naming the operator (a typo must not be silently ignored).
 */
export function parseParams(def: OpDef, raw: Record<string, unknown> = {}): Params {
  // Fast path for the many parameterless operators (add, exp, ...).
  let given = false;
  for (const _ in raw) {
    given = true;
    break;
  }
  if (!given && noParams(def)) return EMPTY;
  const out: Record<string, unknown> = {};
  const { byJson, specs } = tableOf(def);
  for (const [k, v] of Object.entries(raw)) {
    // undefined means "not given"; null (MXNet's None) means "the default" for scalars.
    if (v === undefined || (v === null && def.params[k]?.default === null)) continue;
    const key = k in def.params ? k : byJson.get(k);
    if (key === undefined && def.openParams) {
      out[k] = typeof v === "string" ? v : paramToString(v);
      continue;
    }
    if (key === undefined) {
      const known = Object.keys(def.params);
      throw new ParamError(
        `${def.name}: unknown parameter ${k}` +
          (known.length ? `; it takes ${known.join(", ")}` : "; it takes no parameters"),
      );
    }
    out[key] = convert(def.name, key, def.params[key], v);
  }
  for (const [key, spec] of specs) {
    if (key in out) continue;
    if (spec.required) throw new ParamError(`${def.name}: parameter ${key} is required`);
    out[key] = spec.default;
  }
  return out;
}

/** A parameter value as MXNet's JSON stores it: `"128"`, `"True"`, `"(3, 3)"`, `"None"`. */
export function paramToString(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (Array.isArray(value)) {
    const items = value.map((v) => (v === null ? "None" : String(v)));
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  return String(value);
}

/**
 * The parameters of `raw` that `def` knows, keyed by MXNet's JSON spelling, as strings
 * (what a graph node records for the parameters the user gave).
 */
export function paramsToAttrs(def: OpDef, raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const key = k in def.params ? k : undefined;
    const spec = key ? def.params[key] : undefined;
    out[spec ? jsonKey(key!, spec) : k] = paramToString(v);
  }
  return out;
}

/** True when `key` (either spelling) names a parameter of `def`. */
export function isParamKey(def: OpDef, key: string): boolean {
  if (key in def.params) return true;
  // Open parameters: anything but a hidden attribute (`__lr_mult__`).
  if (def.openParams) return !/^__\w+__$/.test(key);
  return Object.entries(def.params).some(([k, spec]) => jsonKey(k, spec) === key);
}
