/**
 * Tiled batched GEMM: each TH x TH workgroup computes a T x T output tile (T = TH * R),
 * staging T x BK slices of A and B in workgroup memory; each invocation keeps an R x R block
 * of outputs in registers. Transposes are folded into the tile loads. Accumulates in f32 for every
 * dtype (int32 results are exact while partial sums stay below 2^24).
 * @module
 */
import type { GpuBuffer, GpuDevice, Pass } from "./device.ts";
import { type GpuDType, loadF32, prelude, storageType, storeFromF32 } from "./wgsl.ts";

// Tile geometry: TH x TH invocations, R x R outputs each, k steps of BK. 8/8/16 was the
// fastest on llvmpipe of 16/4/16, 8/4/16, 8/4/32, 16/2/16, 8/8/16 and 16/4/32 (scalar
// form), and of 8/8/8, 8/8/32 (vec4 form); MXTS_WEBGPU_GEMM="TH,R,BK" re-tunes elsewhere.
const [TH, R, BK] = (() => {
  try {
    const v = Deno.env.get("MXTS_WEBGPU_GEMM")?.split(",").map(Number);
    if (v?.length === 3) return v;
  } catch { /* no env access (browser): defaults */ }
  return [8, 8, 16];
})();
const T = TH * R; // output tile edge

function genMatmul(a: GpuDType, b: GpuDType, c: GpuDType, aliasA: boolean): string {
  const accs: string[] = [];
  const fmas: string[] = [];
  const stores: string[] = [];
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < R; j++) {
      accs.push(`var c${i}${j} = 0.0;`);
      fmas.push(`c${i}${j} += a${i} * b${j};`);
      // Rows are interleaved (ly + TH i) so neighbouring invocations touch neighbouring
      // columns of workgroup memory and of the output.
      stores.push(
        `{ let r = row0 + lid.y + ${TH * i}u; let q = col0 + lid.x + ${TH * j}u;` +
          ` if (r < M && q < N) { C[cBase + r * N + q] = ${storeFromF32(c, `c${i}${j}`)}; } }`,
      );
    }
  }
  const loadsA = Array.from({ length: R }, (_, i) => `let a${i} = As[kk][lid.y + ${TH * i}u];`);
  const loadsB = Array.from({ length: R }, (_, j) => `let b${j} = Bs[kk][lid.x + ${TH * j}u];`);
  const bArr = aliasA ? "A" : "B";
  const bBinding = aliasA
    ? ""
    : `@group(0) @binding(1) var<storage, read> B: array<${storageType(b)}>;\n`;
  const cb = aliasA ? 1 : 2;
  return `${prelude([a, b, c])}
@group(0) @binding(0) var<storage, read> A: array<${storageType(a)}>;
${bBinding}@group(0) @binding(${cb}) var<storage, read_write> C: array<${storageType(c)}>;
@group(0) @binding(${cb + 1}) var<storage, read> P: array<u32>;
var<workgroup> As: array<array<f32, ${T}>, ${BK}>;
var<workgroup> Bs: array<array<f32, ${T}>, ${BK}>;
@compute @workgroup_size(${TH}, ${TH})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = P[0]; let N = P[1]; let K = P[2];
  let ta = P[3] != 0u; let tb = P[4] != 0u;
  let batch = wid.z + P[7];
  let aBase = batch * P[5]; let bBase = batch * P[6]; let cBase = batch * M * N;
  let row0 = wid.y * ${T}u; let col0 = wid.x * ${T}u;
  let tid = lid.y * ${TH}u + lid.x;
  ${accs.join(" ")}
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    for (var l = 0u; l < ${(T * BK) / (TH * TH)}u; l++) {
      let e = tid + l * ${TH * TH}u;
      // A tile: along k fastest when A is row-major, along m when transposed (coalesced).
      let am = select(e / ${BK}u, e % ${T}u, ta);
      let ak = select(e % ${BK}u, e / ${T}u, ta);
      let gm = row0 + am; let gk = k0 + ak;
      var va = 0.0;
      if (gm < M && gk < K) {
        va = ${loadF32(a, "A", "select(aBase + gm * K + gk, aBase + gk * M + gm, ta)")};
      }
      As[ak][am] = va;
      let bn = select(e % ${T}u, e / ${BK}u, tb);
      let bk = select(e / ${T}u, e % ${BK}u, tb);
      let gn = col0 + bn; let gk2 = k0 + bk;
      var vb = 0.0;
      if (gn < N && gk2 < K) {
        vb = ${loadF32(b, bArr, "select(bBase + gk2 * N + gn, bBase + gn * K + gk2, tb)")};
      }
      Bs[bk][bn] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
      ${loadsA.join(" ")}
      ${loadsB.join(" ")}
      ${fmas.join(" ")}
    }
    workgroupBarrier();
  }
  ${stores.join("\n  ")}
}`;
}

/**
 * The same tiling with B's tile held as vec4 rows: each invocation keeps R rows x R/4
 * vec4 columns (output columns (lid.x + TH j) * 4 .. + 3) and updates them with vec4 FMAs
 * of a broadcast A value: a quarter of the workgroup-memory loads of B.
 */
