/**
 * Reductions on the TS backend. Reduced axes that form a trailing or leading block run
 * as tight loops; any other pattern is first transposed (one strided copy) into
 * [kept..., reduced...] order.
 * @module
 */
import type { ComputeArray } from "../../src/core/dtype.ts";
import type { ReduceOp } from "../backend.ts";

/** Reduces `x` (dense, `shape`) over sorted `axes` into dense `out`. */
export function reduceInto(
  op: ReduceOp,
  x: ComputeArray,
  shape: readonly number[],
  axes: readonly number[],
  out: ComputeArray,
): void {
  const ndim = shape.length;
  const kept = [...Array(ndim).keys()].filter((a) => !axes.includes(a));
  let outer = 1;
  for (const a of kept) outer *= shape[a];
  let red = 1;
  for (const a of axes) red *= shape[a];
  const trailing = axes.every((a, i) => a === ndim - axes.length + i);
  const leading = axes.every((a, i) => a === i);
  if (trailing) return reduceRows(op, x, outer, red, out);
  if (leading) return reduceCols(op, x, red, outer, out);
  // Transpose to [kept..., reduced...] so the reduced block is trailing.
  const perm = [...kept, ...axes];
  const t = new (x.constructor as { new (n: number): ComputeArray })(x.length);
  transposeInto(x, shape, perm, t);
  reduceRows(op, t, outer, red, out);
}

function transposeInto(
  x: ComputeArray,
  shape: readonly number[],
  perm: readonly number[],
  out: ComputeArray,
): void {
  const ndim = shape.length;
  const inStrides = new Array<number>(ndim);
  let s = 1;
  for (let i = ndim - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const pShape = perm.map((p) => shape[p]);
  const pStrides = perm.map((p) => inStrides[p]);
  const idx = new Array<number>(ndim).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x[src];
    for (let d = ndim - 1; d >= 0; d--) {
      idx[d]++;
      src += pStrides[d];
      if (idx[d] < pShape[d]) break;
      src -= pStrides[d] * pShape[d];
      idx[d] = 0;
    }
  }
}

/** out[o] = reduce(x[o*red .. o*red+red)). */
function reduceRows(
  op: ReduceOp,
  x: ComputeArray,
  outer: number,
  red: number,
  out: ComputeArray,
): void {
  for (let o = 0; o < outer; o++) {
    const base = o * red;
    switch (op) {
      case "sum": {
        let acc = 0;
        for (let r = 0; r < red; r++) acc += x[base + r];
        out[o] = acc;
        break;
      }
      case "prod": {
        let acc = 1;
        for (let r = 0; r < red; r++) acc *= x[base + r];
        out[o] = acc;
        break;
      }
      case "max":
      case "min": {
        let acc = op === "max" ? -Infinity : Infinity;
        for (let r = 0; r < red; r++) {
          const v = x[base + r];
          // NaN propagates, as in MXNet's reduce with mshadow's maximum.
          if (v !== v) {
            acc = NaN;
            break;
          }
          if (op === "max" ? v > acc : v < acc) acc = v;
        }
        out[o] = acc;
        break;
      }
      case "argmax":
      case "argmin": {
        let best = 0;
        let bestV = red > 0 ? x[base] : NaN;
        for (let r = 1; r < red; r++) {
          const v = x[base + r];
          if (op === "argmax" ? v > bestV : v < bestV) {
            bestV = v;
            best = r;
          }
        }
        out[o] = best;
        break;
      }
    }
  }
}

/** out[i] = reduce over r of x[r*inner + i]: accumulate whole rows (vectorisable). */
function reduceCols(
  op: ReduceOp,
  x: ComputeArray,
  red: number,
  inner: number,
  out: ComputeArray,
): void {
  if (op === "argmax" || op === "argmin") {
    const bestV = new Float64Array(inner).fill(red > 0 ? NaN : 0);
    const best = new Float64Array(inner);
    for (let i = 0; i < inner && red > 0; i++) bestV[i] = x[i];
    for (let r = 1; r < red; r++) {
      const base = r * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[base + i];
        if (op === "argmax" ? v > bestV[i] : v < bestV[i]) {
          bestV[i] = v;
          best[i] = r;
        }
      }
    }
    for (let i = 0; i < inner; i++) out[i] = best[i];
    return;
  }
  const init = op === "sum" ? 0 : op === "prod" ? 1 : op === "max" ? -Infinity : Infinity;
  const acc = new Float64Array(inner).fill(init);
  for (let r = 0; r < red; r++) {
    const base = r * inner;
    if (op === "sum") { for (let i = 0; i < inner; i++) acc[i] += x[base + i]; }
    else if (op === "prod") { for (let i = 0; i < inner; i++) acc[i] *= x[base + i]; }
    else if (op === "max") {
      for (let i = 0; i < inner; i++) {
        const v = x[base + i];
        if (v > acc[i] || v !== v) acc[i] = v;
      }
    } else {
      for (let i = 0; i < inner; i++) {
        const v = x[base + i];
        if (v < acc[i] || v !== v) acc[i] = v;
      }
    }
  }
  for (let i = 0; i < inner; i++) out[i] = acc[i];
}
