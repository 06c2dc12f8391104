/** FullyConnected, Convolution and Deconvolution values against plain JS reference loops. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { getOp } from "../../src/ops/registry.ts";
import { parseParams } from "../../src/ops/params.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

const call = (op: string, xs: mx.NDArray[], params: Record<string, unknown>) =>
  mx.engine.invokeOp(op, xs, params)[0];
const arr = (v: number[], shape: number[]) => mx.nd.array(new Float32Array(v), { shape });

interface Geo {
  n: number;
  c: number;
  h: number;
  w: number;
  m: number;
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
  g: number;
}

/** Direct convolution: out[n, m, oh, ow] = b[m] + sum over the group's c, i, j. */
function refConv(x: number[], wt: number[], bias: number[] | null, g: Geo) {
  const oh = Math.floor((g.h + 2 * g.p[0] - (g.d[0] * (g.k[0] - 1) + 1)) / g.s[0]) + 1;
  const ow = Math.floor((g.w + 2 * g.p[1] - (g.d[1] * (g.k[1] - 1) + 1)) / g.s[1]) + 1;
  const cg = g.c / g.g, mg = g.m / g.g;
  const out = new Array(g.n * g.m * oh * ow).fill(0);
  for (let n = 0; n < g.n; n++) {
    for (let m = 0; m < g.m; m++) {
      const grp = Math.floor(m / mg);
      for (let y = 0; y < oh; y++) {
        for (let z = 0; z < ow; z++) {
          let acc = bias ? bias[m] : 0;
          for (let cc = 0; cc < cg; cc++) {
            const c = grp * cg + cc;
            for (let i = 0; i < g.k[0]; i++) {
              for (let j = 0; j < g.k[1]; j++) {
                const ih = y * g.s[0] - g.p[0] + i * g.d[0];
                const iw = z * g.s[1] - g.p[1] + j * g.d[1];
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                acc += x[((n * g.c + c) * g.h + ih) * g.w + iw] *
                  wt[((m * cg + cc) * g.k[0] + i) * g.k[1] + j];
              }
            }
          }
          out[((n * g.m + m) * oh + y) * ow + z] = acc;
        }
      }
    }
  }
  return { out, oh, ow };
}

/** Transposed convolution by scattering every input pixel through the kernel. */
function refDeconv(
  x: number[],
  wt: number[],
  g: Geo,
  adj: [number, number],
) {
  const oh = g.s[0] * (g.h - 1) + g.d[0] * (g.k[0] - 1) + 1 - 2 * g.p[0] + adj[0];
  const ow = g.s[1] * (g.w - 1) + g.d[1] * (g.k[1] - 1) + 1 - 2 * g.p[1] + adj[1];
  const cg = g.c / g.g, mg = g.m / g.g;
  const out = new Array(g.n * g.m * oh * ow).fill(0);
  for (let n = 0; n < g.n; n++) {
    for (let c = 0; c < g.c; c++) {
      const grp = Math.floor(c / cg);
      for (let h = 0; h < g.h; h++) {
        for (let w = 0; w < g.w; w++) {
          const v = x[((n * g.c + c) * g.h + h) * g.w + w];
          for (let mm = 0; mm < mg; mm++) {
            const m = grp * mg + mm;
            for (let i = 0; i < g.k[0]; i++) {
              for (let j = 0; j < g.k[1]; j++) {
                const y = h * g.s[0] - g.p[0] + i * g.d[0];
                const z = w * g.s[1] - g.p[1] + j * g.d[1];
                if (y < 0 || y >= oh || z < 0 || z >= ow) continue;
                out[((n * g.m + m) * oh + y) * ow + z] += v *
                  wt[((c * mg + mm) * g.k[0] + i) * g.k[1] + j];
              }
            }
          }
        }
      }
    }
  }
  return { out, oh, ow };
}

