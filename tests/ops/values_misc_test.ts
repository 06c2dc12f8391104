/**
 * Value conformance for cast/astype, zerosLike/onesLike, array creation, and operators
 * on non-float32 dtypes (float64, float16, int32, int8, uint8, int64, bool).
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

// ---------------------------------------------------------------- cast

backendTest("values cast: float -> int truncates toward zero", async () => {
  const x = mx.nd.array([-1.7, -0.5, 0.5, 2.9, 200]);
  const i = mx.nd.cast(x, "int32");
  assert.equal(i.dtype, "int32");
  assert.ok((await i.data()) instanceof Int32Array);
  assert.deepEqual(await values(i), [-1, 0, 0, 2, 200]);
  assert.deepEqual(await values(x.astype("int64")), [-1, 0, 0, 2, 200]);
}, { dtypes: ["int64"] });

backendTest("values cast: int8/uint8 wrap around", async () => {
  const x = mx.nd.array([200, 300, -1, -129, 127], { dtype: "int32" });
  const i8 = mx.nd.cast(x, "int8");
  assert.equal(i8.dtype, "int8");
  assert.deepEqual(await values(i8), [-56, 44, -1, 127, 127]);
  const u8 = x.astype("uint8");
  assert.equal(u8.dtype, "uint8");
  assert.deepEqual(await values(u8), [200, 44, 255, 127, 127]);
  // From float32 as well: truncate, then wrap.
  assert.deepEqual(await values(mx.nd.array([200.7, -1.2]).astype("int8")), [-56, -1]);
});

backendTest("values cast: bool, float16, float64 and back", async () => {
  const b = mx.nd.cast(mx.nd.array([0, 0.5, -2, 0]), "bool");
  assert.equal(b.dtype, "bool");
  assert.deepEqual(await values(b), [0, 1, 1, 0]);
  assert.deepEqual(await values(b.astype("float32")), [0, 1, 1, 0]);
  const h = mx.nd.array([0.1, 1000.3, 70000]).astype("float16");
  assert.equal(h.dtype, "float16");
  assert.deepEqual(await values(h), [Math.f16round(0.1), Math.f16round(1000.3), Infinity]);
  const d = mx.nd.array([0.1]).astype("float64");
  assert.ok((await d.data()) instanceof Float64Array);
  assert.deepEqual(await values(d), [Math.fround(0.1)]);
  const same = mx.nd.array([1.5]).astype("float32");
  assert.deepEqual(await values(same), [1.5]);
}, { dtypes: ["float64"] });

backendTest("values zerosLike / onesLike keep shape and dtype", async () => {
  const x = mx.nd.array([[1, 2, 3], [4, 5, 6]], { dtype: "int32" });
  const z = mx.nd.zerosLike(x), o = mx.nd.onesLike(x);
  assert.deepEqual(z.shape, [2, 3]);
  assert.equal(z.dtype, "int32");
  assert.deepEqual(await values(z), [0, 0, 0, 0, 0, 0]);
  assert.equal(o.dtype, "int32");
  assert.deepEqual(await values(o), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(await values(mx.nd.array([7, 8]).onesLike()), [1, 1]);
});

// ---------------------------------------------------------------- creation

backendTest("values empty / zeros / ones / full", async () => {
  const e = mx.nd.empty([2, 3]);
  assert.deepEqual(e.shape, [2, 3]);
  assert.equal(e.dtype, "float32");
  assert.equal(e.size, 6);
  assert.equal(e.ndim, 2);
  const z = mx.nd.zeros([2, 2]);
  assert.deepEqual(await values(z), [0, 0, 0, 0]);
  const o = mx.nd.ones(3, { dtype: "int8" });
  assert.deepEqual(o.shape, [3]);
  assert.equal(o.dtype, "int8");
  assert.deepEqual(await values(o), [1, 1, 1]);
  const f = mx.nd.full([2, 1], 2.5);
  assert.deepEqual(f.shape, [2, 1]);
  assert.deepEqual(await values(f), [2.5, 2.5]);
  const fi = mx.nd.full([2], 7, { dtype: "int32" });
  assert.equal(fi.dtype, "int32");
  assert.deepEqual(await values(fi), [7, 7]);
});

backendTest("values arange: stop omitted, step, repeat, dtype", async () => {
  assert.deepEqual(await values(mx.nd.arange(5)), [0, 1, 2, 3, 4]);
  assert.deepEqual(await values(mx.nd.arange(2, 8, 2)), [2, 4, 6]);
  assert.deepEqual(await values(mx.nd.arange(1, 2.2, 0.5)), [1, 1.5, 2]);
  assert.deepEqual(await values(mx.nd.arange(5, 1, -1.5)), [5, 3.5, 2]);
  const r = mx.nd.arange(0, 3, 1, { repeat: 2 });
  assert.deepEqual(r.shape, [6]);
  assert.deepEqual(await values(r), [0, 0, 1, 1, 2, 2]);
  const i = mx.nd.arange(3, null, 1, { dtype: "int32" });
  assert.equal(i.dtype, "int32");
  assert.deepEqual(await values(i), [0, 1, 2]);
});

backendTest("values linspace with and without endpoint", async () => {
  assertClose(await values(mx.nd.linspace(0, 1, 5)), [0, 0.25, 0.5, 0.75, 1]);
  assertClose(await values(mx.nd.linspace(0, 1, 5, { endpoint: false })), [0, 0.2, 0.4, 0.6, 0.8]);
  assertClose(await values(mx.nd.linspace(2, -2, 3)), [2, 0, -2]);
});

backendTest("values eye: N, M, k offset", async () => {
  const i3 = mx.nd.eye(3);
  assert.deepEqual(i3.shape, [3, 3]);
  assert.deepEqual(await values(i3), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const r = mx.nd.eye(2, 3, 1);
  assert.deepEqual(r.shape, [2, 3]);
  assert.deepEqual(await values(r), [0, 1, 0, 0, 0, 1]);
  assert.deepEqual(await values(mx.nd.eye(3, 0, -1)), [0, 0, 0, 1, 0, 0, 0, 1, 0]);
  const t = mx.nd.eye(3, 2);
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual(await values(t), [1, 0, 0, 1, 0, 0]);
});

backendTest("values array: nested, typed arrays keep dtype, shape option", async () => {
  const n = mx.nd.array([[1, 2], [3, 4]]);
  assert.deepEqual(n.shape, [2, 2]);
  assert.equal(n.dtype, "float32");
  assert.deepEqual(await n.array(), [[1, 2], [3, 4]]);
  const typed: [ArrayLike<number> | BigInt64Array, string][] = [
    [new Float64Array([0.1, 2]), "float64"],
    [new Int32Array([-3, 4]), "int32"],
    [new Int8Array([-3, 4]), "int8"],
    [new Uint8Array([3, 250]), "uint8"],
    [new BigInt64Array([-3n, 4n]), "int64"],
    [new Float32Array([1.5, 2]), "float32"],
  ];
  for (const [data, dtype] of typed) {
    const a = mx.nd.array(data as Float32Array);
    assert.equal(a.dtype, dtype);
    assert.deepEqual(await values(a), Array.from(data as ArrayLike<number>, Number));
  }
  const s = mx.nd.array(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
  assert.deepEqual(s.shape, [3, 2]);
  assert.deepEqual(await s.array(), [[1, 2], [3, 4], [5, 6]]);
  const c = mx.nd.array([1.7, 2], { dtype: "float64" });
  assert.equal(c.dtype, "float64");
  assert.deepEqual(await values(c), [1.7, 2]);
  assert.throws(() => mx.nd.array([1, 2, 3], { shape: [2, 2] }), mx.ShapeError);
}, { dtypes: ["float64", "int64"] });

// ---------------------------------------------------------------- dtypes

backendTest("values float64 keeps double precision", async () => {
  const a = mx.nd.array([0.1, 1e-12], { dtype: "float64" });
  const b = mx.nd.array([0.2, 1], { dtype: "float64" });
  const c = a.add(b);
  assert.equal(c.dtype, "float64");
  assert.deepEqual(await values(c), [0.1 + 0.2, 1 + 1e-12]);
  assertClose(await values(mx.nd.exp(a)), [Math.exp(0.1), Math.exp(1e-12)], { rtol: 1e-14 });
  assertClose(await values(mx.nd.sum(b)), [1.2], { rtol: 1e-15 });
  const d = mx.nd.dot(a.reshape([1, 2]), b.reshape([2, 1]));
  assertClose(await values(d), [0.02 + 1e-12], { rtol: 1e-14 });
}, { dtypes: ["float64"] });

backendTest("values float16 results are rounded to half precision", async () => {
  const a = mx.nd.array([0.1, 1000.3, 3], { dtype: "float16" });
  const b = mx.nd.array([0.2, 0.1, 1 / 3], { dtype: "float16" });
  const f = Math.f16round;
  assert.deepEqual(await values(a), [f(0.1), f(1000.3), 3]);
  const s = a.add(b);
  assert.equal(s.dtype, "float16");
  assert.ok((await s.data()) instanceof Float16Array);
  assert.deepEqual(await values(s), [
    f(f(0.1) + f(0.2)),
    f(f(1000.3) + f(0.1)),
    f(3 + f(1 / 3)),
  ]);
  assert.deepEqual(await values(a.mul(b)), [
    f(f(0.1) * f(0.2)),
    f(f(1000.3) * f(0.1)),
    f(3 * f(1 / 3)),
  ]);
  assertClose(await values(mx.nd.exp(mx.nd.array([1], { dtype: "float16" }))), [Math.E], {
    rtol: 1e-3,
  });
});

backendTest("values int32: integer arithmetic truncates, reductions stay int", async () => {
  const a = mx.nd.array([7, -7, 5], { dtype: "int32" });
  assert.deepEqual(await values(a.div(2)), [3, -3, 2]);
  assert.deepEqual(await values(a.div(mx.nd.array([2, 2, 3], { dtype: "int32" }))), [3, -3, 1]);
  assert.deepEqual(await values(a.mul(3)), [21, -21, 15]);
  const s = mx.nd.sum(a);
  assert.equal(s.dtype, "int32");
  assert.deepEqual(await values(s), [5]);
  assert.deepEqual(await values(mx.nd.max(a)), [7]);
  const eq = mx.nd.equal(a, 7);
  assert.deepEqual(await values(eq), [1, 0, 0]);
});

backendTest("values int8 / uint8 arithmetic wraps", async () => {
  const a = mx.nd.array([100, -100, 5], { dtype: "int8" });
  const s = a.add(a);
  assert.equal(s.dtype, "int8");
  assert.deepEqual(await values(s), [-56, 56, 10]);
  const u = mx.nd.array([250, 3], { dtype: "uint8" });
  assert.deepEqual(await values(u.add(mx.nd.array([10, 4], { dtype: "uint8" }))), [4, 7]);
  assert.deepEqual(await values(u.sub(mx.nd.array([0, 5], { dtype: "uint8" }))), [250, 254]);
  assert.deepEqual(await values(mx.nd.maximum(u, mx.nd.array([251, 1], { dtype: "uint8" }))), [
    251,
    3,
  ]);
});

backendTest("values int64: data() is a BigInt64Array", async () => {
  const a = mx.nd.array([1, -2, 3], { dtype: "int64" });
  const m = a.mul(mx.nd.array([3, 4, 5], { dtype: "int64" }));
  assert.equal(m.dtype, "int64");
  const d = await m.data();
  assert.ok(d instanceof BigInt64Array);
  assert.deepEqual(Array.from(d as BigInt64Array), [3n, -8n, 15n]);
  assert.deepEqual(Array.from((await mx.nd.sum(a).data()) as BigInt64Array), [2n]);
  const big = mx.nd.array(new BigInt64Array([2n ** 40n]));
  assert.deepEqual(Array.from((await big.add(big).data()) as BigInt64Array), [2n ** 41n]);
}, { dtypes: ["int64"] });

backendTest("values bool arrays", async () => {
  const a = mx.nd.array([1, 0, 2], { dtype: "bool" });
  assert.equal(a.dtype, "bool");
  assert.deepEqual(await values(a), [1, 0, 1]);
  const e = mx.nd.equal(a, mx.nd.array([1, 1, 0], { dtype: "bool" }));
  assert.equal(e.dtype, "bool");
  assert.deepEqual(await values(e), [1, 0, 0]);
  const w = mx.nd.where(a, mx.nd.array([1, 2, 3]), mx.nd.array([-1, -2, -3]));
  assert.deepEqual(await values(w), [1, -2, 3]);
});

backendTest("where with a 1-D condition selects whole rows (MXNet's rule)", async () => {
  const x = mx.nd.array([[1, 2], [3, 4]]), y = mx.nd.array([[5, 6], [7, 8]]);
  assert.deepEqual(await mx.nd.where(mx.nd.array([0, 1]), x, y).array(), [[5, 6], [3, 4]]);
  const x3 = mx.nd.array([[1, 2], [3, 4], [5, 6]]), y3 = x3.neg();
  assert.deepEqual(await mx.nd.where(mx.nd.array([1, 0, 1]), x3, y3).array(), [
    [1, 2],
    [-3, -4],
    [5, 6],
  ]);
});

backendTest("scalar operands are cast to an integer array's dtype first", async () => {
  const a = mx.nd.array([7, -7], { dtype: "int32" });
  assert.deepEqual(await a.add(0.5).array(), [7, -7]);
  assert.deepEqual(await mx.nd.array([3, -3], { dtype: "int32" }).mul(1.5).array(), [3, -3]);
});
