/**
 * Differential test of the optimizer update operators against tools/gen_optim_cases.py
 * (float64 NumPy transcriptions of MXNet 1.9.1's kernels): each case runs through its
 * mx.nd function with the weight as `out`, as MXNet's optimizers call them, and the
 * result and every array written in place must match. Runs in float32 on every backend
 * and in float64 where the backend has it; float16 (mixed-precision) cases as written.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { LIST_FUNCTIONS } from "../../src/ops/optimizer/frontend.ts";
import { assertClose, backendTest } from "../_harness.ts";

interface Encoded {
  values: (number | string)[];
  shape: number[];
  dtype: string;
}
interface Case {
  id: string;
  fn: string;
  inputs: Encoded[];
  opts: Record<string, unknown>;
  outWeight: boolean;
  written: Record<string, Encoded>;
  result?: Encoded;
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/optim.json", import.meta.url)),
) as { cases: Case[] };

const num = (v: number | string) =>
  typeof v === "string" ? Number(v.replace("inf", "Infinity").replace("nan", "NaN")) : v;

/** The dtype a fixture array runs in: float64 data in `float`, others as written. */
const dtypeIn = (e: Encoded, float: "float32" | "float64") =>
  (e.dtype === "float64" ? float : e.dtype) as mx.DType;

/** Tolerance by the dtype the values were computed in. */
function tol(dtype: string) {
  if (dtype === "float16") return { rtol: 2e-3, atol: 2e-3 };
  if (dtype === "float32") return { rtol: 2e-5, atol: 1e-6 };
  return { rtol: 1e-10, atol: 1e-12 };
}

type NdFn = (...a: unknown[]) => unknown;

function call(c: Case, inputs: mx.NDArray[]): unknown {
  const fn = (mx.nd as unknown as Record<string, NdFn>)[c.fn];
  assert.equal(typeof fn, "function", `mx.nd.${c.fn} is not a function`);
  const list = LIST_FUNCTIONS[c.fn];
  if (list) {
    const grouped = inputs.slice(0, inputs.length - (list.trailing ?? 0));
    const out = c.outWeight ? grouped.filter((_, i) => i % list.group === 0) : undefined;
    return fn(inputs, { ...c.opts, ...(out ? { out } : {}) });
  }
  return fn(...inputs, { ...c.opts, ...(c.outWeight ? { out: inputs[0] } : {}) });
}

async function expectArray(got: mx.NDArray, want: Encoded, dtype: mx.DType, msg: string) {
  assert.deepEqual([...got.shape], want.shape, `${msg}: shape`);
  assert.equal(got.dtype, dtype, `${msg}: dtype`);
  const values = Array.from(await got.data() as ArrayLike<number>, Number);
  assertClose(values, want.values.map(num), { ...tol(dtype), msg });
}

assert.ok(fixture.cases.length >= 30, "the fixture holds the generator's cases");

for (const float of ["float32", "float64"] as const) {
  for (const c of fixture.cases) {
    backendTest(`optimizer op vs NumPy (${float}): ${c.id}`, async () => {
      await mx.nd.scope(async () => {
        const inputs = c.inputs.map((e) =>
          mx.nd.array(e.values.map(num), { shape: e.shape, dtype: dtypeIn(e, float) })
        );
        const result = call(c, inputs);
        if (c.result) {
          assert.ok(result instanceof mx.NDArray, `${c.id}: expected an array result`);
          await expectArray(result, c.result, dtypeIn(c.result, float), `${c.id}: result`);
        }
        for (const [i, want] of Object.entries(c.written)) {
          const x = inputs[Number(i)];
          await expectArray(x, want, x.dtype, `${c.id}: input ${i} after the update`);
        }
      });
    }, { dtypes: [float] });
  }
}

