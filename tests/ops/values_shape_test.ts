/**
 * Value conformance for shape and indexing operators: reshape (MXNet codes), transpose,
 * swapaxes, expandDims, squeeze, flatten, concat, stack, split, slice, sliceAxis, tile,
 * repeat, flip, broadcastTo/Like, take, pick, oneHot, where.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest, values } from "../_harness.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// ---------------------------------------------------------------- reshape

backendTest("values reshape: MXNet documented special codes", async () => {
  const x = mx.nd.arange(24).reshape([2, 3, 4]);
  const cases: [number[], number[]][] = [
    [[4, 0, 2], [4, 3, 2]],
    [[2, -1], [2, 12]],
    [[-2], [2, 3, 4]],
    [[-3, 4], [6, 4]],
    [[-4, 1, 2, -2], [1, 2, 3, 4]],
    [[2, -4, -1, 3, -2], [2, 1, 3, 4]],
    [[0, -1], [2, 12]],
    [[-1], [24]],
  ];
  for (const [spec, shape] of cases) {
    const r = mx.nd.reshape(x, spec);
    assert.deepEqual(r.shape, shape, `reshape ${spec}`);
    assert.deepEqual(await values(r), range(24), `reshape ${spec} keeps row-major order`);
  }
});

backendTest("values reshape: more documented examples", () => {
  const shapeOf = (shape: number[], spec: number[], reverse = false) =>
    mx.nd.zeros(shape).reshape(spec, { reverse }).shape;
  assert.deepEqual(shapeOf([2, 3, 4], [6, 1, -1]), [6, 1, 4]);
  assert.deepEqual(shapeOf([3, 2, 4], [0, 0, -1]), [3, 2, 4]);
  assert.deepEqual(shapeOf([2, 3, 4], [0, -3]), [2, 12]);
  assert.deepEqual(shapeOf([2, 3, 4], [-3, -2]), [6, 4]);
  assert.deepEqual(shapeOf([2, 3, 4], [-1, 1, 0]), [6, 1, 4]);
  assert.deepEqual(shapeOf([2, 3, 4, 5], [-3, -3]), [6, 20]);
  assert.deepEqual(shapeOf([2, 3, 4], [-4, -1, 1, -2]), [2, 1, 3, 4]);
  assert.deepEqual(shapeOf([10, 5, 4], [-1, 0]), [40, 5]);
  assert.deepEqual(shapeOf([10, 5, 4], [-1, 0], true), [50, 4]);
});

// ---------------------------------------------------------------- axes

backendTest("values transpose and swapaxes", async () => {
  const x = mx.nd.arange(6).reshape([2, 3]);
  const t = mx.nd.transpose(x);
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual(await values(t), [0, 3, 1, 4, 2, 5]);
  const y = mx.nd.arange(24).reshape([2, 3, 4]);
  const p = mx.nd.transpose(y, [1, 2, 0]);
  assert.deepEqual(p.shape, [3, 4, 2]);
  const pv = await values(p);
  for (let j = 0; j < 3; j++) {
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < 2; i++) assert.equal(pv[j * 8 + k * 2 + i], i * 12 + j * 4 + k);
    }
  }
  const tDefault = await values(mx.nd.transpose(y));
  assert.equal(tDefault[1], 12); // element (k=0, j=0, i=1)
  const s = mx.nd.swapaxes(y, 0, 2);
  assert.deepEqual(s.shape, [4, 3, 2]);
  assert.deepEqual(await values(s), tDefault);
});

backendTest("values expandDims, squeeze, flatten", async () => {
  const x = mx.nd.array([1, 2, 3]);
  assert.deepEqual(mx.nd.expandDims(x, 0).shape, [1, 3]);
  assert.deepEqual(mx.nd.expandDims(x, 1).shape, [3, 1]);
  assert.deepEqual(mx.nd.expandDims(x, -1).shape, [3, 1]);
  assert.deepEqual(await values(mx.nd.expandDims(x, 1)), [1, 2, 3]);
  const y = mx.nd.zeros([1, 3, 1, 2]);
  assert.deepEqual(mx.nd.squeeze(y).shape, [3, 2]);
  assert.deepEqual(mx.nd.squeeze(y, 2).shape, [1, 3, 2]);
  assert.deepEqual(mx.nd.squeeze(y, [0, 2]).shape, [3, 2]);
  const f = mx.nd.flatten(mx.nd.arange(24).reshape([2, 3, 4]));
  assert.deepEqual(f.shape, [2, 12]);
  assert.deepEqual(await values(f), range(24));
});

// ---------------------------------------------------------------- join / split

backendTest("values concat (default dim 1) and stack", async () => {
  const a = mx.nd.array([[1, 2], [3, 4]]);
  const b = mx.nd.array([[5], [6]]);
  const c = mx.nd.concat([a, b]);
  assert.deepEqual(c.shape, [2, 3]);
  assert.deepEqual(await values(c), [1, 2, 5, 3, 4, 6]);
  const d = mx.nd.concat([a, mx.nd.array([[7, 8]])], { dim: 0 });
  assert.deepEqual(d.shape, [3, 2]);
  assert.deepEqual(await values(d), [1, 2, 3, 4, 7, 8]);
  const s0 = mx.nd.stack([a, a.mul(10)]);
  assert.deepEqual(s0.shape, [2, 2, 2]);
  assert.deepEqual(await values(s0), [1, 2, 3, 4, 10, 20, 30, 40]);
  const s2 = mx.nd.stack([a, a.mul(10)], { axis: 2 });
  assert.deepEqual(s2.shape, [2, 2, 2]);
  assert.deepEqual(await values(s2), [1, 10, 2, 20, 3, 30, 4, 40]);
});

backendTest("values split (SliceChannel)", async () => {
  const x = mx.nd.arange(12).reshape([2, 6]);
  const parts = mx.nd.split(x, { numOutputs: 3 });
  assert.equal(parts.length, 3);
  assert.deepEqual(parts[0].shape, [2, 2]);
  assert.deepEqual(await values(parts[0]), [0, 1, 6, 7]);
  assert.deepEqual(await values(parts[2]), [4, 5, 10, 11]);
  const rows = mx.nd.split(x, { numOutputs: 2, axis: 0, squeezeAxis: true });
  assert.deepEqual(rows[1].shape, [6]);
  assert.deepEqual(await values(rows[1]), [6, 7, 8, 9, 10, 11]);
});

// ---------------------------------------------------------------- slicing

backendTest("values slice: begin/end/step with negatives and null", async () => {
  const v = mx.nd.arange(10);
  const sl = (b: (number | null)[], e: (number | null)[], s?: (number | null)[]) =>
    values(mx.nd.slice(v, { begin: b, end: e, step: s }));
  assert.deepEqual(await sl([2], [5]), [2, 3, 4]);
  assert.deepEqual(await sl([-3], [null]), [7, 8, 9]);
  assert.deepEqual(await sl([1], [-1], [3]), [1, 4, 7]);
  assert.deepEqual(await sl([8], [2], [-2]), [8, 6, 4]);
  assert.deepEqual(await sl([null], [null], [-1]), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  const m = mx.nd.arange(12).reshape([3, 4]);
  const s2 = mx.nd.slice(m, { begin: [0, 1], end: [2, 3] });
  assert.deepEqual(s2.shape, [2, 2]);
  assert.deepEqual(await values(s2), [1, 2, 5, 6]);
  const s3 = mx.nd.slice(m, { begin: [null, 3], end: [null, 0], step: [2, -2] });
  assert.deepEqual(s3.shape, [2, 2]);
  assert.deepEqual(await values(s3), [3, 1, 11, 9]);
  // Fewer begin entries than axes: the remaining axes are taken whole.
  const s4 = mx.nd.slice(m, { begin: [1], end: [2] });
  assert.deepEqual(s4.shape, [1, 4]);
  assert.deepEqual(await values(s4), [4, 5, 6, 7]);
});

backendTest("values slice: blocks with contiguous rows, every rank and dtype", async () => {
  // Row blocks (`x[:, 1:3]`, `x[1:, :, 2:5]`, reversed outer axes) are copied row by row
  // on the native backend; each must equal the element-by-element host reference.
  const cases: {
    shape: number[];
    begin: (number | null)[];
    end: (number | null)[];
    step?: (number | null)[];
  }[] = [
    { shape: [7, 9], begin: [null, 1], end: [null, 3] },
    { shape: [5, 4, 6], begin: [1, null, 2], end: [4, null, 5] },
    { shape: [6, 5, 8], begin: [null, 4, 1], end: [null, 0, 7], step: [2, -1, 1] },
    { shape: [3, 4, 5, 6], begin: [1, 1, 0, 2], end: [3, 4, 5, 6] },
  ];
  for (const dtype of ["float32", "int32", "uint8", "float16"] as const) {
    for (const c of cases) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const host = Array.from({ length: n }, (_, i) => (i * 7) % 251);
      const x = mx.nd.array(host, { shape: c.shape, dtype });
      const got = mx.nd.slice(x, { begin: c.begin, end: c.end, step: c.step });
      // Reference: walk the output index space and read the source position.
      const st = c.shape.map((_, d) => c.shape.slice(d + 1).reduce((a, b) => a * b, 1));
      const axes = c.shape.map((len, d) => {
        const step = c.step?.[d] ?? 1;
        const b = c.begin[d] ?? (step > 0 ? 0 : len - 1);
        const e = c.end[d] ?? (step > 0 ? len : -1);
        const out: number[] = [];
        for (let i = b; step > 0 ? i < e : i > e; i += step) out.push(i);
        return out;
      });
      let want: number[] = [0];
      for (let d = 0; d < axes.length; d++) {
        want = want.flatMap((o) => axes[d].map((i) => o + i * st[d]));
      }
      assert.deepEqual(got.shape, axes.map((a) => a.length), `${dtype} ${JSON.stringify(c)}`);
      assert.deepEqual(
        await values(got),
        want.map((i) => host[i]),
        `${dtype} ${JSON.stringify(c)}`,
      );
    }
  }
});

backendTest("values sliceAxis", async () => {
  const m = mx.nd.arange(12).reshape([3, 4]);
  assert.deepEqual(
    await values(mx.nd.sliceAxis(m, { axis: 0, begin: 1, end: 3 })),
    range(12).slice(4),
  );
  const c = mx.nd.sliceAxis(m, { axis: 1, begin: -2, end: null });
  assert.deepEqual(c.shape, [3, 2]);
  assert.deepEqual(await values(c), [2, 3, 6, 7, 10, 11]);
  assert.deepEqual(await values(m.sliceAxis(-1, 0, 1)), [0, 4, 8]);
});

// ---------------------------------------------------------------- replicate / reorder

backendTest("values tile, repeat, flip", async () => {
  const a = mx.nd.array([[1, 2], [3, 4]]);
  const t = mx.nd.tile(a, [2, 2]);
  assert.deepEqual(t.shape, [4, 4]);
  assert.deepEqual(await values(t), [1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4]);
  const t1 = mx.nd.tile(a, [3]); // reps shorter than ndim: leading 1s
  assert.deepEqual(t1.shape, [2, 6]);
  const t3 = mx.nd.tile(mx.nd.array([1, 2]), [2, 1, 2]);
  assert.deepEqual(t3.shape, [2, 1, 4]);
  assert.deepEqual(await values(t3), [1, 2, 1, 2, 1, 2, 1, 2]);
  const r = mx.nd.repeat(a, { repeats: 2 }); // no axis: flattened
  assert.deepEqual(r.shape, [8]);
  assert.deepEqual(await values(r), [1, 1, 2, 2, 3, 3, 4, 4]);
  const r1 = mx.nd.repeat(a, { repeats: 2, axis: 1 });
  assert.deepEqual(r1.shape, [2, 4]);
  assert.deepEqual(await values(r1), [1, 1, 2, 2, 3, 3, 4, 4]);
  const r0 = mx.nd.repeat(a, { repeats: 2, axis: 0 });
  assert.deepEqual(await values(r0), [1, 2, 1, 2, 3, 4, 3, 4]);
  assert.deepEqual(await values(mx.nd.flip(a, 0)), [3, 4, 1, 2]);
  assert.deepEqual(await values(mx.nd.flip(a, 1)), [2, 1, 4, 3]);
  assert.deepEqual(await values(mx.nd.flip(a, [0, 1])), [4, 3, 2, 1]);
});

backendTest("values broadcastTo and broadcastLike", async () => {
  const a = mx.nd.array([[1], [2]]);
  const b = mx.nd.broadcastTo(a, [2, 3]);
  assert.deepEqual(b.shape, [2, 3]);
  assert.deepEqual(await values(b), [1, 1, 1, 2, 2, 2]);
  const c = mx.nd.broadcastTo(mx.nd.array([1, 2, 3]), [2, 3]);
  assert.deepEqual(await values(c), [1, 2, 3, 1, 2, 3]);
  const d = mx.nd.broadcastLike(mx.nd.array([[5, 6]]), mx.nd.zeros([3, 2]));
  assert.deepEqual(d.shape, [3, 2]);
  assert.deepEqual(await values(d), [5, 6, 5, 6, 5, 6]);
});

// ---------------------------------------------------------------- gather

backendTest("values take: axis 0/1, clip (default) and wrap", async () => {
  const a = mx.nd.array([[1, 2], [3, 4], [5, 6]]);
  const t = mx.nd.take(a, mx.nd.array([[0, 1], [1, 2]]));
  assert.deepEqual(t.shape, [2, 2, 2]);
  assert.deepEqual(await values(t), [1, 2, 3, 4, 3, 4, 5, 6]);
  const clip = mx.nd.take(a, mx.nd.array([-1, 5, 1]));
  assert.deepEqual(await values(clip), [1, 2, 5, 6, 3, 4]);
  const wrap = mx.nd.take(a, mx.nd.array([-1, 4, 1]), { mode: "wrap" });
  assert.deepEqual(await values(wrap), [5, 6, 3, 4, 3, 4]);
  const ax1 = mx.nd.take(a, mx.nd.array([1, 0, 1]), { axis: 1 });
  assert.deepEqual(ax1.shape, [3, 3]);
  assert.deepEqual(await values(ax1), [2, 1, 2, 4, 3, 4, 6, 5, 6]);
});

backendTest("values pick along axes, keepdims", async () => {
  const x = mx.nd.array([[1, 2], [3, 4], [5, 6]]);
  const p = mx.nd.pick(x, mx.nd.array([0, 1, 0]));
  assert.deepEqual(p.shape, [3]);
  assert.deepEqual(await values(p), [1, 4, 5]);
  assert.deepEqual(await values(mx.nd.pick(x, mx.nd.array([0, 1]), { axis: 0 })), [1, 4]);
  const k = mx.nd.pick(x, mx.nd.array([1, 1, 0]), { axis: 1, keepdims: true });
  assert.deepEqual(k.shape, [3, 1]);
  assert.deepEqual(await values(k), [2, 4, 5]);
});

// #19: mode "raise" used to behave as "clip"; MXNet's take raises on an index out of range.
backendTest("values take mode raise: in-range indices pass, out-of-range ones raise", async () => {
  const a = mx.nd.array([[1, 2], [3, 4], [5, 6]]);
  const ok = mx.nd.take(a, mx.nd.array([2, 0, 1.7]), { mode: "raise" });
  assert.deepEqual(await values(ok), [5, 6, 1, 2, 3, 4]);
  for (const [idx, axis, bad, len] of [[[0, 3], 0, 3, 3], [[-1], 0, -1, 3], [[2], 1, 2, 2]]) {
    const r = mx.nd.take(a, mx.nd.array(idx as number[]), { mode: "raise", axis: axis as number });
    await assert.rejects(values(r), (e: Error) => {
      assert.ok(e instanceof mx.MXNetError, String(e));
      assert.match(e.message, /take/);
      assert.match(
        e.message,
        new RegExp(`index ${bad} .*out of range for axis ${axis} of length ${len}`),
      );
      return true;
    });
  }
  // In a graph too.
  const s = mx.sym.take(mx.sym.Variable("a"), mx.sym.Variable("i"), { mode: "raise" });
  const ex = s.bind(a.context, { a, i: mx.nd.array([4]) });
  await assert.rejects(values(ex.forward()[0]), /index 4 .*out of range/);
  ex.dispose();
});

// #19: pick truncates its index and wraps it modulo the axis length as MXNet's kernel does;
// "wrap" used to give 0 for an index out of range and both modes 0 for a fractional index.
backendTest(
  "values pick modes: clip clamps, wrap wraps (negative too), indices truncated",
  async () => {
    const x = mx.nd.array([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
    const idx = mx.nd.array([3, -1, -4, 1.6]);
    assert.deepEqual(await values(mx.nd.pick(x, idx, { mode: "wrap" })), [1, 6, 9, 11]);
    assert.deepEqual(await values(mx.nd.pick(x, idx)), [3, 4, 7, 11]);
    assert.throws(
      () => mx.nd.pick(x, idx, { mode: "raise" as "clip" }),
      /pick: parameter mode expects one of clip, wrap, got "raise"/,
    );
  },
);

backendTest("values oneHot: depth, on/off values, out-of-range index", async () => {
  const o = mx.nd.oneHot(mx.nd.array([1, 0, 2, 0]), 3);
  assert.deepEqual(o.shape, [4, 3]);
  assert.equal(o.dtype, "float32");
  assert.deepEqual(await values(o), [0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0]);
  const v = mx.nd.oneHot(mx.nd.array([[1], [5]]), 3, { onValue: 8, offValue: -1 });
  assert.deepEqual(v.shape, [2, 1, 3]);
  assert.deepEqual(await values(v), [-1, 8, -1, -1, -1, -1]);
  const i = mx.nd.oneHot(mx.nd.array([2]), 3, { dtype: "int32" });
  assert.equal(i.dtype, "int32");
  assert.deepEqual(await values(i), [0, 0, 1]);
});

backendTest("values where", async () => {
  const cond = mx.nd.array([[1, 0], [0, 2]]);
  const x = mx.nd.array([[1, 2], [3, 4]]);
  const y = mx.nd.array([[10, 20], [30, 40]]);
  const w = mx.nd.where(cond, x, y);
  assert.deepEqual(w.shape, [2, 2]);
  assert.deepEqual(await values(w), [1, 20, 30, 4]);
  const neg = mx.nd.where(mx.nd.array([[-1, 0], [0.5, 0]]), x, y);
  assert.deepEqual(await values(neg), [1, 20, 3, 40]);
});
