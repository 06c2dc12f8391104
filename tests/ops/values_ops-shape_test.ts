/**
 * Differential test of the #19 shape and indexing operators (add_n, broadcast_axis,
 * slice_like, gather_nd, scatter_nd, depth_to_space, SequenceLast, diag, moments, cumsum,
 * ...): tools/gen_ops-shape_cases.py wrote fixed inputs and NumPy/PyTorch float64 results
 * to fixtures/ops-shape.json. Every case runs through the registry on each backend, in
 * float64 where the backend has it and in float32 everywhere; then the errors bad
 * parameters and shapes give, naming the operator and the argument.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { MXNetError } from "../../src/core/errors.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

interface Encoded {
  /** null stands for NaN (JSON has none). */
  values: (number | null)[];
  shape: number[];
  dtype: string;
}
interface Case {
  id: string;
  op: string;
  inputs: Encoded[];
  params: Record<string, unknown>;
  expect: Encoded[];
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/ops-shape.json", import.meta.url)),
) as { cases: Case[] };

const nums = (e: Encoded) => e.values.map((v) => v ?? NaN);

/** Float inputs in `float`; index inputs keep their integer dtype (int64 ones as int32). */
function input(e: Encoded, float: "float32" | "float64"): mx.NDArray {
  const dtype = e.dtype === "float64" ? float : e.dtype === "int64" ? "int32" : e.dtype;
  return mx.nd.array(nums(e), { shape: e.shape, dtype: dtype as mx.DType });
}

for (const float of ["float64", "float32"] as const) {
  for (const c of fixture.cases) {
    backendTest(`ops-shape ${c.id} (${float})`, async () => {
      const outs = mx.engine.invokeOp(c.op, c.inputs.map((e) => input(e, float)), c.params);
      assert.equal(outs.length, c.expect.length, `${c.id}: number of outputs`);
      for (let i = 0; i < outs.length; i++) {
        assert.deepEqual(outs[i].shape, c.expect[i].shape, `${c.id}: output ${i} shape`);
        const tol = float === "float64" ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-6 };
        assertClose(await values(outs[i]), nums(c.expect[i]), { ...tol, msg: `${c.id} out ${i}` });
      }
    }, {
      // shape_array and size_array answer in int64, which WGSL lacks (a documented limit).
      dtypes: [
        ...(float === "float64" ? ["float64" as const] : []),
        ...(c.expect.some((e) => e.dtype === "int64") ? ["int64" as const] : []),
      ],
    });
  }
}

backendTest("ops-shape result dtypes follow MXNet", () => {
  const x = mx.nd.ones([2, 3], { dtype: "float32" });
  assert.equal(mx.nd.shapeArray(x).dtype, "int64");
  assert.equal(mx.nd.sizeArray(x).dtype, "int64");
  assert.equal(mx.nd.argmaxChannel(x).dtype, "float32");
  assert.equal(mx.nd.cumsum(x, { dtype: "float64" }).dtype, "float64");
  assert.equal(mx.nd.cumsum(mx.nd.ones([3], { dtype: "bool" })).dtype, "int64");
}, { dtypes: ["int64"] });

