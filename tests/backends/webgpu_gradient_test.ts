/**
 * Backward passes on webgpu: autograd's float32 gradients on gpu(0) match the TS
 * backend's on cpu(0) for a representative set of operators (the float64 central-
 * difference suite in tests/ops/gradient_test.ts needs float64, which WGSL lacks).
 */
import * as mx from "../../mod.ts";
import { UNARY } from "../../src/ops/elementwise_table.ts";
import { getOp } from "../../src/ops/registry.ts";
import { assertClose, randomValues } from "../_harness.ts";
import { gpuTest } from "./_webgpu.ts";

type Case = {
  op: string;
  shapes: number[][];
  params?: Record<string, unknown>;
  lo?: number;
  hi?: number;
  fixed?: Record<number, number[]>;
};

const CASES: Case[] = [
  ...Object.values(UNARY).filter((r) => r.scalars === 0 && getOp(r.name).differentiable !== false)
    .map((r) => ({ op: r.name, shapes: [[7]], lo: 0.2, hi: 0.9 })),
  { op: "_power_scalar", shapes: [[5]], params: { scalar: 2.5 }, lo: 0.5, hi: 2 },
  { op: "broadcast_div", shapes: [[2, 3], [1, 3]], lo: 0.5, hi: 2 },
  { op: "broadcast_mul", shapes: [[2, 1, 3], [4, 1]] },
  { op: "broadcast_maximum", shapes: [[2, 3], [3]] },
  { op: "sum", shapes: [[3, 4, 5]], params: { axis: [0, 2] } },
  { op: "max", shapes: [[3, 200]], params: { axis: 1 } },
  { op: "prod", shapes: [[3, 4]], params: { axis: 0 }, lo: 0.5, hi: 1.5 },
  { op: "norm", shapes: [[4, 5]], params: { axis: 1 } },
  { op: "dot", shapes: [[5, 70], [70, 3]] },
  {
    op: "batch_dot",
    shapes: [[2, 4, 3], [2, 5, 4]],
    params: { transposeA: true, transposeB: true },
  },
  { op: "transpose", shapes: [[2, 3, 4]], params: { axes: [2, 0, 1] } },
  { op: "slice", shapes: [[4, 5]], params: { begin: [1, 0], end: [3, 5], step: [1, 2] } },
  { op: "tile", shapes: [[2, 3]], params: { reps: [2, 2] } },
  { op: "Concat", shapes: [[2, 3], [2, 2]], params: { numArgs: 2, dim: 1 } },
  { op: "take", shapes: [[4, 3], [5]], params: { axis: 0 }, fixed: { 1: [3, 0, 3, 1, 3] } },
  { op: "pick", shapes: [[3, 4], [3]], params: { axis: 1 }, fixed: { 1: [0, 3, 2] } },
  { op: "softmax", shapes: [[3, 6]] },
  { op: "log_softmax", shapes: [[3, 6]], params: { axis: 0 } },
  { op: "sort", shapes: [[4, 3]], params: { axis: 0 } },
  { op: "topk", shapes: [[2, 5]], params: { k: 2, retTyp: "value" } },
  { op: "FullyConnected", shapes: [[2, 3], [4, 3], [4]], params: { numHidden: 4 } },
  {
    op: "Convolution",
    shapes: [[2, 3, 5, 5], [4, 3, 3, 3], [4]],
    params: { kernel: [3, 3], numFilter: 4, stride: [2, 2], pad: [1, 1] },
  },
  {
    op: "Pooling",
    shapes: [[1, 2, 5, 5]],
    params: { kernel: [3, 3], stride: [2, 2], pad: [1, 1], poolType: "max" },
  },
  {
    op: "Pooling",
    shapes: [[1, 2, 5, 5]],
    params: {
      kernel: [3, 3],
      stride: [2, 2],
      pad: [1, 1],
      poolType: "avg",
      poolingConvention: "full",
    },
  },
  { op: "Activation", shapes: [[2, 3]], params: { actType: "softrelu" } },
];

async function grads(c: Case, ctx: mx.Context): Promise<number[][]> {
  const xs = c.shapes.map((s, i) =>
    mx.nd.array(c.fixed?.[i] ?? randomValues(s.reduce((a, b) => a * b, 1), 3 + 7 * i, c.lo, c.hi), {
      ctx,
    }).reshape(s)
  );
  const diff = xs.map((_, i) => !(c.fixed && i in c.fixed));
  xs.forEach((x, i) => diff[i] && x.attachGrad());
  const outs = mx.autograd.record(() => mx.engine.invokeOp(c.op, xs, c.params ?? {}));
  const heads = outs.map((o, i) =>
    mx.nd.array(randomValues(o.size, 50 + i), { ctx }).reshape(o.shape)
  );
  mx.autograd.backward(outs, heads);
  const result: number[][] = [];
  for (let i = 0; i < xs.length; i++) {
    if (diff[i]) result.push(Array.from(await xs[i].grad!.data() as Float32Array));
  }
  return result;
}

gpuTest("gradients on gpu(0) match the TS backend", async () => {
  for (const c of CASES) {
    const want = await grads(c, mx.cpu());
    const got = await grads(c, mx.gpu(0));
    got.forEach((g, i) =>
      assertClose(g, want[i], {
        rtol: 1e-4,
        atol: 1e-5,
        msg: `${c.op} ${JSON.stringify(c.params ?? {})} input ${i}`,
      })
    );
  }
});
