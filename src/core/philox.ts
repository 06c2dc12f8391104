/**
 * Counter-based Philox4x32-10 random numbers (Salmon, Moraes, Dror & Shaw, "Parallel Random
 * Numbers: As Easy as 1, 2, 3", SC11; the Random123 library), and the ONE stream layout that
 * every mxts backend (pure TS, WebGPU WGSL, Rust/CUDA) must reproduce.
 *
 * ## Philox4x32-10
 *
 * State: counter `x = [x0, x1, x2, x3]` (u32), key `k = [k0, k1]` (u32). Ten rounds; before
 * every round but the first the key is bumped: `k0 += W0`, `k1 += W1` (mod 2^32). One round:
 *
 * ```
 * (hi0, lo0) = mulhilo32(M0, x0)      (hi1, lo1) = mulhilo32(M1, x2)
 * x = [hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0]
 * ```
 *
 * with `M0 = 0xD2511F53`, `M1 = 0xCD9E8D57`, `W0 = 0x9E3779B9`, `W1 = 0xBB67AE85`; mulhilo32
 * is the full 64-bit product split into its high and low 32-bit halves. Output is the final
 * `x`. Checked against Random123's `kat_vectors` (see the tests).
 *
 * ## Stream layout (normative for every backend)
 *
 * - **Seed → key.** A seed is an integer in [-(2^53-1), 2^53-1] read as a 64-bit two's
 *   complement value (Rust: `seed as i64 as u64`): `key = [seed_lo32, seed_hi32]`.
 * - **Raw u32 stream.** A request of `n` elements at 64-bit stream position `offset` (a
 *   non-negative integer, `offset + n <= 2^53`): element `i` has `j = offset + i`,
 *   `block = floor(j / 4)`, `lane = j % 4`, `counter = [block_lo32, block_hi32, 0, 0]`, and
 *   `u_j = philox4x32_10(counter, key)[lane]`. Counter words 2 and 3 stay 0 (reserved).
 * - **Positions.** {@link RandomState.next} hands out positions; it advances by `n` rounded up
 *   to a multiple of 4, so every request starts on a fresh block and no u32 is reused.
 * - **uniform.** `u01_j = (u_j >>> 8) * 2^-24`, in [0, 1 - 2^-24], exact in float32, never 1.
 *   `uniform(low, high)_j = low + (high - low) * u01_j`. For float32 output every operation
 *   is rounded to float32 (`span = f32(f32(high) - f32(low))`, `v = f32(f32(low) +
 *   f32(span * u01))`, no FMA contraction); for float64 output the same formula in float64.
 *   Only 24 random bits are used for either dtype (WGSL has no f64). Rounding of the final
 *   add may give exactly `high` when `low != 0` (as in NumPy/MXNet); u01 itself never does.
 * - **normal.** Box-Muller on lane pairs `(0,1)` and `(2,3)` of a block. For element `j` let
 *   `p = j - (j % 2)` (the even member of its pair; `p`, `p+1` share a block):
 *   `u1 = ((u_p >>> 8) + 1) * 2^-24` (in (0, 1]), `u2 = (u_{p+1} >>> 8) * 2^-24`,
 *   `r = sqrt(-2 ln u1)`, `theta = 2π * u2`, `z_p = r cos(theta)`, `z_{p+1} = r sin(theta)`,
 *   value `mean + std * z_j`. So element `j` depends only on `j`, not on where the request
 *   started. This TS backend computes in float64 (V8's fdlibm-derived `Math.log/cos/sin`)
 *   and rounds on store; backends with other transcendental implementations match to float
 *   tolerance, not bit for bit. The uniform and integer outputs are bit-exact everywhere.
 * - **randint in [low, high).** `range = high - low` in [1, 2^32];
 *   `v_j = low + mulhi32(u_j, range)` where `mulhi32(u, r) = floor(u * r / 2^32)` computed
 *   exactly (64-bit product). Bias bound: each of the `range` outcomes is hit by either
 *   `floor(2^32 / range)` or `ceil(2^32 / range)` of the 2^32 possible `u`, so
 *   `|P(v) - 1/range| < 2^-32` (relative error < range / 2^32).
 * - **shuffle (n items).** Fisher-Yates from the top: start from the identity `a[t] = t`; for
 *   `k = 0 .. n-2`, `i = n-1-k`, `s = mulhi32(u_{offset+k}, i+1)` (uniform in [0, i] with the
 *   bias bound above), swap `a[i]` and `a[s]`. Uses `n - 1` stream values (reserve `n`).
 *
 * @module
 */
