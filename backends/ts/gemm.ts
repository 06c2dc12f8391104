/**
 * Pure-TypeScript matrix multiply (GEMM) for the `ts` backend.
 *
 * `gemm` is the fast path for Float32Array / Float64Array. Its design, chosen by measuring
 * variants on the project's 2-core AVX-512 (Zen 4) machine, single-threaded:
 *
 * - V8 compiles this to scalar SSE/AVX double arithmetic: no SIMD and no fused multiply-add, so
 *   speed comes from how many multiply-adds each loaded value feeds and from keeping the inner
 *   loop free of everything else.
 * - A 4x4 register tile (16 accumulators in local variables) beat 4x2, 2x4, 3x3, 4x3, 2x5, 5x2,
 *   2x6, 6x2, 2x8, 4x6, 6x4, 4x8 and 8x4 (the larger ones spill), and unrolling the k loop by 2
 *   or 4 was slower. Each k step loads 8 values for 16 multiply-adds.
 * - Both operands are packed (Goto/BLIS style) into module-level Float64Array scratch buffers that
 *   grow but are never reallocated for steady shapes. Packing makes the micro-kernel see one array
 *   type only (monomorphic, no float32 -> float64 conversion per load), reads both operands
 *   contiguously, turns transA/transB into different strides of the packing loops, and pads the
 *   edge tiles with zeros so the micro-kernel has no edge cases.
 * - Cache blocking: KC x 4 B micro-panels (8 KiB) stay in L1, MC x KC A blocks (128 KiB) in L2.
 *   The block sizes mattered little (compute bound): anything from 32..256 x 128..1024 was within
 *   a few percent. The scratch is at most 128 KiB (A) + 2 MiB (B) and is kept for later calls.
 * - Small or thin products (fewer than 4 rows, columns or depth, or tiny sizes), where packing and
 *   tile padding cost more than they save, take direct loops instead (`gemmDirect`).
 *
 * - Rows of C are independent in both paths, so `gemmRows` computes any row range with exactly
 *   the single-threaded bits; `parallel.ts` splits large products between threads with it.
 *
 * `gemmGeneric` is a plain reference loop for every numeric typed array (int32 wraps like C).
 *
 * @module
 */

/** The float arrays `gemm` accepts. */
export type FloatArray = Float32Array | Float64Array;

/** Every non-BigInt typed array, accepted by `gemmGeneric`. */
export type NumericArray =
  | Float16Array
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

/** Register tile: MR rows of A times NR columns of B per micro-kernel call. */
const MR = 4;
const NR = 4;
/** Cache blocks (see module doc): rows of A, depth, and columns of B per packed block. */
const MC = 64;
const KC = 256;
const NC = 1024;
/** Below this many multiply-adds, packing costs more than it saves. */
const SMALL_WORK = 4096;
/** Below this depth, packing and micro-kernel calls cost more than the multiply-adds. */
const MIN_K = 4;

// Packed operands, reused across calls: A blocks as MR-row strips stored k-major ([kc][MR]), B
// panels as NR-column strips stored k-major ([kc][NR]).
let packA = new Float64Array(0);
let packB = new Float64Array(0);
/** The micro-kernel's output tile (edge tiles are computed in full, then clipped). */
const tile = new Float64Array(MR * NR);

/**
 * C[M,N] (+)= op(A)[M,K] · op(B)[K,N], all row-major with element offsets; op(X) is X transposed
 * when transX (A is then stored [K,M], B [N,K]). With `accumulate` C += op(A)·op(B), otherwise C is
 * overwritten (its old contents, NaN included, are ignored). Sums are formed in float64.
 * C must not overlap A or B.
 */
export function gemm(
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  c: FloatArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
): void {
  gemmRows(a, aOff, b, bOff, c, cOff, m, n, k, transA, transB, accumulate, 0, m);
}

/**
 * Rows [i0, i1) of the product `gemm` computes with the same arguments, bit for bit: the code
 * path (packed or direct) is chosen from the whole product's shape, and every element of C is
 * summed in the same order whatever rows are computed together (rows of C are independent in
 * both paths: tiles never mix rows' sums, and the depth blocking does not depend on the rows).
 * Splitting C's rows between threads with this gives exactly the single-threaded result.
 */
export function gemmRows(
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  c: FloatArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
  i0: number,
  i1: number,
): void {
  i0 = Math.max(0, i0);
  i1 = Math.min(m, i1);
  const rows = i1 - i0;
  if (rows <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) {
      for (let i = i0; i < i1; i++) c.fill(0, cOff + i * n, cOff + i * n + n);
    }
    return;
  }
  // Strides: op(A)[i, p] = a[aOff + i * ars + p * acs], op(B)[p, j] = b[bOff + p * brs + j * bcs].
  const ars = transA ? 1 : k, acs = transA ? m : 1;
  const brs = transB ? 1 : n, bcs = transB ? k : 1;
  aOff += i0 * ars;
  cOff += i0 * n;
  // The path depends on the whole product, never on the row range.
  if (m < MR || n < NR || k < MIN_K || m * n * k < SMALL_WORK) {
    gemmDirect(a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, rows, n, k, accumulate);
  } else {
    gemmPacked(a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, rows, n, k, accumulate);
  }
}

