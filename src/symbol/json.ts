/**
 * Symbol graphs in MXNet's JSON format: writing exactly as MXNet 1.x does (dmlc's
 * JSONWriter layout), and reading every format since MXNet 0.8 with its upgrades.
 * @module
 */
import { FormatError, MXNetError } from "../core/errors.ts";
import { isParamKey, parseParams } from "../ops/params.ts";
import { getOp, hasOp } from "../ops/registry.ts";
import { Node, type NodeEntry } from "./graph.ts";
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
const LEGACY_HIDDEN = ["ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage"];

interface RawNode {
  op: string;
  name: string;
  inputs: number[][];
  attrs?: Record<string, string>;
  attr?: Record<string, string>;
  param?: Record<string, string>;
}

/**
 * Reads MXNet's JSON graph format (0.8 to 1.x): upgrades `param`/`attr`, 2-element
 * entries, un-prefixed hidden attributes, per-input `weight_lr_mult`, and adds the
 * auxiliary inputs (BatchNorm's moving statistics) that 0.8 files lack.
 */
export function loadJSON(text: string, source = "json"): Symbol {
  let doc: { nodes?: RawNode[]; heads?: number[][] };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.nodes) || !Array.isArray(doc.heads)) {
    throw new FormatError(`${source}: a symbol file needs "nodes" and "heads" arrays`);
  }
  const built: Node[] = [];
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
    const inputs = (raw.inputs ?? []).map((e, j): NodeEntry => {
      const node = built[e[0]];
      if (!node) {
        throw new FormatError(`${where}: input ${j} refers to node ${e[0]}, not defined before it`);
      }
      return { node, index: e[1] ?? 0 };
    });
    if (raw.op === "null") {
      built.push(new Node(null, raw.name, {}, attrs, []));
      return;
    }
    if (!hasOp(raw.op)) throw new MXNetError(`${where}: unknown operator ${raw.op}`);
    const op = getOp(raw.op);
    const paramAttrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) if (isParamKey(op, k)) paramAttrs[k] = v;
    const params = parseParams(op, paramAttrs);
    const argNames = typeof op.inputs === "function" ? op.inputs(params) : op.inputs;
    for (const [k, v] of Object.entries(attrs)) {
      const m = /^(.+)_(lr_mult|wd_mult)$/.exec(k);
      const arg = m && argNames.indexOf(m[1]);
      if (m && arg !== null && arg >= 0 && inputs[arg]?.node.isVariable) {
        inputs[arg].node.attrs[`__${m[2]}__`] = v;
        delete attrs[k];
      }
    }
    // 0.8 files lack auxiliary inputs: add them as MXNet's upgrade does.
    const aux = op.aux ?? [];
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
  return new Symbol(doc.heads.map((h) => {
    const node = built[h[0]];
    if (!node) throw new FormatError(`${source}: head refers to missing node ${h[0]}`);
    return { node, index: h[1] ?? 0 };
  }));
}

/**
 * Writes the graph to `path` in MXNet's JSON format (atomically).
 * @ignore
 */
export async function save(sym: Symbol, path: string): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(tmp, toJSON(sym));
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new MXNetError(`save: cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads a symbol file written by `save` or by Apache MXNet. */
export async function load(path: string): Promise<Symbol> {
  return loadJSON(await Deno.readTextFile(path), path);
}
