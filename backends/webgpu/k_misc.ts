/**
 * fill, arange, take, takeBackward and sort. Each is one invocation per output element;
 * takeBackward and sort are gathers (each output reads what lands on it, in index order)
 * rather than scatters, so results are deterministic and need no float atomics.
 * @module
 */
import type { GpuBuffer, GpuDevice, Pass } from "./device.ts";
import {
  convertRaw,
  entry1d,
  flatIndex,
  type GpuDType,
  isIntKind,
  loadRaw,
  prelude,
  storageType,
  storeFromF32,
} from "./wgsl.ts";

const WG = 256;

function groups(n: number): [number] {
  return [Math.ceil(n / WG)];
}

/** The 32-bit word that repeats through a buffer of `dtype` filled with `value`, with C-cast
 * semantics (integers wrap; bool is `value != 0`, NaN included). */
export function fillWord(dtype: GpuDType, value: number): number {
  switch (dtype) {
    case "float32":
      return new Uint32Array(new Float32Array([value]).buffer)[0];
    case "float16": {
      const h = new Uint16Array(new Float16Array([value]).buffer)[0];
      return (h | (h << 16)) >>> 0;
    }
    case "int32":
      return value | 0;
    case "uint8":
      return new Uint8Array([value])[0];
    case "bool":
      return value !== 0 ? 1 : 0;
    case "int8":
      return new Int8Array([value])[0] >>> 0;
  }
}

/** Fills the words of `out` with `word`. */
export function fillPass(dev: GpuDevice, out: GpuBuffer, value: number): Pass | null {
  const words = out.bytes / 4;
  if (out.size === 0) return null;
  return {
    key: "fill",
    code: () =>
      `@group(0) @binding(0) var<storage, read_write> O: array<u32>;
@group(0) @binding(1) var<storage, read> P: array<u32>;
${entry1d(WG)} {
  let i = ${flatIndex(WG)};
  if (i < P[0]) { O[i] = P[1]; }
}`,
    buffers: [dev.mem(out)],
    params: new Uint32Array([words, fillWord(out.dtype, value)]),
    groups: groups(words),
  };
}

/** `out[i] = start + i * step`; integer outputs with integer start/step use exact i32. */
export function arangePass(
  dev: GpuDevice,
  out: GpuBuffer,
  start: number,
  step: number,
): Pass | null {
  if (out.size === 0) return null;
  const exact = isIntKind(out.dtype) && Number.isInteger(start) && Number.isInteger(step);
  const params = new Uint32Array(3);
  if (exact) {
    params[1] = start | 0;
    params[2] = step | 0;
  } else new Float32Array(params.buffer, 4, 2).set([start, step]);
  params[0] = out.size;
  const value = exact
    ? convertRaw("int32", out.dtype, "bitcast<i32>(P[1]) + i32(i) * bitcast<i32>(P[2])")
    : storeFromF32(out.dtype, "bitcast<f32>(P[1]) + f32(i) * bitcast<f32>(P[2])");
  return {
    key: `arange|${out.dtype}|${exact}`,
    code: () =>
      `${prelude([out.dtype])}
@group(0) @binding(0) var<storage, read_write> O: array<${storageType(out.dtype)}>;
@group(0) @binding(1) var<storage, read> P: array<u32>;
${entry1d(WG)} {
  let i = ${flatIndex(WG)};
  if (i < P[0]) { O[i] = ${value}; }
}`,
    buffers: [dev.mem(out)],
    params,
    groups: groups(out.size),
  };
}

/** Take parameters as the Kernels interface passes them. */
export interface TakeParams {
  outer: number;
  axisLen: number;
  inner: number;
  mode: "clip" | "wrap";
}

/** WGSL returning the row an index value selects (`Math.trunc`, then clip or wrap). */
function rowOf(idx: GpuDType): string {
  const v = isIntKind(idx)
    ? "I[j]"
    : `i32(clamp(trunc(${loadRaw(idx, "I", "j")}), -2147483648.0, 2147483520.0))`;
  return `fn row_of(j: u32, len: i32, wrap: bool) -> i32 {
  let v = ${v};
  if (wrap) { return ((v % len) + len) % len; }
  return clamp(v, 0, len - 1);
}`;
}

