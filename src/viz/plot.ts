/**
 * `mx.viz.plotNetwork`: MXNet's Graphviz drawing of a symbol, as dot source, rendered by
 * the `dot` program when it is installed.
 * @module
 */
import type { DType } from "../core/dtype.ts";
import { MXNetError, ParamError } from "../core/errors.ts";
import { checkOptions, describe } from "../core/options.ts";
import type { Symbol } from "../symbol/symbol.ts";
import {
  graphJson,
  internalShapes,
  internalTypes,
  type JsonNode,
  str2tuple,
} from "./graph_json.ts";

/** Options of `plotNetwork` (MXNet's `plot_network` keywords). */
export interface PlotOptions {
  /** The graph's name, and the file name `render` writes by default (default "plot"). */
  title?: string;
  /** The format `render` asks `dot` for: "pdf" (default, as MXNet), "svg", "png", ... */
  saveFormat?: string;
  /** Input shapes by name: each edge is labelled with the shape it carries. */
  shape?: Record<string, readonly number[]> | null;
  /** Input dtypes by name: each edge label gets the dtype it carries. */
  dtype?: Record<string, DType> | null;
  /** Graphviz attributes for every node, over the defaults (box, filled, 1.3 x 0.8034). */
  nodeAttrs?: Record<string, string>;
  /** Leave out parameters (`*_weight`, `*_bias`, `*_gamma`, ...; default true). */
  hideWeights?: boolean;
}

const PLOT_OPTIONS = ["title", "saveFormat", "shape", "dtype", "nodeAttrs", "hideWeights"];

/** MXNet's colour map, by kind of layer. */
const COLORS = [
  "#8dd3c7",
  "#fb8072",
  "#ffffb3",
  "#bebada",
  "#80b1d3",
  "#fdb462",
  "#b3de69",
  "#fccde5",
] as const;

const WEIGHT_SUFFIXES = [
  "_weight",
  "_bias",
  "_beta",
  "_gamma",
  "_moving_var",
  "_moving_mean",
  "_running_var",
  "_running_mean",
];

/** A drawn network: its Graphviz source, and `render` to run `dot` on it. */
export class NetworkPlot {
  /** The graph's name. */
  readonly name: string;
  /** The output format `render` asks for. */
  readonly format: string;
  /** The Graphviz dot source. */
  readonly source: string;

  /** Holds a drawing; made by `plotNetwork`. */
  constructor(name: string, format: string, source: string) {
    this.name = name;
    this.format = format;
    this.source = source;
  }

  /**
   * Writes the source to `path` (default the title) and renders it with Graphviz's
   * `dot` to `path.<format>`, as the graphviz package's `render` does; returns the
   * rendered file's path. Throws an MXNetError when `dot` is not installed.
   */
  async render(path: string = this.name): Promise<string> {
    await Deno.writeTextFile(path, this.source);
    const out = `${path}.${this.format}`;
    let result: Deno.CommandOutput;
    try {
      result = await new Deno.Command("dot", {
        args: [`-T${this.format}`, "-o", out, path],
        stdout: "null",
        stderr: "piped",
      }).output();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new MXNetError(
          "NetworkPlot.render: Graphviz's dot program is not installed (e.g. apt-get " +
            "install graphviz); the dot source is in .source",
        );
      }
      throw e;
    }
    if (!result.success) {
      throw new MXNetError(
        `NetworkPlot.render: dot failed: ${new TextDecoder().decode(result.stderr).trim()}`,
      );
    }
    return out;
  }
}

/** A dot ID or attribute value: bare when it is a plain word or number, else quoted. */
function quote(s: string): string {
  const keyword = /^(node|edge|graph|digraph|subgraph|strict)$/i.test(s);
  if (keyword) return `"${s}"`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) || /^-?(\.[0-9]+|[0-9]+(\.[0-9]*)?)$/.test(s)) return s;
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function attrList(attrs: Record<string, string>): string {
  return Object.entries(attrs).map(([k, v]) => `${k}=${quote(v)}`).join(" ");
}

