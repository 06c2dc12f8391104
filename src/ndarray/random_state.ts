/**
 * The process-wide random generator position (`mx.random.seed`).
 * @module
 */
import { RandomState } from "../core/philox.ts";
import type { RngSlice } from "../ops/op_def.ts";

const state = new RandomState(0);

/** Reseeds the generator: the same seed gives the same numbers on every backend. */
export function seed(s: number): void {
  state.seed(s);
}

/** Reserves `n` numbers of the stream for one random operator call. */
export function takeRng(n: number): RngSlice {
  return state.next(n);
}
