/**
 * Value conformance for elementwise operators: arithmetic with broadcasting and scalar
 * forms, comparisons, and every unary math function against Math.* references.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

const F32 = { rtol: 1e-5, atol: 1e-6 };

/** Applies `f` with NumPy broadcasting of a [r,c]-shaped view over two row-major inputs. */
function bcast2(
  a: number[],
  aShape: [number, number],
  b: number[],
  bShape: [number, number],
  f: (x: number, y: number) => number,
): number[] {
  const rows = Math.max(aShape[0], bShape[0]), cols = Math.max(aShape[1], bShape[1]);
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = a[(aShape[0] === 1 ? 0 : i) * aShape[1] + (aShape[1] === 1 ? 0 : j)];
      const y = b[(bShape[0] === 1 ? 0 : i) * bShape[1] + (bShape[1] === 1 ? 0 : j)];
      out.push(f(x, y));
    }
  }
  return out;
}

// ---------------------------------------------------------------- binary arithmetic

const BINARY: [
  string,
  (a: mx.NDArray | number, b: mx.NDArray | number) => mx.NDArray,
  (
    x: number,
    y: number,
  ) => number,
][] = [
  ["add", mx.nd.add, (x, y) => x + y],
  ["subtract", mx.nd.subtract, (x, y) => x - y],
  ["multiply", mx.nd.multiply, (x, y) => x * y],
  ["divide", mx.nd.divide, (x, y) => x / y],
  ["power", mx.nd.power, (x, y) => x ** y],
  ["maximum", mx.nd.maximum, (x, y) => Math.max(x, y)],
  ["minimum", mx.nd.minimum, (x, y) => Math.min(x, y)],
];

const A23 = [1, 2, 3, 4, 5, 0.5];
const B3 = [2, 0.5, 3];

for (const [name, fn, ref] of BINARY) {
  backendTest(`values ${name}: [2,3] op [3] broadcast`, async () => {
    const a = mx.nd.array([[1, 2, 3], [4, 5, 0.5]]);
    const b = mx.nd.array(B3);
    const c = fn(a, b);
    assert.deepEqual(c.shape, [2, 3]);
    assertClose(await values(c), bcast2(A23, [2, 3], B3, [1, 3], ref), F32);
  });

  backendTest(`values ${name}: [2,1] op [1,3] broadcast`, async () => {
    const a = mx.nd.array([[2], [3]]);
    const b = mx.nd.array([[1, 2, 4]]);
    const c = fn(a, b);
    assert.deepEqual(c.shape, [2, 3]);
    assertClose(await values(c), bcast2([2, 3], [2, 1], [1, 2, 4], [1, 3], ref), F32);
  });

  backendTest(`values ${name}: array-scalar and scalar-array`, async () => {
    const a = mx.nd.array([1, 2, 4, 0.5]);
    const x = [1, 2, 4, 0.5];
    assertClose(await values(fn(a, 3)), x.map((v) => ref(v, 3)), F32);
    assertClose(await values(fn(2, a)), x.map((v) => ref(2, v)), F32);
  });
}

backendTest("values subtract/divide: scalar on the left (rsub, rdiv)", async () => {
  const a = mx.nd.array([1, 2, 4, -0.5]);
  assertClose(await values(mx.nd.subtract(1, a)), [0, -1, -3, 1.5]);
  assertClose(await values(mx.nd.divide(2, a)), [2, 1, 0.5, -4]);
  assertClose(await values(mx.nd.power(2, a)), [2, 4, 16, 2 ** -0.5], F32);
});

backendTest("values NDArray methods add sub mul div pow neg", async () => {
  const a = mx.nd.array([[1, -2], [3, 4]]);
  assertClose(await values(a.add(1)), [2, -1, 4, 5]);
  assertClose(await values(a.sub(a)), [0, 0, 0, 0]);
  assertClose(await values(a.mul(a)), [1, 4, 9, 16]);
  assertClose(await values(a.div(2)), [0.5, -1, 1.5, 2]);
  assertClose(await values(a.pow(2)), [1, 4, 9, 16]);
  assertClose(await values(a.neg()), [-1, 2, -3, -4]);
  assertClose(await values(mx.nd.negative(a)), [-1, 2, -3, -4]);
  assertClose(await values(a.maximum(0)), [1, 0, 3, 4]);
  assertClose(await values(a.minimum(0)), [0, -2, 0, 0]);
});

backendTest("values in-place arithmetic", async () => {
  const a = mx.nd.array([1, 2, 3]);
  a.addInPlace(1);
  assertClose(await values(a), [2, 3, 4]);
  a.mulInPlace(3);
  assertClose(await values(a), [6, 9, 12]);
  a.subInPlace(mx.nd.array([1, 1, 2]));
  assertClose(await values(a), [5, 8, 10]);
  a.divInPlace(2);
  assertClose(await values(a), [2.5, 4, 5]);
});