import { ParamError } from "./errors.ts";

/** Philox4x32 round multiplier for counter word 0. */
export const PHILOX_M0 = 0xD2511F53;
/** Philox4x32 round multiplier for counter word 2. */
export const PHILOX_M1 = 0xCD9E8D57;
/** Philox4x32 key bump (Weyl constant) for key word 0: golden ratio. */
export const PHILOX_W0 = 0x9E3779B9;
/** Philox4x32 key bump (Weyl constant) for key word 1: sqrt(3) - 1. */
export const PHILOX_W1 = 0xBB67AE85;

const M0_HI = PHILOX_M0 >>> 16;
const M0_LO = PHILOX_M0 & 0xffff;
const M1_HI = PHILOX_M1 >>> 16;
const M1_LO = PHILOX_M1 & 0xffff;
const INV_2_16 = 1 / 65536;
const INV_2_24 = 1 / 16777216;
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;
const TWO_PI = 2 * Math.PI;

/**
 * High 32 bits of the 64-bit product of `a` (u32) and `b` in [0, 2^32], exact, no BigInt.
 *
 * With `b = bh * 2^16 + bl`: `a*b = (a*bh) * 2^16 + a*bl`, each part <= 2^48 and so exact in
 * float64; `floor(a*b / 2^32) = floor((a*bh + floor(a*bl / 2^16)) / 2^16)`, and `>>> 0` is
 * floor for values in [0, 2^32).
 *
 * @example
 * ```ts
 * mulhi32(0xffffffff, 0xffffffff); // 0xfffffffe
 * ```
 */
export function mulhi32(a: number, b: number): number {
  const bh = Math.floor(b * INV_2_16);
  const bl = b - bh * 65536;
  return ((a * bh + ((a * bl * INV_2_16) >>> 0)) * INV_2_16) >>> 0;
}

/**
 * One Philox4x32-10 evaluation: encrypts counter `[c0, c1, c2, c3]` under key `[k0, k1]`
 * (all u32; other numbers are taken mod 2^32) and writes the four output words to `out`.
 *
 * @example
 * ```ts
 * const out = new Uint32Array(4);
 * philox4x32(0, 0, 0, 0, 0, 0, out); // out = [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
 * ```
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  // State is kept as int32 (V8 small integers); only the bit patterns matter.
  let x0 = c0 | 0;
  let x1 = c1 | 0;
  let x2 = c2 | 0;
  let x3 = c3 | 0;
  let a = k0 | 0;
  let b = k1 | 0;
  for (let r = 0; r < 10; r++) {
    // hi0 = mulhi32(x0, M0) from 16-bit halves: with x = xh*2^16 + xl and M = mh*2^16 + ml,
    // t = (xl*ml >>> 16) + xh*ml < 2^32, w = (t & 0xffff) + xl*mh < 2^32, and
    // hi = xh*mh + (t >>> 16) + (w >>> 16); every partial product is below 2^32.
    let xh = x0 >>> 16;
    let xl = x0 & 0xffff;
    let t = ((xl * M0_LO) >>> 16) + xh * M0_LO;
    let w = (t & 0xffff) + xl * M0_HI;
    const hi0 = (xh * M0_HI + (t >>> 16) + (w >>> 16)) | 0;
    xh = x2 >>> 16;
    xl = x2 & 0xffff;
    t = ((xl * M1_LO) >>> 16) + xh * M1_LO;
    w = (t & 0xffff) + xl * M1_HI;
    const hi1 = (xh * M1_HI + (t >>> 16) + (w >>> 16)) | 0;
    const lo0 = Math.imul(x0, PHILOX_M0);
    const lo1 = Math.imul(x2, PHILOX_M1);
    x0 = hi1 ^ x1 ^ a;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ b;
    x3 = lo0;
    // Key bump for the next round (the bump after the last round is unused).
    a = (a + PHILOX_W0) | 0;
    b = (b + PHILOX_W1) | 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/** Scratch block for the fill loops (they are synchronous, so one module-level buffer). */
