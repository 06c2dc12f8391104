/**
 * Reductions over any set of axes of a dense array. Kept and reduced axes are merged
 * where adjacent, and their sizes and strides passed as params. Short reductions run one
 * invocation per output; long ones (>= 128 elements) one 256-wide workgroup per output
 * with a tree combine in workgroup memory. Integer inputs accumulate in i32 (wrapping as
 * the TS backend's Int32Array stores do); floats in f32.
 * @module
 */
import { stridesOf } from "../../src/core/shape.ts";
import type { ReduceOp } from "../backend.ts";
import type { GpuBuffer, GpuDevice, Pass } from "./device.ts";
import {
  convertRaw,
  type GpuDType,
  isIntKind,
  loadRaw,
  prelude,
  rawType,
  storageType,
  storeFromF32,
} from "./wgsl.ts";

const WG = 256;

interface Dim {
  size: number;
  stride: number;
}

/** Kept and reduced dims of a dense `shape`, adjacent axes of one group merged. */
export function splitDims(shape: readonly number[], axes: readonly number[]) {
  const strides = stridesOf(shape);
  const kept: Dim[] = [], red: Dim[] = [];
  shape.forEach((size, a) => {
    if (size === 1) return;
    const group = axes.includes(a) ? red : kept;
    const last = group.at(-1);
    if (last && last.stride === strides[a] * size) {
      last.size *= size;
      last.stride = strides[a];
    } else group.push({ size, stride: strides[a] });
  });
  return { kept, red };
}

function decompose(v: string, dims: number, base: number, out: string): string {
  // Params at `base`: sizes[dims] then strides[dims]; last dim fastest.
  const lines = [`var ${out} = 0u; { var rem = ${v};`];
  for (let d = dims - 1; d >= 0; d--) {
    lines.push(
      `let s${d} = P[${base + d}]; ${out} += (rem % s${d}) * P[${
        base + dims + d
      }]; rem = rem / s${d};`,
    );
  }
  lines.push(`}`);
  return lines.join(" ");
}