/** Asserts that `fn` throws an MXNetError whose message holds every one of `parts`. */
function throwsNaming(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MXNetError, `expected an MXNetError, got ${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

Deno.test("ops-shape: bad parameters and shapes name the operator and the argument", () => {
  mx.nd.scope(() => {
    const x4 = mx.nd.ones([1, 3, 4, 4]);
    throwsNaming(() => mx.nd.depthToSpace(x4, 2), "depth_to_space", "block_size");
    throwsNaming(
      () => mx.nd.spaceToDepth(mx.nd.ones([1, 1, 3, 4]), 2),
      "space_to_depth",
      "block_size",
    );
    throwsNaming(() => mx.nd.depthToSpace(x4, 0), "depth_to_space", "blockSize");
    throwsNaming(() => mx.nd.depthToSpace(mx.nd.ones([4, 4]), 2), "depth_to_space", "4-D");
    const x = mx.nd.ones([2, 1, 3]);
    throwsNaming(() => mx.nd.broadcastAxis(x, 0, 4), "broadcast_axis", "axis 0", "size 1");
    throwsNaming(() => mx.nd.broadcastAxis(x, 5, 4), "broadcast_axis: axis", "5");
    throwsNaming(() => mx.nd.broadcastAxis(x, [1, 2], [4]), "broadcast_axis", "size");
    throwsNaming(
      () => mx.nd.broadcastLike(x, mx.nd.ones([5]), { lhsAxes: [0], rhsAxes: [0] }),
      "broadcast_like",
      "lhs_axes",
    );
    throwsNaming(
      () => mx.nd.broadcastLike(x, mx.nd.ones([5]), { lhsAxes: [1], rhsAxes: [3] }),
      "broadcast_like: rhs_axes",
    );
    throwsNaming(() => mx.nd.sliceLike(x, mx.nd.ones([2, 2, 3])), "slice_like", "shape_like");
    throwsNaming(() => mx.nd.sliceLike(x, mx.nd.ones([1, 1]), { axes: [3] }), "slice_like: axes");
    throwsNaming(() => mx.nd.gatherNd(x, mx.nd.ones([4, 2])), "gather_nd", "indices");
    throwsNaming(() => mx.nd.gatherNd(x, mx.nd.ones([2])), "gather_nd", "indices");
    throwsNaming(
      () => mx.nd.scatterNd(mx.nd.ones([3]), mx.nd.ones([1, 2]), [4]),
      "scatter_nd",
      "data",
    );
    throwsNaming(
      () => mx.nd.diag(mx.nd.ones([2, 3]), { axis1: 1, axis2: 1 }),
      "diag",
      "axis1",
      "axis2",
    );
    throwsNaming(() => mx.nd.diag(mx.nd.ones([2, 3]), { k: 4 }), "diag", "k");
    throwsNaming(() => mx.nd.diag(mx.nd.ones([2, 3]), { axis2: 2 }), "diag: axis2");
    throwsNaming(() => mx.nd.moments(x, { axes: [3] }), "moments: axes");
    throwsNaming(() => mx.nd.cumsum(x, { axis: 3 }), "cumsum: axis");
    throwsNaming(() => mx.nd.addN(x, mx.nd.ones([2, 3])), "add_n", "arg1");
    throwsNaming(
      () => mx.nd.khatriRao(mx.nd.ones([2, 3]), mx.nd.ones([2, 2])),
      "khatri_rao",
      "arg1",
    );
    throwsNaming(
      () => mx.nd.batchTake(mx.nd.ones([3, 4]), mx.nd.ones([2])),
      "batch_take",
      "indices",
    );
    const seq = mx.nd.ones([3, 2, 2]);
    throwsNaming(
      () => mx.nd.SequenceLast(seq, mx.nd.ones([3]), { useSequenceLength: true }),
      "SequenceLast",
      "sequence_length",
    );
    throwsNaming(() => mx.nd.SequenceReverse(seq, { axis: 1 }), "SequenceReverse", "axis");
    throwsNaming(() => mx.nd.SequenceLast(seq, { axis: 2 }), "SequenceLast", "axis");
    throwsNaming(
      () => mx.nd.ravelMultiIndex(mx.nd.ones([3, 2]), [2, 2]),
      "_ravel_multi_index",
      "shape",
    );
    throwsNaming(
      () => mx.engine.invokeOp("_split_v2", [mx.nd.ones([5])], { sections: 2, axis: 0 }),
      "_split_v2",
      "sections",
    );
    throwsNaming(
      () => mx.engine.invokeOp("_contrib_index_copy", [x, mx.nd.ones([1]), mx.nd.ones([2, 1])]),
      "_contrib_index_copy",
      "new_tensor",
    );
  });
});

backendTest("ops-shape: graphs from Symbol JSON and the front ends agree", async () => {
  const data = mx.sym.Variable("data");
  const y = mx.sym.addN(
    mx.sym.gatherNd(data, mx.sym.Variable("idx")),
    mx.sym.SequenceLast(mx.sym.Variable("seq")),
  );
  const loaded = mx.sym.loadJSON(y.toJSON());
  const d = mx.nd.array([[1, 2], [3, 4]]), idx = mx.nd.array([[1, 0], [0, 1]]);
  const seq = mx.nd.array([[10, 20], [30, 40]]);
  const ex = loaded.bind(mx.cpu(), { data: d, idx, seq });
  try {
    const [out] = ex.forward();
    assert.deepEqual(await values(out), [3 + 30, 2 + 40]);
  } finally {
    ex.dispose();
  }
});

backendTest("ops-shape: booleanMask keeps the marked slices and differentiates", async () => {
  const x = mx.nd.array([[1, 2], [3, 4], [5, 6]]);
  const kept = await mx.nd.booleanMask(x, mx.nd.array([1, 0, 1]));
  assert.deepEqual(await kept.array(), [[1, 2], [5, 6]]);
  const cols = await mx.nd.booleanMask(x, mx.nd.array([0, 1]), { axis: 1 });
  assert.deepEqual(await cols.array(), [[2], [4], [6]]);
  x.attachGrad();
  const mask = mx.nd.array([0, 1, 1]);
  const picked = await mx.autograd.record(() => mx.nd.booleanMask(x, mask));
  mx.autograd.backward([picked], [mx.nd.array([[1, 2], [3, 4]])]);
  assert.deepEqual(await x.grad!.array(), [[0, 0], [1, 2], [3, 4]]);
  await assert.rejects(() => mx.nd.booleanMask(x, mx.nd.array([1, 0])), /booleanMask: index/);
});

backendTest("ops-shape: splitV2 and histogram take MXNet's Python arguments", async () => {
  const x = mx.nd.array([[1, 2, 3, 4], [5, 6, 7, 8]]);
  const parts = mx.nd.splitV2(x, [1, 3], { axis: 1 });
  assert.deepEqual(await Promise.all(parts.map((p) => p.array())), [
    [[1], [5]],
    [[2, 3], [6, 7]],
    [[4], [8]],
  ]);
  const rows = mx.nd.splitV2(x, 2, { squeezeAxis: true });
  assert.deepEqual(await Promise.all(rows.map((p) => p.array())), [[1, 2, 3, 4], [5, 6, 7, 8]]);
  const s = mx.sym.splitV2(mx.sym.Variable("x"), 2, { axis: 1, name: "parts" });
  assert.deepEqual(s.listOutputs(), ["parts_output0", "parts_output1"]);
  assert.throws(() => mx.nd.histogram(x, 3), /histogram: with a bin count, range/);
}, { dtypes: ["int64"] });

backendTest("ops-shape: npx.gatherNd, npx.shapeArray, npx.arangeLike", async () => {
  const { np, npx } = mx;
  const a = np.array([[1, 2], [3, 4]]);
  assert.deepEqual(await npx.gatherNd(a, np.array([[1, 0], [0, 1]])).tolist(), [3, 2]);
  assert.deepEqual(await npx.arangeLike(a, { start: 1, repeat: 2 }).tolist(), [[1, 1], [2, 2]]);
  assert.deepEqual(await npx.shapeArray(np.zeros([2, 5])).tolist(), [2, 5]);
}, { dtypes: ["int64"] });

/** A graph of one node `op` over variables x0..x(n-1), as Apache MXNet writes it. */
function oneNodeGraph(op: string, attrs: Record<string, string>, inputs: number): string {
  const vars = [...Array(inputs).keys()];
  return JSON.stringify({
    nodes: [
      ...vars.map((i) => ({ op: "null", name: `x${i}`, inputs: [] })),
      { op, name: "y", attrs, inputs: vars.map((i) => [i, 0, 0]) },
    ],
    arg_nodes: vars,
    node_row_ptr: [...Array(inputs + 2).keys()],
    heads: [[inputs, 0, 0]],
    attrs: { mxnet_version: ["int", 10901] },
  });
}

Deno.test("ops-shape: graph JSON with MXNet's attribute strings loads and infers shapes", () => {
  const cases: [string, Record<string, string>, number[][], number[]][] = [
    ["_np_cumsum", { axis: "None", dtype: "None" }, [[2, 3]], [6]],
    ["cumsum", { axis: "1" }, [[2, 3]], [2, 3]],
    ["broadcast_like", { lhs_axes: "(0,)", rhs_axes: "(1,)" }, [[1, 3], [2, 5]], [5, 3]],
    ["broadcast_like", { lhs_axes: "None", rhs_axes: "None" }, [[1, 3], [2, 3]], [2, 3]],
    ["broadcast_axes", { axis: "(0,)", size: "(4,)" }, [[1, 3]], [4, 3]],
    ["slice_like", { axes: "()" }, [[3, 4], [2, 3]], [2, 3]],
    ["moments", { axes: "(1,)", keepdims: "True" }, [[2, 3]], [2, 1]],
    ["ElementWiseSum", { num_args: "2" }, [[2, 3], [2, 3]], [2, 3]],
    ["_histogram", { bin_cnt: "4", range: "(0, 1)" }, [[5]], [4]],
    ["_contrib_arange_like", { start: "0.0", step: "1.0", repeat: "1", ctx: "", axis: "None" }, [[
      2,
      3,
    ]], [2, 3]],
    ["_split_v2", { indices: "(0, 1)", axis: "1", squeeze_axis: "0", sections: "0" }, [[2, 3]], [
      2,
      1,
    ]],
    ["depth_to_space", { block_size: "2" }, [[1, 4, 2, 2]], [1, 1, 4, 4]],
    ["SequenceLast", { use_sequence_length: "True", axis: "0" }, [[3, 2], [2]], [2]],
    ["_contrib_allclose", { rtol: "1e-05", atol: "1e-08", equal_nan: "True" }, [[2], [2]], []],
    ["gather_nd", {}, [[3, 4], [2, 5]], [5]],
    ["scatter_nd", { shape: "(3, 4)" }, [[5], [2, 5]], [3, 4]],
    ["diag", { k: "-1", axis1: "0", axis2: "1" }, [[3, 4]], [2]],
    ["khatri_rao", { num_args: "2" }, [[2, 3], [4, 3]], [8, 3]],
  ];
  for (const [op, attrs, shapes, want] of cases) {
    const s = mx.sym.loadJSON(oneNodeGraph(op, attrs, shapes.length));
    const { outShapes } = s.inferShape(Object.fromEntries(shapes.map((sh, i) => [`x${i}`, sh])));
    assert.deepEqual(outShapes[0], want, op);
  }
});

backendTest("ops-shape: gather_nd raises on an index out of bounds, as MXNet's does", async () => {
  const x = mx.nd.array([[1, 2, 3], [4, 5, 6]]);
  // In range, negative ones included: -2 is row 0, -1 is column 2.
  const ok = mx.nd.gatherNd(x, mx.nd.array([[-2, 1], [-1, 0]]));
  assert.deepEqual(await values(ok), [3, 4]);
  for (const bad of [[[2], [0]], [[0], [3]], [[-3], [0]]]) {
    const y = mx.nd.gatherNd(x, mx.nd.array(bad));
    await assert.rejects(
      () => y.data(),
      (e: Error) =>
        e instanceof mx.MXNetError && /gather_nd: index -?\d+ is out of bounds/.test(e.message),
    );
  }
});
