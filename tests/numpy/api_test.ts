/** mx.np functions the differential test does not cover: async data-dependent results, random, factorizations, errors. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest } from "../_harness.ts";

const { np } = mx;

backendTest("0-d arrays, dtypes and the np class", async () => {
  const x = np.array(3);
  assert.deepEqual(x.shape, []);
  assert.equal(x.ndim, 0);
  assert.equal(await x.item(), 3);
  assert.equal(await x.tolist(), 3);
  assert.deepEqual(np.ones([2, 3]).sum().shape, []);
  assert.deepEqual(np.ones([2, 3]).argmax().shape, []);
  assert.deepEqual(np.ones([2, 3]).max({ axis: 1 }).shape, [2]);
  assert.deepEqual(np.squeeze(np.ones([1, 1])).shape, []);
  assert.equal(np.array([true, false]).dtype, "bool");
  assert.deepEqual(await np.array([true, false]).tolist(), [true, false]);
  assert.equal(np.arange(3, undefined, 1, { dtype: "int32" }).astype("bool").dtype, "bool");
  assert.deepEqual(await np.array([0, 0.5, -2]).astype("bool").tolist(), [false, true, true]);
  assert.equal(np.resultType("int8", "uint8"), "int32");
  assert.equal(np.resultType("int32", "float16"), "float16");
  assert.equal(np.resultType("float32", "float64"), "float64");
  assert.equal(np.resultType("bool", "int32"), "int32");
  assert.equal(x.toString(), "<np.ndarray () @cpu(0) float32>");
  assert.ok(x.ctx.equals(mx.cpu()));
  assert.equal(x.asInCtx(mx.cpu()), x);
  assert.throws(
    () => np.zeros([2], { dtyp: "int32" } as never),
    /unknown option dtyp; did you mean dtype/,
  );
  assert.throws(() => np.ones([2, 3]).reshape(4, -1), /cannot reshape an array of size 6/);
});

backendTest("unique, nonzero, argwhere, flatnonzero read values back (async)", async () => {
  const x = np.array([[3, 0, 1], [1, 0, 3]]);
  const u = await np.unique(x) as mx.np.NpArray;
  assert.deepEqual(await u.tolist(), [0, 1, 3]);
  const [vals, idx, inv, counts] = await np.unique(x, {
    returnIndex: true,
    returnInverse: true,
    returnCounts: true,
  }) as mx.np.NpArray[];
  assert.deepEqual(await vals.tolist(), [0, 1, 3]);
  assert.deepEqual(await idx.tolist(), [1, 2, 0]);
  assert.deepEqual(await inv.tolist(), [2, 0, 1, 1, 0, 2]);
  assert.deepEqual(await counts.tolist(), [2, 2, 2]);
  const [r, c] = await np.nonzero(x);
  assert.deepEqual([await r.tolist(), await c.tolist()], [[0, 0, 1, 1], [0, 2, 0, 2]]);
  assert.deepEqual(await (await np.argwhere(x)).tolist(), [[0, 0], [0, 2], [1, 0], [1, 2]]);
  assert.deepEqual(await (await np.flatnonzero(x)).tolist(), [0, 2, 3, 5]);
});

backendTest("np.random: shapes, ranges, seeding, choice, shuffle, permutation", async () => {
  mx.random.seed(7);
  const a = await np.random.uniform(0, 1, [1000]).data();
  mx.random.seed(7);
  const b = await np.random.uniform(0, 1, [1000]).data();
  assert.deepEqual(a, b);
  assert.ok(Array.from(a as Float32Array).every((v) => v >= 0 && v < 1));
  const n = np.random.normal(np.array([0, 100]), 1, [2000, 2]);
  assertClose(await n.mean({ axis: 0 }).data(), [0, 100], { atol: 0.15 });
  assert.deepEqual(np.random.randint(0, 10, [3, 2]).shape, [3, 2]);
  assert.deepEqual(np.random.rand(2, 3).shape, [2, 3]);
  assert.deepEqual(np.random.normal(0, 1).shape, []);
  const e = np.random.exponential(2, [4000]);
  assertClose([await e.mean().item()], [2], { rtol: 0.1 });
  const c = np.random.choice(5, [200]);
  assert.ok((await c.tolist() as number[]).every((v) => v >= 0 && v < 5));
  const w = np.random.choice(np.array([10, 20, 30]), [300], { p: [0, 0, 1] });
  assert.deepEqual(new Set(await w.tolist() as number[]), new Set([30]));
  const perm = np.random.choice(6, [6], { replace: false });
  assert.deepEqual((await perm.tolist() as number[]).sort(), [0, 1, 2, 3, 4, 5]);
  const s = np.arange(10);
  np.random.shuffle(s);
  assert.deepEqual((await s.tolist() as number[]).sort((p, q) => p - q), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
  ]);
  assert.deepEqual((await np.random.permutation(4).tolist() as number[]).sort(), [0, 1, 2, 3]);
});

backendTest("linalg factorizations reconstruct their input (host, CPU arrays)", async () => {
  const a = np.array([[4, 1, 2], [1, 3, 0], [2, 0, 5]], { dtype: "float64" });
  const [w, v] = np.linalg.eigh(a);
  const rec = np.matmul(np.multiply(v, w), v.T);
  assertClose(await rec.data(), await a.data(), { atol: 1e-9 });
  const l = np.linalg.cholesky(a);
  assertClose(await np.matmul(l, l.T).data(), await a.data(), { atol: 1e-9 });
  const m = np.array([[1, 2, 3, 4], [2, 0, 1, 1], [0, 1, 1, 5]], { dtype: "float64" });
  for (const x of [m, m.T]) {
    const [u, s, vt] = np.linalg.svd(x);
    assertClose(await np.matmul(np.multiply(u, s), vt).data(), await x.data(), { atol: 1e-9 });
  }
  const inv = np.linalg.inv(a);
  assertClose(
    await np.matmul(a, inv).data(),
    await np.eye(3, null, 0, { dtype: "float64" }).data(),
    {
      atol: 1e-9,
    },
  );
  const mv = np.random.multivariateNormal(
    np.array([1, -1], { dtype: "float64" }),
    np.array([[1, 0.5], [0.5, 2]], { dtype: "float64" }),
    4000,
  );
  assert.deepEqual(mv.shape, [4000, 2]);
  assertClose(await mv.mean({ axis: 0 }).data(), [1, -1], { atol: 0.1 });
  assertClose(await np.cov(mv.T).data(), [1, 0.5, 0.5, 2], { atol: 0.2 });
  assert.throws(() => np.linalg.inv(np.ones([2, 3])), /square matrices/);
  await assert.rejects(np.linalg.inv(np.zeros([2, 2])).data(), /singular/);
}, { dtypes: ["float64"], dataSync: true });

backendTest("einsum, matmul and dot shapes; errors name the function", async () => {
  assert.deepEqual(np.einsum("ijk,ikl->ijl", np.ones([2, 3, 4]), np.ones([2, 4, 5])).shape, [
    2,
    3,
    5,
  ]);
  assert.deepEqual(
    np.einsum("ij,jk,kl->il", np.ones([2, 3]), np.ones([3, 4]), np.ones([4, 5])).shape,
    [2, 5],
  );
  assert.equal(await np.einsum("i,i", np.arange(3), np.arange(3)).item(), 5);
  assert.throws(() => np.einsum("...i,i", np.ones([2, 3]), np.ones([3])), mx.UnsupportedError);
  assert.throws(() => np.matmul(np.ones([2, 3]), np.ones([2, 3])), /do not agree/);
  assert.deepEqual(np.dot(np.ones([2, 3, 4]), np.ones([5, 4, 6])).shape, [2, 3, 5, 6]);
  assert.deepEqual(await np.dot(np.array(2), np.array([1, 2])).tolist(), [2, 4]);
});

backendTest("np functions on mx.nd arrays return np arrays; asNpArray shares memory", async () => {
  const nd = mx.nd.ones([2, 2]);
  const r = np.add(nd, 1);
  assert.ok(r instanceof np.ndarray);
  const view = nd.asNpArray();
  nd.set(5);
  assert.deepEqual(await (view as mx.np.NpArray).tolist(), [[5, 5], [5, 5]]);
  assert.ok(np.asarray(view) === view);
});