/** The packed, cache-blocked path of `gemm` (see the module doc), on strided operands. */
function gemmPacked(
  a: FloatArray,
  aOff: number,
  ars: number,
  acs: number,
  b: FloatArray,
  bOff: number,
  brs: number,
  bcs: number,
  c: FloatArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
  accumulate: boolean,
): void {
  const needB = Math.min(KC, k) * roundUp(Math.min(NC, n), NR);
  const needA = Math.min(KC, k) * roundUp(Math.min(MC, m), MR);
  if (packA.length < needA) packA = new Float64Array(needA);
  if (packB.length < needB) packB = new Float64Array(needB);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanel(b, bOff + pc * brs + jc * bcs, bcs, brs, nc, kc, NR, packB);
      // The first depth block stores into C unless accumulating; later ones add.
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanel(a, aOff + ic * ars + pc * acs, ars, acs, mc, kc, MR, packA);
        // jr outside ir: one B micro-panel stays in L1 while the A block streams from L2.
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x4(kc, packA, ir * kc, packB, jr * kc, tile);
            storeTile(c, cOff + (ic + ir) * n + jc + jr, n, Math.min(MR, mc - ir), nr, add);
          }
        }
      }
    }
  }
}

/**
 * C[ci + i*ldc + j] (+)= tile[i*NR + j] for the mr x nr part of the tile that lies inside C.
 * Kept out of the micro-kernel so that the kernel only ever sees Float64Arrays: mixing f32 and
 * f64 stores in it made V8 re-optimize it into a ~30% slower loop.
 */
function storeTile(c: FloatArray, ci: number, ldc: number, mr: number, nr: number, add: boolean) {
  for (let i = 0; i < mr; i++, ci += ldc) {
    for (let j = 0; j < nr; j++) c[ci + j] = add ? c[ci + j] + tile[i * NR + j] : tile[i * NR + j];
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/**
 * Packs `len` lines x `kc` depth of a strided operand into strips of `w` lines, each strip stored
 * depth-major ([kc][w]) and zero-padded to a whole strip (the results of padding lanes are clipped
 * away by `storeTile`; zeros keep them finite and cheap). Line l at depth p is
 * src[off + l * ls + p * ps]. Used for A (lines = rows) and B (lines = columns).
 */
function packPanel(
  src: FloatArray,
  off: number,
  ls: number,
  ps: number,
  len: number,
  kc: number,
  w: number,
  dst: Float64Array,
): void {
  let o = 0;
  let l0 = 0;
  if (w === 4) {
    // Whole strips, unrolled: with the generic loop below, packing B made 16x1024x1024 ~35%
    // slower overall (B is packed once per call, and with few rows that is not amortized).
    for (; l0 + 4 <= len; l0 += 4) {
      let s = off + l0 * ls;
      for (let p = 0; p < kc; p++, s += ps, o += 4) {
        dst[o] = src[s];
        dst[o + 1] = src[s + ls];
        dst[o + 2] = src[s + 2 * ls];
        dst[o + 3] = src[s + 3 * ls];
      }
    }
  }
  for (; l0 < len; l0 += w) {
    const lw = Math.min(w, len - l0);
    for (let p = 0; p < kc; p++) {
      const s = off + l0 * ls + p * ps;
      for (let l = 0; l < lw; l++) dst[o + l] = src[s + l * ls];
      for (let l = lw; l < w; l++) dst[o + l] = 0;
      o += w;
    }
  }
}

/**
 * The micro-kernel: a 4x4 tile of C from a packed A strip (ap[ai..], [kc][4]) and a packed B strip
 * (bp[bi..], [kc][4]), accumulated in 16 locals that V8 keeps in registers (a few may spill),
 * written row-major to the 16-element tile `t`.
 * (Measured: advancing ai/bi at the end of the body is ~10% faster than in the `for` header.)
 */
function kernel4x4(
  kc: number,
  ap: Float64Array,
  ai: number,
  bp: Float64Array,
  bi: number,
  t: Float64Array,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = bp[bi], b1 = bp[bi + 1], b2 = bp[bi + 2], b3 = bp[bi + 3];
    const a0 = ap[ai];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    const a1 = ap[ai + 1];
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    const a2 = ap[ai + 2];
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    const a3 = ap[ai + 3];
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    ai += 4;
    bi += 4;
  }
  t[0] = c00, t[1] = c01, t[2] = c02, t[3] = c03;
  t[4] = c10, t[5] = c11, t[6] = c12, t[7] = c13;
  t[8] = c20, t[9] = c21, t[10] = c22, t[11] = c23;
  t[12] = c30, t[13] = c31, t[14] = c32, t[15] = c33;
}

/** Row scratch for `gemmDirect`: one row of C summed in float64. */
let rowAcc = new Float64Array(0);

/**
 * Unpacked path for small and thin products, where every element of the large operand is used
 * only a few times, so packing it would cost as much as the arithmetic. Three loop orders, each
 * reading the large operand contiguously where the layout allows:
 * - op(B) rows contiguous (!transB) and C wide: each row of C is a float64 sum of scaled B rows,
 *   four B rows per pass so the row sum is loaded and stored once per four multiply-adds;
 * - otherwise four dot products at a time that share one operand: four columns of op(B) against
 *   a row of A, or (when C has fewer than 4 columns) four rows of A against a column of op(B).
 */
function gemmDirect(
  a: FloatArray,
  aOff: number,
  ars: number,
  acs: number,
  b: FloatArray,
  bOff: number,
  brs: number,
  bcs: number,
  c: FloatArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
  accumulate: boolean,
): void {
  if (bcs === 1 && n >= 16) {
    if (rowAcc.length < n) rowAcc = new Float64Array(n);
    const acc = rowAcc;
    for (let i = 0; i < m; i++) {
      const ao = aOff + i * ars;
      acc.fill(0, 0, n);
      let p = 0;
      for (; p + 3 < k; p += 4) {
        const a0 = a[ao + p * acs], a1 = a[ao + (p + 1) * acs];
        const a2 = a[ao + (p + 2) * acs], a3 = a[ao + (p + 3) * acs];
        const b0 = bOff + p * brs, b1 = b0 + brs, b2 = b1 + brs, b3 = b2 + brs;
        for (let j = 0; j < n; j++) {
          acc[j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
        }
      }
      for (; p < k; p++) {
        const av = a[ao + p * acs], bo = bOff + p * brs;
        for (let j = 0; j < n; j++) acc[j] += av * b[bo + j];
      }
      const co = cOff + i * n;
      if (accumulate) { for (let j = 0; j < n; j++) c[co + j] += acc[j]; }
      else for (let j = 0; j < n; j++) c[co + j] = acc[j];
    }
  } else if (n >= 4) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j += 4) {
        const cnt = Math.min(4, n - j);
        dot4(a, aOff + i * ars, acs, b, bOff + j * bcs, bcs, brs, cnt, k);
        storeTile(c, cOff + i * n + j, 0, 1, cnt, accumulate);
      }
    }
  } else {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < m; i += 4) {
        const cnt = Math.min(4, m - i);
        dot4(b, bOff + j * bcs, brs, a, aOff + i * ars, ars, acs, cnt, k);
        for (let q = 0; q < cnt; q++) {
          const ci = cOff + (i + q) * n + j;
          c[ci] = accumulate ? c[ci] + tile[q] : tile[q];
        }
      }
    }
  }
}

