import assert from "node:assert/strict";
import { gemm, gemmGeneric, type NumericArray } from "../../backends/ts/gemm.ts";

/** Deterministic uniform [-1, 1) numbers (LCG), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/**
 * The naive triple loop in float64: returns the expected C (whole array) and, per element, the
 * scale |c0| + sum |a||b| that bounds the rounding error of any summation order.
 */
function reference(
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
): { want: Float64Array; scale: Float64Array } {
  const want = Float64Array.from(c), scale = new Float64Array(c.length);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const ci = cOff + i * n + j;
      let s = accumulate ? c[ci] : 0, mag = Math.abs(s);
      for (let p = 0; p < k; p++) {
        const av = a[aOff + (transA ? p * m + i : i * k + p)];
        const bv = b[bOff + (transB ? j * k + p : p * n + j)];
        s += av * bv;
        mag += Math.abs(av * bv);
      }
      want[ci] = s;
      scale[ci] = mag;
    }
  }
  return { want, scale };
}

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  aOff: number;
  bOff: number;
  cOff: number;
}

/** Runs one gemm call on fresh random data and checks every element of C, guards included. */
function check(ctor: Ctor, t: Case, tol: number, seed: number, cCtor: Ctor = ctor): void {
  const { m, n, k, transA, transB, accumulate, aOff, bOff, cOff } = t;
  const r = rng(seed);
  const guard = 5; // elements after the data that must stay untouched
  const a = new ctor(aOff + m * k + guard).map(r), b = new ctor(bOff + k * n + guard).map(r);
  const c = new cCtor(cOff + m * n + guard).map(r);
  // Without accumulate the old C must be ignored entirely, NaN included.
  if (!accumulate) {
    for (let i = 0; i < m * n; i++) {
      c[cOff + i] = i % 3 === 0 ? NaN : c[cOff + i];
    }
  }
  const a0 = a.slice(), b0 = b.slice();
  const { want, scale } = reference(a, aOff, b, bOff, c, cOff, m, n, k, transA, transB, accumulate);
  gemm(a, aOff, b, bOff, c, cOff, m, n, k, transA, transB, accumulate);
  const name = `${ctor.name}->${cCtor.name} ${m}x${n}x${k} trans=${+transA}${+transB} ` +
    `acc=${accumulate} off=${aOff},${bOff},${cOff}`;
  assert.deepEqual(a, a0, `${name}: A modified`);
  assert.deepEqual(b, b0, `${name}: B modified`);
  for (let i = 0; i < c.length; i++) {
    const inside = i >= cOff && i < cOff + m * n;
    if (!inside) {
      assert.ok(Object.is(c[i], cCtor.of(want[i])[0]), `${name}: wrote outside C at ${i}`);
      continue;
    }
    const err = Math.abs(c[i] - want[i]);
    assert.ok(
      err <= tol * (scale[i] + Math.abs(want[i])) + 1e-30,
      `${name}: C[${i - cOff}] = ${c[i]}, want ${want[i]} (err ${err})`,
    );
  }
}

/** Every transpose combination x accumulate x (no offsets, offsets). */
function cases(m: number, n: number, k: number): Case[] {
  const out: Case[] = [];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const accumulate of [false, true]) {
        for (const [aOff, bOff, cOff] of [[0, 0, 0], [3, 7, 5]]) {
          out.push({ m, n, k, transA, transB, accumulate, aOff, bOff, cOff });
        }
      }
    }
  }
  return out;
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 33, 65],
  [64, 64, 64],
  [100, 1, 37],
  [1, 100, 37],
  [2, 40, 9], // direct path: rows of C as sums of B rows
  [3, 40, 9], // direct path: dot products along j
  [40, 3, 9], // direct path: dot products along i
  [50, 60, 2], // direct path: depth below the packing threshold
  [16, 16, 16], // smallest packed size
];
const EMPTY: [number, number, number][] = [[0, 5, 3], [5, 0, 3], [5, 3, 0], [0, 0, 0]];

Deno.test("gemm float32 matches the naive loop (all transposes, offsets, accumulate)", () => {
  let seed = 1;
  for (const [m, n, k] of [...SIZES, ...EMPTY]) {
    for (const t of cases(m, n, k)) check(Float32Array, t, 1e-5, seed++);
  }
});

Deno.test("gemm float64 matches the naive loop (all transposes, offsets, accumulate)", () => {
  let seed = 1000;
  for (const [m, n, k] of [...SIZES, ...EMPTY]) {
    for (const t of cases(m, n, k)) check(Float64Array, t, 1e-12, seed++);
  }
});

Deno.test("gemm crosses every cache block boundary (M > 64, N > 1024, K > 256)", () => {
  let seed = 2000;
  for (const t of cases(70, 1030, 260).filter((c) => c.aOff > 0)) {
    check(Float32Array, t, 1e-5, seed++);
  }
});

Deno.test("gemm mixes float32 and float64 arrays", () => {
  const t = cases(19, 21, 23)[7];
  check(Float32Array, t, 1e-12, 3000, Float64Array);
  check(Float64Array, t, 1e-5, 3001, Float32Array);
});

