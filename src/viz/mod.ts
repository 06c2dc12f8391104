/**
 * `mx.viz` (`mx.visualization`): MXNet's summary table and Graphviz drawing of a symbol.
 * @module
 */
export * from "./summary.ts";
export * from "./plot.ts";
