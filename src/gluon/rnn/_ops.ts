/**
 * Helpers the recurrent layers and cells share: every output of a multi-output operator
 * on NDArrays or Symbols, zero states, and the checks of layouts and state shapes.
 * @module
 */
import type { Context } from "../../core/context.ts";
import type { DType } from "../../core/dtype.ts";
import { ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape } from "../../core/shape.ts";
import { invoke } from "../../ndarray/apply.ts";
import { zeros } from "../../ndarray/creation.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import { createSymbol, type Symbol } from "../../symbol/symbol.ts";
import { isSymbol, type Value } from "../_f.ts";

/** Every visible output of operator `name`, on NDArrays (applied now) or Symbols. */
export function opAll(
  name: string,
  inputs: readonly Value[],
  params: Record<string, unknown>,
  count: number,
): Value[] {
  if (inputs.some(isSymbol)) {
    const s = createSymbol(name, inputs as Symbol[], params);
    return [...Array(count).keys()].map((i) => s.get(i));
  }
  const ctx = (inputs[0] as NDArray).context;
  return invoke(name, inputs as NDArray[], params, { ctx }).slice(0, count);
}

/** What a state of a layer or cell looks like (MXNet's `state_info`). */
export interface StateInfo {
  /** The shape, with 0 for the batch size until it is known. */
  readonly shape: readonly number[];
  /** MXNet's layout string of it (`LNC` for a layer's, `NC` for a cell's). */
  readonly layout: string;
}

/** Options of `beginState`. */
export interface BeginStateOptions {
  /** Device of the states (default: the current context). */
  ctx?: Context;
  /** Element type (default float32). */
  dtype?: DType;
}

/** Zero states for `batch` sequences, the batch axis at the layout's `N`. */
export function zeroStates(
  infos: readonly StateInfo[],
  batch: number,
  opts: BeginStateOptions,
): NDArray[] {
  return infos.map((info) => {
    const shape = info.shape.map((d, i) => (info.layout[i] === "N" ? batch : d));
    return zeros(shape, { ctx: opts.ctx, dtype: opts.dtype ?? "float32" });
  });
}

/** The time axis of `layout` (TNC or NTC); anything else is a ParamError naming `where`. */
export function timeAxis(where: string, layout: string): number {
  if (layout !== "TNC" && layout !== "NTC") {
    throw new ParamError(`${where}: layout must be "TNC" or "NTC", got ${JSON.stringify(layout)}`);
  }
  return layout.indexOf("T");
}

/** Throws a ShapeError naming `where` unless every state has its expected shape. */
export function checkStates(
  where: string,
  states: readonly Value[],
  expected: readonly (readonly number[])[],
): void {
  if (states.length !== expected.length) {
    throw new ShapeError(
      `${where}: expected ${expected.length} state(s) of shape(s) ` +
        `${expected.map(formatShape).join(", ")}, got ${states.length}`,
    );
  }
  states.forEach((s, i) => {
    if (isSymbol(s)) return;
    const got = (s as NDArray).shape;
    const want = expected[i];
    if (got.length !== want.length || got.some((d, j) => d !== want[j])) {
      throw new ShapeError(
        `${where}: state ${i} has shape ${formatShape(got)}, expected ${formatShape(want)}`,
      );
    }
  });
}
