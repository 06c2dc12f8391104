/**
 * Host reads are engine reads pushed at the call: a write issued after `data()`,
 * `array()` or `asScalar()` does not change what they return, whether the array had
 * work pending or not, on every backend.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest } from "../_harness.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Keeps `a`'s variable busy with a slow asynchronous write (so reads must queue). */
function slowWrite(a: mx.NDArray): void {
  mx.engine.push("slow_write", () => sleep(20), [], [a._storage("test").var]);
}

backendTest("a read returns the value before a write issued after it", async () => {
  for (const busy of [false, true]) {
    const a = mx.nd.array([1, 2, 3]);
    if (busy) slowWrite(a);
    const p = a.data();
    a.set(99);
    assert.deepEqual(
      Array.from(await p as Float32Array),
      [1, 2, 3],
      busy ? "with work pending" : "idle",
    );
    assert.deepEqual(await a.array(), [99, 99, 99]);
    // Kernel writes, array assignment and in-place arithmetic are writes too.
    const b = a.mul(2);
    if (busy) slowWrite(b);
    const nested = b.array();
    b.set(mx.nd.array([4, 5, 6]));
    const flat = b.data();
    b.addInPlace(1);
    const host = b.data();
    b.set([0, 0, 0]);
    assert.deepEqual(await nested, [198, 198, 198]);
    assert.deepEqual(Array.from(await flat as Float32Array), [4, 5, 6]);
    assert.deepEqual(Array.from(await host as Float32Array), [5, 6, 7]);
  }
});

backendTest("asScalar and int64 reads are ordered against later writes", async () => {
  const s = mx.nd.array([7]);
  slowWrite(s);
  const q = s.asScalar();
  s.set(8);
  assert.equal(await q, 7);
  assert.equal(await s.asScalar(), 8);
});

backendTest("int64 data is ordered against later writes", async () => {
  const i = mx.nd.array([1, 2], { dtype: "int64" });
  const p = i.data();
  i.set(3);
  assert.deepEqual(Array.from(await p as BigInt64Array), [1n, 2n]);
}, { dtypes: ["int64"] });

backendTest(
  "executor outputs read before the next forward keep that forward's values",
  async () => {
    const x = mx.sym.Variable("x");
    const ex = x.mul(2).simpleBind(mx.cpu(), { x: [2] });
    try {
      ex.forward({ x: mx.nd.array([1, 2]) });
      const first = ex.outputs[0].data();
      ex.forward({ x: mx.nd.array([10, 20]) });
      const second = ex.outputs[0].array();
      ex.forward({ x: mx.nd.array([0, 0]) });
      assert.deepEqual(Array.from(await first as Float32Array), [2, 4]);
      assert.deepEqual(await second, [20, 40]);
    } finally {
      ex.dispose();
      for (const a of [...Object.values(ex.argDict), ...Object.values(ex.gradDict)]) a.dispose();
    }
  },
);

backendTest("a read of a failed array rejects with the failure, reported once", async () => {
  const a = mx.nd.array([1, 2]);
  const v = a._storage("test").var;
  mx.engine.push(
    "failing_write",
    async () => {
      await sleep(5);
      throw new Error("kaput");
    },
    [],
    [v],
  );
  const p = a.data();
  a.set(3); // a later write does not wait forever for the failed read
  await assert.rejects(p, /failing_write: kaput/);
  assert.deepEqual(Array.from(await a.data() as Float32Array), [3, 3]);
  await mx.nd.waitAll(); // the failure was read above: not thrown again
});
