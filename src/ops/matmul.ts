/**
 * Matrix products: `dot` and `batch_dot`.
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../core/shape.ts";
import type { OpDef, Params } from "./op_def.ts";

const TRANSPOSE_PARAMS = {
  transposeA: { type: "bool", default: false },
  transposeB: { type: "bool", default: false },
} as const;

/**
 * MXNet's dot of N-d arrays: `a` is [rows..., K] (or [K, rows...] transposed) and `b`
 * is [K, cols...] (or [cols..., K] transposed).
 */
function dotDims(a: Shape, b: Shape, p: Params) {
  const ta = p.transposeA as boolean, tb = p.transposeB as boolean;
  if (a.length === 0 || b.length === 0) {
    throw new ShapeError(
      `dot: lhs ${formatShape(a)} and rhs ${formatShape(b)} must have ndim >= 1`,
    );
  }
  const k = ta ? a[0] : a[a.length - 1];
  const kb = tb ? b[b.length - 1] : b[0];
  if (k !== kb) {
    throw new ShapeError(
      `dot: lhs ${formatShape(a)}${ta ? " (transposed)" : ""} and rhs ${formatShape(b)}` +
        `${tb ? " (transposed)" : ""} do not agree on the inner dimension (${k} vs ${kb})`,
    );
  }
  const rows = ta ? a.slice(1) : a.slice(0, -1);
  const cols = tb ? b.slice(0, -1) : b.slice(1);
  const out = [...rows, ...cols];
  return { m: sizeOf(rows), n: sizeOf(cols), k, out: out.length ? out : [1] };
}

const dot: OpDef = {
  name: "dot",
  inputs: ["lhs", "rhs"],
  params: TRANSPOSE_PARAMS,
  inferShape: ([a, b], p) => [dotDims(a, b, p).out],
  gradient: (bd, { inputs: [a, b], outGrads: [g], params, needs }) => {
    const ta = params.transposeA as boolean, tb = params.transposeB as boolean;
    const as = bd.shape(a), bs = bd.shape(b);
    const [needA, needB] = [needs?.[0] ?? true, needs?.[1] ?? true];
    const { m, n, k } = dotDims(as, bs, params);
    // Work on the 2-D views, then reshape back to the operands' shapes.
    const g2 = bd.op("Reshape", [g], { shape: [m, n] });
    const a2 = bd.op("Reshape", [a], { shape: ta ? [k, m] : [m, k] });
    const b2 = bd.op("Reshape", [b], { shape: tb ? [n, k] : [k, n] });
    // Each product is a GEMM as large as the forward one: skip the ones nobody needs.
    const ga = !needA
      ? null
      : ta
      ? bd.op("dot", [b2, g2], { transposeA: tb, transposeB: true })
      : bd.op("dot", [g2, b2], { transposeB: !tb });
    const gb = !needB
      ? null
      : tb
      ? bd.op("dot", [g2, a2], { transposeA: true, transposeB: ta })
      : bd.op("dot", [a2, g2], { transposeA: !ta });
    return [
      ga && bd.op("Reshape", [ga], { shape: [...as] }),
      gb && bd.op("Reshape", [gb], { shape: [...bs] }),
    ];
  },
  lowering: {
    kind: "primitive",
    run: (k, [a, b], [out], p) => {
      const d = dotDims(a.shape, b.shape, p);
      return k.matmul(a.buf, b.buf, out.buf, {
        batch: 1,
        m: d.m,
        n: d.n,
        k: d.k,
        transA: p.transposeA as boolean,
        transB: p.transposeB as boolean,
        aBatchStride: 0,
        bBatchStride: 0,
      });
    },
  },
};

function batchDims(a: Shape, b: Shape, p: Params) {
  if (a.length !== 3 || b.length !== 3 || a[0] !== b[0]) {
    throw new ShapeError(
      `batch_dot: lhs ${formatShape(a)} and rhs ${formatShape(b)} must both be 3-D with the ` +
        `same batch size`,
    );
  }
  const ta = p.transposeA as boolean, tb = p.transposeB as boolean;
  const [m, k] = ta ? [a[2], a[1]] : [a[1], a[2]];
  const [kb, n] = tb ? [b[2], b[1]] : [b[1], b[2]];
  if (k !== kb) {
    throw new ShapeError(
      `batch_dot: lhs ${formatShape(a)} and rhs ${formatShape(b)} do not agree on the inner ` +
        `dimension (${k} vs ${kb})`,
    );
  }
  return { batch: a[0], m, n, k };
}

const batchDot: OpDef = {
  name: "batch_dot",
  inputs: ["lhs", "rhs"],
  params: TRANSPOSE_PARAMS,
  inferShape: ([a, b], p) => {
    const d = batchDims(a, b, p);
    return [[d.batch, d.m, d.n]];
  },
  gradient: (bd, { inputs: [a, b], outGrads: [g], params, needs }) => {
    const ta = params.transposeA as boolean, tb = params.transposeB as boolean;
    const ga = !(needs?.[0] ?? true)
      ? null
      : ta
      ? bd.op("batch_dot", [b, g], { transposeA: tb, transposeB: true })
      : bd.op("batch_dot", [g, b], { transposeB: !tb });
    const gb = !(needs?.[1] ?? true)
      ? null
      : tb
      ? bd.op("batch_dot", [g, a], { transposeA: true, transposeB: ta })
      : bd.op("batch_dot", [a, g], { transposeA: !ta });
    return [ga, gb];
  },
  lowering: {
    kind: "primitive",
    run: (k, [a, b], [out], p) => {
      const d = batchDims(a.shape, b.shape, p);
      return k.matmul(a.buf, b.buf, out.buf, {
        ...d,
        transA: p.transposeA as boolean,
        transB: p.transposeB as boolean,
        aBatchStride: d.m * d.k,
        bBatchStride: d.k * d.n,
      });
    },
  },
};

/** Every matrix-product operator. */
export const MATMUL_OPS: readonly OpDef[] = [dot, batchDot];