function takeCode(x: GpuDType, idx: GpuDType, out: GpuDType, backward: boolean): string {
  const acc = isIntKind(out) ? "0" : "0.0";
  const body = backward
    ? `let k = e % inner; let row = (e / inner) % len; let o = e / (inner * len);
  var acc = ${acc};
  for (var j = 0u; j < n; j++) {
    if (u32(row_of(j, i32(len), wrap)) == row) { acc += ${
      loadRaw(x, "X", "(o * n + j) * inner + k")
    }; }
  }
  O[e] = ${convertRaw(x, out, "acc")};`
    : `let k = e % inner; let j = (e / inner) % n; let o = e / (inner * n);
  let row = u32(row_of(j, i32(len), wrap));
  O[e] = ${convertRaw(x, out, loadRaw(x, "X", "(o * len + row) * inner + k"))};`;
  return `${prelude([x, idx, out])}
@group(0) @binding(0) var<storage, read> X: array<${storageType(x)}>;
@group(0) @binding(1) var<storage, read> I: array<${storageType(idx)}>;
@group(0) @binding(2) var<storage, read_write> O: array<${storageType(out)}>;
@group(0) @binding(3) var<storage, read> P: array<u32>;
${rowOf(idx)}
${entry1d(WG)} {
  let e = ${flatIndex(WG)};
  if (e >= P[0]) { return; }
  let len = P[1]; let inner = P[2]; let n = P[3]; let wrap = P[4] != 0u;
  ${body}
}`;
}

/**
 * take (gather along an axis) or its adjoint. The adjoint sums, for each output row, the
 * gradient rows whose index selects it, in index order (the TS backend's order).
 */
export function takePass(
  dev: GpuDevice,
  x: GpuBuffer,
  idx: GpuBuffer,
  out: GpuBuffer,
  p: TakeParams,
  backward: boolean,
): Pass | null {
  if (out.size === 0) return null;
  const params = new Uint32Array([
    out.size,
    p.axisLen,
    p.inner,
    idx.size,
    p.mode === "wrap" ? 1 : 0,
  ]);
  return {
    key: `take|${backward}|${x.dtype}|${idx.dtype}|${out.dtype}`,
    code: () => takeCode(x.dtype, idx.dtype, out.dtype, backward),
    buffers: [dev.mem(x), dev.mem(idx), dev.mem(out)],
    params,
    groups: groups(out.size),
  };
}

function sortCode(x: GpuDType, v: GpuDType, ix: GpuDType): string {
  const nan = (s: string) => (isIntKind(x) ? "false" : `is_nan(${s})`);
  return `${prelude([x, v, ix])}
@group(0) @binding(0) var<storage, read> X: array<${storageType(x)}>;
@group(0) @binding(1) var<storage, read_write> V: array<${storageType(v)}>;
@group(0) @binding(2) var<storage, read_write> IX: array<${storageType(ix)}>;
@group(0) @binding(3) var<storage, read> P: array<u32>;
${entry1d(WG)} {
  let e = ${flatIndex(WG)};
  if (e >= P[0]) { return; }
  let len = P[1]; let asc = P[2] != 0u;
  let base = (e / len) * len; let i = e % len;
  let xi = ${loadRaw(x, "X", "e")};
  let ni = ${nan("xi")};
  var rank = 0u;
  for (var j = 0u; j < len; j++) {
    let xj = ${loadRaw(x, "X", "base + j")};
    let nj = ${nan("xj")};
    var before: bool;
    if (nj || ni) { before = select(!nj, j < i, nj && ni); }
    else if (xj == xi) { before = j < i; }
    else { before = select(xj > xi, xj < xi, asc); }
    rank += select(0u, 1u, before);
  }
  V[base + rank] = ${convertRaw(x, v, "xi")};
  IX[base + rank] = ${convertRaw("int32", ix, "i32(i)")};
}`;
}

/**
 * Stable sort of each row by rank counting: element i lands at the number of elements
 * that sort before it (NaN last; ties keep index order). O(len^2) work per row, all rows
 * and elements in parallel.
 */
export function sortPass(
  dev: GpuDevice,
  x: GpuBuffer,
  values: GpuBuffer,
  indices: GpuBuffer,
  p: { outer: number; len: number; ascending: boolean },
): Pass | null {
  const n = p.outer * p.len;
  if (n === 0) return null;
  return {
    key: `sort|${x.dtype}|${values.dtype}|${indices.dtype}`,
    code: () => sortCode(x.dtype, values.dtype, indices.dtype),
    buffers: [dev.mem(x), dev.mem(values), dev.mem(indices)],
    params: new Uint32Array([n, p.len, p.ascending ? 1 : 0]),
    groups: groups(n),
  };
}