// ---------------------------------------------------------------- comparisons

const CMP: [
  string,
  (a: mx.NDArray | number, b: mx.NDArray | number) => mx.NDArray,
  (
    x: number,
    y: number,
  ) => boolean,
][] = [
  ["equal", mx.nd.equal, (x, y) => x === y],
  ["notEqual", mx.nd.notEqual, (x, y) => x !== y],
  ["greater", mx.nd.greater, (x, y) => x > y],
  ["greaterEqual", mx.nd.greaterEqual, (x, y) => x >= y],
  ["lesser", mx.nd.lesser, (x, y) => x < y],
  ["lesserEqual", mx.nd.lesserEqual, (x, y) => x <= y],
];

for (const [name, fn, ref] of CMP) {
  backendTest(`values ${name}: array, broadcast and scalar forms give 0/1`, async () => {
    const xa = [1, 2, 3, 3, 2, 1];
    const xb = [2, 2, 2];
    const a = mx.nd.array([[1, 2, 3], [3, 2, 1]]);
    const b = mx.nd.array(xb);
    const c = fn(a, b);
    assert.deepEqual(c.shape, [2, 3]);
    assert.equal(c.dtype, "float32");
    const r = (x: number, y: number) => (ref(x, y) ? 1 : 0);
    assert.deepEqual(await values(c), bcast2(xa, [2, 3], xb, [1, 3], r));
    assert.deepEqual(await values(fn(a, 2)), xa.map((x) => r(x, 2)));
    assert.deepEqual(await values(fn(2, a)), xa.map((x) => r(2, x)));
  });
}

// ---------------------------------------------------------------- unary math

/** Abramowitz-Stegun style erf via a high-precision series/continued fraction. */
function erf(x: number): number {
  // Series expansion, accurate to double precision for |x| < 3.
  let sum = x, term = x;
  for (let n = 1; n < 60; n++) {
    term *= -x * x / n;
    sum += term / (2 * n + 1);
  }
  return 2 / Math.sqrt(Math.PI) * sum;
}

const GENERAL = [-2.5, -1.2, -0.3, 0, 0.4, 1, 2.7];
const POSITIVE = [0.01, 0.3, 1, 2.5, 9, 100];
const UNIT = [-0.99, -0.5, 0, 0.3, 0.8, 1];

const UNARY: [string, (a: mx.NDArray) => mx.NDArray, (x: number) => number, number[]][] = [
  ["abs", mx.nd.abs, Math.abs, GENERAL],
  ["sign", mx.nd.sign, Math.sign, GENERAL],
  ["exp", mx.nd.exp, Math.exp, GENERAL],
  ["log", mx.nd.log, Math.log, POSITIVE],
  ["log1p", mx.nd.log1p, Math.log1p, [1e-7, 1e-3, 0.5, 3, -0.5]],
  ["expm1", mx.nd.expm1, Math.expm1, [1e-7, -1e-4, 0.5, -2, 3]],
  ["sqrt", mx.nd.sqrt, Math.sqrt, [0, ...POSITIVE]],
  ["rsqrt", mx.nd.rsqrt, (x) => 1 / Math.sqrt(x), POSITIVE],
  ["square", mx.nd.square, (x) => x * x, GENERAL],
  ["cbrt", mx.nd.cbrt, Math.cbrt, [-8, -0.5, 0, 1, 27, 2]],
  ["reciprocal", mx.nd.reciprocal, (x) => 1 / x, [-4, -0.5, 0.25, 2, 10]],
  ["sin", mx.nd.sin, Math.sin, GENERAL],
  ["cos", mx.nd.cos, Math.cos, GENERAL],
  ["tan", mx.nd.tan, Math.tan, [-1.2, -0.3, 0, 0.4, 1]],
  ["arcsin", mx.nd.arcsin, Math.asin, UNIT],
  ["arccos", mx.nd.arccos, Math.acos, UNIT],
  ["arctan", mx.nd.arctan, Math.atan, GENERAL],
  ["sinh", mx.nd.sinh, Math.sinh, GENERAL],
  ["cosh", mx.nd.cosh, Math.cosh, GENERAL],
  ["tanh", mx.nd.tanh, Math.tanh, GENERAL],
  ["sigmoid", mx.nd.sigmoid, (x) => 1 / (1 + Math.exp(-x)), [-20, ...GENERAL, 20]],
  ["relu", mx.nd.relu, (x) => Math.max(x, 0), GENERAL],
  ["softsign", mx.nd.softsign, (x) => x / (1 + Math.abs(x)), GENERAL],
  ["erf", mx.nd.erf, erf, GENERAL],
  ["floor", mx.nd.floor, Math.floor, [-2.5, -1.5, -0.2, 0, 0.7, 2.5]],
  ["ceil", mx.nd.ceil, Math.ceil, [-2.5, -1.5, -0.2, 0, 0.7, 2.5]],
  ["trunc", mx.nd.trunc, Math.trunc, [-2.7, -1.5, -0.2, 0, 0.7, 2.5]],
];