Deno.test("gemm k = 0: C = 0 without accumulate, unchanged with it", () => {
  const c = new Float32Array([1, 2, 3, 4, 5, 6, 7]);
  gemm(new Float32Array(0), 0, new Float32Array(0), 0, c, 1, 2, 3, 0, false, false, true);
  assert.deepEqual(c, new Float32Array([1, 2, 3, 4, 5, 6, 7]));
  gemm(new Float32Array(0), 0, new Float32Array(0), 0, c, 1, 2, 3, 0, false, false, false);
  assert.deepEqual(c, new Float32Array([1, 0, 0, 0, 0, 0, 0]));
});

Deno.test("gemm reuses its scratch across shapes and dtypes", () => {
  // Large then small then large again, alternating dtypes: stale packed data must never leak.
  let seed = 4000;
  for (const [m, n, k] of [[130, 70, 300], [5, 6, 7], [33, 17, 9], [130, 70, 300], [8, 8, 300]]) {
    const t = cases(m, n, k)[seed % 16];
    check(seed % 2 ? Float32Array : Float64Array, t, 1e-5, seed++);
  }
});

Deno.test("gemm float32 products are exact for small integers", () => {
  // Integers keep every partial sum exact, so any summation order must give the same bits.
  const m = 37, n = 29, k = 300, r = rng(5);
  const a = new Float32Array(m * k).map(() => Math.round(r() * 8));
  const b = new Float32Array(k * n).map(() => Math.round(r() * 8));
  const c = new Float32Array(m * n);
  gemm(a, 0, b, 0, c, 0, m, n, k, false, false, false);
  const { want } = reference(a, 0, b, 0, c, 0, m, n, k, false, false, false);
  assert.deepEqual(c, new Float32Array(want));
});

Deno.test("gemmGeneric Int32Array wraps exactly like C int32", () => {
  const r = rng(7);
  for (const t of cases(5, 6, 7)) {
    const { m, n, k, transA, transB, accumulate, aOff, bOff, cOff } = t;
    const big = () => Math.round(r() * 2 ** 31) | 0;
    const a = new Int32Array(aOff + m * k).map(big), b = new Int32Array(bOff + k * n).map(big);
    const c = new Int32Array(cOff + m * n + 2).map(big);
    const want = c.slice();
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = accumulate ? BigInt(c[cOff + i * n + j]) : 0n;
        for (let p = 0; p < k; p++) {
          const av = a[aOff + (transA ? p * m + i : i * k + p)];
          const bv = b[bOff + (transB ? j * k + p : p * n + j)];
          s += BigInt(av) * BigInt(bv);
        }
        want[cOff + i * n + j] = Number(BigInt.asIntN(32, s));
      }
    }
    gemmGeneric(a, aOff, b, bOff, c, cOff, m, n, k, transA, transB, accumulate);
    assert.deepEqual(c, want, JSON.stringify(t));
  }
});

Deno.test("gemmGeneric small integer types wrap like a C cast of the int32 sum", () => {
  const a = new Int8Array([100, 100]), b = new Int8Array([2, 1]);
  const c8 = new Int8Array(1), cu8 = new Uint8Array(1);
  gemmGeneric(a, 0, b, 0, c8, 0, 1, 1, 2, false, false, false); // 300 -> 44
  assert.equal(c8[0], 44);
  gemmGeneric(
    new Uint8Array([200, 100]),
    0,
    new Uint8Array([2, 1]),
    0,
    cu8,
    0,
    1,
    1,
    2,
    false,
    false,
    false,
  );
  assert.equal(cu8[0], 500 & 255);
});

Deno.test("gemmGeneric float types agree with gemm", () => {
  const r = rng(11);
  const a = new Float64Array(9 * 13).map(r), b = new Float64Array(13 * 11).map(r);
  const c1 = new Float64Array(99).map(r), c2 = c1.slice();
  gemm(a, 0, b, 0, c1, 0, 9, 11, 13, true, false, true);
  gemmGeneric(a, 0, b, 0, c2, 0, 9, 11, 13, true, false, true);
  for (let i = 0; i < 99; i++) assert.ok(Math.abs(c1[i] - c2[i]) <= 1e-12 * (1 + Math.abs(c2[i])));
});

Deno.test("gemmGeneric Float16Array sums in float64 and rounds once", () => {
  // 2048 + 1 + 1: float16 steps would round 2049 back to 2048 each time; one rounding gives 2050.
  const a = new Float16Array([2048, 1, 1]), b = new Float16Array([1, 1, 1]);
  const c = new Float16Array(1);
  gemmGeneric(a, 0, b, 0, c, 0, 1, 1, 3, false, false, false);
  assert.equal(c[0], 2050);
  gemmGeneric(a, 0, b, 0, c, 0, 1, 1, 3, true, false, true); // transposed A is the same vector
  assert.equal(c[0], 4100);
});
