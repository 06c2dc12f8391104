/**
 * Differential test of MXNet's `_linalg_*` operators against PyTorch in float64
 * (tools/gen_ops-linalg_cases.py wrote fixtures/ops-linalg.json). Every case runs on each
 * float64-capable backend; the host factorizations only where memory is on the host, and
 * the composites also in float32 on backends without float64 (WebGPU).
 */
import * as mx from "../../mod.ts";
import { backendByName, setCpuBackend } from "../../backends/mod.ts";
import { assertClose, BACKENDS, backendTest, randomValues } from "../_harness.ts";
import assert from "node:assert/strict";

interface Encoded {
  shape: number[];
  values: (number | string)[];
}
interface Case {
  name: string;
  op: string;
  params: Record<string, unknown>;
  host: boolean;
  inputs: Encoded[];
  outputs: Encoded[];
}

const { cases } = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/ops-linalg.json", import.meta.url)),
) as { cases: Case[] };

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const num = (v: number | string) =>
  typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v;

async function check(c: Case, dtype: "float64" | "float32", tol: { rtol: number; atol: number }) {
  const xs = c.inputs.map((e) => mx.nd.array(e.values.map(num), { shape: e.shape, dtype }));
  const params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [camel(k), v]));
  const outs = mx.engine.invokeOp(c.op, xs, params);
  assert.equal(outs.length, c.outputs.length, `${c.name}: number of outputs`);
  for (let i = 0; i < outs.length; i++) {
    assert.deepEqual([...outs[i].shape], c.outputs[i].shape, `${c.name}: output ${i} shape`);
    const got = Array.from(await outs[i].data() as Float64Array);
    assertClose(got, c.outputs[i].values.map(num), { ...tol, msg: `${c.name}: output ${i}` });
  }
}

for (const c of cases) {
  backendTest(
    `linalg ${c.name} (${c.op}) equals torch`,
    () => check(c, "float64", { rtol: 1e-9, atol: 1e-10 }),
    {
      dtypes: ["float64"],
      hostCompute: c.host,
    },
  );
  if (!c.host) {
    backendTest(
      `linalg ${c.name} (${c.op}) float32`,
      () => check(c, "float32", { rtol: 1e-4, atol: 1e-5 }),
      { dtypes: ["float32"] },
    );
  }
}

backendTest("linalg: bad shapes and parameters name the operator", () => {
  const m = mx.nd.ones([2, 3]);
  assert.throws(() => mx.engine.invokeOp("_linalg_potrf", [m]), /linalg.cholesky.*square/);
  assert.throws(() => mx.engine.invokeOp("_linalg_gemm2", [m, m]), /linalg_gemm2.*inner/);
  assert.throws(() => mx.engine.invokeOp("_linalg_maketrian", [mx.nd.ones([4])]), /triangular/);
  assert.throws(
    () => mx.engine.invokeOp("_linalg_extractdiag", [mx.nd.ones([3, 3])], { offset: 3 }),
    /linalg_extractdiag: offset/,
  );
  assert.throws(() => mx.engine.invokeOp("_linalg_gelqf", [mx.nd.ones([3, 2])]), /m <= n/);
});

/** Central differences of sum(w * potrf(A)) at a positive definite A, entry by entry. */
backendTest("linalg: potrf's gradient at positive definite matrices", async () => {
  const a = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2, 5, -1, 0, -1, 4, 1, 0, 1, 3];
  const w = a.map((_, i) => Math.sin(i + 1));
  for (const lower of [true, false]) {
    const loss = async (v: number[]) => {
      const y = mx.engine.invokeOp("_linalg_potrf", [
        mx.nd.array(v, { shape: [2, 3, 3], dtype: "float64" }),
      ], { lower })[0];
      return (Array.from(await y.data() as Float64Array)).reduce((s, x, i) => s + x * w[i], 0);
    };
    const x = mx.nd.array(a, { shape: [2, 3, 3], dtype: "float64" });
    x.attachGrad();
    const y = mx.autograd.record(() => mx.engine.invokeOp("_linalg_potrf", [x], { lower })[0]);
    mx.autograd.backward([y], [mx.nd.array(w, { shape: [2, 3, 3], dtype: "float64" })]);
    const numeric = [];
    for (let j = 0; j < a.length; j++) {
      const plus = [...a], minus = [...a];
      plus[j] += 1e-6;
      minus[j] -= 1e-6;
      numeric.push((await loss(plus) - await loss(minus)) / 2e-6);
    }
    assertClose(Array.from(await x.grad!.data() as Float64Array), numeric, {
      rtol: 1e-5,
      atol: 1e-7,
      msg: `potrf lower=${lower}`,
    });
  }
}, { dtypes: ["float64"], hostCompute: true });