const BLOCK = new Uint32Array(4);

/** Low 32 bits of a seed, as a 64-bit two's complement value. */
function seedLo(seed: number): number {
  const m = seed % TWO_32;
  return (m < 0 ? m + TWO_32 : m) >>> 0;
}

/** High 32 bits of a seed, as a 64-bit two's complement value. */
function seedHi(seed: number): number {
  const h = Math.floor(seed / TWO_32) % TWO_32;
  return (h < 0 ? h + TWO_32 : h) >>> 0;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) {
    throw new ParamError(
      `philox: seed must be an integer in [-(2^53-1), 2^53-1], got ${seed}`,
    );
  }
}

function checkOffset(offset: number, n: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > TWO_53 - n) {
    throw new ParamError(
      `philox: offset must be an integer with 0 <= offset and offset + n <= 2^53, ` +
        `got offset=${offset}, n=${n}`,
    );
  }
}

/**
 * Fills `out` with the raw u32 stream: `out[i] = u_{offset+i}` for key `seed`.
 *
 * @example
 * ```ts
 * const u = new Uint32Array(4);
 * fillUint32(u, 0, 0); // u = philox4x32(counter=[0,0,0,0], key=[0,0])
 * ```
 */
export function fillUint32(out: Uint32Array, seed: number, offset: number): void {
  checkSeed(seed);
  const n = out.length;
  checkOffset(offset, n);
  const k0 = seedLo(seed);
  const k1 = seedHi(seed);
  const blk = Math.floor(offset / 4);
  let c0 = blk % TWO_32;
  let c1 = Math.floor(blk / TWO_32);
  let lane = offset - blk * 4;
  const S = BLOCK;
  let i = 0;
  while (i < n) {
    philox4x32(c0, c1, 0, 0, k0, k1, S);
    if (lane === 0 && i + 4 <= n) {
      out[i] = S[0];
      out[i + 1] = S[1];
      out[i + 2] = S[2];
      out[i + 3] = S[3];
      i += 4;
    } else {
      for (; lane < 4 && i < n; lane++) out[i++] = S[lane];
      lane = 0;
    }
    c0 = (c0 + 1) >>> 0;
    if (c0 === 0) c1 = (c1 + 1) >>> 0;
  }
}

/**
 * Fills `out` with uniform numbers in [low, high): `low + (high - low) * u01` where
 * `u01 = (u >>> 8) * 2^-24`. Float32 outputs use float32 arithmetic (each step rounded with
 * `Math.fround`), float64 outputs float64 arithmetic; see the module's stream layout.
 *
 * @example
 * ```ts
 * const x = new Float32Array(8);
 * fillUniform(x, 0, 1, 42, 0); // eight numbers in [0, 1)
 * ```
 */
