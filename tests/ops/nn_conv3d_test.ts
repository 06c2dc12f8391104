/** 3-D Convolution, Deconvolution and Pooling (NCDHW) against plain JS reference loops. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { getOp } from "../../src/ops/registry.ts";
import { parseParams } from "../../src/ops/params.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

const call = (op: string, xs: mx.NDArray[], params: Record<string, unknown>) =>
  mx.engine.invokeOp(op, xs, params)[0];
const arr = (v: number[], shape: number[]) => mx.nd.array(new Float32Array(v), { shape });

type V3 = [number, number, number];

interface Geo3 {
  n: number;
  c: number;
  /** Input (D, H, W). */
  x: V3;
  m: number;
  k: V3;
  s: V3;
  p: V3;
  d: V3;
  g: number;
}

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);
/** Row-major offset of `idx` in `shape`. */
const at = (shape: readonly number[], idx: readonly number[]) =>
  idx.reduce((o, i, a) => o * shape[a] + i, 0);

/** out[n, m, z, y, x] = b[m] + sum over the group's c and the kernel (kd, kh, kw). */
function refConv3d(xv: number[], wv: number[], bias: number[] | null, g: Geo3) {
  const out3 = [0, 1, 2].map((a) =>
    Math.floor((g.x[a] + 2 * g.p[a] - (g.d[a] * (g.k[a] - 1) + 1)) / g.s[a]) + 1
  ) as V3;
  const cg = g.c / g.g, mg = g.m / g.g;
  const xs = [g.n, g.c, ...g.x], ws = [g.m, cg, ...g.k], ys = [g.n, g.m, ...out3];
  const out = new Array(prod(ys)).fill(0);
  for (let n = 0; n < g.n; n++) {
    for (let m = 0; m < g.m; m++) {
      const grp = Math.floor(m / mg);
      for (let z = 0; z < out3[0]; z++) {
        for (let y = 0; y < out3[1]; y++) {
          for (let x = 0; x < out3[2]; x++) {
            let acc = bias ? bias[m] : 0;
            for (let cc = 0; cc < cg; cc++) {
              for (let i = 0; i < g.k[0]; i++) {
                for (let j = 0; j < g.k[1]; j++) {
                  for (let l = 0; l < g.k[2]; l++) {
                    const pos = [
                      z * g.s[0] + i * g.d[0],
                      y * g.s[1] + j * g.d[1],
                      x * g.s[2] +
                      l * g.d[2],
                    ].map((v, a) => v - g.p[a]);
                    if (pos.some((v, a) => v < 0 || v >= g.x[a])) continue;
                    acc += xv[at(xs, [n, grp * cg + cc, ...pos])] * wv[at(ws, [m, cc, i, j, l])];
                  }
                }
              }
            }
            out[at(ys, [n, m, z, y, x])] = acc;
          }
        }
      }
    }
  }
  return { out, shape: ys };
}