function genMatmulVec4(a: GpuDType, b: GpuDType, c: GpuDType, aliasA: boolean): string {
  const C4 = R / 4;
  const accs: string[] = [];
  const fmas: string[] = [];
  const stores: string[] = [];
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C4; j++) {
      accs.push(`var c${i}_${j} = vec4<f32>(0.0);`);
      fmas.push(`c${i}_${j} = fma(vec4<f32>(a${i}), b${j}, c${i}_${j});`);
      for (let l = 0; l < 4; l++) {
        stores.push(
          `{ let r = row0 + lid.y + ${TH * i}u; let q = col0 + (lid.x + ${TH * j}u) * 4u + ${l}u;` +
            ` if (r < M && q < N) { C[cBase + r * N + q] = ${
              storeFromF32(c, `c${i}_${j}[${l}]`)
            }; } }`,
        );
      }
    }
  }
  const loadsA = Array.from({ length: R }, (_, i) => `let a${i} = As[kk][lid.y + ${TH * i}u];`);
  const loadsB = Array.from({ length: C4 }, (_, j) => `let b${j} = Bs[kk][lid.x + ${TH * j}u];`);
  const bArr = aliasA ? "A" : "B";
  const bBinding = aliasA
    ? ""
    : `@group(0) @binding(1) var<storage, read> B: array<${storageType(b)}>;\n`;
  const cb = aliasA ? 1 : 2;
  return `${prelude([a, b, c])}
@group(0) @binding(0) var<storage, read> A: array<${storageType(a)}>;
${bBinding}@group(0) @binding(${cb}) var<storage, read_write> C: array<${storageType(c)}>;
@group(0) @binding(${cb + 1}) var<storage, read> P: array<u32>;
var<workgroup> As: array<array<f32, ${T}>, ${BK}>;
var<workgroup> Bs: array<array<vec4<f32>, ${T / 4}>, ${BK}>;
@compute @workgroup_size(${TH}, ${TH})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = P[0]; let N = P[1]; let K = P[2];
  let ta = P[3] != 0u; let tb = P[4] != 0u;
  let batch = wid.z + P[7];
  let aBase = batch * P[5]; let bBase = batch * P[6]; let cBase = batch * M * N;
  let row0 = wid.y * ${T}u; let col0 = wid.x * ${T}u;
  let tid = lid.y * ${TH}u + lid.x;
  ${accs.join(" ")}
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    for (var l = 0u; l < ${(T * BK) / (TH * TH)}u; l++) {
      let e = tid + l * ${TH * TH}u;
      let am = select(e / ${BK}u, e % ${T}u, ta);
      let ak = select(e % ${BK}u, e / ${T}u, ta);
      let gm = row0 + am; let gk = k0 + ak;
      var va = 0.0;
      if (gm < M && gk < K) {
        va = ${loadF32(a, "A", "select(aBase + gm * K + gk, aBase + gk * M + gm, ta)")};
      }
      As[ak][am] = va;
      let bn = select(e % ${T}u, e / ${BK}u, tb);
      let bk = select(e / ${T}u, e % ${BK}u, tb);
      let gn = col0 + bn; let gk2 = k0 + bk;
      var vb = 0.0;
      if (gn < N && gk2 < K) {
        vb = ${loadF32(b, bArr, "select(bBase + gk2 * N + gn, bBase + gn * K + gk2, tb)")};
      }
      Bs[bk][bn / 4u][bn % 4u] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
      ${loadsA.join(" ")}
      ${loadsB.join(" ")}
      ${fmas.join(" ")}
    }
    workgroupBarrier();
  }
  ${stores.join("\n  ")}
}`;
}

// The vec4 form (default when R is a multiple of 4) measured 1.2x the scalar one on
// llvmpipe at 64x256x784, 784x256x64 (A transposed), 256^3 and 1024^3;
// MXTS_WEBGPU_GEMM_VEC4=0 selects the scalar form.
const VEC4 = R % 4 === 0 && (() => {
  try {
    return Deno.env.get("MXTS_WEBGPU_GEMM_VEC4") !== "0";
  } catch {
    return true; // no env access (browser)
  }
})();

/** GEMM parameters as the Kernels interface passes them. */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
}

/** The passes computing `out = op(a) · op(b)` per batch (split when batch > 65,535). */
export function matmulPasses(
  dev: GpuDevice,
  a: GpuBuffer,
  b: GpuBuffer,
  out: GpuBuffer,
  p: MatmulParams,
): Pass[] {
  if (p.batch === 0 || p.m === 0 || p.n === 0) return [];
  const aliasA = a === b;
  const key = `matmul|${a.dtype}|${b.dtype}|${out.dtype}|${aliasA}|${VEC4 ? "v4" : "s"}`;
  const buffers = aliasA ? [dev.mem(a), dev.mem(out)] : [dev.mem(a), dev.mem(b), dev.mem(out)];
  const passes: Pass[] = [];
  for (let base = 0; base < p.batch; base += dev.maxGroups) {
    const params = new Uint32Array([
      p.m,
      p.n,
      p.k,
      p.transA ? 1 : 0,
      p.transB ? 1 : 0,
      p.aBatchStride,
      p.bBatchStride,
      base,
    ]);
    passes.push({
      key,
      code: () => (VEC4 ? genMatmulVec4 : genMatmul)(a.dtype, b.dtype, out.dtype, aliasA),
      buffers,
      params,
      groups: [Math.ceil(p.n / T), Math.ceil(p.m / T), Math.min(dev.maxGroups, p.batch - base)],
    });
  }
  return passes;
}
