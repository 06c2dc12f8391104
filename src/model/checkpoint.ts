/**
 * Checkpoints in MXNet's layout: `prefix-symbol.json` and `prefix-0001.params` with
 * `arg:`/`aux:` keys.
 * @module
 */
import { FormatError } from "../core/errors.ts";
import { load as loadArrays, save as saveArrays } from "../ndarray/io.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { load as loadSymbol } from "../symbol/json.ts";
import type { Symbol } from "../symbol/symbol.ts";

/** `prefix-0007.params`. */
export function paramsPath(prefix: string, epoch: number): string {
  return `${prefix}-${String(epoch).padStart(4, "0")}.params`;
}

/** Saves a symbol and its parameters (MXNet's `save_checkpoint`). */
export async function saveCheckpoint(
  prefix: string,
  epoch: number,
  symbol: Symbol | null,
  argParams: Record<string, NDArray>,
  auxParams: Record<string, NDArray> = {},
): Promise<void> {
  if (symbol) await symbol.save(`${prefix}-symbol.json`);
  const all: Record<string, NDArray> = {};
  for (const [k, v] of Object.entries(argParams)) all[`arg:${k}`] = v;
  for (const [k, v] of Object.entries(auxParams)) all[`aux:${k}`] = v;
  await saveArrays(paramsPath(prefix, epoch), all);
}

/** Loads what `saveCheckpoint` wrote (or MXNet did), stripping the `arg:`/`aux:` prefixes. */
export async function loadCheckpoint(prefix: string, epoch: number): Promise<{
  symbol: Symbol;
  argParams: Record<string, NDArray>;
  auxParams: Record<string, NDArray>;
}> {
  const symbol = await loadSymbol(`${prefix}-symbol.json`);
  const file = paramsPath(prefix, epoch);
  const loaded = await loadArrays(file);
  if (Array.isArray(loaded)) {
    throw new FormatError(
      `${file}: a checkpoint needs named arrays (arg:/aux:), found a plain list`,
    );
  }
  const argParams: Record<string, NDArray> = {}, auxParams: Record<string, NDArray> = {};
  for (const [k, v] of Object.entries(loaded)) {
    if (k.startsWith("arg:")) argParams[k.slice(4)] = v;
    else if (k.startsWith("aux:")) auxParams[k.slice(4)] = v;
    else argParams[k] = v;
  }
  return { symbol, argParams, auxParams };
}