backendTest(
  "FullyConnected matches a reference loop (flatten, no_bias, flatten=false)",
  async () => {
    const xv = randomValues(2 * 3 * 2, 1), wv = randomValues(4 * 6, 2), bv = randomValues(4, 3);
    const y = call("FullyConnected", [arr(xv, [2, 3, 2]), arr(wv, [4, 6]), arr(bv, [4])], {
      numHidden: 4,
    });
    assert.deepEqual(y.shape, [2, 4]);
    const want = [];
    for (let n = 0; n < 2; n++) {
      for (let h = 0; h < 4; h++) {
        let acc = bv[h];
        for (let k = 0; k < 6; k++) acc += xv[n * 6 + k] * wv[h * 6 + k];
        want.push(acc);
      }
    }
    assertClose(await values(y), want, { rtol: 1e-5 });

    // flatten=false: the last axis is the input; the leading axes stay.
    const w2 = randomValues(3 * 2, 4);
    const y2 = call("FullyConnected", [arr(xv, [2, 3, 2]), arr(w2, [3, 2])], {
      num_hidden: "3",
      no_bias: "True",
      flatten: "False",
    });
    assert.deepEqual(y2.shape, [2, 3, 3]);
    const want2 = [];
    for (let r = 0; r < 6; r++) {
      for (let h = 0; h < 3; h++) want2.push(xv[r * 2] * w2[h * 2] + xv[r * 2 + 1] * w2[h * 2 + 1]);
    }
    assertClose(await values(y2), want2, { rtol: 1e-5 });
  },
);

backendTest("FullyConnected: shape errors name the op and the shapes", () => {
  assert.throws(
    () =>
      call("FullyConnected", [mx.nd.ones([2, 3]), mx.nd.ones([10, 4]), mx.nd.ones([10])], {
        numHidden: 10,
      }),
    /FullyConnected: data shape \[2,3\] does not match weight \[10,4\]/,
  );
});

const CONV_CASES: { name: string; geo: Geo; bias: boolean }[] = [
  {
    name: "3x3 pad 1",
    geo: { n: 2, c: 3, h: 5, w: 6, m: 4, k: [3, 3], s: [1, 1], p: [1, 1], d: [1, 1], g: 1 },
    bias: true,
  },
  {
    name: "stride 2, uneven pad",
    geo: { n: 1, c: 2, h: 7, w: 5, m: 3, k: [3, 2], s: [2, 3], p: [1, 0], d: [1, 1], g: 1 },
    bias: true,
  },
  {
    name: "dilate 2",
    geo: { n: 2, c: 2, h: 7, w: 7, m: 2, k: [3, 3], s: [1, 1], p: [2, 2], d: [2, 2], g: 1 },
    bias: false,
  },
  {
    name: "groups 2",
    geo: { n: 2, c: 4, h: 4, w: 5, m: 6, k: [2, 3], s: [1, 2], p: [1, 1], d: [1, 1], g: 2 },
    bias: true,
  },
  {
    name: "depthwise",
    geo: { n: 1, c: 3, h: 4, w: 4, m: 3, k: [3, 3], s: [1, 1], p: [1, 1], d: [1, 1], g: 3 },
    bias: false,
  },
];

for (const { name, geo: g, bias } of CONV_CASES) {
  backendTest(`Convolution ${name} matches a reference loop`, async () => {
    const xv = randomValues(g.n * g.c * g.h * g.w, 11);
    const wv = randomValues(g.m * (g.c / g.g) * g.k[0] * g.k[1], 12);
    const bv = bias ? randomValues(g.m, 13) : null;
    const inputs = [arr(xv, [g.n, g.c, g.h, g.w]), arr(wv, [g.m, g.c / g.g, ...g.k])];
    if (bv) inputs.push(arr(bv, [g.m]));
    const y = call("Convolution", inputs, {
      kernel: g.k,
      stride: g.s,
      pad: g.p,
      dilate: g.d,
      numFilter: g.m,
      numGroup: g.g,
      noBias: !bias,
    });
    const ref = refConv(xv, wv, bv, g);
    assert.deepEqual(y.shape, [g.n, g.m, ref.oh, ref.ow]);
    assertClose(await values(y), ref.out, { rtol: 1e-4, atol: 1e-5 });
  });
}

