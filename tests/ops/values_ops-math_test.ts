/**
 * Differential test of the math operators of issue #19 (src/ops/math_extra.ts) against
 * PyTorch/NumPy float64 references with MXNet's rules where they differ
 * (tools/gen_ops-math_cases.py writes fixtures/ops-math.json). Every case runs in float64
 * on the backends that have it (tight tolerances: the float64 kernels use accurate special
 * functions) and in float32 on every backend (WebGPU computes in float32). Integer cases
 * run in int32 everywhere and must match exactly. Front-end spellings and errors follow.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { getOp } from "../../src/ops/registry.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

interface Encoded {
  values: (number | string)[];
  shape: number[];
  dtype: string;
}
interface Case {
  id: string;
  op: string;
  inputs: Encoded[];
  params: Record<string, unknown>;
  expect: Encoded;
  f64only: boolean;
  dtype: "float" | "int32";
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/ops-math.json", import.meta.url)),
) as { cases: Case[] };

const num = (v: number | string) =>
  typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v;

/** Relative/absolute tolerances per precision; special functions in float32 get more. */
const F64 = { rtol: 1e-12, atol: 1e-14 };
const F32 = { rtol: 2e-5, atol: 1e-6 };
const F32_SPECIAL: Record<string, { rtol: number; atol: number }> = {
  gamma: { rtol: 2e-4, atol: 1e-5 },
  gammaln: { rtol: 1e-4, atol: 1e-5 },
  erfinv: { rtol: 1e-5, atol: 1e-6 },
  log10: { rtol: 5e-5, atol: 1e-6 },
};

async function run(c: Case, dtype: mx.DType): Promise<number[]> {
  const xs = c.inputs.map((e) => mx.nd.array(e.values.map(num), { shape: e.shape, dtype }));
  const y = mx.engine.invokeOp(c.op, xs, c.params)[0];
  assert.deepEqual([...y.shape], c.expect.shape, `${c.id}: shape`);
  assert.equal(y.dtype, dtype, `${c.id}: dtype`);
  return await values(y);
}

assert.ok(fixture.cases.length >= 50, "the fixture holds every case");

for (const c of fixture.cases) {
  const want = c.expect.values.map(num);
  if (c.dtype === "int32") {
    backendTest(`ops-math vs reference: ${c.id}`, async () => {
      assert.deepEqual(await run(c, "int32"), want, c.id);
    }, { dtypes: ["int32"] });
    continue;
  }
  backendTest(`ops-math vs reference (float64): ${c.id}`, async () => {
    assertClose(await run(c, "float64"), want, { ...F64, msg: c.id });
  }, { dtypes: ["float64"] });
  if (c.f64only) continue;
  backendTest(`ops-math vs reference (float32): ${c.id}`, async () => {
    // The references are float64: what a float32 result rounds them to is compared.
    const want32 = Array.from(new Float32Array(want));
    assertClose(await run(c, "float32"), want32, { ...(F32_SPECIAL[c.op] ?? F32), msg: c.id });
  });
}

