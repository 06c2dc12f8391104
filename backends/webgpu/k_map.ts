/**
 * The generic strided map kernel behind `elementwise` (one table row's WGSL expression)
 * and `copy` (strided copy with dtype conversion). Shapes and strides are collapsed
 * first, then passed as params, so one pipeline serves every shape of a given rank:
 * pipelines are cached per (row, dtypes, rank, aliasing).
 * @module
 */
import { collapseDims } from "../../src/core/shape.ts";
import type { View } from "../backend.ts";
import type { GpuBuffer, GpuDevice, Pass } from "./device.ts";
import {
  accurateMath,
  convertRaw,
  entry1d,
  flatIndex,
  type GpuDType,
  loadF32,
  loadRaw,
  prelude,
  storageType,
  storeFromF32,
} from "./wgsl.ts";
import { specialPreludeFor } from "./wgsl_special.ts";

const WG = 256;
const VEC = 4;

/** What the generated shader computes from loaded values `a`, `b`, `c`. */
export type MapBody =
  | { kind: "row"; name: string; wgsl: string }
  | { kind: "copy" };

function genMap(
  body: MapBody,
  ins: readonly { dtype: GpuDType; alias: boolean }[],
  outDtype: GpuDType,
  rank: number,
  dense: boolean,
): string {
  const names = ["a", "b", "c"];
  const decls: string[] = [];
  let binding = 0;
  const arrays = ins.map((x, i) => {
    if (x.alias) return "out";
    decls.push(
      `@group(0) @binding(${binding++}) var<storage, read> x${i}: array<${storageType(x.dtype)}>;`,
    );
    return `x${i}`;
  });
  decls.push(
    `@group(0) @binding(${binding++}) var<storage, read_write> out: array<${
      storageType(outDtype)
    }>;`,
  );
  decls.push(`@group(0) @binding(${binding}) var<storage, read> P: array<u32>;`);
  // Params: n, s0, s1, out offset, out strides[rank], shape[rank], then per input
  // offset and strides[rank].
  const inBase = (i: number) => 4 + 2 * rank + i * (1 + rank);
  const lines: string[] = [];
  if (dense) {
    // Contiguous operands: VEC consecutive elements per invocation, no index arithmetic.
    lines.push(`let oo = bitcast<i32>(P[3]) + i32(i);`);
    ins.forEach((_, i) => lines.push(`let o${i} = bitcast<i32>(P[${inBase(i)}]) + i32(i);`));
  } else {
    lines.push(`var rem = i;`, `var oo = bitcast<i32>(P[3]);`);
    ins.forEach((_, i) => lines.push(`var o${i} = bitcast<i32>(P[${inBase(i)}]);`));
  }
  for (let d = dense ? -1 : rank - 1; d >= 0; d--) {
    lines.push(`{ let sz = P[${4 + rank + d}]; let c = i32(rem % sz); rem = rem / sz;`);
    lines.push(`  oo += c * bitcast<i32>(P[${4 + d}]);`);
    ins.forEach((_, i) => lines.push(`  o${i} += c * bitcast<i32>(P[${inBase(i) + 1 + d}]);`));
    lines.push(`}`);
  }
  let store: string;
  if (body.kind === "copy") {
    lines.push(`let a = ${loadRaw(ins[0].dtype, arrays[0], "o0")};`);
    store = convertRaw(ins[0].dtype, outDtype, "a");
  } else {
    ins.forEach((x, i) => lines.push(`let ${names[i]} = ${loadF32(x.dtype, arrays[i], `o${i}`)};`));
    lines.push(`let s0 = bitcast<f32>(P[1]);`, `let s1 = bitcast<f32>(P[2]);`);
    lines.push(`let v: f32 = ${accurateMath(body.wgsl)};`);
    store = storeFromF32(outDtype, "v");
  }
  lines.push(`out[oo] = ${store};`);
  const special = body.kind === "row" ? specialPreludeFor(body.wgsl) : "";
  return `${prelude([...ins.map((x) => x.dtype), outDtype])}${special}
${decls.join("\n")}
${entry1d(WG)} {
  ${
    dense
      ? `let base = (${flatIndex(WG)}) * ${VEC}u;
  for (var k = 0u; k < ${VEC}u; k++) {
  let i = base + k;
  if (i >= P[0]) { return; }
  ${lines.join("\n  ")}
  }`
      : `let i = ${flatIndex(WG)};
  if (i >= P[0]) { return; }
  ${lines.join("\n  ")}`
  }
}`;
}

/**
 * float32 operands, all contiguous and 16-byte aligned: each invocation moves one vec4
 * per operand (one bounds check and one wide load instead of four) and applies the row's
 * scalar expression per lane.
 */
