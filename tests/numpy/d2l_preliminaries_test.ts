/**
 * The code of "Dive into Deep Learning" (MXNet edition), chapter 2 (preliminaries), in
 * TypeScript per GLUON_API.md, checking the values the book prints: ndarray, the
 * pandas-free part of data preprocessing, linear algebra, calculus / autograd, and
 * probability with np.random.multinomial.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest } from "../_harness.ts";

const { np, npx, autograd } = mx;
npx.setNp();

backendTest("d2l 2.1 ndarray: creation, shapes, operations", async () => {
  const x = np.arange(12);
  assert.deepEqual(await x.tolist(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(x.shape, [12]);
  assert.equal(x.size, 12);
  assert.equal(x.dtype, "float32");
  const X = x.reshape(3, 4);
  assert.deepEqual(X.shape, [3, 4]);
  assert.deepEqual(await x.reshape(-1, 4).tolist(), await X.tolist());
  assert.equal(await np.zeros([2, 3, 4]).sum().item(), 0);
  assert.equal(await np.ones([2, 3, 4]).sum().item(), 24);
  const r = np.random.normal(0, 1, [3, 4]);
  assert.deepEqual(r.shape, [3, 4]);
  const Y = np.array([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]);
  assert.deepEqual(Y.shape, [3, 4]);

  const a = np.array([1, 2, 4, 8]), b = np.array([2, 2, 2, 2]);
  assert.deepEqual(await a.add(b).tolist(), [3, 4, 6, 10]);
  assert.deepEqual(await a.sub(b).tolist(), [-1, 0, 2, 6]);
  assert.deepEqual(await a.mul(b).tolist(), [2, 4, 8, 16]);
  assert.deepEqual(await a.div(b).tolist(), [0.5, 1, 2, 4]);
  assert.deepEqual(await a.pow(b).tolist(), [1, 4, 16, 64]);
  assertClose(await np.exp(a).data(), [Math.E, Math.E ** 2, Math.E ** 4, Math.E ** 8], {
    rtol: 1e-6,
  });

  const c0 = np.concatenate([X, Y], { axis: 0 }), c1 = np.concatenate([X, Y], { axis: 1 });
  assert.deepEqual(c0.shape, [6, 4]);
  assert.deepEqual(c1.shape, [3, 8]);
  assert.deepEqual(await c1.get(0).tolist(), [0, 1, 2, 3, 2, 1, 4, 3]);
  const eq = X.equal(Y);
  assert.equal(eq.dtype, "bool");
  assert.deepEqual(await eq.tolist(), [
    [false, true, false, true],
    [false, false, false, false],
    [false, false, false, false],
  ]);
  const s = X.sum();
  assert.deepEqual(s.shape, []);
  assert.equal(await s.item(), 66);
});

backendTest("d2l 2.1 ndarray: broadcasting, indexing, slicing, memory", async () => {
  const a = np.arange(3).reshape(3, 1), b = np.arange(2).reshape(1, 2);
  assert.deepEqual(await a.add(b).tolist(), [[0, 1], [1, 2], [2, 3]]);

  const X = np.arange(12).reshape(3, 4);
  const Y = np.array([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]);
  assert.deepEqual(await X.get(-1).tolist(), [8, 9, 10, 11]);
  assert.deepEqual(await X.get("1:3").tolist(), [[4, 5, 6, 7], [8, 9, 10, 11]]);
  X.setAt([1, 2], 9);
  assert.deepEqual(await X.get(1).tolist(), [4, 5, 9, 7]);
  X.setAt("0:2, :", 12);
  assert.deepEqual(await X.tolist(), [[12, 12, 12, 12], [12, 12, 12, 12], [8, 9, 10, 11]]);

  // Z[:] = X + Y writes into Z's memory; X += Y updates X in place.
  const Z = np.zerosLike(Y);
  Z.setAt(":", X.add(Y));
  assert.deepEqual(await Z.get(2).tolist(), [12, 12, 12, 12]);
  const before = X;
  X.addInPlace(Y);
  assert.equal(X, before);
  assert.deepEqual(await X.get(0).tolist(), [14, 13, 16, 15]);

  // Conversion to host values and scalars.
  const A = await X.data();
  const B = np.array(A, { shape: X.shape });
  assert.deepEqual(await B.tolist(), await X.tolist());
  const s = np.array([3.5]);
  assert.equal(await s.item(), 3.5);
  assert.equal(Math.trunc(await s.item()), 3);
});

backendTest("d2l 2.2 data preprocessing (without pandas): fill NaN with the mean", async () => {
  // house_tiny.csv: NumRooms, Alley, Price; NA where missing.
  // pandas reads the CSV as float64, and np.array(inputs.values) keeps it.
  const rooms = np.array([NaN, 2, 4, NaN], { dtype: "float64" });
  const alleyPave = np.array([1, 0, 0, 0], { dtype: "float64" });
  const price = np.array([127500, 106000, 178100, 140000]);
  const known = np.logicalNot(np.isnan(rooms));
  const mean = np.where(known, rooms, 0).sum().div(known.sum());
  assert.equal(await mean.item(), 3);
  const filled = np.where(known, rooms, mean);
  const X = np.stack([filled, alleyPave, np.subtract(1, alleyPave)], { axis: 1 });
  assert.deepEqual(X.shape, [4, 3]);
  assert.deepEqual(await X.tolist(), [[3, 1, 0], [2, 0, 1], [4, 0, 1], [3, 0, 1]]);
  assert.deepEqual(await price.tolist(), [127500, 106000, 178100, 140000]);
}, { dtypes: ["float64"] }); // WGSL may ignore NaN, so WebGPU cannot run the NaN test

backendTest("d2l 2.3 linear algebra", async () => {
  const x = np.array(3.0), y = np.array(2.0);
  assert.deepEqual(x.shape, []);
  assert.deepEqual(
    [await x.add(y).item(), await x.mul(y).item(), await x.div(y).item(), await x.pow(y).item()],
    [5, 6, 1.5, 9],
  );
  const v = np.arange(4);
  assert.equal(await v.get(3).item(), 3);
  assert.deepEqual(v.get(3).shape, []);
  assert.equal(v.shape[0], 4);

  const A = np.arange(20).reshape(5, 4);
  assert.deepEqual(await A.T.tolist(), [
    [0, 4, 8, 12, 16],
    [1, 5, 9, 13, 17],
    [2, 6, 10, 14, 18],
    [3, 7, 11, 15, 19],
  ]);
  const S = np.array([[1, 2, 3], [2, 0, 4], [3, 4, 5]]);
  assert.equal(await S.equal(S.T).all().item(), 1);
  assert.deepEqual(np.arange(24).reshape(2, 3, 4).shape, [2, 3, 4]);

  const B = A.copy();
  assert.deepEqual(await A.add(B).get(1).tolist(), [8, 10, 12, 14]);
  assert.deepEqual(await A.mul(B).get(1).tolist(), [16, 25, 36, 49]);
  const X3 = np.arange(24).reshape(2, 3, 4);
  assert.deepEqual(await np.add(2, X3).get([0, 0]).tolist(), [2, 3, 4, 5]);
  assert.deepEqual(np.multiply(2, X3).shape, [2, 3, 4]);

  assert.equal(await v.sum().item(), 6);
  assert.equal(await A.sum().item(), 190);
  assert.deepEqual(await A.sum({ axis: 0 }).tolist(), [40, 45, 50, 55]);
  assert.deepEqual(await A.sum({ axis: 1 }).tolist(), [6, 22, 38, 54, 70]);
  assert.equal(await A.sum({ axis: [0, 1] }).item(), 190);
  assert.equal(await A.mean().item(), 9.5);
  assert.equal(await A.sum().div(A.size).item(), 9.5);
  assert.deepEqual(await A.mean({ axis: 0 }).tolist(), [8, 9, 10, 11]);
  const sumA = A.sum({ axis: 1, keepdims: true });
  assert.deepEqual(await sumA.tolist(), [[6], [22], [38], [54], [70]]);
  assertClose(await A.div(sumA).get(1).data(), [4 / 22, 5 / 22, 6 / 22, 7 / 22], { rtol: 1e-6 });
  assert.deepEqual(await A.cumsum({ axis: 0 }).get(-1).tolist(), [40, 45, 50, 55]);
  assert.deepEqual(await A.cumsum({ axis: 0 }).get(2).tolist(), [12, 15, 18, 21]);

  const ones = np.ones(4);
  assert.equal(await np.dot(v, ones).item(), 6);
  assert.equal(await np.sum(v.mul(ones)).item(), 6);
  assert.deepEqual(await np.dot(A, v).tolist(), [14, 38, 62, 86, 110]);
  assert.deepEqual(await np.dot(A, np.ones([4, 3])).get(":, 0").tolist(), [6, 22, 38, 54, 70]);
  const u = np.array([3, -4]);
  assert.equal(await np.linalg.norm(u).item(), 5);
  assert.equal(await np.abs(u).sum().item(), 7);
  assert.equal(await np.linalg.norm(np.ones([4, 9])).item(), 6);
});

backendTest("d2l 2.5 automatic differentiation", async () => {
  const x = np.arange(4.0);
  x.attachGrad();
  assert.ok(x.grad instanceof np.ndarray);
  const y = autograd.record(() => np.dot(x, x).mul(2));
  assert.equal(await y.item(), 28);
  y.backward();
  assert.deepEqual(await x.grad!.tolist(), [0, 4, 8, 12]);
  assert.equal(await x.grad!.equal(x.mul(4)).all().item(), 1);

  autograd.record(() => x.sum()).backward();
  assert.deepEqual(await x.grad!.tolist(), [1, 1, 1, 1]);
  // A non-scalar head is summed.
  autograd.record(() => x.mul(x)).backward();
  assert.deepEqual(await x.grad!.tolist(), [0, 2, 4, 6]);

  // Detaching: z = u * x with u = x * x held constant.
  let u: mx.np.NpArray | null = null;
  autograd.record(() => {
    const yy = x.mul(x);
    u = yy.detach();
    return u.mul(x);
  }).backward();
  assert.deepEqual(await x.grad!.tolist(), await u!.tolist());

  // Python control flow: the gradient of the piecewise-linear f is f(a) / a.
  const f = async (a: mx.np.NpArray) => {
    let b = a.mul(2);
    while (await np.linalg.norm(b).item() < 1000) b = b.mul(2);
    return (await b.sum().item()) > 0 ? b : b.mul(100);
  };
  const a = np.random.normal(0, 1, []);
  a.attachGrad();
  const d = await autograd.record(() => f(a));
  d.backward();
  assertClose(await a.grad!.data(), await d.div(a).data(), { rtol: 1e-5 });
});

backendTest("d2l 2.6 probability: np.random.multinomial", async () => {
  mx.random.seed(2026);
  const fair = Array(6).fill(1 / 6);
  const one = np.random.multinomial(1, fair);
  assert.deepEqual(one.shape, [6]);
  assert.equal(await one.sum().item(), 1);
  assert.equal(await np.random.multinomial(10, fair).sum().item(), 10);
  const counts = np.random.multinomial(1000, fair).astype("float32");
  const freq = await counts.div(1000).data();
  for (const p of freq) assert.ok(Math.abs(Number(p) - 1 / 6) < 0.05, `frequency ${p}`);

  const many = np.random.multinomial(10, fair, 500);
  assert.deepEqual(many.shape, [500, 6]);
  const cum = many.astype("float32").cumsum({ axis: 0 });
  const estimates = cum.div(cum.sum({ axis: 1, keepdims: true }));
  assert.deepEqual(estimates.shape, [500, 6]);
  assert.equal(await cum.get(-1).sum().item(), 5000);
  for (const p of await estimates.get(-1).data()) {
    assert.ok(Math.abs(Number(p) - 1 / 6) < 0.03, `estimate ${p}`);
  }
});