backendTest("Convolution 1-D runs as 2-D with height 1", async () => {
  const xv = randomValues(2 * 3 * 9, 21),
    wv = randomValues(4 * 3 * 3, 22),
    bv = randomValues(4, 23);
  const y = call("Convolution", [arr(xv, [2, 3, 9]), arr(wv, [4, 3, 3]), arr(bv, [4])], {
    kernel: "(3,)",
    stride: "(2,)",
    pad: "(1,)",
    dilate: "(1,)",
    num_filter: "4",
  });
  const g: Geo = { n: 2, c: 3, h: 1, w: 9, m: 4, k: [1, 3], s: [1, 2], p: [0, 1], d: [1, 1], g: 1 };
  const ref = refConv(xv, wv, bv, g);
  assert.deepEqual(y.shape, [2, 4, ref.ow]);
  assertClose(await values(y), ref.out, { rtol: 1e-4, atol: 1e-5 });
});

backendTest("Convolution: hand-computed 2x2 kernel on a 3x3 image", async () => {
  // x = 1..9, w = [[1, 0], [0, -1]]: each output is x[i][j] - x[i+1][j+1] = -4.
  const y = call("Convolution", [
    mx.nd.arange(1, 10).reshape([1, 1, 3, 3]),
    arr([1, 0, 0, -1], [1, 1, 2, 2]),
  ], {
    kernel: [2, 2],
    numFilter: 1,
    noBias: true,
  });
  assert.deepEqual(await y.array(), [[[[-4, -4], [-4, -4]]]]);
});

const DECONV_CASES: { name: string; geo: Geo; adj: [number, number] }[] = [
  {
    name: "stride 2 pad 1 adj 1",
    geo: { n: 2, c: 3, h: 3, w: 4, m: 2, k: [3, 3], s: [2, 2], p: [1, 1], d: [1, 1], g: 1 },
    adj: [1, 1],
  },
  {
    name: "groups 2, dilate 2",
    geo: { n: 1, c: 4, h: 3, w: 3, m: 6, k: [2, 2], s: [1, 2], p: [0, 1], d: [2, 1], g: 2 },
    adj: [0, 1],
  },
];

for (const { name, geo: g, adj } of DECONV_CASES) {
  backendTest(`Deconvolution ${name} matches a reference loop`, async () => {
    const xv = randomValues(g.n * g.c * g.h * g.w, 31);
    const wv = randomValues(g.c * (g.m / g.g) * g.k[0] * g.k[1], 32);
    const y = call("Deconvolution", [
      arr(xv, [g.n, g.c, g.h, g.w]),
      arr(wv, [g.c, g.m / g.g, ...g.k]),
    ], {
      kernel: g.k,
      stride: g.s,
      pad: g.p,
      dilate: g.d,
      adj,
      numFilter: g.m,
      numGroup: g.g,
    });
    const ref = refDeconv(xv, wv, g, adj);
    assert.deepEqual(y.shape, [g.n, g.m, ref.oh, ref.ow]);
    assertClose(await values(y), ref.out, { rtol: 1e-4, atol: 1e-5 });
  });
}

backendTest("Deconvolution: target_shape picks pad and adj; bias is added", async () => {
  const xv = randomValues(1 * 2 * 3 * 3, 41), wv = randomValues(2 * 1 * 3 * 3, 42);
  const y = call("Deconvolution", [arr(xv, [1, 2, 3, 3]), arr(wv, [2, 1, 3, 3]), arr([0.5], [1])], {
    kernel: [3, 3],
    stride: [2, 2],
    targetShape: [6, 6],
    numFilter: 1,
    noBias: false,
  });
  assert.deepEqual(y.shape, [1, 1, 6, 6]);
  // Full output 7x7, total pad 1: pad 1 and adj 1 (MXNet's InferPad).
  const g: Geo = { n: 1, c: 2, h: 3, w: 3, m: 1, k: [3, 3], s: [2, 2], p: [1, 1], d: [1, 1], g: 1 };
  const ref = refDeconv(xv, wv, g, [1, 1]);
  assertClose(await values(y), ref.out.map((v) => v + 0.5), { rtol: 1e-4, atol: 1e-5 });
});

