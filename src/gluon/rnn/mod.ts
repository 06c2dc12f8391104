/**
 * `gluon.rnn`: the fused recurrent layers `RNN`, `LSTM`, `GRU` and the step-by-step cells.
 * @module
 */
export * from "./rnn_layer.ts";
export type { BeginStateOptions, StateInfo } from "./_ops.ts";
export * from "./rnn_cell.ts";
export * from "./modifier_cells.ts";
