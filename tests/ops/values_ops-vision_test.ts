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

Deno.test("vision operators load from MXNet graph JSON and compute what mx.nd computes", async () => {
  // The attribute spellings MXNet 1.9.1 writes (snake_case strings).
  const json = JSON.stringify({
    nodes: [
      { op: "null", name: "data", inputs: [] },
      {
        op: "UpSampling",
        name: "upsampling0",
        attrs: { scale: "2", sample_type: "nearest", num_args: "1" },
        inputs: [[0, 0, 0]],
      },
      {
        op: "_contrib_BilinearResize2D",
        name: "resize0",
        attrs: { height: "3", width: "5", align_corners: "False" },
        inputs: [[1, 0, 0]],
      },
      { op: "L2Normalization", name: "l2", attrs: { mode: "channel" }, inputs: [[2, 0, 0]] },
      {
        op: "Crop",
        name: "crop0",
        attrs: { num_args: "1", h_w: "(2, 4)", offset: "(1, 0)" },
        inputs: [[3, 0, 0]],
      },
    ],
    arg_nodes: [0],
    heads: [[4, 0, 0]],
    attrs: { mxnet_version: ["int", 10901] },
  });
  const sym = mx.sym.loadJSON(json);
  const x = mx.nd.array([...Array(12).keys()].map((v) => v / 7 - 0.5), { shape: [1, 2, 2, 3] });
  const ex = sym.bind(mx.cpu(), { data: x });
  const [got] = ex.forward();
  const up = mx.nd.UpSampling(x, { scale: 2, sampleType: "nearest" });
  const rs = mx.nd.contrib.BilinearResize2D(up, { height: 3, width: 5, alignCorners: false });
  const want = mx.nd.Crop(mx.nd.L2Normalization(rs, { mode: "channel" }), {
    hW: [2, 4],
    offset: [1, 0],
  });
  assert.deepEqual(got.shape, [1, 2, 2, 4]);
  assertClose(await values(got), await values(want));
  assert.ok(sym.toJSON().includes('"op": "_contrib_BilinearResize2D"'));
  ex.dispose();
});

Deno.test("vision operators name the operator and argument on bad input", () => {
  const x = mx.nd.ones([1, 2, 4, 4]);
  const cases: [() => unknown, RegExp][] = [
    [
      () => mx.nd.UpSampling(x, mx.nd.ones([2, 1, 4, 4]), { scale: 2, sampleType: "bilinear" }),
      /UpSampling: bilinear upsampling needs num_filter equal to the channels/,
    ],
    [
      () => mx.nd.UpSampling(x, { scale: 2, sampleType: "cubic" as "nearest" }),
      /UpSampling: parameter sampleType \(sample_type\) expects one of nearest, bilinear/,
    ],
    [
      () => mx.nd.contrib.BilinearResize2D(x, { scaleHeight: 2 }),
      /_contrib_BilinearResize2D: mode size with scale_height 2 needs scale_width too/,
    ],
    [
      () => mx.nd.contrib.AdaptiveAvgPooling2D(x, { outputSize: [1, 2, 3] }),
      /_contrib_AdaptiveAvgPooling2D: output_size expects an int or \(height, width\)/,
    ],
    [
      () => mx.nd.contrib.boxNms(mx.nd.ones([4, 6]), { scoreIndex: 3 }),
      /_contrib_box_nms: score_index 3 must lie in \[0, 6\) outside the coordinates/,
    ],
    [() => mx.nd.contrib.boxIou(mx.nd.ones([3, 5]), mx.nd.ones([2, 4])), /_contrib_box_iou: lhs/],
    [
      () => mx.nd.Correlation(x, x, { maxDisplacement: 3 }),
      /Correlation: data \[1,2,4,4\] with pad_size 0 is too small/,
    ],
    [
      () =>
        mx.nd.GridGenerator(mx.nd.ones([2, 4]), { transformType: "affine", targetShape: [2, 2] }),
      /GridGenerator: affine data must be \[batch, 6\]/,
    ],
    [
      () => mx.nd.contrib.ROIAlign(x, mx.nd.ones([2, 3]), { pooledSize: [2, 2], spatialScale: 1 }),
      /_contrib_ROIAlign: rois must be \[num_rois, 4 or 5\]/,
    ],
    [
      () => mx.nd.SVMOutput(mx.nd.ones([3, 4]), mx.nd.ones([4])),
      /SVMOutput: label has shape \[4\], expected \[3\]/,
    ],
  ];
  for (const [f, msg] of cases) assert.throws(f, msg);
  x.dispose();
});

Deno.test("mx.sym vision layers take MXNet's default names and variables", () => {
  const d = mx.sym.Variable("data");
  const up = mx.sym.UpSampling(d, { scale: 2, sampleType: "bilinear", numFilter: 3 });
  // The Xavier-style initializers give `upsampling*_weight` MXNet's bilinear kernel.
  assert.deepEqual(up.listArguments(), ["data", "upsampling0_weight"]);
  // MXNet marks the weight it creates for bilinear upsampling with the bilinear initializer.
  const named = mx.sym.UpSampling(d, {
    scale: 2,
    sampleType: "bilinear",
    numFilter: 1,
    name: "up",
  });
  assert.match(
    named.toJSON(),
    /"name": "up_weight",\s+"attrs": \{[^}]*"__init__": "\[\\"bilinear\\", \{\}\]"/,
  );
  const svm = mx.sym.SVMOutput(d, { name: "svm" });
  assert.deepEqual(svm.listArguments(), ["data", "svm_label"]);
  const nms = mx.sym.contrib.boxNms(d, { overlapThresh: 0.3 });
  assert.match(nms.toJSON(), /"op": "_contrib_box_nms"/);
});

Deno.test("a hybridized Gluon block calls F.contrib and F.UpSampling through mx.sym", async () => {
  class Head extends mx.gluon.nn.HybridBlock {
    override hybridForward(F: typeof mx.nd, x: mx.NDArray) {
      const up = F.UpSampling(x, { scale: 2, sampleType: "nearest" });
      const small = F.contrib.AdaptiveAvgPooling2D(up, { outputSize: [3, 2] });
      return F.contrib.BilinearResize2D(small, { height: 4, width: 4 });
    }
  }
  const net = new Head();
  const x = mx.nd.array([...Array(18).keys()].map((v) => Math.sin(v)), { shape: [1, 2, 3, 3] });
  const eager = await values(net.forward(x));
  net.hybridize();
  const graph = await values(net.forward(x));
  assertClose(graph, eager);
  assert.equal(eager.length, 32);
});
