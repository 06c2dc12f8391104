/**
 * Differential test of the samplers' densities of issue #19 (src/ops/random_pdf.ts,
 * MXNet's `_random_pdf_*`) against torch.distributions in float64, with MXNet's gradients
 * (tools/gen_ops-rest_cases.py writes fixtures/ops-rest.json). Every case runs in float64
 * where the backend has it and in float32 on every backend: the density, then the
 * gradients of sum(head * density) with respect to the sample and each parameter.
 * Front-end spellings and shape errors follow.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

interface Encoded {
  values: number[];
  shape: number[];
}
interface Case {
  id: string;
  op: string;
  inputs: Encoded[];
  params: Record<string, unknown>;
  expect: Encoded;
  head: Encoded;
  grads: Encoded[];
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/ops-rest.json", import.meta.url)),
) as { cases: Case[] };

const F64 = { rtol: 1e-9, atol: 1e-12 };
// float32 lgamma/digamma and exp of a log-density lose a few more digits.
const F32 = { rtol: 2e-4, atol: 2e-5 };

async function check(c: Case, dtype: "float32" | "float64", tol: typeof F64) {
  const array = (e: Encoded) => mx.nd.array(e.values, { shape: e.shape, dtype });
  const xs = c.inputs.map(array);
  for (const x of xs) x.attachGrad();
  const [y] = mx.autograd.record(() => mx.engine.invokeOp(c.op, xs, c.params));
  assert.deepEqual([...y.shape], c.expect.shape, `${c.id}: shape`);
  assert.equal(y.dtype, dtype, `${c.id}: dtype`);
  assertClose(await values(y), c.expect.values, { ...tol, msg: c.id });
  y.backward(array(c.head));
  for (const [i, g] of c.grads.entries()) {
    assertClose(await values(xs[i].grad!), g.values, { ...tol, msg: `${c.id}: grad ${i}` });
  }
}

assert.ok(fixture.cases.length >= 50, "the fixture holds the generated cases");

for (const c of fixture.cases) {
  backendTest(`ops-rest vs torch (float64): ${c.id}`, () => check(c, "float64", F64), {
    dtypes: ["float64"],
  });
  backendTest(`ops-rest vs torch (float32): ${c.id}`, () => check(c, "float32", F32));
}

backendTest("random pdf: mx.nd.random.pdf*, mx.nd.randomPdf* and Symbol agree", async () => {
  const sample = mx.nd.array([-2, -1, 0, 1, 2, -2, -1, 0, 1, 2], { shape: [2, 5] });
  const mu = mx.nd.array([0, 0]);
  const sigma = mx.nd.array([1, 2]);
  const want = [
    [0.05399097, 0.24197073, 0.3989423, 0.24197073, 0.05399097],
    [0.12098537, 0.17603266, 0.19947115, 0.17603266, 0.12098537],
  ].flat();
  assertClose(await values(mx.nd.random.pdfNormal(sample, mu, sigma)), want, { rtol: 1e-6 });
  assertClose(await values(mx.nd.randomPdfNormal({ sample, mu, sigma })), want, { rtol: 1e-6 });
  const logged = await values(mx.nd.random.pdfNormal(sample, mu, sigma, { isLog: true }));
  assertClose(logged, want.map(Math.log), { rtol: 1e-6 });
  const s = mx.sym.randomPdfNormal(mx.sym.var("x"), mx.sym.var("m"), mx.sym.var("s"));
  const ex = s.bind(mx.cpu(), { x: sample, m: mu, s: sigma });
  assertClose(await values(ex.forward()[0]), want, { rtol: 1e-6 });
  ex.dispose();
  // MXNet's examples: the Poisson and the negative binomial with a real-valued k.
  const counts = mx.nd.array([0, 1, 2, 3, 0, 1, 2, 3], { shape: [2, 4] });
  assertClose(await values(mx.nd.random.pdfPoisson(counts, mx.nd.array([1, 2]))), [
    0.36787945,
    0.36787945,
    0.18393973,
    0.06131324,
    0.13533528,
    0.27067056,
    0.27067056,
    0.18044704,
  ], { rtol: 1e-6 });
  const nb = mx.nd.random.pdfNegativeBinomial(
    mx.nd.array([1, 2, 3, 4, 1, 2, 3, 4], { shape: [2, 4] }),
    mx.nd.array([1, 1.5]),
    mx.nd.array([0.5, 0.5]),
  );
  assertClose(await values(nb), [
    0.25,
    0.125,
    0.0625,
    0.03125,
    0.26516506,
    0.16572815,
    0.09667476,
    0.05437956,
  ], { rtol: 1e-5 });
});

Deno.test("random pdf: a parameter that is not the sample's leftmost subshape is named", () => {
  const x = mx.nd.zeros([2, 3]);
  assert.throws(
    () => mx.nd.random.pdfNormal(x, mx.nd.zeros([3]), mx.nd.ones([3])),
    /_random_pdf_normal: mu has shape \[3\], expected the leftmost subshape of sample \[2, 3\]/,
  );
  assert.throws(
    () => mx.nd.random.pdfGamma(x, mx.nd.ones([2]), mx.nd.ones([3])),
    /_random_pdf_gamma: beta has shape \[3\] but alpha has \[2\]/,
  );
  assert.throws(
    () => mx.nd.random.pdfDirichlet(x, mx.nd.ones([2])),
    /_random_pdf_dirichlet: alpha has shape \[2\], expected the leading dimensions and the last/,
  );
  assert.throws(
    () => mx.nd.random.pdfExponential(x, mx.nd.ones([2], { dtype: "float64" })),
    /_random_pdf_exponential: lam has dtype float64 but sample has float32/,
  );
});
