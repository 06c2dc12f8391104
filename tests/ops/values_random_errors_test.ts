/**
 * Seeded sampling (uniform, normal, randint, shuffle) and the error behaviour of the
 * operator front end: ShapeError, ParamError, ContextError, DisposedError.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest, values } from "../_harness.ts";

// ---------------------------------------------------------------- random

backendTest("values random.seed makes every sampler reproducible", async () => {
  const draw = async () => {
    const u = await values(mx.random.uniform(-1, 1, [50]));
    const n = await values(mx.random.normal(0, 1, [50]));
    const r = await values(mx.random.randint(0, 100, [50]));
    const s = await values(mx.random.shuffle(mx.nd.arange(50)));
    return { u, n, r, s };
  };
  mx.random.seed(7);
  const first = await draw();
  mx.random.seed(7);
  const again = await draw();
  assert.deepEqual(again, first);
  mx.random.seed(8);
  const other = await draw();
  assert.notDeepEqual(other.u, first.u);
  assert.notDeepEqual(other.n, first.n);
  assert.notDeepEqual(other.r, first.r);
  assert.notDeepEqual(other.s, first.s);
  // Consecutive draws without reseeding differ.
  mx.random.seed(7);
  const a = await values(mx.random.uniform(0, 1, [10]));
  const b = await values(mx.random.uniform(0, 1, [10]));
  assert.notDeepEqual(a, b);
});

backendTest("values mx.nd.random and mx.random share the seeded stream", async () => {
  mx.random.seed(3);
  const a = await values(mx.nd.random.uniform(0, 1, [8]));
  mx.random.seed(3);
  const b = await values(mx.random.uniform(0, 1, [8]));
  assert.deepEqual(a, b);
});

backendTest("values uniform lies in [low, high) and fills the range", async () => {
  mx.random.seed(11);
  const u = mx.random.uniform(-2, 3, [2000]);
  assert.deepEqual(u.shape, [2000]);
  assert.equal(u.dtype, "float32");
  const v = await values(u);
  assert.ok(v.every((x) => x >= -2 && x < 3));
  const mean = v.reduce((p, q) => p + q, 0) / v.length;
  assert.ok(Math.abs(mean - 0.5) < 0.15, `uniform mean ${mean}`);
  assert.ok(Math.min(...v) < -1.9 && Math.max(...v) > 2.9);
  const d = mx.random.uniform(0, 1, [2, 3], { dtype: "float64" });
  assert.equal(d.dtype, "float64");
  assert.deepEqual(d.shape, [2, 3]);
}, { dtypes: ["float64"] });

backendTest("values randint gives integers in [low, high)", async () => {
  mx.random.seed(5);
  const r = mx.random.randint(-3, 4, [3000]);
  assert.equal(r.dtype, "int32");
  const v = await values(r);
  assert.ok(v.every((x) => Number.isInteger(x) && x >= -3 && x < 4));
  assert.deepEqual([...new Set(v)].sort((p, q) => p - q), [-3, -2, -1, 0, 1, 2, 3]);
});

backendTest("values normal: sample mean and std on 10,000 draws", async () => {
  mx.random.seed(2);
  const v = await values(mx.random.normal(1.5, 2, [100, 100]));
  const mean = v.reduce((p, q) => p + q, 0) / v.length;
  const std = Math.sqrt(v.reduce((p, q) => p + (q - mean) ** 2, 0) / v.length);
  assert.ok(Math.abs(mean - 1.5) < 0.08, `normal mean ${mean}`);
  assert.ok(Math.abs(std - 2) < 0.08, `normal std ${std}`);
});

backendTest("values shuffle permutes rows and keeps each row intact", async () => {
  mx.random.seed(4);
  const x = mx.nd.arange(40).reshape([20, 2]);
  const s = mx.random.shuffle(x);
  assert.deepEqual(s.shape, [20, 2]);
  const v = await values(s);
  const firsts: number[] = [];
  for (let i = 0; i < 20; i++) {
    assert.equal(v[2 * i + 1], v[2 * i] + 1, "row kept intact");
    assert.equal(v[2 * i] % 2, 0);
    firsts.push(v[2 * i] / 2);
  }
  assert.deepEqual([...firsts].sort((p, q) => p - q), Array.from({ length: 20 }, (_, i) => i));
  assert.notDeepEqual(firsts, Array.from({ length: 20 }, (_, i) => i));
  // The input is left unchanged.
  assert.deepEqual(await values(x), Array.from({ length: 40 }, (_, i) => i));
});

// ---------------------------------------------------------------- errors

backendTest("errors: mismatched shapes throw ShapeError naming op and shapes", () => {
  const a = mx.nd.ones([2, 3]), b = mx.nd.ones([4]);
  assert.throws(
    () => mx.nd.add(a, b),
    (e: unknown) => {
      assert.ok(e instanceof mx.ShapeError);
      assert.ok(e instanceof mx.MXNetError);
      assert.match(e.message, /add/);
      assert.match(e.message, /2,\s*3/);
      assert.match(e.message, /\[4\]|\(4,?\)/);
      return true;
    },
  );
  assert.throws(
    () => mx.nd.dot(mx.nd.ones([2, 3]), mx.nd.ones([4, 5])),
    (e: unknown) => e instanceof mx.ShapeError && /dot/.test(e.message),
  );
  assert.throws(() => mx.nd.reshape(a, [4, 2]), mx.ShapeError);
  assert.throws(() => mx.nd.concat([a, mx.nd.ones([3, 3])]), mx.ShapeError);
});

backendTest("errors: unknown parameter throws ParamError naming the op", () => {
  const a = mx.nd.ones([2, 3]);
  assert.throws(
    () => mx.nd.sum(a, { foo: 1 } as never),
    (e: unknown) => {
      assert.ok(e instanceof mx.ParamError);
      assert.match(e.message, /sum/);
      assert.match(e.message, /foo/);
      return true;
    },
  );
  assert.throws(
    () => mx.nd.softmax(a, { bogus: true } as never),
    (e: unknown) => e instanceof mx.ParamError && /softmax/.test(e.message),
  );
});

backendTest("errors: mixing cpu(0) and cpu(1) throws ContextError saying to copy", async () => {
  const a = mx.nd.ones([2], mx.cpu(0));
  const b = mx.nd.ones([2], mx.cpu(1));
  assert.throws(
    () => a.add(b),
    (e: unknown) => {
      assert.ok(e instanceof mx.ContextError);
      assert.match(e.message, /cpu\(0\)/);
      assert.match(e.message, /cpu\(1\)/);
      assert.match(e.message, /cop(y|yTo)/i);
      return true;
    },
  );
  // After copying, the operation works.
  const c = a.add(b.copyTo(mx.cpu(0)));
  assert.deepEqual(await values(c), [2, 2]);
});

backendTest("errors: using a disposed array throws DisposedError", () => {
  const a = mx.nd.ones([2]);
  a.dispose();
  assert.throws(() => a.add(1), mx.DisposedError);
  assert.throws(() => mx.nd.exp(a), mx.DisposedError);
  assert.throws(() => a.dataSync(), mx.DisposedError);
}, { dataSync: true });