/** The label and fill colour MXNet gives an operator node. */
function styleOf(node: JsonNode): { label: string; color: string } {
  const a = node.attrs ?? {};
  const x = (key: string, none: string) => (key in a ? str2tuple(a[key]).join("x") : none);
  switch (node.op) {
    case "Convolution":
      return {
        label: `Convolution\n${x("kernel", "")}/${x("stride", "1")}, ${a.num_filter}`,
        color: COLORS[1],
      };
    case "FullyConnected":
      return { label: `FullyConnected\n${a.num_hidden}`, color: COLORS[1] };
    case "BatchNorm":
      return { label: node.name, color: COLORS[3] };
    case "Activation":
      return { label: `Activation\n${a.act_type}`, color: COLORS[2] };
    case "LeakyReLU":
      return { label: `LeakyReLU\n${a.act_type ?? "Leaky"}`, color: COLORS[2] };
    case "Pooling":
      return {
        label: `Pooling\n${a.pool_type}, ${x("kernel", "[]")}/${x("stride", "1")}`,
        color: COLORS[4],
      };
    case "Concat":
    case "Flatten":
    case "Reshape":
      return { label: node.name, color: COLORS[5] };
    case "Softmax":
      return { label: node.name, color: COLORS[6] };
    case "Custom":
      return { label: a.op_type ?? node.name, color: COLORS[7] };
    default:
      return { label: node.name, color: COLORS[7] };
  }
}

/**
 * Draws `symbol` as MXNet's `mx.viz.plot_network` does: inputs as ovals, each operator a
 * coloured box labelled with its main parameters (kernel/stride and filters, hidden
 * units, activation, pooling), edges from each operator back to its inputs, labelled
 * with the shape (and dtype) they carry when `shape` (and `dtype`) are given; parameters
 * hidden unless `hideWeights: false`. Returns the Graphviz source; `render()` writes a
 * file when Graphviz's `dot` is installed.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const fc = mx.sym.FullyConnected({ data: mx.sym.Variable("data"), numHidden: 8, name: "fc1" });
 * const plot = mx.viz.plotNetwork(fc, { shape: { data: [1, 4] } });
 * console.log(plot.source.includes("fc1 -> data")); // true
 * ```
 */
export function plotNetwork(symbol: Symbol, opts: PlotOptions = {}): NetworkPlot {
  checkOptions("viz.plotNetwork", opts, PLOT_OPTIONS);
  const title = opts.title ?? "plot";
  const format = opts.saveFormat ?? "pdf";
  if (typeof title !== "string" || typeof format !== "string") {
    throw new ParamError(
      `viz.plotNetwork: title and saveFormat expect strings, got ${describe(title)} and ${
        describe(format)
      }`,
    );
  }
  const hideWeights = opts.hideWeights ?? true;
  const shapes = opts.shape ? internalShapes(symbol, opts.shape) : null;
  const types = opts.dtype ? internalTypes(symbol, opts.dtype) : null;
  const { nodes } = graphJson(symbol, "viz.plotNetwork");
  const names = nodes.map((n) => n.name);
  const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (repeated.length > 0) {
    console.warn(
      "viz.plotNetwork: there are multiple variables with the same name in your graph, this " +
        `may result in cyclic graph. Repeated names: ${repeated.join(",")}`,
    );
  }
  const nodeAttr: Record<string, string> = {
    shape: "box",
    fixedsize: "true",
    width: "1.3",
    height: "0.8034",
    style: "filled",
    ...(opts.nodeAttrs ?? {}),
  };
  const lines = [`digraph ${quote(title)} {`];
  const hidden = new Set<string>();
  for (const node of nodes) {
    let label = node.name;
    const attr = { ...nodeAttr };
    if (node.op === "null") {
      if (WEIGHT_SUFFIXES.some((s) => node.name.endsWith(s))) {
        // Hidden: no node and no edges. Shown: no node either, so Graphviz draws the
        // edges' end as a plain oval (MXNet's behaviour).
        if (hideWeights) hidden.add(node.name);
        continue;
      }
      attr.shape = "oval";
      attr.fillcolor = COLORS[0];
    } else {
      const style = styleOf(node);
      label = style.label;
      attr.fillcolor = style.color;
    }
    lines.push(`\t${quote(node.name)} [label=${quote(label)} ${attrList(attr)}]`);
  }
  // The key of an input's output in the shape and type maps (MXNet names the last output
  // of a multi-output operator: `split_output1`).
  const outputKey = (input: JsonNode) => {
    if (input.op === "null") return input.name;
    const n = input.attrs?.num_outputs;
    return `${input.name}_output${n === undefined ? "" : Number(n) - 1}`;
  };
  for (const node of nodes) {
    if (node.op === "null") continue;
    const inputs = node.op === "_contrib_BilinearResize2D" ? node.inputs.slice(0, 1) : node.inputs;
    for (const [index] of inputs) {
      const input = nodes[index];
      if (hidden.has(input.name)) continue;
      let label = "";
      const key = outputKey(input);
      if (shapes) label = (shapes.get(key) ?? []).slice(1).join("x");
      if (types) label += `(${types.get(key)})`;
      const attr = { dir: "back", arrowtail: "open", label };
      lines.push(`\t${quote(node.name)} -> ${quote(input.name)} [${attrList(attr)}]`);
    }
  }
  lines.push("}");
  return new NetworkPlot(title, format, lines.join("\n") + "\n");
}