export function fillUniform(
  out: Float32Array | Float64Array,
  low: number,
  high: number,
  seed: number,
  offset: number,
): void {
  checkSeed(seed);
  const n = out.length;
  checkOffset(offset, n);
  const f32 = out instanceof Float32Array;
  const lo = f32 ? Math.fround(low) : low;
  const span = f32 ? Math.fround(Math.fround(high) - lo) : high - low;
  const k0 = seedLo(seed);
  const k1 = seedHi(seed);
  const blk = Math.floor(offset / 4);
  let c0 = blk % TWO_32;
  let c1 = Math.floor(blk / TWO_32);
  let lane = offset - blk * 4;
  const S = BLOCK;
  const fr = Math.fround;
  let i = 0;
  if (f32) {
    while (i < n) {
      philox4x32(c0, c1, 0, 0, k0, k1, S);
      if (lane === 0 && i + 4 <= n) {
        // The store into a Float32Array performs the final rounding; rounding the float64 sum
        // of two float32 values to float32 equals a float32 add (53 >= 2*24 + 2).
        out[i] = lo + fr(span * ((S[0] >>> 8) * INV_2_24));
        out[i + 1] = lo + fr(span * ((S[1] >>> 8) * INV_2_24));
        out[i + 2] = lo + fr(span * ((S[2] >>> 8) * INV_2_24));
        out[i + 3] = lo + fr(span * ((S[3] >>> 8) * INV_2_24));
        i += 4;
      } else {
        for (; lane < 4 && i < n; lane++) {
          out[i++] = lo + fr(span * ((S[lane] >>> 8) * INV_2_24));
        }
        lane = 0;
      }
      c0 = (c0 + 1) >>> 0;
      if (c0 === 0) c1 = (c1 + 1) >>> 0;
    }
  } else {
    while (i < n) {
      philox4x32(c0, c1, 0, 0, k0, k1, S);
      for (; lane < 4 && i < n; lane++) out[i++] = lo + span * ((S[lane] >>> 8) * INV_2_24);
      lane = 0;
      c0 = (c0 + 1) >>> 0;
      if (c0 === 0) c1 = (c1 + 1) >>> 0;
    }
  }
}

/**
 * Fills `out` with normal numbers `mean + std * z`, `z` from Box-Muller on lane pairs (see
 * the module's stream layout); element `offset + i` depends only on its own position.
 *
 * @example
 * ```ts
 * const x = new Float64Array(1000);
 * fillNormal(x, 0, 1, 7, 0); // standard normal samples
 * ```
 */
export function fillNormal(
  out: Float32Array | Float64Array,
  mean: number,
  std: number,
  seed: number,
  offset: number,
): void {
  checkSeed(seed);
  const n = out.length;
  checkOffset(offset, n);
  const k0 = seedLo(seed);
  const k1 = seedHi(seed);
  const blk = Math.floor(offset / 4);
  let c0 = blk % TWO_32;
  let c1 = Math.floor(blk / TWO_32);
  let lane = offset - blk * 4;
  const S = BLOCK;
  let i = 0;
  while (i < n) {
    philox4x32(c0, c1, 0, 0, k0, k1, S);
    while (lane < 4 && i < n) {
      const p = lane & 2;
      const u1 = ((S[p] >>> 8) + 1) * INV_2_24;
      const u2 = (S[p + 1] >>> 8) * INV_2_24;
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = TWO_PI * u2;
      if ((lane & 1) === 0) {
        out[i++] = mean + std * (r * Math.cos(theta));
        lane++;
        if (i >= n) break;
      }
      out[i++] = mean + std * (r * Math.sin(theta));
      lane++;
    }
    lane = 0;
    c0 = (c0 + 1) >>> 0;
    if (c0 === 0) c1 = (c1 + 1) >>> 0;
  }
}

/**
 * Fills `out` with integers uniform in [low, high): `low + mulhi32(u, high - low)`.
 * `high - low` must be in [1, 2^32] and both ends must fit the output type.
 *
 * @example
 * ```ts
 * const dice = new Int32Array(10);
 * fillRandint(dice, 1, 7, 3, 0); // ten rolls of a die
 * ```
 */