// The native backend computes the factorizations with LAPACK (OpenBLAS) when its library
// has the entries (ffi/src/lapack.rs); the ts backend with the TS reference. Both must
// agree on larger batches than the torch fixtures hold.
const nativeLapack = BACKENDS.includes("native") && backendByName("native").kernels.lapack;
Deno.test({
  name: "linalg: native LAPACK and the TS reference agree",
  ignore: !nativeLapack,
  fn: async () => {
    const n = 7, batch = 3;
    const raw = randomValues(batch * n * n, 5, -1, 1);
    // Symmetric positive definite: A A^T + n I, and a lower triangle with a firm diagonal.
    const spd: number[] = [], tri: number[] = [];
    for (let t = 0; t < batch; t++) {
      const m = (i: number, j: number) => raw[t * n * n + i * n + j];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = i === j ? n : 0;
          for (let k = 0; k < n; k++) s += m(i, k) * m(j, k);
          spd.push(s);
          tri.push(j <= i ? m(i, j) + (i === j ? 3 : 0) : 0);
        }
      }
    }
    const wide = randomValues(batch * 4 * n, 6, -1, 1);
    const rhs = randomValues(batch * n * 5, 7, -1, 1);
    const runs: [string, number[][], number[][], Record<string, unknown>][] = [
      ["_linalg_potrf", [spd], [[batch, n, n]], {}],
      ["_linalg_inverse", [raw], [[batch, n, n]], {}],
      ["_linalg_det", [raw], [[batch, n, n]], {}],
      ["_linalg_slogdet", [raw], [[batch, n, n]], {}],
      ["_linalg_syevd", [spd], [[batch, n, n]], {}],
      ["_linalg_gelqf", [wide], [[batch, 4, n]], {}],
      ["_linalg_trsm", [tri, rhs], [[batch, n, n], [batch, n, 5]], { alpha: 2 }],
      ["_linalg_trsm", [tri, rhs], [[batch, n, n], [batch, 5, n]], {
        rightside: true,
        transpose: true,
      }],
    ];
    const outputs = (name: string) =>
      mx.nd.scope(async () => {
        setCpuBackend(backendByName(name));
        try {
          const all: number[][] = [];
          for (const [op, values, shapes, params] of runs) {
            const xs = values.map((v, i) => mx.nd.array(v, { shape: shapes[i], dtype: "float64" }));
            for (const y of mx.engine.invokeOp(op, xs, params)) {
              all.push(Array.from(await y.data() as Float64Array));
            }
          }
          return all;
        } finally {
          setCpuBackend(undefined);
        }
      });
    const want = await outputs("ts"), got = await outputs("native");
    want.forEach((w, i) => assertClose(got[i], w, { rtol: 1e-9, atol: 1e-10, msg: `output ${i}` }));
  },
});

backendTest("mx.nd.linalg functions apply the _linalg_* operators", async () => {
  const a = mx.nd.array([[4, 1], [1, 4.25]], { dtype: "float64" });
  const l = mx.nd.linalg.potrf(a);
  assertClose(await l.data() as Float64Array, [2, 0, 0.5, 2]);
  const inv = mx.nd.linalg.potri(l);
  assertClose(await inv.data() as Float64Array, [0.265625, -0.0625, -0.0625, 0.25]);
  const b = mx.nd.array([[1, 1, 1], [1, 1, 1]], { dtype: "float64" });
  const t = mx.nd.linalg.trmm(mx.nd.array([[1, 0], [1, 1]], { dtype: "float64" }), b, { alpha: 2 });
  assertClose(await t.data() as Float64Array, [2, 2, 2, 4, 4, 4]);
  const [q, lq] = mx.nd.linalg.gelqf(mx.nd.array([[1, 2, 3], [4, 5, 6]], { dtype: "float64" }));
  assert.deepEqual([q.shape, lq.shape], [[2, 3], [2, 2]]);
  assert.throws(() => mx.nd.linalg.gemm2(a, a, { bogus: 1 } as never), /linalg.gemm2.*bogus/);
}, { dtypes: ["float64"], hostCompute: true });

// Symbol construction does not depend on the backend (the gradient test runs every
// _linalg_* case through a Symbol and the Executor on each backend).
Deno.test("mx.sym.linalg builds _linalg_* nodes that bind and run", () => {
  const a = mx.sym.var("a"), b = mx.sym.var("b");
  const y = mx.sym.linalg.gemm2(a, b, { transposeB: true, alpha: 2, name: "g" });
  assert.equal(y.name, "g");
  const json = JSON.parse(y.toJSON()) as {
    nodes: { op: string; attrs?: Record<string, string> }[];
  };
  const node = json.nodes.find((n) => n.op === "_linalg_gemm2")!;
  assert.equal(node.attrs?.transpose_b, "True");
  const exe = y.simpleBind(mx.cpu(), { a: [2, 3], b: [2, 3] }, { gradReq: "null" });
  const out = exe.forward({
    a: mx.nd.array([1, 2, 3, 4, 5, 6], { shape: [2, 3] }),
    b: mx.nd.array([1, 0, 0, 0, 1, 0], { shape: [2, 3] }),
  });
  assertClose(out[0].dataSync() as Float32Array, [2, 4, 8, 10]);
  exe.dispose();
  assert.equal(mx.sym.linalg.syevd(a).listOutputs().length, 2);
});