function genReduce(
  op: ReduceOp,
  x: GpuDType,
  out: GpuDType,
  nk: number,
  nr: number,
  group: boolean,
): string {
  const T = rawType(x);
  const int = isIntKind(x);
  const arg = op === "argmax" || op === "argmin";
  const better = op === "argmax" || op === "max" ? ">" : "<";
  const init = op === "sum"
    ? (int ? "0" : "0.0")
    : op === "prod"
    ? (int ? "1" : "1.0")
    : op === "max"
    ? (int ? "i32(-2147483648)" : "-f32_inf()")
    : op === "min"
    ? (int ? "2147483647" : "f32_inf()")
    : (int ? "0" : "0.0");
  const nan = (v: string) => (int ? "false" : `is_nan(${v})`);
  // One step: fold value v at reduced index r into (acc, idx).
  let step: string;
  if (op === "sum") step = "acc += v;";
  else if (op === "prod") step = "acc *= v;";
  else if (!arg) step = `if (!${nan("acc")} && (${nan("v")} || v ${better} acc)) { acc = v; }`;
  else {
    // TS semantics: a NaN first element wins (nothing compares above it); other NaNs are
    // skipped; ties keep the first index. idx 0xffffffff marks "nothing yet".
    step = `if (r == 0u && ${nan("v")}) { acc = v; idx = 0u; dom = true; }
      else if (!dom && !${
      nan("v")
    } && (idx == 0xffffffffu || v ${better} acc)) { acc = v; idx = r; }`;
  }
  // Combining two partial results (group mode).
  let combine: string;
  if (op === "sum") combine = "SA[t] = SA[t] + SA[t + h];";
  else if (op === "prod") combine = "SA[t] = SA[t] * SA[t + h];";
  else if (!arg) {
    combine = `{ let a = SA[t]; let b = SA[t + h];
      if (!${nan("a")} && (${nan("b")} || b ${better} a)) { SA[t] = b; } }`;
  } else {
    combine = `{ let av = SA[t]; let bv = SA[t + h]; let ai = SI[t]; let bi = SI[t + h];
      let ad = ai == 0u && ${nan("av")}; let bd = bi == 0u && ${nan("bv")};
      var takeB = false;
      if (ad) { takeB = false; } else if (bd) { takeB = true; }
      else if (ai == 0xffffffffu) { takeB = true; } else if (bi == 0xffffffffu) { takeB = false; }
      else if (bv ${better} av) { takeB = true; } else if (av ${better} bv) { takeB = false; }
      else { takeB = bi < ai; }
      if (takeB) { SA[t] = bv; SI[t] = bi; } }`;
  }
  const result = arg
    ? storeFromF32(out, "f32(select(idx, 0u, idx == 0xffffffffu))")
    : convertRaw(x, out, "acc");
  const kBase = 2, rBase = 2 + 2 * nk;
  const header = `${prelude([x, out])}
@group(0) @binding(0) var<storage, read> X: array<${storageType(x)}>;
@group(0) @binding(1) var<storage, read_write> O: array<${storageType(out)}>;
@group(0) @binding(2) var<storage, read> P: array<u32>;`;
  const loop = (start: string, inc: string) => `
  var acc: ${T} = ${init}; var idx = 0xffffffffu; var dom = false;
  for (var r = ${start}; r < red; r += ${inc}) {
    ${decompose("r", nr, rBase, "ro")}
    let v = ${loadRaw(x, "X", "base + ro")};
    ${step}
  }`;
  if (!group) {
    return `${header}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * (nwg.x * ${WG}u);
  let nout = P[0]; let red = P[1];
  if (o >= nout) { return; }
  ${decompose("o", nk, kBase, "base")}
  ${loop("0u", "1u")}
  _ = dom;
  O[o] = ${result};
}`;
  }
  return `${header}
var<workgroup> SA: array<${T}, ${WG}>;
var<workgroup> SI: array<u32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let o = wid.x + wid.y * nwg.x;
  let nout = P[0]; let red = P[1];
  // Uniform control flow: every invocation reaches the barriers, even past the end.
  let live = o < nout;
  ${decompose("select(0u, o, live)", nk, kBase, "base")}
  ${loop("select(red, t, live)", `${WG}u`)}
  _ = dom;
  SA[t] = acc; SI[t] = idx;
  for (var h = ${WG / 2}u; h > 0u; h = h / 2u) {
    workgroupBarrier();
    if (t < h) { ${combine} }
  }
  workgroupBarrier();
  if (t == 0u && live) {
    let acc = SA[0]; let idx = SI[0];
    O[o] = ${result};
  }
}`;
}

/** The pass reducing sorted `axes` of dense `x` (shape `shape`) into dense `out`. */
export function reducePass(
  dev: GpuDevice,
  op: ReduceOp,
  x: GpuBuffer,
  shape: readonly number[],
  axes: readonly number[],
  out: GpuBuffer,
): Pass | null {
  const { kept, red } = splitDims(shape, axes);
  let nout = 1, nred = 1;
  for (const d of kept) nout *= d.size;
  for (const d of red) nred *= d.size;
  if (nout === 0 || out.size === 0) return null;
  const group = nred >= 128;
  const params = new Uint32Array(2 + 2 * kept.length + 2 * red.length);
  params[0] = nout;
  params[1] = nred;
  kept.forEach((d, i) => {
    params[2 + i] = d.size;
    params[2 + kept.length + i] = d.stride;
  });
  const rb = 2 + 2 * kept.length;
  red.forEach((d, i) => {
    params[rb + i] = d.size;
    params[rb + red.length + i] = d.stride;
  });
  const nk = kept.length, nr = red.length;
  return {
    key: `reduce|${op}|${x.dtype}|${out.dtype}|${nk}|${nr}|${group}`,
    code: () => genReduce(op, x.dtype, out.dtype, nk, nr, group),
    buffers: [dev.mem(x), dev.mem(out)],
    params,
    groups: [group ? nout : Math.ceil(nout / WG)],
  };
}
