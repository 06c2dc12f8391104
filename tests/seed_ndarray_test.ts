/**
 * The NDArray examples of the seed document (the MXNet notes this project started from), spelled
 * as in API.md, on cpu contexts (gpu(i) becomes cpu(i) until a GPU backend exists), with
 * the values the document prints.
 */
import assert from "node:assert/strict";
import * as mx from "../mod.ts";
import { backendTest } from "./_harness.ts";

const dev = (i = 0) => (mx.numGpus() > 0 ? mx.gpu(i) : mx.cpu(i));

backendTest("seed: multi-device creation", () => {
  const a = mx.nd.empty([2, 3]);
  const b = mx.nd.empty([2, 3], dev());
  const c = mx.nd.empty([2, 3], dev(2));
  assert.deepEqual(c.shape, [2, 3]);
  assert.equal(String(c.context), mx.numGpus() > 0 ? "gpu(2)" : "cpu(2)");
  assert.equal(String(a.context), "cpu(0)");
  assert.ok(b.context.equals(dev()));
});

backendTest("seed: other initialisations and copies between devices", async () => {
  const a0 = mx.nd.zeros([2, 3]);
  assert.deepEqual(await a0.array(), [[0, 0, 0], [0, 0, 0]]);
  const b0 = mx.nd.ones([2, 3]);
  b0.set(2); // b[:] = 2
  assert.deepEqual(await b0.array(), [[2, 2, 2], [2, 2, 2]]);
  const b = mx.nd.zeros([2, 3], dev());
  const a = mx.nd.ones([2, 3]);
  a.copyTo(b);
  assert.deepEqual(await b.array(), [[1, 1, 1], [1, 1, 1]]);
});

backendTest("seed: NDArray to host array and back", async () => {
  const a = mx.nd.ones([2, 3]);
  const b = await a.data(); // a.asnumpy()
  assert.ok(b instanceof Float32Array);
  assert.deepEqual(await a.array(), [[1, 1, 1], [1, 1, 1]]);
  const e = mx.nd.empty([2, 3]);
  mx.random.seed(0);
  const r = mx.nd.random.uniform(-0.1, 0.1, e.shape);
  e.set(await r.data()); // a[:] = np.random.uniform(-0.1, 0.1, a.shape)
  for (const v of await e.data() as Float32Array) assert.ok(v >= -0.1 && v < 0.1);
});

backendTest("seed: basic arithmetic", async () => {
  const a = mx.nd.ones([2, 3]).mul(2);
  const b = mx.nd.ones([2, 3]).mul(4);
  assert.deepEqual(await b.array(), [[4, 4, 4], [4, 4, 4]]);
  assert.deepEqual(await a.add(b).array(), [[6, 6, 6], [6, 6, 6]]);
  assert.deepEqual(await a.mul(b).array(), [[8, 8, 8], [8, 8, 8]]);
});

backendTest("seed: arrays on different devices must be moved together", async () => {
  const a = mx.nd.ones([2, 3]).mul(2);
  const b = mx.nd.ones([2, 3], dev(1)).mul(3);
  assert.throws(() => a.mul(b), mx.ContextError);
  const c = a.copyTo(dev(1)).mul(b);
  assert.deepEqual(await c.array(), [[6, 6, 6], [6, 6, 6]]);
});

backendTest("seed: pickle-style serialisation", async () => {
  const a = mx.nd.ones([2, 3]).mul(2);
  const data = mx.nd.serialize(a);
  const b = mx.nd.deserialize(data);
  assert.deepEqual(await b.array(), [[2, 2, 2], [2, 2, 2]]);
}, { dataSync: true });

backendTest("seed: save and load a list and a dict", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/mydata.bin`;
    const a = mx.nd.ones([2, 3]).mul(2);
    const b = mx.nd.ones([2, 3]).mul(3);
    await mx.nd.save(f, [a, b]);
    const c = await mx.nd.load(f) as mx.NDArray[];
    assert.deepEqual(await c[0].array(), [[2, 2, 2], [2, 2, 2]]);
    assert.deepEqual(await c[1].array(), [[3, 3, 3], [3, 3, 3]]);
    await mx.nd.save(f, { a, b });
    const d = await mx.nd.load(f) as Record<string, mx.NDArray>;
    assert.deepEqual(await d.a.array(), [[2, 2, 2], [2, 2, 2]]);
    assert.deepEqual(await d.b.array(), [[3, 3, 3], [3, 3, 3]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

backendTest("seed: automatic parallelism keeps per-array order", async () => {
  const a = mx.nd.ones([2, 3]);
  const b = a; // b = a: the same array
  const c = a.copyTo(dev(1));
  a.addInPlace(1);
  b.mulInPlace(3); // runs after a += 1 (same array)
  c.mulInPlace(3); // independent of both
  assert.deepEqual(await a.array(), [[6, 6, 6], [6, 6, 6]]);
  assert.deepEqual(await c.array(), [[3, 3, 3], [3, 3, 3]]);
});
