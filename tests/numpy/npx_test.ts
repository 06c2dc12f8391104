/** mx.npx: the NN operators over the legacy OpDefs, save/load in MXNet's format (V3), devices. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest } from "../_harness.ts";

const { np, npx } = mx;

backendTest("npx activations, softmax, one_hot, pick, topk, batch_dot", async () => {
  const x = np.array([[-1, 2, 0.5], [3, -4, 1]]);
  assert.deepEqual(await npx.relu(x).tolist(), [[0, 2, 0.5], [3, 0, 1]]);
  assertClose(
    await npx.sigmoid(x).data(),
    [-1, 2, 0.5, 3, -4, 1].map((v) => 1 / (1 + Math.exp(-v))),
  );
  assertClose(await npx.softmax(x, { axis: -1 }).sum({ axis: 1 }).data(), [1, 1]);
  assertClose(await npx.logSoftmax(x).exp().sum({ axis: 1 }).data(), [1, 1]);
  assert.deepEqual(
    await npx.activation(x, { actType: "relu" }).tolist(),
    await npx.relu(x).tolist(),
  );
  assertClose(await npx.leakyRelu(x, { slope: 0.1 }).data(), [-0.1, 2, 0.5, 3, -0.4, 1]);
  const i = np.array([0, 2]);
  assert.deepEqual(await npx.oneHot(i, 3).tolist(), [[1, 0, 0], [0, 0, 1]]);
  assert.deepEqual(await npx.pick(x, i, { axis: 1 }).tolist(), [-1, 1]);
  assert.deepEqual(await (npx.topk(x, { k: 1 }) as mx.np.NpArray).tolist(), [[1], [0]]);
  const a = np.ones([2, 2, 3]), b = np.ones([2, 3, 4]);
  assert.deepEqual(npx.batchDot(a, b).shape, [2, 2, 4]);
  assert.deepEqual(npx.batchFlatten(np.ones([2, 3, 4])).shape, [2, 12]);
  assert.deepEqual(npx.reshape(np.ones([2, 3, 4]), [0, -1]).shape, [2, 12]);
  assertClose(await npx.smoothL1(np.array([-2, 0.25, 1]), { scalar: 1 }).data(), [
    1.5,
    0.03125,
    0.5,
  ]);
  assert.ok(npx.relu(x) instanceof np.ndarray);
});

backendTest("npx.sequence_mask as d2l's masked softmax uses it", async () => {
  const x = np.ones([2, 2, 4]);
  const validLen = np.array([2, 3]);
  const masked = npx.sequenceMask(x.reshape(-1, 4), {
    sequenceLength: np.array([2, 2, 3, 3]),
    useSequenceLength: true,
    value: -1e6,
    axis: 1,
  });
  const p = npx.softmax(masked.reshape(2, 2, 4), { axis: -1 });
  assertClose(await p.get([0, 0]).data(), [0.5, 0.5, 0, 0]);
  assertClose(await p.get([1, 1]).data(), [1 / 3, 1 / 3, 1 / 3, 0]);
  assert.deepEqual(validLen.shape, [2]);
});

backendTest(
  "npx layers: fully_connected, convolution, pooling, batch/layer norm, embedding, dropout",
  async () => {
    const x = np.ones([2, 3]);
    const w = np.ones([4, 3]), b = np.zeros([4]);
    assert.deepEqual(await npx.fullyConnected(x, w, b, { numHidden: 4 }).tolist(), [[3, 3, 3, 3], [
      3,
      3,
      3,
      3,
    ]]);
    assert.deepEqual(npx.fullyConnected(x, w, null, { numHidden: 4, noBias: true }).shape, [2, 4]);
    const img = np.ones([1, 1, 4, 4]);
    const k = np.ones([2, 1, 3, 3]);
    const c = npx.convolution(img, k, null, {
      kernel: [3, 3],
      numFilter: 2,
      noBias: true,
      pad: [1, 1],
    });
    assert.deepEqual(c.shape, [1, 2, 4, 4]);
    assert.equal(await c.get([0, 0, 1, 1]).item(), 9);
    const p = npx.pooling(c, { kernel: [2, 2], stride: [2, 2], poolType: "max" });
    assert.deepEqual(p.shape, [1, 2, 2, 2]);
    const gamma = np.ones([2]), beta = np.zeros([2]);
    const bn = npx.batchNorm(c, gamma, beta, np.zeros([2]), np.ones([2]), { useGlobalStats: true });
    assert.deepEqual(bn.shape, c.shape);
    const ln = npx.layerNorm(np.array([[1, 2, 3]]), np.ones([3]), np.zeros([3]));
    assertClose(await ln.data(), [-1.2247, 0, 1.2247], { atol: 1e-3 });
    const emb = npx.embedding(np.array([0, 2]), np.arange(6).reshape(3, 2), {
      inputDim: 3,
      outputDim: 2,
    });
    assert.deepEqual(await emb.tolist(), [[0, 1], [4, 5]]);
    assert.deepEqual(await npx.dropout(x, { p: 0.5 }).tolist(), await x.tolist());
  },
);

backendTest("npx.save / npx.load: MXNet's list format with V3 arrays, round trip", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = np.arange(6).reshape(2, 3), s = np.array(2.5);
    await npx.save(`${dir}/l`, [a, s]);
    const bytes = await Deno.readFile(`${dir}/l`);
    // List magic 0x112, then the first array's magic: V3 (0xF993FACA), as MXNet under set_np.
    assert.equal(new DataView(bytes.buffer).getUint32(24, true), 0xf993faca);
    const back = await npx.load(`${dir}/l`) as mx.np.NpArray[];
    assert.ok(back[0] instanceof np.ndarray);
    assert.deepEqual(await back[0].tolist(), [[0, 1, 2], [3, 4, 5]]);
    assert.deepEqual(back[1].shape, []);
    assert.equal(await back[1].item(), 2.5);
    await npx.save(`${dir}/d`, { w: a });
    const named = await npx.load(`${dir}/d`) as Record<string, mx.np.NpArray>;
    assert.deepEqual(await named.w.tolist(), await a.tolist());
    // mx.nd.save of an np array writes V3 too; of a legacy array, V2.
    await mx.nd.save(`${dir}/n`, [a.asNdArray()]);
    assert.equal(
      new DataView((await Deno.readFile(`${dir}/n`)).buffer).getUint32(24, true),
      0xf993fac9,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { dataSync: false });

Deno.test("npx devices and flags", async () => {
  npx.setNp();
  assert.equal(npx.isNpArray(), true);
  assert.equal(String(npx.cpu()), "cpu(0)");
  assert.equal(String(npx.gpu(1)), "gpu(1)");
  assert.equal(npx.numGpus(), mx.numGpus());
  await npx.waitAll();
});
