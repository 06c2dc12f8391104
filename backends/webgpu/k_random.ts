/**
 * Philox4x32-10 in WGSL, reproducing src/core/philox.ts's stream layout: element i of a
 * request at 64-bit position `offset` uses lane (offset+i) % 4 of the block
 * floor((offset+i) / 4). uniform and randint are bit-exact with the TS backend; normal
 * uses f32 transcendentals and matches to float tolerance.
 * @module
 */
import { fillRandint } from "../../src/core/philox.ts";
import { allocCompute } from "../../src/core/dtype.ts";
import { MXNetError, ParamError } from "../../src/core/errors.ts";
import type { RandomDist } from "../backend.ts";
import type { GpuBuffer, GpuDevice, Pass } from "./device.ts";
import {
  entry1d,
  flatIndex,
  type GpuDType,
  isIntKind,
  prelude,
  storageType,
  storeFromF32,
} from "./wgsl.ts";

const WG = 256;
const TWO_32 = 4294967296;

/** mulhilo32 from 16-bit halves (WGSL has no 64-bit integers); returns (hi, lo). */
const PHILOX = `
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let ll = al * bl; let lh = al * bh; let hl = ah * bl; let hh = ah * bh;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}
fn philox(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
  var x = c; var key = k;
  for (var r = 0; r < 10; r++) {
    let p0 = mulhilo(0xD2511F53u, x.x);
    let p1 = mulhilo(0xCD9E8D57u, x.z);
    x = vec4<u32>(p1.x ^ x.y ^ key.x, p1.y, p0.x ^ x.w ^ key.y, p0.y);
    key = key + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return x;
}
fn block_of(i: u32) -> vec4<u32> {
  // j = offset + i as 64 bits; block = j >> 2, lane = j & 3.
  let lo = P[1] + i;
  let hi = P[2] + select(0u, 1u, lo < i);
  let s = philox(vec4<u32>((lo >> 2u) | (hi << 30u), hi >> 2u, 0u, 0u), vec2<u32>(P[3], P[4]));
  return s;
}`;

function code(dist: RandomDist, out: GpuDType): string {
  let body: string;
  if (dist === "uniform") {
    // f32(low) + f32(span * u01), each rounded: the product goes through a bitcast so no
    // compiler can contract it into an fma with the add.
    body = `let u01 = f32(s[lane] >> 8u) * (1.0 / 16777216.0);
  let prod = bitcast<f32>(bitcast<u32>(bitcast<f32>(P[6]) * u01) | P[8]);
  O[i] = ${storeFromF32(out, "bitcast<f32>(P[5]) + prod")};`;
  } else if (dist === "normal") {
    body = `let p = lane & 2u;
  let u1 = (f32(s[p] >> 8u) + 1.0) * (1.0 / 16777216.0);
  let u2 = f32(s[p + 1u] >> 8u) * (1.0 / 16777216.0);
  let r = sqrt(-2.0 * log(u1));
  let theta = 6.283185307179586 * u2;
  let z = select(r * cos(theta), r * sin(theta), (lane & 1u) == 1u);
  O[i] = ${storeFromF32(out, "bitcast<f32>(P[5]) + bitcast<f32>(P[6]) * z")};`;
  } else {
    // low + mulhi32(u, range); range = 2^32 is passed as 0 and means "u itself".
    body = `let range = P[6];
  let v = select(mulhilo(s[lane], range).x, s[lane], range == 0u);
  O[i] = bitcast<i32>(P[5] + v);`;
  }
  return `${prelude([out])}
@group(0) @binding(0) var<storage, read_write> O: array<${storageType(out)}>;
@group(0) @binding(1) var<storage, read> P: array<u32>;
${PHILOX}
${entry1d(WG)} {
  let i = ${flatIndex(WG)};
  if (i >= P[0]) { return; }
  let lane = (P[1] + i) & 3u;
  let s = block_of(i);
  ${body}
}`;
}

/** Random parameters as the Kernels interface passes them. */
export interface RandomParams {
  a: number;
  b: number;
  seed: number;
  offset: number;
}

/** Checks the request as the TS backend does and packs the shader params. */
export function randomParams(
  dist: RandomDist,
  out: GpuBuffer,
  p: RandomParams,
): Uint32Array<ArrayBuffer> {
  const n = out.size;
  if (!Number.isSafeInteger(p.seed) || !Number.isSafeInteger(p.offset) || p.offset < 0) {
    throw new ParamError(`random: bad seed ${p.seed} or offset ${p.offset}`);
  }
  const params = new Uint32Array(9);
  const f = new Float32Array(params.buffer);
  params[0] = n;
  params[1] = p.offset % TWO_32;
  params[2] = Math.floor(p.offset / TWO_32);
  // Seed as 64-bit two's complement: key = [lo32, hi32].
  const lo = p.seed % TWO_32;
  params[3] = lo < 0 ? lo + TWO_32 : lo;
  const hi = Math.floor(p.seed / TWO_32) % TWO_32;
  params[4] = hi < 0 ? hi + TWO_32 : hi;
  if (dist === "randint") {
    if (!isIntKind(out.dtype)) {
      throw new MXNetError(`randint: dtype ${out.dtype} is not an integer type`);
    }
    // The TS checks, messages included (bounds against the output type), on an empty array.
    fillRandint(allocCompute(out.dtype, 0) as Int32Array, p.a, p.b, p.seed, p.offset);
    params[5] = p.a >>> 0;
    params[6] = (p.b - p.a) % TWO_32;
  } else if (dist === "uniform") {
    const low = Math.fround(p.a);
    f[5] = low;
    f[6] = Math.fround(Math.fround(p.b) - low);
    params[8] = 0; // OR-ed into the product's bits: an opaque zero the compiler can't see through
  } else {
    f[5] = p.a;
    f[6] = p.b;
  }
  return params;
}

/** The pass filling `out` from the Philox stream at (seed, offset). */
export function randomPass(
  dev: GpuDevice,
  dist: RandomDist,
  out: GpuBuffer,
  p: RandomParams,
): Pass | null {
  const params = randomParams(dist, out, p);
  const n = out.size;
  if (n === 0) return null;
  return {
    key: `random|${dist}|${out.dtype}`,
    code: () => code(dist, out.dtype),
    buffers: [dev.mem(out)],
    params,
    groups: [Math.ceil(n / WG)],
  };
}
