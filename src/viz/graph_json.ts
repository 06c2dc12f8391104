/**
 * What the visualizers read of a Symbol: its MXNet JSON nodes and, given input shapes or
 * types, every internal output's shape or type by output name (as MXNet's visualization
 * reads them).
 * @module
 */
import type { DType } from "../core/dtype.ts";
import { MXNetError } from "../core/errors.ts";
import type { Symbol } from "../symbol/symbol.ts";

/** One node of MXNet's graph JSON. */
export interface JsonNode {
  /** The operator, "null" for a variable. */
  op: string;
  /** The node name. */
  name: string;
  /** Parameters as MXNet writes them (strings). */
  attrs?: Record<string, string>;
  /** `[node index, output index, version]` of each input. */
  inputs: [number, number, number][];
}

/** MXNet's graph JSON of a symbol. */
export interface GraphJson {
  nodes: JsonNode[];
  heads: [number, number, number][];
}

/** Parses `symbol.toJSON()`. */
export function graphJson(symbol: Symbol, who: string): GraphJson {
  if (typeof (symbol as { toJSON?: unknown })?.toJSON !== "function") {
    throw new MXNetError(`${who}: symbol expects a Symbol, got ${typeof symbol}`);
  }
  return JSON.parse(symbol.toJSON()) as GraphJson;
}

/** The shape of every internal output (`fc1_output`, `data`), inferred from `shapes`. */
export function internalShapes(
  symbol: Symbol,
  shapes: Record<string, readonly number[]>,
): Map<string, number[]> {
  const internals = symbol.getInternals();
  const { outShapes } = internals.inferShape(shapes);
  const names = internals.listOutputs();
  return new Map(names.map((n, i) => [n, outShapes[i]]));
}

/** The dtype of every internal output, inferred from `types`. */
export function internalTypes(
  symbol: Symbol,
  types: Record<string, DType>,
): Map<string, DType> {
  const internals = symbol.getInternals();
  const { outTypes } = internals.inferType(types);
  const names = internals.listOutputs();
  return new Map(names.map((n, i) => [n, outTypes[i]]));
}

/** MXNet's `_str2tuple`: the integers in a tuple string (`"(3, 3)"` -> ["3", "3"]). */
export function str2tuple(s: string): string[] {
  return s.match(/\d+/g) ?? [];
}