backendTest(
  "optimizer ops load from MXNet graph JSON and update states when executed",
  async () => {
    // The graph MXNet writes for sym.sgd_mom_update(w, g, mom, lr=0.1, momentum=0.9, ...).
    const json = JSON.stringify({
      nodes: [
        { op: "null", name: "w", inputs: [] },
        { op: "null", name: "g", inputs: [] },
        { op: "null", name: "mom", inputs: [] },
        {
          op: "sgd_mom_update",
          name: "sgd_mom_update0",
          attrs: {
            lr: "0.1",
            momentum: "0.9",
            wd: "0.01",
            rescale_grad: "2.0",
            clip_gradient: "0.5",
            lazy_update: "True",
          },
          inputs: [[0, 0, 0], [1, 0, 0], [2, 0, 0]],
        },
      ],
      arg_nodes: [0, 1, 2],
      heads: [[3, 0, 0]],
      attrs: { mxnet_version: ["int", 10901] },
    });
    const sym = mx.sym.loadJSON(json);
    assert.deepEqual(sym.listArguments(), ["w", "g", "mom"]);
    const w = mx.nd.array([1, -2]), g = mx.nd.array([0.1, -1]), mom = mx.nd.array([0.5, 0.5]);
    const ex = sym.bind(mx.cpu(), { w, g, mom });
    try {
      const [out] = ex.forward();
      // mom = 0.9*mom - lr*wd*w - lr*clip(2*g, 0.5)
      const m = [0.9 * 0.5 - 0.001 * 1 - 0.1 * 0.2, 0.9 * 0.5 + 0.001 * 2 + 0.1 * 0.5];
      assertClose(Array.from(await mom.data() as Float32Array), m, { rtol: 1e-6 });
      assertClose(Array.from(await out.data() as Float32Array), [1 + m[0], -2 + m[1]], {
        rtol: 1e-6,
      });
      // Without out, the weight itself is unchanged, as in MXNet.
      assert.deepEqual(Array.from(await w.data() as Float32Array), [1, -2]);
    } finally {
      ex.dispose();
    }
  },
);

Deno.test("optimizer ops: bad arguments are clear errors naming the operator and argument", () => {
  mx.nd.scope(() => {
    const w = mx.nd.ones([2, 3]), g = mx.nd.ones([2, 3]);
    const cases: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
      [() => mx.nd.sgdUpdate(w, g, {}), mx.ParamError, /sgd_update: parameter lr is required/],
      [
        () => mx.nd.sgdMomUpdate(w, g, mx.nd.ones([3]), { lr: 0.1 }),
        mx.ShapeError,
        /sgd_mom_update: mom has shape \[3\] but weight has \[2,3\]/,
      ],
      [
        () => mx.nd.mpSgdUpdate(w, g, mx.nd.ones([2, 3], { dtype: "float64" }), { lr: 0.1 }),
        mx.DTypeError,
        /mp_sgd_update: weight32 must be float32, got float64/,
      ],
      [
        () => mx.nd.adamwUpdate(w, g, w, g, mx.nd.ones([2]), { lr: 0.1, eta: 1 }),
        mx.ShapeError,
        /_adamw_update: rescale_grad must hold one element/,
      ],
      [
        () => mx.nd.multiSgdUpdate([w, g, w, g], { lrs: [0.1], wds: [0, 0] }),
        mx.ParamError,
        /multi_sgd_update: lrs must hold num_weights = 2 values, got 1/,
      ],
      [
        () => mx.nd.multiSgdUpdate([w, g, w], { lrs: [0.1], wds: [0] }),
        mx.ParamError,
        /multiSgdUpdate: expected a non-empty list of arrays in groups of 2, got 3/,
      ],
      [
        () => mx.nd.sgdUpdate(w, g, { lr: 0.1, out: [w, g] }),
        mx.ParamError,
        /sgdUpdate: out expects an NDArray/,
      ],
      [
        () => mx.nd.sgdUpdate(w, g, { lr: 0.1, momentum: 0.9 }),
        mx.ParamError,
        /sgdUpdate: unknown option momentum/,
      ],
    ];
    for (const [f, cls, re] of cases) {
      assert.throws(f, (e: Error) => e instanceof cls && re.test(e.message), String(re));
    }
  });
});

backendTest(
  "allFinite / multiAllFinite with initOutput false keep a cleared flag in out",
  async () => {
    await mx.nd.scope(async () => {
      const flag = mx.nd.ones([1]);
      mx.nd.multiAllFinite([mx.nd.array([1, 2])], { initOutput: false, out: flag });
      assert.deepEqual(Array.from(await flag.data() as Float32Array), [1]);
      mx.nd.allFinite(mx.nd.array([1, Infinity]), { initOutput: false, out: flag });
      assert.deepEqual(Array.from(await flag.data() as Float32Array), [0]);
      // A later finite batch does not set it again, as in MXNet.
      mx.nd.allFinite(mx.nd.array([3]), { init_output: false, out: flag });
      assert.deepEqual(Array.from(await flag.data() as Float32Array), [0]);
      // With initOutput (the default) the flag is computed afresh.
      mx.nd.allFinite(mx.nd.array([3]), { out: flag });
      assert.deepEqual(Array.from(await flag.data() as Float32Array), [1]);
    });
  },
);
