/**
 * The random generator positions (`mx.random.seed`): one process-wide stream, and a
 * stream of its own for each context seeded with `seed(s, ctx)` (MXNet's per-device
 * generators).
 * @module
 */
import type { Context } from "../core/context.ts";
import { RandomState } from "../core/philox.ts";
import type { RngSlice } from "../ops/op_def.ts";

const state = new RandomState(0);
/** Contexts seeded on their own, by `String(ctx)`. */
const perContext = new Map<string, RandomState>();

/**
 * Reseeds: every context (`ctx` omitted, MXNet's `ctx="all"`: contexts seeded on their
 * own rejoin the shared stream), or only `ctx`'s own stream.
 */
export function seed(s: number, ctx?: Context): void {
  if (ctx === undefined) {
    state.seed(s);
    perContext.clear();
    return;
  }
  const own = new RandomState(s);
  perContext.set(String(ctx), own);
}

/**
 * Reserves `n` numbers for one random operator call on `ctx`: from `ctx`'s own stream
 * when it was seeded on its own, else from the shared one.
 */
export function takeRng(n: number, ctx?: Context): RngSlice {
  const own = ctx === undefined ? undefined : perContext.get(String(ctx));
  return (own ?? state).next(n);
}
