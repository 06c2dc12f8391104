/**
 * `data()`'s type follows the array's dtype where it is known statically: creation with or
 * without a dtype, `astype`, shape operations, `isDType` for results known only at run
 * time. The assignments below are the test: `deno test` type-checks this file, and a
 * wrong narrowing (or none: the union of typed arrays) fails to compile. The run-time
 * asserts check that each static type is the truth.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

Deno.test("nd creation narrows data() by dtype (float32 by default)", async () => {
  const f: Float32Array = await mx.nd.zeros([2, 2]).data();
  const i: Int32Array = await mx.nd.ones([3], { dtype: "int32" }).data();
  const d: Float64Array = await mx.nd.full([2], 7, mx.cpu(), "float64").data();
  const u: Uint8Array = await mx.nd.arange(0, 4, 1, { dtype: "uint8" }).data();
  const l: Float32Array = await mx.nd.linspace(0, 1, 5).data();
  const e: Float32Array = await mx.nd.eye(3).data();
  const b: BigInt64Array = await mx.nd.zeros([2], { dtype: "int64" }).data();
  const r: Float32Array = await mx.random.normal(0, 1, [4]).data();
  const r64: Float64Array = await mx.nd.random.uniform(0, 1, [4], { dtype: "float64" }).data();
  assert.ok(f instanceof Float32Array && l instanceof Float32Array && e instanceof Float32Array);
  assert.ok(i instanceof Int32Array && d instanceof Float64Array && u instanceof Uint8Array);
  assert.ok(b instanceof BigInt64Array && r instanceof Float32Array);
  assert.ok(r64 instanceof Float64Array);
  assert.deepEqual(Array.from(d), [7, 7]);
  assert.deepEqual(Array.from(u), [0, 1, 2, 3]);
});

Deno.test("nd.array keeps a typed array's dtype in its static type too", async () => {
  const fromNumbers: Float32Array = await mx.nd.array([[1, 2], [3, 4]]).data();
  const fromF64: Float64Array = await mx.nd.array(new Float64Array([1.5, 2.5])).data();
  const fromI32: Int32Array = await mx.nd.array(new Int32Array([1, -2])).data();
  const asked: Int8Array = await mx.nd.array([1, 2], { dtype: "int8" }).data();
  assert.deepEqual(Array.from(fromNumbers), [1, 2, 3, 4]);
  assert.ok(fromF64 instanceof Float64Array && fromI32 instanceof Int32Array);
  assert.ok(asked instanceof Int8Array);
  assert.deepEqual(Array.from(fromI32), [1, -2]);
});

Deno.test("astype and shape operations carry the dtype; isDType narrows op results", async () => {
  const x = mx.nd.arange(0, 6).reshape([2, 3]);
  const t: Float32Array = await x.transpose().copy().data();
  const h: Float16Array = await x.astype("float16").data();
  const s: Float32Array = x.flatten().expandDims(0).dataSync();
  assert.ok(t instanceof Float32Array && h instanceof Float16Array && s instanceof Float32Array);
  assert.deepEqual(Array.from(t), [0, 3, 1, 4, 2, 5]);
  const y = x.mul(2); // an operator's result: its dtype is only known at run time
  assert.ok(y.isDType("float32"));
  if (y.isDType("float32")) {
    const v: Float32Array = await y.data();
    assert.deepEqual(Array.from(v), [0, 2, 4, 6, 8, 10]);
  }
  assert.equal(y.isDType("int32"), false);
});

Deno.test("np creation narrows too (bool for booleans, float32 by default)", async () => {
  const { np } = mx;
  const a: Float32Array = await np.array([1, 2, 3]).data();
  const m: Uint8Array = await np.array([true, false]).data();
  const z: Int32Array = await np.zeros([2], { dtype: "int32" }).data();
  const ar: Float32Array = await np.arange(4).data();
  const n: Float32Array = await np.random.normal(0, 1, [3]).data();
  const fb: Uint8Array = await np.full([2], true).data();
  assert.ok(a instanceof Float32Array && ar instanceof Float32Array && n instanceof Float32Array);
  assert.equal(np.array([true, false]).dtype, "bool");
  assert.deepEqual(Array.from(m), [1, 0]);
  assert.ok(z instanceof Int32Array && fb instanceof Uint8Array);
  const r: Float32Array = await np.arange(6).reshape(2, 3).T.get(0).data();
  assert.deepEqual(Array.from(r), [0, 3]);
});
