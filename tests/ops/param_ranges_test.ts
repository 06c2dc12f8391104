/**
 * Parameters are checked by their declared type and range (ParamSpec, as MXNet 1.9
 * declares them) in one place, parseParams, which mx.nd, mx.sym and graph JSON all use:
 * a non-integer or out-of-range value is a ParamError naming the operator and the
 * parameter in both spellings. Allocations too large for a backend are MXNetErrors
 * saying how many bytes were asked and what there is.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { applyOp } from "../../src/ndarray/apply.ts";
import { parseParams } from "../../src/ops/params.ts";
import { ALL_OPS, getOp } from "../../src/ops/registry.ts";
import { loadJSON } from "../../src/symbol/json.ts";
import { createSymbol } from "../../src/symbol/symbol.ts";
import { backendTest, values } from "../_harness.ts";

/** A ParamError whose message matches every pattern. */
function paramError(...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof mx.ParamError, `expected a ParamError, got ${e}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

/** A one-operator graph in MXNet's JSON: a variable per input, then the op with `attrs`. */
function graph(op: string, inputs: string[], attrs: Record<string, string>): string {
  const nodes = [
    ...inputs.map((name) => ({ op: "null", name, inputs: [] })),
    { op, name: "node", attrs, inputs: inputs.map((_, i) => [i, 0, 0]) },
  ];
  return JSON.stringify({
    nodes,
    arg_nodes: inputs.map((_, i) => i),
    heads: [[inputs.length, 0, 0]],
  });
}

const FC_ERR = [/FullyConnected: parameter numHidden \(num_hidden\)/, /an integer >= 1/];

Deno.test("params: FullyConnected numHidden -5 and 0 fail on mx.nd, mx.sym and JSON load", () => {
  const data = mx.nd.ones([2, 3]);
  for (const numHidden of [-5, 0, 2.5]) {
    const got = new RegExp(`got ${numHidden}`);
    assert.throws(
      () =>
        mx.nd.FullyConnected({
          data,
          weight: mx.nd.ones([1, 3]),
          bias: mx.nd.ones([1]),
          numHidden,
        }),
      paramError(...FC_ERR.slice(0, 1), got),
    );
    assert.throws(
      () => mx.sym.FullyConnected({ data: mx.sym.Variable("data"), numHidden }),
      paramError(...FC_ERR.slice(0, 1), got),
    );
    assert.throws(
      () =>
        loadJSON(graph("FullyConnected", ["data", "w", "b"], { num_hidden: String(numHidden) })),
      paramError(...FC_ERR.slice(0, 1), new RegExp(`got "${numHidden}"`)),
    );
  }
  // The lower bound itself is fine, and simpleBind then works.
  const fc = mx.sym.FullyConnected({ data: mx.sym.Variable("data"), numHidden: 1 });
  const ex = fc.simpleBind(mx.cpu(), { data: [2, 3] });
  ex.forward();
  assert.deepEqual(ex.outputs[0].shape, [2, 1]);
});

Deno.test("params: reshape to a non-integer shape fails on every front end", () => {
  const x = mx.nd.ones([6]);
  const err = paramError(/Reshape: parameter shape/, /a tuple of integers >= -4/, /1\.5/);
  assert.throws(() => x.reshape([1.5, 4]), err);
  assert.throws(() => mx.nd.reshape(x, [1.5, 4]), err);
  assert.throws(() => mx.sym.Reshape({ data: mx.sym.Variable("x"), shape: [1.5, 4] }), err);
  assert.throws(() => loadJSON(graph("Reshape", ["x"], { shape: "(1.5, 4)" })), err);
  // Codes below -4 are not MXNet's; the special codes still work.
  assert.throws(() => x.reshape([-5, 6]), paramError(/Reshape: parameter shape/));
  assert.deepEqual(x.reshape([-1, 2]).shape, [3, 2]);
  assert.deepEqual(x.reshape([-4, 2, -1]).shape, [2, 3]);
});

Deno.test("params: one_hot with a negative depth fails on every front end", () => {
  const idx = mx.nd.array([0, 1]);
  const err = paramError(/one_hot: parameter depth/, /an integer >= 0/, /got -1/);
  assert.throws(() => mx.nd.oneHot(idx, -1), err);
  assert.throws(() => mx.sym.oneHot(mx.sym.Variable("i"), { depth: -1 }), err);
  assert.throws(() => loadJSON(graph("one_hot", ["i"], { depth: "-1" })), paramError(/depth/));
  assert.deepEqual(mx.nd.oneHot(idx, 0).shape, [2, 0]);
  assert.deepEqual(mx.nd.eye(0).shape, [0, 0]);
});

/** Declared ranges of other operators: [op, inputs, bad params, pattern]. */
const OTHER: [string, number[][], Record<string, unknown>, RegExp][] = [
  ["Dropout", [[2, 3]], { p: 1.5 }, /Dropout: parameter p expects a number in \[0, 1\], got 1\.5/],
  ["Dropout", [[2, 3]], { p: -0.1 }, /parameter p expects a number in \[0, 1\]/],
  ["Convolution", [[1, 1, 5, 5], [2, 1, 0, 3], [2]], { kernel: [0, 3], numFilter: 2 }, /kernel/],
  ["Convolution", [[1, 1, 5, 5], [2, 1, 3, 3], [2]], {
    kernel: [3, 3],
    numFilter: 2,
    stride: [0, 1],
  }, /stride/],
  [
    "Convolution",
    [[1, 2, 5, 5], [2, 2, 3, 3], [2]],
    { kernel: [3, 3], numFilter: 2, numGroup: 0 },
    /numGroup \(num_group\)/,
  ],
  ["Pooling", [[1, 1, 4, 4]], { kernel: [2, 2], stride: [0, 2] }, /Pooling: parameter stride/],
  ["Pooling", [[1, 1, 4, 4]], { kernel: [2, 2], pad: [-1, 0] }, /Pooling: parameter pad/],
  ["norm", [[2, 3]], { ord: 3 }, /norm: parameter ord expects one of 1, 2, got 3/],
  [
    "Embedding",
    [[2], [0, 3]],
    { inputDim: 0, outputDim: 3 },
    /inputDim \(input_dim\) expects an integer >= 1/,
  ],
  ["SliceChannel", [[2, 4]], { numOutputs: 0 }, /numOutputs \(num_outputs\)/],
  ["repeat", [[3]], { repeats: -2 }, /repeat: parameter repeats expects an integer >= 0/],
  ["tile", [[3]], { reps: [-1] }, /tile: parameter reps/],
  ["SoftmaxOutput", [[2, 3], [2]], { smoothAlpha: 2 }, /smoothAlpha \(smooth_alpha\)/],
  ["GroupNorm", [[1, 2, 3], [2], [2]], { numGroups: 0 }, /numGroups \(num_groups\)/],
  ["argsort", [[3]], { dtype: "bool" }, /argsort: parameter dtype expects one of/],
  [
    "_random_uniform",
    [],
    { shape: [2], dtype: "int32" },
    /dtype expects one of float32, float64, float16/,
  ],
  ["_arange", [], { start: 0, stop: 3, repeat: 0 }, /repeat expects an integer >= 1/],
  ["pick", [[2, 3], [2]], { mode: "raise" }, /pick: parameter mode expects one of clip, wrap/],
];

for (const [op, shapes, params, pattern] of OTHER) {
  Deno.test(`params: ${op} ${JSON.stringify(params)} is a ParamError on mx.nd and mx.sym`, () => {
    const def = getOp(op);
    const inputs = shapes.map((s) => mx.nd.zeros(s));
    assert.throws(() => applyOp(def, inputs, params), paramError(pattern));
    const vars = shapes.map((_, i) => mx.sym.Variable(`in${i}`));
    assert.throws(() => createSymbol(op, vars, params), paramError(pattern));
  });
}

Deno.test("params: a number written as text is parsed as MXNet writes it, else a ParamError", () => {
  const bn = getOp("BatchNorm");
  for (const text of ["abc", "", " ", "1.5.2", "(1,)"]) {
    assert.throws(
      () => parseParams(bn, { eps: text }),
      paramError(
        /BatchNorm: parameter eps expects a number/,
        new RegExp(`got ${JSON.stringify(text).replace(/[()[\].]/g, "\\$&")}`),
      ),
    );
    assert.throws(
      () => loadJSON(graph("FullyConnected", ["data", "w", "b"], { num_hidden: text })),
      paramError(/^json: node 3 \(node\): FullyConnected: parameter numHidden \(num_hidden\)/),
    );
  }
  // Python's str() of floats: inf, -inf, nan (clip's bounds are often inf).
  const clip = getOp("clip");
  assert.deepEqual(parseParams(clip, { a_min: "-inf", a_max: "inf" }), {
    aMin: -Infinity,
    aMax: Infinity,
  });
  assert.ok(Number.isNaN(parseParams(bn, { eps: "nan" }).eps));
  assert.equal(parseParams(bn, { eps: " 1e-3 " }).eps, 1e-3);
});

Deno.test("params: topk with k < 1 returns the whole axis sorted, as MXNet", async () => {
  const x = mx.nd.array([3, 1, 2]);
  for (const k of [0, -1]) {
    const v = mx.nd.topk(x, { k, retTyp: "value" });
    assert.deepEqual(await values(v), [3, 2, 1]);
  }
});

Deno.test("params: every declared default lies in its own declared range", () => {
  for (const def of ALL_OPS) {
    for (const [key, spec] of Object.entries(def.params)) {
      if (spec.default === null || spec.default === undefined) continue;
      try {
        parseParams(def, { [key]: spec.default });
      } catch (e) {
        // Only a missing required parameter may stop it.
        assert.match((e as Error).message, /is required/, `${def.name}.${key}: ${e}`);
      }
    }
  }
});

backendTest("alloc: zeros([2**40]) is an MXNetError naming the bytes asked", () => {
  assert.throws(
    () => mx.nd.zeros([2 ** 40]),
    (e: Error) =>
      e instanceof mx.MXNetError && /4398046511104 bytes/.test(e.message) &&
      /available|free|exceeds|largest/.test(e.message),
  );
  // Past what any array can address: refused before the memory is asked for.
  assert.throws(
    () => mx.nd.zeros([2 ** 30, 2 ** 30, 2 ** 30]),
    (e: Error) =>
      e instanceof mx.MXNetError && /at most 9007199254740991 bytes|exceeds/.test(e.message),
  );
  // The failed allocations left nothing live and the backend still works.
  assert.deepEqual(mx.nd.zeros([3]).shape, [3]);
});