/** Transposed 3-D convolution: every input element scattered through the kernel. */
function refDeconv3d(xv: number[], wv: number[], g: Geo3, adj: V3) {
  const out3 = [0, 1, 2].map((a) =>
    g.s[a] * (g.x[a] - 1) + g.d[a] * (g.k[a] - 1) + 1 - 2 * g.p[a] + adj[a]
  ) as V3;
  const cg = g.c / g.g, mg = g.m / g.g;
  const xs = [g.n, g.c, ...g.x], ws = [g.c, mg, ...g.k], ys = [g.n, g.m, ...out3];
  const out = new Array(prod(ys)).fill(0);
  for (let n = 0; n < g.n; n++) {
    for (let c = 0; c < g.c; c++) {
      const grp = Math.floor(c / cg);
      for (let z = 0; z < g.x[0]; z++) {
        for (let y = 0; y < g.x[1]; y++) {
          for (let x = 0; x < g.x[2]; x++) {
            const v = xv[at(xs, [n, c, z, y, x])];
            for (let mm = 0; mm < mg; mm++) {
              for (let i = 0; i < g.k[0]; i++) {
                for (let j = 0; j < g.k[1]; j++) {
                  for (let l = 0; l < g.k[2]; l++) {
                    const pos = [
                      z * g.s[0] + i * g.d[0],
                      y * g.s[1] + j * g.d[1],
                      x * g.s[2] +
                      l * g.d[2],
                    ].map((q, a) => q - g.p[a]);
                    if (pos.some((q, a) => q < 0 || q >= out3[a])) continue;
                    out[at(ys, [n, grp * mg + mm, ...pos])] += v * wv[at(ws, [c, mm, i, j, l])];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return { out, shape: ys };
}

interface Pool3 {
  k: V3;
  s: V3;
  p: V3;
  type: "max" | "avg" | "sum";
  full?: boolean;
  countIncludePad?: boolean;
}

/**
 * MXNet's 3-D pooling loop (pool.h): window start `o*s - p`, end `min(start + k, len + p)`;
 * the avg divisor is the product of those spans, or of the clipped spans without padding.
 */
function refPool3d(xv: number[], shape: number[], q: Pool3) {
  const [n, c, ...dims] = shape;
  const out3 = dims.map((len, a) => {
    const steps = (len + 2 * q.p[a] - q.k[a]) / q.s[a];
    return 1 + (q.full ? Math.ceil(steps) : Math.floor(steps));
  });
  const ys = [n, c, ...out3];
  const out = new Array(prod(ys)).fill(0);
  for (let b = 0; b < n * c; b++) {
    for (let z = 0; z < out3[0]; z++) {
      for (let y = 0; y < out3[1]; y++) {
        for (let x = 0; x < out3[2]; x++) {
          const lo: number[] = [], hi: number[] = [];
          let size = 1, clipped = 1;
          [z, y, x].forEach((o, a) => {
            const st = o * q.s[a] - q.p[a];
            const en = Math.min(st + q.k[a], dims[a] + q.p[a]);
            size *= en - st;
            lo.push(Math.max(st, 0));
            hi.push(Math.min(en, dims[a]));
            clipped *= hi[a] - lo[a];
          });
          let acc = q.type === "max" ? -Infinity : 0;
          for (let i = lo[0]; i < hi[0]; i++) {
            for (let j = lo[1]; j < hi[1]; j++) {
              for (let l = lo[2]; l < hi[2]; l++) {
                const v = xv[((b * dims[0] + i) * dims[1] + j) * dims[2] + l];
                acc = q.type === "max" ? Math.max(acc, v) : acc + v;
              }
            }
          }
          if (q.type === "avg") acc /= q.countIncludePad === false ? clipped : size;
          out[((b * out3[0] + z) * out3[1] + y) * out3[2] + x] = acc;
        }
      }
    }
  }
  return { out, shape: ys };
}

const CONV_CASES: { name: string; geo: Geo3; bias: boolean }[] = [
  {
    name: "3x3x3 pad 1",
    geo: {
      n: 2,
      c: 3,
      x: [4, 5, 4],
      m: 4,
      k: [3, 3, 3],
      s: [1, 1, 1],
      p: [1, 1, 1],
      d: [1, 1, 1],
      g: 1,
    },
    bias: true,
  },
  {
    name: "stride (2, 1, 2), uneven kernel and pad",
    geo: {
      n: 1,
      c: 2,
      x: [7, 5, 6],
      m: 3,
      k: [3, 2, 3],
      s: [2, 1, 2],
      p: [1, 0, 2],
      d: [1, 1, 1],
      g: 1,
    },
    bias: true,
  },
  {
    name: "dilate (2, 1, 2), no bias",
    geo: {
      n: 2,
      c: 2,
      x: [6, 5, 6],
      m: 2,
      k: [2, 3, 2],
      s: [1, 1, 1],
      p: [1, 1, 0],
      d: [2, 1, 2],
      g: 1,
    },
    bias: false,
  },
  {
    name: "groups 2",
    geo: {
      n: 2,
      c: 4,
      x: [4, 4, 3],
      m: 6,
      k: [2, 3, 2],
      s: [1, 2, 1],
      p: [1, 1, 0],
      d: [1, 1, 1],
      g: 2,
    },
    bias: true,
  },
  {
    name: "depthwise, kernel depth 1",
    geo: {
      n: 1,
      c: 3,
      x: [3, 4, 4],
      m: 3,
      k: [1, 3, 3],
      s: [1, 1, 1],
      p: [0, 1, 1],
      d: [1, 1, 1],
      g: 3,
    },
    bias: false,
  },
];

for (const { name, geo: g, bias } of CONV_CASES) {
  backendTest(`Convolution 3-D ${name} matches a reference loop`, async () => {
    const xv = randomValues(g.n * g.c * prod(g.x), 11);
    const wv = randomValues(g.m * (g.c / g.g) * prod(g.k), 12);
    const bv = bias ? randomValues(g.m, 13) : null;
    const inputs = [arr(xv, [g.n, g.c, ...g.x]), arr(wv, [g.m, g.c / g.g, ...g.k])];
    if (bv) inputs.push(arr(bv, [g.m]));
    const y = call("Convolution", inputs, {
      kernel: g.k,
      stride: g.s,
      pad: g.p,
      dilate: g.d,
      numFilter: g.m,
      numGroup: g.g,
      noBias: !bias,
      layout: "NCDHW",
    });
    const ref = refConv3d(xv, wv, bv, g);
    assert.deepEqual(y.shape, ref.shape);
    assertClose(await values(y), ref.out, { rtol: 1e-4, atol: 1e-5 });
  });
}

backendTest("Convolution 3-D: hand-computed 2x2x2 kernel on a 3x3x3 volume", async () => {
  // x = 1..27, w = +1 at (0,0,0) and -1 at (1,1,1): each output is x[i,j,l] - x[i+1,j+1,l+1],
  // a step of 9 + 3 + 1 = 13.
  const w = [1, 0, 0, 0, 0, 0, 0, -1];
  const y = call("Convolution", [
    mx.nd.arange(1, 28).reshape([1, 1, 3, 3, 3]),
    arr(w, [1, 1, 2, 2, 2]),
  ], { kernel: [2, 2, 2], numFilter: 1, noBias: true });
  assert.deepEqual(y.shape, [1, 1, 2, 2, 2]);
  assert.deepEqual(await values(y), new Array(8).fill(-13));
});

const DECONV_CASES: { name: string; geo: Geo3; adj: V3; bias: boolean }[] = [
  {
    name: "stride 2 pad 1 adj 1",
    geo: {
      n: 2,
      c: 3,
      x: [3, 2, 3],
      m: 2,
      k: [3, 3, 3],
      s: [2, 2, 2],
      p: [1, 1, 1],
      d: [1, 1, 1],
      g: 1,
    },
    adj: [1, 0, 1],
    bias: true,
  },
  {
    name: "groups 2, dilate (2, 1, 1), uneven stride",
    geo: {
      n: 1,
      c: 4,
      x: [3, 3, 2],
      m: 6,
      k: [2, 2, 3],
      s: [1, 2, 3],
      p: [0, 1, 1],
      d: [2, 1, 1],
      g: 2,
    },
    adj: [0, 1, 2],
    bias: false,
  },
];

for (const { name, geo: g, adj, bias } of DECONV_CASES) {
  backendTest(`Deconvolution 3-D ${name} matches a reference loop`, async () => {
    const xv = randomValues(g.n * g.c * prod(g.x), 31);
    const wv = randomValues(g.c * (g.m / g.g) * prod(g.k), 32);
    const bv = randomValues(g.m, 33);
    const inputs = [arr(xv, [g.n, g.c, ...g.x]), arr(wv, [g.c, g.m / g.g, ...g.k])];
    if (bias) inputs.push(arr(bv, [g.m]));
    const y = call("Deconvolution", inputs, {
      kernel: g.k,
      stride: g.s,
      pad: g.p,
      dilate: g.d,
      adj,
      numFilter: g.m,
      numGroup: g.g,
      noBias: !bias,
    });
    const ref = refDeconv3d(xv, wv, g, adj);
    assert.deepEqual(y.shape, ref.shape);
    const per = prod(ref.shape.slice(2));
    const want = ref.out.map((v, i) => v + (bias ? bv[Math.floor(i / per) % g.m] : 0));
    assertClose(await values(y), want, { rtol: 1e-4, atol: 1e-5 });
  });
}

backendTest("Deconvolution 3-D: target_shape picks pad and adj per axis", async () => {
  const g: Geo3 = {
    n: 1,
    c: 2,
    x: [3, 2, 3],
    m: 2,
    k: [3, 2, 3],
    s: [2, 2, 1],
    p: [0, 0, 0],
    d: [1, 1, 1],
    g: 1,
  };
  const xv = randomValues(prod([1, 2, 3, 2, 3]), 41), wv = randomValues(2 * 2 * 18, 42);
  const y = call("Deconvolution", [arr(xv, [1, 2, 3, 2, 3]), arr(wv, [2, 2, 3, 2, 3])], {
    kernel: g.k,
    stride: g.s,
    targetShape: [6, 3, 3],
    numFilter: 2,
  });
  assert.deepEqual(y.shape, [1, 2, 6, 3, 3]);
  // Full outputs (7, 4, 5): total pads (1, 1, 2), so pad 1 on every axis and adj (1, 1, 0).
  const ref = refDeconv3d(xv, wv, { ...g, p: [1, 1, 1] }, [1, 1, 0]);
  assertClose(await values(y), ref.out, { rtol: 1e-4, atol: 1e-5 });
});

backendTest("Deconvolution 3-D is the adjoint of Convolution 3-D", async () => {
  // <conv(x), y> == <x, deconv(y)> with the same weight, groups and all.
  const p = {
    kernel: [3, 2, 3],
    stride: [2, 1, 2],
    pad: [1, 0, 1],
    dilate: [1, 2, 1],
    numGroup: 2,
    noBias: true,
  };
  const xv = randomValues(2 * 4 * 7 * 5 * 6, 51), wv = randomValues(6 * 2 * 18, 53);
  const cx = call("Convolution", [arr(xv, [2, 4, 7, 5, 6]), arr(wv, [6, 2, 3, 2, 3])], {
    ...p,
    numFilter: 6,
  });
  assert.deepEqual(cx.shape, [2, 6, 4, 3, 3]);
  const yv = randomValues(cx.size, 52);
  const dy = call("Deconvolution", [arr(yv, cx.shape), arr(wv, [6, 2, 3, 2, 3])], {
    ...p,
    numFilter: 4,
    adj: [0, 0, 1],
  });
  assert.deepEqual(dy.shape, [2, 4, 7, 5, 6]);
  const lhs = (await values(cx)).reduce((s, v, i) => s + v * yv[i], 0);
  const rhs = (await values(dy)).reduce((s, v, i) => s + v * xv[i], 0);
  assertClose([lhs], [rhs], { rtol: 1e-4 });
});

const POOL_CASES: { name: string; shape: number[]; q: Pool3 }[] = [
  {
    name: "max 2x2x2",
    shape: [2, 2, 4, 4, 4],
    q: { k: [2, 2, 2], s: [2, 2, 2], p: [0, 0, 0], type: "max" },
  },
  {
    name: "max 3x3x3 stride 2 pad 1",
    shape: [1, 2, 5, 6, 5],
    q: { k: [3, 3, 3], s: [2, 2, 2], p: [1, 1, 1], type: "max" },
  },
  {
    name: "avg (2, 3, 2) pad (1, 1, 0), counting padding",
    shape: [1, 3, 5, 5, 4],
    q: { k: [2, 3, 2], s: [2, 1, 2], p: [1, 1, 0], type: "avg" },
  },
  {
    name: "avg without padding in the count",
    shape: [1, 2, 5, 4, 5],
    q: { k: [3, 2, 3], s: [2, 2, 2], p: [1, 1, 1], type: "avg", countIncludePad: false },
  },
  {
    name: "sum (1, 2, 3)",
    shape: [2, 1, 3, 4, 6],
    q: { k: [1, 2, 3], s: [1, 2, 3], p: [0, 0, 0], type: "sum" },
  },
  {
    name: "max full convention",
    shape: [1, 2, 6, 5, 7],
    q: { k: [3, 2, 3], s: [2, 2, 2], p: [0, 0, 0], type: "max", full: true },
  },
  {
    name: "avg full convention with padding",
    shape: [1, 1, 6, 7, 5],
    q: { k: [3, 3, 2], s: [2, 2, 2], p: [1, 1, 1], type: "avg", full: true },
  },
];

for (const { name, shape, q } of POOL_CASES) {
  backendTest(`Pooling 3-D ${name} matches a reference loop`, async () => {
    const xv = randomValues(prod(shape), 61);
    const y = call("Pooling", [arr(xv, shape)], {
      kernel: q.k,
      stride: q.s,
      pad: q.p,
      poolType: q.type,
      poolingConvention: q.full ? "full" : "valid",
      ...(q.countIncludePad === undefined ? {} : { countIncludePad: q.countIncludePad }),
      layout: "NCDHW",
    });
    const ref = refPool3d(xv, shape, q);
    assert.deepEqual(y.shape, ref.shape);
    assertClose(await values(y), ref.out, { rtol: 1e-5, atol: 1e-6 });
  });
}

backendTest("Pooling 3-D: global pooling and lp pooling", async () => {
  const xv = randomValues(2 * 3 * 3 * 4 * 2, 71);
  const x = arr(xv, [2, 3, 3, 4, 2]);
  const gmax = call("Pooling", [x], { globalPool: true, kernel: [1, 1, 1], poolType: "max" });
  const gavg = call("Pooling", [x], { globalPool: true, poolType: "avg" });
  assert.deepEqual(gmax.shape, [2, 3, 1, 1, 1]);
  const slabs = Array.from({ length: 6 }, (_, i) => xv.slice(i * 24, i * 24 + 24));
  assertClose(await values(gmax), slabs.map((s) => Math.max(...s)));
  assertClose(await values(gavg), slabs.map((s) => s.reduce((a, b) => a + b) / 24), {
    rtol: 1e-5,
  });
  const lp = call("Pooling", [x], {
    kernel: [3, 2, 2],
    stride: [1, 2, 1],
    poolType: "lp",
    pValue: 2,
  });
  const sq = refPool3d(xv.map((v) => v * v), [2, 3, 3, 4, 2], {
    k: [3, 2, 2],
    s: [1, 2, 1],
    p: [0, 0, 0],
    type: "sum",
  });
  assert.deepEqual(lp.shape, sq.shape);
  assertClose(await values(lp), sq.out.map(Math.sqrt), { rtol: 1e-5 });
});

backendTest("Pooling 3-D max gradient goes to the first maximum in (d, h, w) order", async () => {
  // Two equal maxima per window: at depth 0 (h 1, w 0) and at depth 1 (h 0, w 0).
  const xv = new Array(8).fill(0);
  xv[2] = 5; // (0, 1, 0)
  xv[4] = 5; // (1, 0, 0)
  const x = arr(xv, [1, 1, 2, 2, 2]);
  x.attachGrad();
  const y = mx.autograd.record(() => call("Pooling", [x], { kernel: [2, 2, 2], poolType: "max" }));
  y.backward();
  assert.deepEqual(await values(x.grad!), [0, 0, 1, 0, 0, 0, 0, 0]);
});

backendTest("3-D operators: shape errors name the operator and the argument", () => {
  const x5 = mx.nd.ones([1, 2, 4, 4, 4]);
  assert.throws(
    () =>
      call("Convolution", [mx.nd.ones([1, 2, 4, 4]), mx.nd.ones([3, 2, 3, 3, 3])], {
        kernel: [3, 3, 3],
        numFilter: 3,
        noBias: true,
      }),
    /Convolution: data must be 5-D \(batch, channel, depth, height, width\) for a 3-D kernel, got \[1,2,4,4\]/,
  );
  assert.throws(
    () =>
      call("Convolution", [x5, mx.nd.ones([3, 2, 3, 3, 3])], {
        kernel: [3, 3, 3],
        stride: [2, 2],
        numFilter: 3,
        noBias: true,
      }),
    /Convolution: stride has 2 values but the kernel has 3/,
  );
  assert.throws(
    () =>
      call("Convolution", [x5, mx.nd.ones([3, 2, 3, 3, 2])], {
        kernel: [3, 3, 3],
        numFilter: 3,
        noBias: true,
      }),
    /Convolution: weight has shape \[3,2,3,3,2\], expected \[3,2,3,3,3\]/,
  );
  assert.throws(
    () =>
      call("Convolution", [x5, mx.nd.ones([3, 2, 5, 3, 3])], {
        kernel: [5, 3, 3],
        numFilter: 3,
        noBias: true,
      }),
    /Convolution: the depth 4 with pad 0 is smaller than the kernel extent 5/,
  );
  assert.throws(
    () =>
      call("Convolution", [x5, mx.nd.ones([3, 2, 3, 3, 3])], {
        kernel: [3, 3, 3],
        numFilter: 3,
        noBias: true,
        layout: "NCHW",
      }),
    /Convolution: layout NCHW does not match a 3-D kernel \(use NCDHW\)/,
  );
  assert.throws(
    () =>
      call("Deconvolution", [x5, mx.nd.ones([2, 3, 2, 2, 2])], {
        kernel: [2, 2, 2],
        numFilter: 3,
        adj: [1, 1],
      }),
    /Deconvolution: adj has 2 values but the kernel has 3/,
  );
  assert.throws(
    () =>
      call("Deconvolution", [x5, mx.nd.ones([2, 3, 2, 2, 2])], {
        kernel: [2, 2, 2],
        stride: [2, 1, 1],
        numFilter: 3,
        adj: [0, 1, 0],
      }),
    /Deconvolution: adj 1 must be smaller than stride 1/,
  );
  assert.throws(
    () => call("Pooling", [x5], { kernel: [5, 2, 2] }),
    /Pooling: the depth 4 with pad 0 is smaller than the kernel 5/,
  );
  assert.throws(
    () => call("Pooling", [x5], { kernel: [2, 2, 2], pad: [1, 1] }),
    /Pooling: pad has 2 values but the kernel has 3/,
  );
  assert.throws(
    () => call("Pooling", [mx.nd.ones([1, 2, 4, 4])], { kernel: [2, 2, 2] }),
    /Pooling: data \[1,2,4,4\] must have 5 axes for a 3-D kernel/,
  );
});

Deno.test("3-D Convolution and Deconvolution fill weight shapes (partial inference)", () => {
  const infer = (name: string, shapes: (number[] | undefined)[], raw: Record<string, unknown>) => {
    const op = getOp(name);
    return op.inferInputShapes!(shapes, parseParams(op, raw));
  };
  assert.deepEqual(
    infer("Convolution", [[2, 6, 5, 9, 9], undefined, undefined], {
      kernel: "(1, 3, 3)",
      num_filter: "4",
      num_group: "2",
    }),
    [[2, 6, 5, 9, 9], [4, 3, 1, 3, 3], [4]],
  );
  assert.deepEqual(
    infer("Deconvolution", [[2, 6, 5, 9, 9], undefined], { kernel: "(2, 2, 2)", num_filter: "4" }),
    [[2, 6, 5, 9, 9], [6, 4, 2, 2, 2]],
  );
});
