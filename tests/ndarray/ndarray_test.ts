/** NDArray handle behaviour: creation, assignment, copies, reading, memory. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest, values } from "../_harness.ts";

backendTest("NDArray properties", () => {
  const a = mx.nd.empty([2, 3]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype, "float32");
  assert.equal(a.size, 6);
  assert.equal(a.ndim, 2);
  assert.equal(String(a.context), "cpu(0)");
  const b = mx.nd.zeros([4], { ctx: mx.cpu(1), dtype: "int32" });
  assert.equal(b.dtype, "int32");
  assert.ok(b.context.equals(mx.cpu(1)));
});

backendTest("set, copyTo, asInContext, copy", async () => {
  const a = mx.nd.zeros([2, 3]);
  a.set(2);
  assert.deepEqual(await values(a), [2, 2, 2, 2, 2, 2]);
  a.set([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(await a.array(), [[1, 2, 3], [4, 5, 6]]);
  a.set(mx.nd.array([10, 20, 30]));
  assert.deepEqual(await a.array(), [[10, 20, 30], [10, 20, 30]]);
  const b = mx.nd.zeros([2, 3]);
  a.copyTo(b);
  assert.deepEqual(await values(b), await values(a));
  const c = a.copyTo(mx.cpu(1));
  assert.ok(c.context.equals(mx.cpu(1)));
  assert.equal(a.asInContext(mx.cpu(0)), a);
  const d = a.copy();
  a.set(0);
  assert.deepEqual(await values(d), [10, 20, 30, 10, 20, 30]);
  assert.throws(() => a.copyTo(mx.nd.zeros([3])), mx.ShapeError);
});

backendTest("in-place arithmetic", async () => {
  const a = mx.nd.ones([2, 2]);
  a.addInPlace(1).mulInPlace(3).subInPlace(mx.nd.ones([2])).divInPlace(5);
  assert.deepEqual(await values(a), [1, 1, 1, 1]);
});

backendTest("data, dataSync, asScalar, array", async () => {
  const a = mx.nd.array([[1, 2], [3, 4]]);
  assert.ok(a.dataSync() instanceof Float32Array);
  assert.deepEqual(Array.from(a.dataSync() as Float32Array), [1, 2, 3, 4]);
  assert.equal(await a.sum().asScalar(), 10);
  await assert.rejects(() => a.asScalar(), mx.ShapeError);
  const i = mx.nd.array([1, 2], { dtype: "int64" });
  assert.deepEqual(Array.from(await i.data() as BigInt64Array), [1n, 2n]);
}, { dtypes: ["int64"], dataSync: true });

backendTest("reshape shares memory like MXNet views", async () => {
  const a = mx.nd.zeros([2, 3]);
  const r = a.reshape([3, 2]);
  r.set(7);
  assert.deepEqual(await values(a), [7, 7, 7, 7, 7, 7]);
});

backendTest("mixing contexts throws a ContextError that says to copy", () => {
  const a = mx.nd.ones([2], mx.cpu(0));
  const b = mx.nd.ones([2], mx.cpu(1));
  assert.throws(() => a.add(b), (e: unknown) => {
    assert.ok(e instanceof mx.ContextError);
    assert.match((e as Error).message, /broadcast_add: argument rhs is on cpu\(1\).*copy/);
    return true;
  });
});

backendTest("disposed arrays cannot be used", () => {
  const a = mx.nd.ones([2]);
  a.dispose();
  a.dispose();
  assert.throws(() => a.add(1), mx.DisposedError);
});

Deno.test("memory is freed by dispose, using and scope", async () => {
  await mx.nd.waitAll();
  const base = mx.nd.memoryInfo().count;
  {
    using _a = mx.nd.ones([100]);
    assert.equal(mx.nd.memoryInfo().count, base + 1);
  }
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, base);
  const kept = mx.nd.scope(() => mx.nd.ones([3]).add(1).mul(2));
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, base + 1);
  assert.deepEqual(await values(kept), [4, 4, 4]);
  kept.dispose();
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, base);
});

Deno.test("a scope returning an array made outside it leaves that array to its owner", async () => {
  const w = mx.nd.ones([2]);
  // set returns w; the enclosing scope must not take w over and dispose it.
  mx.nd.scope(() => {
    mx.nd.scope(() => w.set(w.add(1)));
  });
  assert.deepEqual(await values(w), [2, 2]);
  // An array made inside the inner scope and returned still belongs to the outer one.
  await mx.nd.waitAll();
  const base = mx.nd.memoryInfo().count;
  mx.nd.scope(() => {
    mx.nd.scope(() => mx.nd.ones([3]));
  });
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, base);
  w.dispose();
});

Deno.test("a loop of operations keeps memory flat", async () => {
  const w = mx.nd.ones([64, 64]);
  await mx.nd.waitAll();
  const base = mx.nd.memoryInfo();
  for (let i = 0; i < 200; i++) {
    mx.nd.scope(() => {
      const y = w.dot(w).relu().sum();
      w.subInPlace(y.mul(0));
    });
  }
  await mx.nd.waitAll();
  assert.equal(mx.nd.memoryInfo().count, base.count);
  assert.equal(mx.nd.memoryInfo().bytes, base.bytes);
  w.dispose();
});

backendTest("serialize and deserialize round trip (pickle)", async () => {
  const a = mx.nd.ones([2, 3]).mul(2);
  const b = mx.nd.deserialize(mx.nd.serialize(a));
  assert.deepEqual(await b.array(), [[2, 2, 2], [2, 2, 2]]);
}, { dataSync: true });

backendTest("autograd records and back-propagates", async () => {
  const x = mx.nd.array([1, 2, 3]);
  x.attachGrad();
  const y = mx.autograd.record(() => x.mul(x).add(x.mul(2)).sum());
  y.backward();
  assert.deepEqual(await values(x.grad!), [4, 6, 8]);
});