function genVec4(body: MapBody, ins: readonly { alias: boolean }[]): string {
  const names = ["a", "b", "c"];
  const decls: string[] = [];
  let binding = 0;
  const arrays = ins.map((x, i) => {
    if (x.alias) return "out";
    decls.push(`@group(0) @binding(${binding++}) var<storage, read> x${i}: array<vec4<f32>>;`);
    return `x${i}`;
  });
  decls.push(`@group(0) @binding(${binding++}) var<storage, read_write> out: array<vec4<f32>>;`);
  decls.push(`@group(0) @binding(${binding}) var<storage, read> P: array<u32>;`);
  const params = names.slice(0, ins.length).map((n) => `${n}: f32`).join(", ");
  const expr = body.kind === "copy" ? "a" : accurateMath(body.wgsl);
  const lane = (l: string) => `f(${ins.map((_, i) => `v${i}.${l}`).join(", ")}, s0, s1)`;
  // Params: n/4, s0, s1, out offset/4, then each input's offset/4.
  const special = body.kind === "row" ? specialPreludeFor(body.wgsl) : "";
  return `${prelude(["float32"])}${special}
${decls.join("\n")}
fn f(${params}, s0: f32, s1: f32) -> f32 { return ${expr}; }
${entry1d(WG)} {
  let i = ${flatIndex(WG)};
  if (i >= P[0]) { return; }
  let s0 = bitcast<f32>(P[1]); let s1 = bitcast<f32>(P[2]);
  ${ins.map((_, i) => `let v${i} = ${arrays[i]}[P[${4 + i}] + i];`).join("\n  ")}
  out[P[3] + i] = vec4<f32>(${["x", "y", "z", "w"].map(lane).join(", ")});
}`;
}

/** Builds the pass computing `out = body(inputs)` over strided views. */
export function mapPass(
  dev: GpuDevice,
  body: MapBody,
  inputs: readonly View[],
  scalars: readonly number[],
  out: View,
): Pass | null {
  const ob = out.buf as GpuBuffer;
  let n = 1;
  for (const s of out.shape) n *= s;
  if (n === 0) return null;
  const merged = collapseDims(out.shape, [out.strides, ...inputs.map((v) => v.strides)]);
  const rank = merged.shape.length;
  const outMem = dev.mem(ob);
  const ins = inputs.map((v) => {
    const b = v.buf as GpuBuffer;
    return { dtype: b.dtype, alias: b === ob, mem: dev.mem(b) };
  });
  const params = new Uint32Array(4 + 2 * rank + inputs.length * (1 + rank));
  const f = new Float32Array(params.buffer, 4, 2);
  const iv = new Int32Array(params.buffer);
  params[0] = n;
  f[0] = scalars[0] ?? 0;
  f[1] = scalars[1] ?? 0;
  iv[3] = out.offset;
  for (let d = 0; d < rank; d++) {
    iv[4 + d] = merged.strides[0][d];
    params[4 + rank + d] = merged.shape[d];
  }
  inputs.forEach((v, i) => {
    const base = 4 + 2 * rank + i * (1 + rank);
    iv[base] = v.offset;
    for (let d = 0; d < rank; d++) iv[base + 1 + d] = merged.strides[i + 1][d];
  });
  const sig = ins.map((x) => `${x.dtype}${x.alias ? "@out" : ""}`).join(",");
  const tag = body.kind === "copy" ? "copy" : body.name;
  const dense = rank === 1 && merged.strides.every((st) => st[0] === 1);
  const vec4 = dense && n % 4 === 0 && ob.dtype === "float32" && out.offset % 4 === 0 &&
    ins.every((x) => x.dtype === "float32") && inputs.every((v) => v.offset % 4 === 0);
  if (vec4) {
    const p4 = new Uint32Array(4 + inputs.length);
    p4[0] = n / 4;
    new Float32Array(p4.buffer, 4, 2).set([scalars[0] ?? 0, scalars[1] ?? 0]);
    p4[3] = out.offset / 4;
    inputs.forEach((v, i) => (p4[4 + i] = v.offset / 4));
    const tag = body.kind === "copy" ? "copy" : body.name;
    return {
      key: `map4|${tag}|${ins.map((x) => (x.alias ? "@out" : "")).join(",")}`,
      code: () => genVec4(body, ins),
      buffers: [...ins.filter((x) => !x.alias).map((x) => x.mem), outMem],
      params: p4,
      groups: [Math.ceil(n / 4 / WG)],
    };
  }
  const key = `map|${tag}|${sig}|${ob.dtype}|${dense ? "dense" : rank}`;
  return {
    key,
    code: () => genMap(body, ins, ob.dtype, rank, dense),
    buffers: [...ins.filter((x) => !x.alias).map((x) => x.mem), outMem],
    params,
    groups: [Math.ceil(n / (dense ? VEC * WG : WG))],
  };
}
