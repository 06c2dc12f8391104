/**
 * The seed document's NDArray examples with real gpu(i) contexts (each a logical WebGPU
 * device), with the values the document prints.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { gpuTest } from "./_webgpu.ts";

const filled = (v: number) => [[v, v, v], [v, v, v]];

gpuTest("seed NDArray: creation on gpu(i), copies, arithmetic, device rules", async () => {
  const c = mx.nd.empty([2, 3], mx.gpu(2));
  assert.equal(String(c.context), "gpu(2)");
  const b = mx.nd.zeros([2, 3], mx.gpu());
  mx.nd.ones([2, 3]).copyTo(b);
  assert.deepEqual(await b.array(), filled(1));
  b.set(2); // b[:] = 2
  assert.deepEqual(await b.array(), filled(2));
  const x = mx.nd.ones([2, 3], mx.gpu()).mul(2), y = mx.nd.ones([2, 3], mx.gpu()).mul(4);
  assert.deepEqual(await x.add(y).array(), filled(6));
  assert.deepEqual(await x.mul(y).array(), filled(8));
  const z = mx.nd.ones([2, 3], mx.gpu(1)).mul(3);
  assert.throws(() => x.mul(z), mx.ContextError);
  assert.deepEqual(await x.copyTo(mx.gpu(1)).mul(z).array(), filled(6));
  // asnumpy and back
  const e = mx.nd.empty([2, 3], mx.gpu(3));
  e.set(await mx.nd.random.uniform(-0.1, 0.1, [2, 3]).data());
  for (const v of await e.data() as Float32Array) assert.ok(v >= -0.1 && v < 0.1);
});

gpuTest("seed NDArray: per-array order across gpu(0) and gpu(1)", async () => {
  const a = mx.nd.ones([2, 3], mx.gpu(0));
  const b = a;
  const c = a.copyTo(mx.gpu(1));
  a.addInPlace(1);
  b.mulInPlace(3);
  c.mulInPlace(3);
  assert.deepEqual(await a.array(), filled(6));
  assert.deepEqual(await c.array(), filled(3));
});

gpuTest("seed NDArray: save and load arrays that live on gpu(0)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/mydata.bin`;
    const a = mx.nd.ones([2, 3], mx.gpu()).mul(2), b = mx.nd.ones([2, 3], mx.gpu()).mul(3);
    await mx.nd.save(f, { a, b });
    const d = await mx.nd.load(f) as Record<string, mx.NDArray>;
    assert.deepEqual(await d.a.array(), filled(2));
    assert.deepEqual(await d.b.copyTo(mx.gpu(1)).array(), filled(3));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
