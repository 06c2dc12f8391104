/**
 * `mx.gluon.utils`: data-parallel helpers (`splitData`, `splitAndLoad`), gradient
 * clipping by global norm, and file checksums.
 * @module
 */
import type { Context } from "../core/context.ts";
import { MXNetError, ParamError, ShapeError } from "../core/errors.ts";
import { readFileChecked } from "../core/files.ts";
import { checkOptions } from "../core/options.ts";
import { formatShape, normalizeAxis } from "../core/shape.ts";
import { array } from "../ndarray/creation.ts";
import type { ArrayLikeInput } from "../ndarray/input.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import { untraced } from "./parameter.ts";

/** Options of `splitData` and `splitAndLoad`. */
export interface SplitOptions {
  /** The axis to split (default 0). */
  batchAxis?: number;
  /** Require equal slices (default true); false gives the first slices one extra row. */
  evenSplit?: boolean;
}

/**
 * Splits `data` into `numSlice` slices along `batchAxis` (MXNet's `split_data`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const parts = mx.gluon.utils.splitData(mx.nd.arange(0, 6).reshape([3, 2]), 3);
 * console.log(parts.map((p) => p.shape)); // [[1, 2], [1, 2], [1, 2]]
 * ```
 */
export function splitData(data: NDArray, numSlice: number, opts: SplitOptions = {}): NDArray[] {
  checkOptions("splitData", opts, ["batchAxis", "evenSplit"]);
  if (!(Number.isInteger(numSlice) && numSlice > 0)) {
    throw new ParamError(`splitData: numSlice must be a positive integer, got ${numSlice}`);
  }
  const axis = normalizeAxis(opts.batchAxis ?? 0, data.ndim, "splitData: batchAxis");
  const size = data.shape[axis];
  if ((opts.evenSplit ?? true) && size % numSlice !== 0) {
    throw new ShapeError(
      `splitData: data of shape ${formatShape(data.shape)} cannot be split evenly into ` +
        `${numSlice} slices along axis ${axis}; use a batch size that is a multiple of ` +
        `${numSlice}, or evenSplit: false`,
    );
  }
  if (size < numSlice) {
    throw new ShapeError(
      `splitData: ${size} rows along axis ${axis} cannot fill ${numSlice} slices`,
    );
  }
  const each = Math.floor(size / numSlice), extras = size % numSlice;
  const out: NDArray[] = [];
  let at = 0;
  for (let i = 0; i < numSlice; i++) {
    const n = each + (i < extras ? 1 : 0);
    out.push(data.sliceAxis(axis, at, at + n));
    at += n;
  }
  return out;
}

/**
 * Splits `data` into one slice per context and copies each there (MXNet's
 * `split_and_load`).
 */
export function splitAndLoad(
  data: NDArray | ArrayLikeInput,
  ctxList: readonly Context[],
  opts: SplitOptions = {},
): NDArray[] {
  if (ctxList.length === 0) throw new ParamError("splitAndLoad: ctxList is empty");
  const arr = data instanceof NDArray ? data : array(data, { ctx: ctxList[0] });
  if (ctxList.length === 1) return [arr.asInContext(ctxList[0])];
  return splitData(arr, ctxList.length, opts).map((s, i) => {
    const moved = s.asInContext(ctxList[i]);
    if (moved !== s) s.dispose();
    return moved;
  });
}

/**
 * Scales `arrays` in place so that their joint L2 norm is at most `maxNorm`; resolves to
 * the norm before scaling (MXNet's `clip_global_norm`).
 */
export async function clipGlobalNorm(
  arrays: readonly NDArray[],
  maxNorm: number,
  opts: { checkIsfinite?: boolean } = {},
): Promise<number> {
  checkOptions("clipGlobalNorm", opts, ["checkIsfinite"]);
  if (arrays.length === 0) throw new MXNetError("clipGlobalNorm: no arrays given");
  const ctx = arrays[0].context;
  const total = untraced(() =>
    scope(() => {
      let sq: NDArray | null = null;
      for (const a of arrays) {
        const flat = a.reshape([-1]);
        const s = flat.dot(flat).asInContext(ctx);
        sq = sq ? sq.add(s) : s;
      }
      const norm = sq!.sqrt();
      const scale = norm.add(1e-8).unary("reciprocal").mul(maxNorm).minimum(1);
      for (const a of arrays) a.mulInPlace(scale.asInContext(a.context));
      return norm;
    })
  );
  const v = await total.asScalar();
  total.dispose();
  if ((opts.checkIsfinite ?? true) && !Number.isFinite(v)) {
    console.warn("clipGlobalNorm: nan or inf is detected; clipping results are undefined");
  }
  return v;
}

/** True when the SHA-1 of the file's bytes is `sha1Hash` (hexadecimal). */
export async function checkSha1(filename: string, sha1Hash: string): Promise<boolean> {
  const bytes = await readFileChecked(filename, "checkSha1");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return hex === sha1Hash.toLowerCase();
}