backendTest("ops-math: front ends (mx.nd functions, NDArray methods, mx.np)", async () => {
  const x = mx.nd.array([-7, -2.5, 0.5, 3, 7.5]);
  const y = mx.nd.array([3, -2, 0, 2, -4]);
  assert.deepEqual(await values(mx.nd.modulo(x, y)), [2, -0.5, 0, 1, -0.5]);
  assert.deepEqual(await values(x.mod(3)), [2, 0.5, 0.5, 0, 1.5]);
  assert.deepEqual(await values(mx.nd.modulo(10, x)), [-4, 0, 0, 1, 2.5]);
  assert.deepEqual(await values(mx.nd.logicalAnd(x, y)), [1, 1, 0, 1, 1]);
  assert.deepEqual(await values(mx.nd.logicalOr(0, y)), [1, 1, 0, 1, 1]);
  assert.deepEqual(await values(mx.nd.logicalXor(x, y)), [0, 0, 1, 0, 0]);
  assert.deepEqual(await values(mx.nd.logicalNot(y)), [0, 0, 1, 0, 0]);
  assert.deepEqual(await values(mx.nd.broadcastMod(x, mx.nd.array([3]))), [2, 0.5, 0.5, 0, 1.5]);
  assert.deepEqual(
    await values(mx.nd.broadcastHypot(mx.nd.array([3, 5]), mx.nd.array([4]))),
    [
      5,
      Math.hypot(5, 4),
    ].map((v) => Math.fround(v)),
  );
  const n = mx.nd.array([[1, NaN], [2, 3]]);
  assert.deepEqual(await values(n.nansum()), [6]);
  assert.deepEqual(await values(n.nanprod({ axis: 1 })), [1, 6]);
  assert.deepEqual(await values(mx.nd.nansum(n, { axis: 0 })), [3, 3]);
  assert.deepEqual(await values(mx.nd.hardSigmoid(mx.nd.array([-5, 0, 5]), { alpha: 0.25 })), [
    0,
    0.5,
    1,
  ]);
  assertClose(await values(mx.nd.softmin(mx.nd.array([1, 2]))), [
    1 / (1 + Math.exp(-1)),
    1 / (1 + Math.exp(1)),
  ]);
  // mx.np runs on the same rows: Python's mod, 0 where the divisor is 0 (MXNet's _npi_mod).
  const a = mx.np.array([-7, 7, 5], { dtype: "float32" });
  assert.deepEqual(await values(mx.np.mod(a, mx.np.array([3, -3, 0], { dtype: "float32" }))), [
    2,
    -2,
    0,
  ]);
  assertClose(await values(mx.np.log2(mx.np.array([8, 0.5]))), [3, -1]);
  assertClose(await values(mx.np.arcsinh(mx.np.array([-1e4]))), [Math.asinh(-1e4)]);
  assertClose(await values(mx.npx.gamma(mx.np.array([5, 0.5]))), [24, Math.sqrt(Math.PI)]);
  assertClose(await values(mx.npx.gammaln(mx.np.array([10]))), [Math.log(362880)]);
  assertClose(await values(mx.npx.erfinv(mx.np.array([0.5]))), [0.4769362762044699]);
});

Deno.test("ops-math: MXNet's names and aliases resolve to one operator each", () => {
  const same = (a: string, b: string) => assert.equal(getOp(a), getOp(b), `${a} is ${b}`);
  same("_mod", "broadcast_mod");
  same("_Mod", "broadcast_mod");
  same("_hypot", "broadcast_hypot");
  same("_Hypot", "broadcast_hypot");
  same("_logical_and", "broadcast_logical_and");
  same("_Logical_Xor", "broadcast_logical_xor");
  same("_ModScalar", "_mod_scalar");
  same("_RModScalar", "_rmod_scalar");
  same("_HypotScalar", "_hypot_scalar");
  same("_npi_hypot_scalar", "_hypot_scalar");
  same("_LogicalOrScalar", "_logical_or_scalar");
  same("_npx_gamma", "gamma");
  same("_npx_gammaln", "gammaln");
  same("_npx_erfinv", "erfinv");
  const s = mx.sym.modulo(mx.sym.var("a"), 2);
  assert.match(s.toJSON(), /"op": "_mod_scalar"/);
  assert.match(mx.sym.hardSigmoid(mx.sym.var("a"), { alpha: 0.3 }).toJSON(), /"alpha": "0.3"/);
});

Deno.test("ops-math: bad parameters name the operator and the argument", () => {
  const x = mx.nd.array([1, 2], { ctx: mx.cpu() });
  assert.throws(
    () => mx.nd.hardSigmoid(x, { alpha: "big" as unknown as number }),
    (e: Error) =>
      e instanceof mx.MXNetError && /hard_sigmoid/.test(e.message) && /alpha/.test(e.message),
  );
  assert.throws(
    () => mx.nd.nansum(x, { axis: 3 }),
    (e: Error) => e instanceof mx.MXNetError && /nansum/.test(e.message) && /axis/.test(e.message),
  );
  assert.throws(
    () => mx.nd.broadcastMod(x, mx.nd.array([1, 2], { dtype: "int32" })),
    (e: Error) => e instanceof mx.MXNetError && /broadcast_mod/.test(e.message),
  );
  x.dispose();
});