/**
 * tile[q] = sum_p x[xo + p*xs] * y[yo + q*yq + p*ys] for q < cnt (4 dot products sharing x; for
 * cnt < 4 the last vector is repeated and its extra results ignored).
 */
function dot4(
  x: FloatArray,
  xo: number,
  xs: number,
  y: FloatArray,
  yo: number,
  yq: number,
  ys: number,
  cnt: number,
  k: number,
): void {
  let y0 = yo, y1 = yo + Math.min(1, cnt - 1) * yq;
  let y2 = yo + Math.min(2, cnt - 1) * yq, y3 = yo + Math.min(3, cnt - 1) * yq;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let p = 0; p < k; p++) {
    const xv = x[xo];
    s0 += xv * y[y0];
    s1 += xv * y[y1];
    s2 += xv * y[y2];
    s3 += xv * y[y3];
    xo += xs, y0 += ys, y1 += ys, y2 += ys, y3 += ys;
  }
  tile[0] = s0, tile[1] = s1, tile[2] = s2, tile[3] = s3;
}

/**
 * Reference GEMM for any numeric typed array, same contract as `gemm`. Integer outputs are
 * computed with C int32 semantics (products via Math.imul, sums wrapped with `| 0`, i.e. modulo
 * 2^32), then stored with the array's own conversion (wrapping for Int8/Uint8/..., clamping for
 * Uint8Clamped). Float outputs (Float16 included) are summed in float64 and rounded once on store.
 */
export function gemmGeneric(
  a: NumericArray,
  aOff: number,
  b: NumericArray,
  bOff: number,
  c: NumericArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
): void {
  const ars = transA ? 1 : k, acs = transA ? m : 1;
  const brs = transB ? 1 : n, bcs = transB ? k : 1;
  const integer = !(c instanceof Float32Array || c instanceof Float64Array ||
    // Float16Array by name, so this module still loads where it does not exist.
    c.constructor.name === "Float16Array");
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const ci = cOff + i * n + j;
      const ao = aOff + i * ars, bo = bOff + j * bcs;
      let s = accumulate ? c[ci] : 0;
      if (integer) {
        for (let p = 0; p < k; p++) s = (s + Math.imul(a[ao + p * acs], b[bo + p * brs])) | 0;
      } else {
        for (let p = 0; p < k; p++) s += a[ao + p * acs] * b[bo + p * brs];
      }
      c[ci] = s;
    }
  }
}