export function fillRandint(
  out: Int32Array | Float64Array | Uint8Array | Int8Array,
  low: number,
  high: number,
  seed: number,
  offset: number,
): void {
  checkSeed(seed);
  const n = out.length;
  checkOffset(offset, n);
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
    throw new ParamError(`randint: low and high must be integers, got low=${low}, high=${high}`);
  }
  const range = high - low;
  if (!(range >= 1 && range <= TWO_32)) {
    throw new ParamError(
      `randint: need low < high and high - low <= 2^32, got low=${low}, high=${high}`,
    );
  }
  let min = -TWO_53 + 1;
  let max = TWO_53 - 1;
  if (out instanceof Int32Array) [min, max] = [-2147483648, 2147483647];
  else if (out instanceof Uint8Array) [min, max] = [0, 255];
  else if (out instanceof Int8Array) [min, max] = [-128, 127];
  if (low < min || high - 1 > max) {
    throw new ParamError(
      `randint: [${low}, ${high}) does not fit ${out.constructor.name} [${min}, ${max}]`,
    );
  }
  const rh = Math.floor(range * INV_2_16);
  const rl = range - rh * 65536;
  const k0 = seedLo(seed);
  const k1 = seedHi(seed);
  const blk = Math.floor(offset / 4);
  let c0 = blk % TWO_32;
  let c1 = Math.floor(blk / TWO_32);
  let lane = offset - blk * 4;
  const S = BLOCK;
  let i = 0;
  while (i < n) {
    philox4x32(c0, c1, 0, 0, k0, k1, S);
    for (; lane < 4 && i < n; lane++) {
      const u = S[lane];
      out[i++] = low + (((u * rh + ((u * rl * INV_2_16) >>> 0)) * INV_2_16) >>> 0);
    }
    lane = 0;
    c0 = (c0 + 1) >>> 0;
    if (c0 === 0) c1 = (c1 + 1) >>> 0;
  }
}

/**
 * A uniformly random permutation of `0 .. n-1` by Fisher-Yates on the stream (see the
 * module's stream layout). Uses `n - 1` stream values starting at `offset`.
 *
 * @example
 * ```ts
 * const perm = shufflePermutation(5, 1, 0); // e.g. Uint32Array [3, 0, 4, 1, 2]
 * ```
 */
export function shufflePermutation(n: number, seed: number, offset: number): Uint32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > TWO_32) {
    throw new ParamError(`shuffle: n must be an integer in [0, 2^32], got ${n}`);
  }
  checkSeed(seed);
  checkOffset(offset, n);
  const a = new Uint32Array(n);
  for (let t = 0; t < n; t++) a[t] = t;
  if (n < 2) return a;
  const u = new Uint32Array(n - 1);
  fillUint32(u, seed, offset);
  for (let k = 0; k < n - 1; k++) {
    const i = n - 1 - k;
    const s = mulhi32(u[k], i + 1);
    const tmp = a[i];
    a[i] = a[s];
    a[s] = tmp;
  }
  return a;
}

/**
 * A generator position: a seed plus a running 64-bit stream offset. Each request reserves
 * its numbers with {@link RandomState.next} and passes the returned `{seed, offset}` to a
 * fill function (on any backend), so consecutive requests get fresh, non-overlapping
 * numbers.
 *
 * @example
 * ```ts
 * const rs = new RandomState(42);
 * const x = new Float32Array(10);
 * const { seed, offset } = rs.next(x.length); // offset 0; the next request starts at 12
 * fillUniform(x, 0, 1, seed, offset);
 * ```
 */
export class RandomState {
  #seed = 0;
  #offset = 0;

  /** Creates a generator at position 0 of `seed` (default 0). */
  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Re-seeds: sets the key to `s` and rewinds the position to 0. */
  seed(s: number): void {
    checkSeed(s);
    this.#seed = s;
    this.#offset = 0;
  }

  /**
   * Reserves `n` numbers: returns the current `{seed, offset}` and advances the position by
   * `n` rounded up to a multiple of 4, so the next request starts on a fresh block.
   */
  next(n: number): { seed: number; offset: number } {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new ParamError(`RandomState.next: n must be a non-negative integer, got ${n}`);
    }
    const offset = this.#offset;
    const advance = Math.ceil(n / 4) * 4;
    if (offset > TWO_53 - advance) {
      throw new ParamError(`RandomState.next: stream exhausted (position would pass 2^53)`);
    }
    this.#offset = offset + advance;
    return { seed: this.#seed, offset };
  }
}
