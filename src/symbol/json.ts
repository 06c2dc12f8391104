/**
 * Symbol graphs in MXNet's JSON format: writing exactly as MXNet 1.x does (dmlc's
 * JSONWriter layout), and reading every format since MXNet 0.8 with its upgrades.
 * @module
 */
import { FormatError, MXNetError, ParamError } from "../core/errors.ts";
import { readTextFileChecked, writeFileAtomic } from "../core/files.ts";
import { isParamKey, parseParams } from "../ops/params.ts";
import { auxNamesOf, type OpDef, type Params } from "../ops/op_def.ts";
import { getOp, hasOp } from "../ops/registry.ts";
import { Node, type NodeEntry } from "./graph.ts";
import { checkNodeAttributes, LEGACY_HIDDEN } from "./mxnet_params.ts";
import { Symbol } from "./symbol.ts";

/** The MXNet version this library's files claim: 1.9.1. */
const MXNET_VERSION = 10901;

// A JSON value with dmlc's layout decision: multi-line or inline.
type JV =
  | { obj: [string, JV][]; multi: boolean }
  | { arr: JV[]; multi: boolean }
  | string
  | number;

function write(v: JV, depth: number): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return String(v);
  const [open, close, items] = "obj" in v
    ? ["{", "}", v.obj.map(([k, x]) => `${JSON.stringify(k)}: ${write(x, depth + 1)}`)]
    : ["[", "]", v.arr.map((x) => write(x, depth + 1))];
  if (!v.multi) return open + items.join(", ") + close;
  if (items.length === 0) return open + close;
  const pad = "\n" + "  ".repeat(depth + 1);
  // dmlc writes ", " then the newline, which leaves a trailing space on each line.
  return open + pad + items.join(", " + pad) + "\n" + "  ".repeat(depth) + close;
}

const ints = (xs: number[]): JV => ({ arr: xs, multi: xs.length > 10 });

/**
 * The graph as MXNet's JSON text (`Symbol.tojson()`).
 * @ignore
 */
export function toJSON(sym: Symbol): string {
  const nodes = sym._nodes();
  const ids = new Map(nodes.map((n, i) => [n, i]));
  const entry = (e: NodeEntry): JV => ({ arr: [ids.get(e.node)!, e.index, 0], multi: false });
  const nodeJV = nodes.map((n): JV => {
    const fields: [string, JV][] = [["op", n.op ? n.op.name : "null"], ["name", n.name]];
    const attrs = Object.entries(n.attrs);
    if (attrs.length) fields.push(["attrs", { obj: attrs, multi: attrs.length > 1 }]);
    fields.push(["inputs", { arr: n.inputs.map(entry), multi: false }]);
    return { obj: fields, multi: true };
  });
  const rowPtr = [0];
  for (const n of nodes) rowPtr.push(rowPtr[rowPtr.length - 1] + n.numOutputs);
  const graph: JV = {
    obj: [
      ["nodes", { arr: nodeJV, multi: true }],
      ["arg_nodes", ints(nodes.flatMap((n, i) => (n.isVariable ? [i] : [])))],
      ["node_row_ptr", ints(rowPtr)],
      ["heads", { arr: sym.outputs.map(entry), multi: false }],
      ["attrs", {
        obj: [["mxnet_version", { arr: ["int", MXNET_VERSION], multi: false }]],
        multi: false,
      }],
    ],
    multi: true,
  };
  return write(graph, 0);
}

// Attributes MXNet before 0.9 wrote without the hidden-attribute underscores.

/** A node entry as the file stores it: [node id, output index(, version)]. */
type RawEntry = number[];

interface RawNode {
  op: string;
  name: string;
  inputs?: RawEntry[];
  attrs?: Record<string, string>;
  attr?: Record<string, string>;
  param?: Record<string, string>;
}

interface RawGraph {
  nodes: RawNode[];
  heads: RawEntry[];
}

