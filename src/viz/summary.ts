/**
 * `mx.viz.printSummary`: MXNet's layer table of a symbol.
 * @module
 */
import { checkOptions } from "../core/options.ts";
import type { Symbol } from "../symbol/symbol.ts";
import { graphJson, internalShapes, type JsonNode, str2tuple } from "./graph_json.ts";

/** Options of `printSummary`. */
export interface SummaryOptions {
  /** Width of the table in characters (default 120). */
  lineLength?: number;
  /**
   * Where each of the four columns ends: fractions of `lineLength` (default
   * `[0.44, 0.64, 0.74, 1]`) or, when the last is above 1, character positions.
   */
  positions?: readonly number[];
  /** Where the lines go (default console.log; null prints nothing). */
  logger?: ((line: string) => void) | null;
}

/**
 * Prints MXNet's summary table of `symbol` (`mx.viz.print_summary`) and returns it: one
 * row per operator (and the first input) with its output shape (without the batch axis),
 * its parameter count and the layers it reads, then the total. Give `shape` (input shapes
 * by name) for the shapes, the BatchNorm counts and the input widths the counts need.
 * The counts are MXNet's: Convolution, FullyConnected, BatchNorm (gamma and beta) and
 * Embedding, from the first axis after the batch of each input (so a FullyConnected
 * reading a 4-D input counts only its channels, as MXNet's does).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const fc = mx.sym.FullyConnected({ data: mx.sym.Variable("data"), numHidden: 8, name: "fc1" });
 * const text = mx.viz.printSummary(fc, { data: [1, 4] }, { logger: null });
 * console.log(text.includes("Total params: 40")); // true
 * ```
 */
export function printSummary(
  symbol: Symbol,
  shape?: Record<string, readonly number[]> | null,
  opts: SummaryOptions = {},
): string {
  checkOptions("viz.printSummary", opts, ["lineLength", "positions", "logger"]);
  const lineLength = opts.lineLength ?? 120;
  const log = opts.logger === undefined ? console.log : opts.logger;
  const shapes = shape ? internalShapes(symbol, shape) : null;
  const { nodes, heads } = graphJson(symbol, "viz.printSummary");
  // MXNet reads the numbers of the first head entry as a set of node indices (so node 0,
  // the data, counts as a previous layer): kept, so the tables match.
  const headSet = new Set(heads[0]);
  let positions = [...(opts.positions ?? [0.44, 0.64, 0.74, 1])];
  if (positions[positions.length - 1] <= 1) {
    positions = positions.map((p) => Math.trunc(lineLength * p));
  }
  const lines: string[] = [];
  const row = (fields: readonly (string | number)[]) => {
    let line = "";
    fields.forEach((f, i) => {
      line = (line + String(f)).slice(0, positions[i]);
      line += " ".repeat(Math.max(0, positions[i] - line.length));
    });
    lines.push(line);
  };
  const shapeOf = (n: JsonNode) => shapes?.get(n.op !== "null" ? `${n.name}_output` : n.name);

  const layer = (node: JsonNode, outShape: readonly number[]): number => {
    const attrs = node.attrs ?? {};
    const previous: string[] = [];
    let preFilter = 0;
    if (node.op !== "null") {
      for (const [index] of node.inputs) {
        const input = nodes[index];
        if (input.op === "null" && !headSet.has(index)) continue;
        previous.push(input.name);
        const s = shapeOf(input);
        if (s) preFilter += s[1] ?? 0;
      }
    }
    let params = 0;
    const numFilter = Number(attrs.num_filter);
    if (node.op === "Convolution") {
      params = Math.trunc(preFilter * numFilter / Number(attrs.num_group ?? 1));
      for (const k of str2tuple(attrs.kernel ?? "")) params *= Number(k);
      if (attrs.no_bias !== "True") params += numFilter;
    } else if (node.op === "FullyConnected") {
      const hidden = Number(attrs.num_hidden);
      params = attrs.no_bias === "True" ? preFilter * hidden : (preFilter + 1) * hidden;
    } else if (node.op === "BatchNorm") {
      const s = shapeOf(node);
      if (s) params = s[1] * 2;
    } else if (node.op === "Embedding") {
      params = Number(attrs.input_dim) * Number(attrs.output_dim);
    }
    row([`${node.name}(${node.op})`, outShape.join("x"), params, previous[0] ?? ""]);
    for (const p of previous.slice(1)) row(["", "", "", p]);
    return params;
  };

  lines.push("_".repeat(lineLength));
  row(["Layer (type)", "Output Shape", "Param #", "Previous Layer"]);
  lines.push("=".repeat(lineLength));
  let total = 0;
  nodes.forEach((node, i) => {
    if (node.op === "null" && i > 0) return;
    let outShape: readonly number[] = [];
    if (node.op !== "null" || headSet.has(i)) outShape = shapeOf(node)?.slice(1) ?? [];
    total += layer(node, outShape);
    lines.push((i === nodes.length - 1 ? "=" : "_").repeat(lineLength));
  });
  lines.push(`Total params: ${total}`, "_".repeat(lineLength));
  if (log) { for (const l of lines) log(l); }
  return lines.join("\n") + "\n";
}