for (const [name, fn, ref, xs] of UNARY) {
  backendTest(`values unary ${name} matches Math reference`, async () => {
    const a = mx.nd.array(xs);
    const out = fn(a);
    assert.deepEqual(out.shape, [xs.length]);
    assert.equal(out.dtype, "float32");
    const expected = xs.map((x) => ref(Math.fround(x)));
    assertClose(await values(out), expected, { rtol: 2e-6, atol: 1e-6, msg: name });
  });
}

backendTest("values round: half away from zero", async () => {
  const a = mx.nd.array([-2.5, 2.5, -0.5, 0.5, 1.5, -1.4, 1.6, 0]);
  assert.deepEqual(await values(mx.nd.round(a)), [-3, 3, -1, 1, 2, -1, 2, 0]);
});

backendTest("values clip and unary methods", async () => {
  const a = mx.nd.array([[-3, -0.5], [0.5, 3]]);
  assert.deepEqual(await values(mx.nd.clip(a, -1, 1)), [-1, -0.5, 0.5, 1]);
  assert.deepEqual(await values(a.clip(0, 2)), [0, 0, 0.5, 2]);
  assertClose(await values(a.abs()), [3, 0.5, 0.5, 3]);
  assertClose(await values(a.square()), [9, 0.25, 0.25, 9]);
  assertClose(await values(a.relu()), [0, 0, 0.5, 3]);
  assertClose(await values(a.exp()), [-3, -0.5, 0.5, 3].map(Math.exp), F32);
  assertClose(await values(a.tanh()), [-3, -0.5, 0.5, 3].map(Math.tanh), F32);
  assertClose(await values(a.abs().sqrt()), [3, 0.5, 0.5, 3].map(Math.sqrt), F32);
  assertClose(await values(a.abs().log()), [3, 0.5, 0.5, 3].map(Math.log), F32);
  assertClose(
    await values(a.sigmoid()),
    [-3, -0.5, 0.5, 3].map((x) => 1 / (1 + Math.exp(-x))),
    F32,
  );
});

backendTest("values unary edge cases: log(0), sqrt(-1), relu keeps shape", async () => {
  const out = await values(mx.nd.log(mx.nd.array([0, 1])));
  assert.equal(out[0], -Infinity);
  assert.equal(out[1], 0);
  assert.ok(Number.isNaN((await values(mx.nd.sqrt(mx.nd.array([-1]))))[0]));
  const r = mx.nd.relu(mx.nd.array([[[-1, 2]]]));
  assert.deepEqual(r.shape, [1, 1, 2]);
  assert.deepEqual(await values(r), [0, 2]);
});

// Long broadcast rows (the native backend's per-row fast path: contiguous or broadcast
// innermost axis), in both operand orders, float32 and float64.
for (const dtype of ["float32", "float64"] as const) {
  backendTest(`broadcast rows: [3,5,20] with [5,1], [1,20] and [3,1,1] (${dtype})`, async () => {
    const n = 3 * 5 * 20;
    const xv = Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
    const x = mx.nd.array(xv, { dtype }).reshape([3, 5, 20]);
    const cases: [number[], number[], (i: number, j: number, k: number) => number][] = [
      [[5, 1], Array.from({ length: 5 }, (_, i) => i - 2), (_i, j) => j - 2],
      [[1, 20], Array.from({ length: 20 }, (_, k) => k * 0.5), (_i, _j, k) => k * 0.5],
      [[3, 1, 1], [10, 20, 30], (i) => 10 * (i + 1)],
    ];
    for (const [shape, bv, at] of cases) {
      const b = mx.nd.array(bv, { dtype }).reshape(shape);
      const want = xv.map((v, e) => {
        const [i, j, k] = [Math.floor(e / 100), Math.floor(e / 20) % 5, e % 20];
        return [v + at(i, j, k), at(i, j, k) - v];
      });
      assertClose(await values(x.add(b)), want.map((w) => w[0]), F32);
      assertClose(await values(b.sub(x)), want.map((w) => w[1]), F32);
    }
    const c = mx.nd.array(Array.from({ length: 20 }, (_, k) => k % 2), { dtype }).reshape([20]);
    const picked = await values(mx.nd.where(c.broadcastTo([3, 5, 20]), x, x.neg()));
    assertClose(picked, xv.map((v, e) => (e % 20) % 2 ? v : -v), F32);
  }, { dtypes: [dtype] });
}
