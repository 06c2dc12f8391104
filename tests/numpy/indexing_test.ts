/**
 * NumPy indexing on both front ends: views that share memory (where the backend can alias
 * a sub-range), copies elsewhere, assignment with broadcasting, gradients through get and
 * setAt, IndexError messages, and the class of results.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest } from "../_harness.ts";

const { np } = mx;

function aliases(): boolean {
  const x = np.zeros([4]);
  const s = x._storage("test");
  const a = s.backend.alias?.(s.buf, 1, 2);
  return a !== undefined;
}

backendTest("get: contiguous basic slices are views where the backend aliases", async () => {
  const x = np.arange(24).reshape(2, 3, 4);
  const row = x.get("1, 1:3");
  assert.deepEqual(row.shape, [2, 4]);
  assert.deepEqual(await row.tolist(), [[16, 17, 18, 19], [20, 21, 22, 23]]);
  const view = aliases();
  // Writing through the result shows in x only when it is a view.
  row.setAt("0, 0", -1);
  assert.equal(await x.get([1, 1, 0]).item(), view ? -1 : 16);
  // Writing into x shows in an earlier view (the engine orders both through one variable).
  const first = x.get(0);
  x.setAt("0, 0, 0", 100);
  assert.equal(await first.get([0, 0]).item(), view ? 100 : 0);
  // A view of a view, then dispose the base: memory lives until the last user is gone.
  const inner = x.get("1").get("2");
  x.dispose();
  assert.deepEqual(await inner.tolist(), [20, 21, 22, 23]);
});

backendTest("get: strided, negative-step, newaxis, ellipsis and advanced indexing", async () => {
  const x = np.arange(24).reshape(2, 3, 4);
  assert.deepEqual(await x.get(":, 1:3, ::2").tolist(), [[[4, 6], [8, 10]], [[16, 18], [20, 22]]]);
  assert.deepEqual(await x.get("::-1, 2, ::-2").tolist(), [[23, 21], [11, 9]]);
  assert.deepEqual(x.get("None, 0, ..., None").shape, [1, 3, 4, 1]);
  assert.deepEqual(await x.get("..., 1").tolist(), [[1, 5, 9], [13, 17, 21]]);
  assert.deepEqual(await x.get([mx.slice(0, 1), 0, -1]).tolist(), [3]);
  assert.deepEqual(await x.get([np.newaxis, 1, 2, 3]).tolist(), [23]);
  assert.deepEqual(x.get([1, 2, 3]).shape, []);
  assert.deepEqual(await x.get([[0, 1], [2, 0]]).tolist(), [[8, 9, 10, 11], [12, 13, 14, 15]]);
  const idx = np.array([2, 0], { dtype: "int32" });
  assert.deepEqual(await x.get([0, idx, mx.slice(1, 3)]).tolist(), [[9, 10], [1, 2]]);
  assert.deepEqual(await x.get([[0], mx.slice(), [1, 3]]).tolist(), [[1, 5, 9], [3, 7, 11]]);
  // A boolean mask given as host values (device masks: see the next test).
  // (wrapped in a tuple: a top-level JS array is a tuple of index items).
  const mask = await x.greater(20).tolist() as boolean[];
  assert.deepEqual(await x.get([mask]).tolist(), [21, 22, 23]);
  assert.deepEqual(await x.get([[true, false]]).tolist(), await x.get("0:1").tolist());
  // Python's slice clamps; mx.slice(stop) is slice(None, stop).
  assert.deepEqual(x.get("1:100").shape, [1, 3, 4]);
  assert.deepEqual(x.get([mx.slice(1)]).shape, [1, 3, 4]);
});

backendTest("get: a boolean mask array sizes the result from its values", async () => {
  const x = np.arange(24).reshape(2, 3, 4);
  assert.deepEqual(await x.get(x.greater(20)).tolist(), [21, 22, 23]);
  assert.deepEqual(await x.get(np.array([false, true])).get(":, 0").tolist(), [[12, 13, 14, 15]]);
}, { dataSync: true });

backendTest("setAt: broadcasting values, masks, index arrays", async () => {
  const x = np.zeros([3, 4]);
  x.setAt("0:2, :", 12);
  x.setAt([1, 2], 9);
  x.setAt(":, -1", np.array([1, 2, 3]));
  x.setAt("2", np.array([[5, 6, 7, 8]]));
  assert.deepEqual(await x.tolist(), [[12, 12, 12, 1], [12, 12, 9, 2], [5, 6, 7, 8]]);
  x.setAt(x.greater(10), 0);
  assert.deepEqual(await x.get(0).tolist(), [0, 0, 0, 1]);
  x.setAt([[0, 2], [0, 1]], np.array([-1, -2]));
  assert.equal(await x.get([0, 0]).item(), -1);
  assert.equal(await x.get([2, 1]).item(), -2);
  // Values are cast to the target's dtype; overlapping source and target are safe.
  const i = np.arange(5, 0, -1, { dtype: "int32" });
  i.setAt("1:", i.get(":-1"));
  assert.deepEqual(await i.tolist(), [5, 5, 4, 3, 2]);
  i.setAt(0, 2.7);
  assert.equal(await i.get(0).item(), 2);
  assert.throws(() => x.setAt(":, 0", np.ones([4])), mx.ShapeError);
});

backendTest("IndexError names the axis, the index and the size", () => {
  const x = np.zeros([2, 3]);
  assert.throws(
    () => x.get("2"),
    (e: Error) =>
      e instanceof mx.IndexError &&
      /index 2 is out of bounds for axis 0 with size 2/.test(e.message),
  );
  assert.throws(() => x.get([0, -4]), /index -4 is out of bounds for axis 1 with size 3/);
  assert.throws(() => x.get([[0, 5]]), /index 5 is out of bounds for axis 0 with size 2/);
  assert.throws(() => x.setAt([1, 3], 0), mx.IndexError);
  assert.throws(() => x.get("0, 0, 0"), /too many indices/);
  assert.throws(() => x.get("..., ..."), /single ellipsis/);
  assert.throws(() => x.get("::0"), /step cannot be zero/);
});

backendTest("gradients flow through get and setAt", async () => {
  const x = np.arange(6).reshape(2, 3);
  x.attachGrad();
  const y = mx.autograd.record(() => {
    const a = x.get("1, 1:").mul(2); // rows/cols picked: grad 2
    const b = x.get([[0, 0], [0, 2]]).sum(); // x[0,0] and x[0,2]: grad 1 each
    return a.sum().add(b);
  });
  y.backward();
  assert.deepEqual(await x.grad!.tolist(), [[1, 0, 1], [0, 2, 2]]);

  // x[1:] = v * 3 into a fresh target: the gradient reaches v; overwritten parts of the
  // target's old value get none.
  const v = np.array([1, 2, 3]);
  v.attachGrad();
  const z = mx.autograd.record(() => {
    const t = np.ones([3, 3]);
    t.setAt("1:", v.mul(3));
    const s = np.zeros([2, 2]);
    s.setAt([[0, 1], [1, 0]], v.get("0:2"));
    // Writing again into t, now part of the graph, is refused (as MXNet does).
    assert.throws(() => t.setAt(0, 5), /already part of the recorded graph/);
    return t.mul(t).sum().add(s.sum().mul(10));
  });
  z.backward();
  // t = [[1, 1, 1], 3v, 3v]: d/dv of sum(t^2) = 2 rows * 2 * 3v * 3; s holds v0, v1 once.
  assert.deepEqual(await v.grad!.tolist(), [36 + 10, 72 + 10, 108]);
});

backendTest("mx.nd arrays index the same way; np and nd results keep their class", async () => {
  const x = mx.nd.arange(0, 12).reshape([3, 4]);
  const r = x.get("1, ::2");
  assert.ok(!(r instanceof np.ndarray));
  assert.deepEqual(await r.array(), [4, 6]);
  // Legacy arrays have no 0-d shape: a scalar index gives shape [1], as MXNet's nd.
  assert.deepEqual(x.get([1, 1]).shape, [1]);
  x.setAt(":, 0", 7);
  assert.deepEqual(await x.get(":, 0").array(), [7, 7, 7]);
  const n = x.asNpArray();
  assert.ok(n instanceof np.ndarray);
  assert.ok(mx.nd.relu(n) instanceof np.ndarray);
  assert.ok(!(n.asNdArray() instanceof np.ndarray));
  n.setAt(0, 1);
  assert.deepEqual(await x.get(0).array(), [1, 1, 1, 1]);
});
