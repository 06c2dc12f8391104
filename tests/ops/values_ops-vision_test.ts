/**
 * Differential test of the vision operators (#19): tools/gen_ops-vision_cases.py wrote
 * float32-representable inputs with float64 references (PyTorch's interpolate,
 * adaptive_avg_pool2d and conv_transpose2d; NumPy versions of MXNet's semantics where
 * PyTorch has none) and the gradients of sum(head * output). Every case runs here on every
 * backend, in float32, through `mx.nd` (or `mx.nd.contrib`) and autograd.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

interface Encoded {
  shape: number[];
  values: number[];
}
interface Case {
  id: string;
  fn: string;
  inputs: Encoded[];
  opts: Record<string, unknown>;
  /** The output, or every output (operators without a gradient). */
  expect: Encoded | Encoded[];
  head: Encoded | null;
  diff: number[];
  grads: Encoded[];
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/ops-vision.json", import.meta.url)),
) as { cases: Case[] };

type Fn = (...a: unknown[]) => mx.NDArray;
function lookup(path: string): Fn {
  let f: unknown = mx.nd;
  for (const part of path.split(".")) f = (f as Record<string, unknown>)[part];
  assert.equal(typeof f, "function", `mx.nd.${path} is not a function`);
  return f as Fn;
}

const array = (e: Encoded) => mx.nd.array(e.values, { shape: e.shape });

assert.ok(fixture.cases.length >= 20, "the fixture holds the generated cases");

for (const c of fixture.cases) {
  backendTest(`ops-vision vs reference: ${c.id}`, async () => {
    const xs = c.inputs.map(array);
    if (Array.isArray(c.expect)) {
      const got = lookup(c.fn)(...xs, c.opts) as mx.NDArray | mx.NDArray[];
      const outs = Array.isArray(got) ? got : [got];
      assert.equal(outs.length, c.expect.length, `${c.id}: number of outputs`);
      for (const [i, want] of c.expect.entries()) {
        assert.deepEqual([...outs[i].shape], want.shape, `${c.id}: shape of output ${i}`);
        assertClose(await values(outs[i]), want.values, {
          rtol: 1e-4,
          atol: 1e-5,
          msg: `${c.id} output ${i}`,
        });
      }
      return;
    }
    for (const i of c.diff) xs[i].attachGrad();
    const y = mx.autograd.record(() => lookup(c.fn)(...xs, c.opts));
    assert.deepEqual([...y.shape], c.expect.shape, `${c.id}: shape`);
    assertClose(await values(y), c.expect.values, { rtol: 1e-4, atol: 1e-5, msg: c.id });
    y.backward(array(c.head!));
    for (const [j, i] of c.diff.entries()) {
      assertClose(await values(xs[i].grad!), c.grads[j].values, {
        rtol: 1e-4,
        atol: 1e-5,
        msg: `${c.id}: gradient of input ${i}`,
      });
    }
  });
}

Deno.test("softmax dtype sets the output dtype; a wrong length shape names the argument", async () => {
  const x = mx.nd.array([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
  const y = mx.nd.softmax(x, { dtype: "float64" });
  assert.equal(y.dtype, "float64");
  assertClose(await values(y), [
    0.09003057,
    0.24472847,
    0.66524096,
    0.09003057,
    0.24472847,
    0.66524096,
  ]);
  const np = mx.npx.logSoftmax(x, { length: mx.nd.array([1, 3]), useLength: true });
  assertClose(await values(np), [0, 0, 0, -2.40760596, -1.40760596, -0.40760596]);
  assert.throws(
    () => mx.nd.softmax(x, { length: mx.nd.array([1, 2, 3]), useLength: true }),
    /softmax: length has shape \[3\], expected \[2\]/,
  );
  assert.throws(
    () => mx.nd.softmax(x, { dtype: "int32" as "float32" }),
    /softmax: parameter dtype/,
  );
  for (const a of [x, y, np]) a.dispose();
});

Deno.test("npx.roiPooling is ROIPooling on np arrays; bad rois name the argument", async () => {
  const data = mx.np.array([...Array(16).keys()], { shape: [1, 1, 4, 4] });
  const rois = mx.np.array([[0, 0, 0, 3, 3]]);
  const y = mx.npx.roiPooling(data, rois, { pooledSize: [2, 2], spatialScale: 1 });
  assert.deepEqual(await y.tolist(), [[[[5, 7], [13, 15]]]]);
  assert.throws(
    () => mx.nd.ROIPooling(data, mx.nd.zeros([1, 4]), { pooledSize: [2, 2], spatialScale: 1 }),
    /ROIPooling: rois must be \[num_rois, 5\]/,
  );
  for (const a of [data, rois, y]) a.dispose();
});