/** A short rendering of a bad value for messages. */
function shown(v: unknown): string {
  const text = v === undefined ? "nothing" : JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Checks the document's structure against MXNet's graph layout, so a damaged or hostile
 * file fails with a FormatError giving the JSON path (`nodes[3].inputs[0]`) instead of a
 * TypeError deep in the loader.
 */
function checkSchema(doc: unknown, source: string): RawGraph {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new FormatError(`${source}: ${path}: expected ${expected}, got ${shown(got)}`);
  };
  const entry = (v: unknown, path: string): void => {
    const ok = Array.isArray(v) && (v.length === 2 || v.length === 3) && v.every(isIndex);
    if (!ok) fail(path, "[node, output] or [node, output, version] of integers >= 0", v);
  };
  const strings = (v: unknown, path: string): void => {
    if (!isObject(v)) return fail(path, "an object of strings", v);
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== "string") fail(`${path}.${k}`, "a string", x);
    }
  };
  const indices = (v: unknown, path: string): void => {
    if (!Array.isArray(v)) return fail(path, "an array of integers >= 0", v);
    v.forEach((x, i) => isIndex(x) || fail(`${path}[${i}]`, "an integer >= 0", x));
  };
  if (!isObject(doc)) fail("the top level", "an object with nodes and heads", doc);
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.nodes)) fail("nodes", "an array of nodes", d.nodes);
  if (!Array.isArray(d.heads)) fail("heads", "an array of entries", d.heads);
  (d.nodes as unknown[]).forEach((n, i) => {
    const at = `nodes[${i}]`;
    if (!isObject(n)) return fail(at, "a node object", n);
    if (typeof n.op !== "string") fail(`${at}.op`, "an operator name (a string)", n.op);
    if (typeof n.name !== "string") fail(`${at}.name`, "a string", n.name);
    if (n.inputs !== undefined) {
      if (!Array.isArray(n.inputs)) fail(`${at}.inputs`, "an array of entries", n.inputs);
      (n.inputs as unknown[]).forEach((e, j) => entry(e, `${at}.inputs[${j}]`));
    }
    for (const k of ["attrs", "attr", "param"]) {
      if (n[k] !== undefined) strings(n[k], `${at}.${k}`);
    }
  });
  (d.heads as unknown[]).forEach((e, j) => entry(e, `heads[${j}]`));
  for (const k of ["arg_nodes", "node_row_ptr"]) if (d[k] !== undefined) indices(d[k], k);
  if (d.attrs !== undefined && !isObject(d.attrs)) fail("attrs", "an object", d.attrs);
  return d as unknown as RawGraph;
}

/**
 * Keys that are plain-object properties (`toString`, `constructor`, `__proto__`): never an
 * operator parameter, whatever the operator's parameter table inherits.
 */
const isObjectKey = (k: string): boolean => k in Object.prototype;

/**
 * Reads MXNet's JSON graph format (0.8 to 1.x): upgrades `param`/`attr`, 2-element
 * entries, un-prefixed hidden attributes, per-input `weight_lr_mult`, and adds the
 * auxiliary inputs (BatchNorm's moving statistics) that 0.8 files lack.
 * @throws FormatError for a malformed document, naming the JSON path of the fault (an
 * entry naming a node that is not defined before it, or an output it does not have).
 */
