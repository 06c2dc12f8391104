/**
 * `mx.profiler`: per-operator timings from the engine, as a Chrome trace or MXNet's
 * aggregate table.
 * @module
 */
export * from "./profiler.ts";
