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