export function loadJSON(text: string, source = "json"): Symbol {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
  const doc = checkSchema(parsed, source);
  const built: Node[] = [];
  /** The entry at `path`, checked against the nodes built so far. */
  const resolve = (e: RawEntry, path: string, user: string): NodeEntry => {
    const node = built[e[0]];
    if (!node) {
      throw new FormatError(
        `${source}: ${path}: ${user} refers to node ${e[0]}, which is not defined before it ` +
          `(${built.length} nodes are)`,
      );
    }
    const index = e[1] ?? 0;
    if (index >= node.numOutputs) {
      throw new FormatError(
        `${source}: ${path}: ${user} uses output ${index} of node ${e[0]} (${node.name}), ` +
          `which has ${node.numOutputs} output${node.numOutputs === 1 ? "" : "s"}`,
      );
    }
    return { node, index };
  };
  // Hidden attributes addressed to an input (weight_lr_mult) wait until inputs exist.
  doc.nodes.forEach((raw, id) => {
    const where = `${source}: node ${id} (${raw.name})`;
    const attrs: Record<string, string> = {
      ...(raw.param ?? {}),
      ...(raw.attr ?? {}),
      ...(raw.attrs ?? {}),
    };
    for (const k of LEGACY_HIDDEN) {
      if (k in attrs) {
        attrs[`__${k}__`] = attrs[k];
        delete attrs[k];
      }
    }
    const inputs = (raw.inputs ?? []).map((e, j): NodeEntry =>
      resolve(e, `nodes[${id}].inputs[${j}]`, `input ${j} of node ${id} (${raw.name})`)
    );
    if (raw.op === "null") {
      built.push(new Node(null, raw.name, {}, attrs, []));
      return;
    }
    if (!hasOp(raw.op)) throw new MXNetError(`${where}: unknown operator ${raw.op}`);
    const op = getOp(raw.op);
    const paramAttrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) {
      if (!isObjectKey(k) && isParamKey(op, k)) paramAttrs[k] = v;
    }
    // A misspelt parameter is reported as such, before "a parameter is required"; the
    // per-input multipliers (fc_weight_lr_mult) are checked once moved to their input.
    const perInput = /^(.+)_(lr_mult|wd_mult)$/;
    checkNodeAttributes(
      op,
      Object.fromEntries(Object.entries(attrs).filter(([k]) => !perInput.test(k))),
      where,
    );
    const params = paramsOfNode(op, paramAttrs, where);
    const argNames = typeof op.inputs === "function" ? op.inputs(params) : op.inputs;
    for (const [k, v] of Object.entries(attrs)) {
      const m = perInput.exec(k);
      const arg = m && argNames.indexOf(m[1]);
      if (m && arg !== null && arg >= 0 && inputs[arg]?.node.isVariable) {
        inputs[arg].node.attrs[`__${m[2]}__`] = v;
        delete attrs[k];
      }
    }
    checkNodeAttributes(op, attrs, where);
    // 0.8 files lack auxiliary inputs: add them as MXNet's upgrade does.
    const aux = auxNamesOf(op, params);
    if (inputs.length === argNames.length && aux.length) {
      for (const a of aux) {
        const v = new Node(null, `${raw.name}_${a}`, {}, {}, []);
        inputs.push({ node: v, index: 0 });
      }
    }
    if (inputs.length !== argNames.length + aux.length) {
      throw new FormatError(
        `${where}: ${raw.op} takes ${
          argNames.length + aux.length
        } inputs, the file gives ${inputs.length}`,
      );
    }
    built.push(new Node(op, raw.name, params, attrs, inputs));
  });
  return new Symbol(doc.heads.map((h, j) => resolve(h, `heads[${j}]`, `head ${j}`)));
}

/**
 * The node's parameters parsed by the operator's spec; a bad value is a ParamError that
 * says which node of the file holds it (`where`: source, index and name) before the
 * operator's own message naming the parameter, its range and the value.
 */
function paramsOfNode(op: OpDef, attrs: Record<string, string>, where: string): Params {
  try {
    return parseParams(op, attrs);
  } catch (e) {
    if (e instanceof ParamError) throw new ParamError(`${where}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Writes the graph to `path` in MXNet's JSON format, atomically: a failed or killed save
 * leaves the old file intact (see src/core/files.ts).
 * @ignore
 */
export async function save(sym: Symbol, path: string): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(toJSON(sym)), "save");
}

/**
 * Reads a symbol file written by `save` or by Apache MXNet.
 * @throws FileNotFoundError when the file does not exist; FormatError when it is not a
 * symbol graph.
 */
export async function load(path: string): Promise<Symbol> {
  return loadJSON(await readTextFileChecked(path, "sym.load"), path);
}