backendTest("Deconvolution is the adjoint of Convolution (1-D)", async () => {
  // <conv(x), y> == <x, deconv(y)> with the same weight.
  const p = { kernel: [3], stride: [2], pad: [1], numFilter: 2, noBias: true };
  const xv = randomValues(2 * 3 * 8, 51),
    yv = randomValues(2 * 2 * 4, 52),
    wv = randomValues(2 * 3 * 3, 53);
  const cx = await values(call("Convolution", [arr(xv, [2, 3, 8]), arr(wv, [2, 3, 3])], p));
  const dy = await values(
    call("Deconvolution", [arr(yv, [2, 2, 4]), arr(wv, [2, 3, 3])], {
      ...p,
      numFilter: 3,
      adj: [1],
    }),
  );
  const lhs = cx.reduce((s, v, i) => s + v * yv[i], 0);
  const rhs = dy.reduce((s, v, i) => s + v * xv[i], 0);
  assertClose([lhs], [rhs], { rtol: 1e-4 });
});

Deno.test("nn ops fill weight shapes from the data shape (partial inference)", () => {
  const infer = (name: string, shapes: (number[] | undefined)[], raw: Record<string, unknown>) => {
    const op = getOp(name);
    return op.inferInputShapes!(shapes, parseParams(op, raw));
  };
  assert.deepEqual(
    infer("FullyConnected", [[5, 2, 3], undefined, undefined], { num_hidden: "8" }),
    [
      [5, 2, 3],
      [8, 6],
      [8],
    ],
  );
  assert.deepEqual(
    infer("Convolution", [[2, 6, 9, 9], undefined, undefined], {
      kernel: "(3, 3)",
      num_filter: "4",
      num_group: "2",
    }),
    [[2, 6, 9, 9], [4, 3, 3, 3], [4]],
  );
  assert.deepEqual(
    infer("Deconvolution", [[2, 6, 9, 9], undefined], { kernel: "(2, 2)", num_filter: "4" }),
    [[2, 6, 9, 9], [6, 4, 2, 2]],
  );
  assert.deepEqual(
    infer("BatchNorm", [[2, 3, 4], undefined, undefined, undefined, undefined], {}),
    [[2, 3, 4], [3], [3], [3], [3]],
  );
  assert.deepEqual(infer("Embedding", [[7], undefined], { input_dim: 10, output_dim: 4 }), [
    [7],
    [10, 4],
  ]);
  assert.deepEqual(infer("SoftmaxOutput", [[7, 10], undefined], {}), [[7, 10], [7]]);
  assert.deepEqual(infer("LinearRegressionOutput", [[7, 1], undefined], {}), [[7, 1], [7]]);
  assert.deepEqual(infer("LeakyReLU", [[2, 5, 3], undefined], { act_type: "prelu" }), [
    [2, 5, 3],
    [5],
  ]);
  assert.deepEqual(infer("LayerNorm", [[2, 5], undefined, undefined], {}), [[2, 5], [5], [5]]);
  // The output shape follows once the inputs are known.
  const conv = getOp("Convolution");
  const p = parseParams(conv, { kernel: [3, 3], num_filter: 4, stride: [2, 2], pad: [1, 1] });
  assert.deepEqual(conv.inferShape([[2, 3, 32, 31], [4, 3, 3, 3], [4]], p), [[2, 4, 16, 16]]);
  assert.throws(
    () => conv.inferShape([[2, 3, 32, 31], [4, 2, 3, 3], [4]], p),
    /Convolution: weight has shape \[4,2,3,3\], expected \[4,3,3,3\]/,
  );
});
