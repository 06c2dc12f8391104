/**
 * `mx.np` products and `mx.np.linalg`: dot / matmul / tensordot / einsum over the GEMM
 * kernels (every backend, differentiable), norms composed from reductions, and the
 * factorizations (inv, det, solve, cholesky, eigh, svd, ...) from the host operators of
 * src/ops/linalg_host.ts, which run on CPU arrays (UnsupportedError elsewhere).
 * @module
 */
import { ParamError, ShapeError, UnsupportedError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import {
  broadcastShapes,
  formatShape,
  normalizeAxes,
  reducedShape,
  sizeOf,
} from "../core/shape.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { asNp, cast, floatType, op, opAll, promoteTypes, requireHost, reshapeTo } from "./_core.ts";
import { broadcastTo, diagonal, moveaxis, ravel } from "./manip.ts";
import type { NpArray } from "./ndarray.ts";

function same(a: NDArray, b: NDArray): [NpArray, NpArray] {
  const t = promoteTypes(a.dtype, b.dtype);
  return [cast(a, t), cast(b, t)];
}

/**
 * NumPy's dot: scalars multiply, 1-D·1-D is the inner product (0-d), 2-D·2-D the matrix
 * product, N-D·M-D contracts a's last axis with b's second-to-last.
 */
export function dot(a: NDArray, b: NDArray): NpArray {
  const [x, y] = same(a, b);
  if (x.ndim === 0 || y.ndim === 0) return op("broadcast_mul", [x, y]);
  if (y.ndim > 2) {
    // Move b's contracted axis (-2) to the front for the legacy dot, which contracts there.
    const yt = moveaxis(y, y.ndim - 2, 0);
    return op("dot", [x, yt]);
  }
  const r = op("dot", [x, y]);
  const shape = [...x.shape.slice(0, -1), ...y.shape.slice(1)];
  return reshapeTo(r, shape);
}

/** Dot of the flattened arrays. */
export function vdot(a: NDArray, b: NDArray): NpArray {
  return dot(ravel(a), ravel(b));
}

/** Inner product over the last axes: result shape a.shape[:-1] + b.shape[:-1]. */
export function inner(a: NDArray, b: NDArray): NpArray {
  const [x, y] = same(a, b);
  if (x.ndim === 0 || y.ndim === 0) return op("broadcast_mul", [x, y]);
  const k = x.shape[x.ndim - 1];
  const y2 = reshapeTo(y, [y.size / k, k]);
  const r = op("dot", [x, y2], { transposeB: true });
  return reshapeTo(r, [...x.shape.slice(0, -1), ...y.shape.slice(0, -1)]);
}

/** Outer product of the flattened arrays. */
export function outer(a: NDArray, b: NDArray): NpArray {
  const [x, y] = same(a, b);
  return op("broadcast_mul", [reshapeTo(x, [x.size, 1]), reshapeTo(y, [1, y.size])]);
}

/**
 * Matrix product with NumPy's rules: 1-D operands gain a dim (removed after), leading
 * dims broadcast, then one batched GEMM.
 */
export function matmul(a: NDArray, b: NDArray): NpArray {
  const [x0, y0] = same(a, b);
  if (x0.ndim === 0 || y0.ndim === 0) {
    throw new ShapeError("np.matmul: operands must not be 0-d (use multiply)");
  }
  const x = x0.ndim === 1 ? reshapeTo(x0, [1, x0.shape[0]]) : x0;
  const y = y0.ndim === 1 ? reshapeTo(y0, [y0.shape[0], 1]) : y0;
  const [m, k] = x.shape.slice(-2), [k2, n] = y.shape.slice(-2);
  if (k !== k2) {
    throw new ShapeError(
      `np.matmul: ${formatShape(a.shape)} and ${formatShape(b.shape)} do not agree on the ` +
        `contracted dimension (${k} vs ${k2})`,
    );
  }
  const lead = broadcastShapes([x.shape.slice(0, -2), y.shape.slice(0, -2)], "np.matmul");
  let r: NpArray;
  if (lead.length === 0) r = op("dot", [x, y]);
  else {
    const B = sizeOf(lead);
    const xb = reshapeTo(broadcastTo(x, [...lead, m, k]), [B, m, k]);
    const yb = reshapeTo(broadcastTo(y, [...lead, k, n]), [B, k, n]);
    r = op("batch_dot", [xb, yb]);
  }
  const shape = [...lead, ...(x0.ndim === 1 ? [] : [m]), ...(y0.ndim === 1 ? [] : [n])];
  return reshapeTo(r, shape);
}

/** Sum of products over `axes` (a count of trailing/leading axes, or two axis lists). */
export function tensordot(
  a: NDArray,
  b: NDArray,
  axes: number | readonly [readonly number[] | number, readonly number[] | number] = 2,
): NpArray {
  const [x, y] = same(a, b);
  let ax: number[], bx: number[];
  if (typeof axes === "number") {
    ax = [...Array(axes).keys()].map((i) => x.ndim - axes + i);
    bx = [...Array(axes).keys()];
  } else {
    const list = (v: readonly number[] | number) => (typeof v === "number" ? [v] : [...v]);
    ax = list(axes[0]).map((v) => (v < 0 ? v + x.ndim : v));
    bx = list(axes[1]).map((v) => (v < 0 ? v + y.ndim : v));
  }
  if (ax.length !== bx.length || ax.some((v, i) => x.shape[v] !== y.shape[bx[i]])) {
    throw new ShapeError(
      `np.tensordot: axes do not match: ${formatShape(x.shape)} ${JSON.stringify(ax)} vs ` +
        `${formatShape(y.shape)} ${JSON.stringify(bx)}`,
    );
  }
  const freeA = [...Array(x.ndim).keys()].filter((i) => !ax.includes(i));
  const freeB = [...Array(y.ndim).keys()].filter((i) => !bx.includes(i));
  const K = sizeOf(ax.map((i) => x.shape[i]));
  const xa = reshapeTo(op("transpose", [x], { axes: [...freeA, ...ax] }), [x.size / (K || 1), K]);
  const yb = reshapeTo(op("transpose", [y], { axes: [...bx, ...freeB] }), [K, y.size / (K || 1)]);
  const r = op("dot", [xa, yb]);
  return reshapeTo(r, [...freeA.map((i) => x.shape[i]), ...freeB.map((i) => y.shape[i])]);
}

/** Kronecker product of two arrays of equal ndim. */
export function kron(a: NDArray, b: NDArray): NpArray {
  const [x, y] = same(a, b);
  const nd = Math.max(x.ndim, y.ndim);
  const xs = [...Array(nd - x.ndim).fill(1), ...x.shape];
  const ys = [...Array(nd - y.ndim).fill(1), ...y.shape];
  const xe = reshapeTo(x, xs.flatMap((d) => [d, 1]));
  const ye = reshapeTo(y, ys.flatMap((d) => [1, d]));
  return reshapeTo(op("broadcast_mul", [xe, ye]), xs.map((d, i) => d * ys[i]));
}

/**
 * Einstein summation (`"ij,jk->ik"`, implicit output too). Operands are contracted in
 * pairs, each pair as one batched GEMM; a letter repeated in one operand takes the
 * diagonal. Ellipsis (`...`) is not supported.
 */
export function einsum(subscripts: string, ...operands: NDArray[]): NpArray {
  const spec = subscripts.replace(/\s/g, "");
  if (spec.includes(".")) {
    throw new UnsupportedError("np.einsum: ellipsis ('...') is not supported");
  }
  const [lhs, rhsGiven] = spec.split("->");
  const inputs = lhs.split(",");
  if (inputs.length !== operands.length) {
    throw new ParamError(
      `np.einsum: ${inputs.length} operand subscripts but ${operands.length} operands`,
    );
  }
  const counts = new Map<string, number>();
  for (const s of inputs) for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  const out = rhsGiven ?? [...counts.keys()].filter((c) => counts.get(c) === 1).sort().join("");
  const t = operands.map((o) => o.dtype).reduce(promoteTypes);
  let terms = operands.map((o, i) => {
    let x = cast(o, t);
    let letters = inputs[i];
    if (letters.length !== x.ndim) {
      throw new ShapeError(
        `np.einsum: subscripts ${letters} do not match shape ${formatShape(x.shape)}`,
      );
    }
    // Repeated letters within an operand: take the diagonal (moved to the end).
    for (let j = 0; j < letters.length; j++) {
      const k = letters.indexOf(letters[j], j + 1);
      if (k < 0) continue;
      x = diagonal(x, { axis1: j, axis2: k });
      letters = letters.slice(0, j) + letters.slice(j + 1, k) + letters.slice(k + 1) + letters[j];
      j = -1;
    }
    return { x, letters };
  });
  const needed = (from: number) =>
    new Set([...out, ...terms.slice(from).flatMap((q) => [...q.letters])]);
  // Sum out letters no other operand and not the output need.
  terms = terms.map((q, i) =>
    sumOut(q, new Set([...out, ...terms.filter((_, j) => j !== i).flatMap((r) => [...r.letters])]))
  );
  while (terms.length > 1) {
    const [p, q] = terms;
    const keep = needed(2);
    terms = [pair(p, q, keep), ...terms.slice(2)];
  }
  const last = sumOut(terms[0], new Set(out));
  if (last.letters.length !== out.length) {
    throw new ParamError(`np.einsum: output subscripts ${out} name letters not in the inputs`);
  }
  const perm = [...out].map((c) => last.letters.indexOf(c));
  return perm.every((v, i) => v === i) ? asNp(last.x) : op("transpose", [last.x], { axes: perm });
}

type Term = { x: NpArray; letters: string };

function sumOut(q: Term, keep: Set<string>): Term {
  const axes = [...q.letters].flatMap((c, i) => (keep.has(c) ? [] : [i]));
  if (axes.length === 0) return q;
  const letters = [...q.letters].filter((c) => keep.has(c)).join("");
  const r = op("sum", [q.x], { axis: axes });
  return { x: reshapeTo(r, [...letters].map((c) => q.x.shape[q.letters.indexOf(c)])), letters };
}

/** Contracts two terms: batch letters (in both, kept), contracted (in both, not kept). */
function pair(p: Term, q: Term, keep: Set<string>): Term {
  const inP = new Set(p.letters), inQ = new Set(q.letters);
  const batch = [...p.letters].filter((c) => inQ.has(c) && keep.has(c));
  const con = [...p.letters].filter((c) => inQ.has(c) && !keep.has(c));
  const left = [...p.letters].filter((c) => !inQ.has(c));
  const right = [...q.letters].filter((c) => !inP.has(c));
  const dim = (t: Term, c: string) => t.x.shape[t.letters.indexOf(c)];
  const size = (t: Term, cs: string[]) => sizeOf(cs.map((c) => dim(t, c)));
  const B = size(p, batch), M = size(p, left), K = size(p, con), N = size(q, right);
  const xp = op("transpose", [p.x], {
    axes: [...batch, ...left, ...con].map((c) => p.letters.indexOf(c)),
  });
  const xq = op("transpose", [q.x], {
    axes: [...batch, ...con, ...right].map((c) => q.letters.indexOf(c)),
  });
  const r = op("batch_dot", [reshapeTo(xp, [B, M, K]), reshapeTo(xq, [B, K, N])]);
  const letters = [...batch, ...left, ...right].join("");
  const shape = [
    ...batch.map((c) => dim(p, c)),
    ...left.map((c) => dim(p, c)),
    ...right.map((c) => dim(q, c)),
  ];
  return { x: reshapeTo(r, shape), letters };
}

/** Options of {@link norm}. */
export interface NormOptions {
  /** Order: vector 1, 2, Infinity, -Infinity, 0 or any p; matrix "fro", "nuc", 1, -1, Infinity, -Infinity, 2, -2. */
  ord?: number | "fro" | "nuc" | null;
  /** Axis (vector norm) or two axes (matrix norm); all axes flattened by default. */
  axis?: number | readonly number[] | null;
  /** Keep the reduced axes as size 1. */
  keepdims?: boolean;
}

/** Vector or matrix norm, as numpy.linalg.norm. */
export function norm(x: NDArray, opts: NormOptions = {}): NpArray {
  checkOptions("np.linalg.norm", opts, ["ord", "axis", "keepdims"]);
  const f = cast(x, floatType(x.dtype));
  const ord = opts.ord ?? null;
  const keepdims = opts.keepdims ?? false;
  const matrix = (Array.isArray(opts.axis) && opts.axis.length === 2) ||
    ((opts.axis === undefined || opts.axis === null) && f.ndim === 2 && ord !== null);
  const axes = normalizeAxes(opts.axis ?? null, f.ndim, "np.linalg.norm: axis");
  const shape = reducedShape(f.shape, axes, keepdims);
  const red = (name: string, t: NpArray, ax = axes) =>
    reshapeTo(op(name, [t], { axis: ax, keepdims: true }), reducedShape(t.shape, ax, true));
  const finish = (t: NpArray) => reshapeTo(t, shape);
  const absF = () => op("abs", [f]);
  if (!matrix) {
    if (ord === null || ord === 2 || ord === "fro") {
      return finish(op("sqrt", [red("sum", op("square", [f]))]));
    }
    if (ord === 1) return finish(red("sum", absF()));
    if (ord === Infinity) return finish(red("max", absF()));
    if (ord === -Infinity) return finish(red("min", absF()));
    if (ord === 0) {
      return finish(red("sum", cast(op("_not_equal_scalar", [f], { scalar: 0 }), f.dtype)));
    }
    if (typeof ord === "number") {
      const s = red("sum", op("_power_scalar", [absF()], { scalar: ord }));
      return finish(op("_power_scalar", [s], { scalar: 1 / ord }));
    }
    throw new ParamError(`np.linalg.norm: ord ${ord} is not a vector norm`);
  }
  const [r, c] = axes.length === 2 ? axes : [0, 1];
  if (ord === null || ord === "fro") {
    return finish(op("sqrt", [red("sum", op("square", [f]), [r, c])]));
  }
  if (ord === 1 || ord === -1) {
    const colSums = red("sum", absF(), [r]);
    return finish(red(ord === 1 ? "max" : "min", colSums, [c]));
  }
  if (ord === Infinity || ord === -Infinity) {
    const rowSums = red("sum", absF(), [c]);
    return finish(red(ord === Infinity ? "max" : "min", rowSums, [r]));
  }
  if (ord === 2 || ord === -2 || ord === "nuc") {
    const moved = moveaxis(f, [r, c], [f.ndim - 2, f.ndim - 1]);
    const s = svd(moved)[1];
    const v = ord === "nuc"
      ? op("sum", [s], { axis: -1 })
      : op(ord === 2 ? "max" : "min", [s], { axis: -1 });
    return finish(v);
  }
  throw new ParamError(`np.linalg.norm: ord ${ord} is not a matrix norm`);
}

function hostOp(name: string, xs: NDArray[], where: string): NpArray[] {
  for (const x of xs) requireHost(x, where);
  return opAll(name, xs.map((x) => cast(x, floatType(x.dtype))));
}

/** Inverse of (a batch of) square matrices. Host (CPU arrays); differentiable. */
export function inv(a: NDArray): NpArray {
  return hostOp("_linalg_inverse", [a], "np.linalg.inv")[0];
}
/** Determinant. Host; differentiable. */
export function det(a: NDArray): NpArray {
  return hostOp("_linalg_det", [a], "np.linalg.det")[0];
}
/** Sign and log|det| (from det, so it overflows where det does). Host; differentiable. */
export function slogdet(a: NDArray): [NpArray, NpArray] {
  const d = det(a);
  return [op("sign", [d]), op("log", [op("abs", [d])])];
}
/** Solution x of a x = b (b: (..., n) or (..., n, k)). Host; differentiable. */
export function solve(a: NDArray, b: NDArray): NpArray {
  return hostOp("_npi_solve", [a, b], "np.linalg.solve")[0];
}
/** Lower Cholesky factor L with a = L Lᵀ. Host. */
export function cholesky(a: NDArray): NpArray {
  return hostOp("_linalg_potrf", [a], "np.linalg.cholesky")[0];
}
/** Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices. Host. */
export function eigh(a: NDArray): [NpArray, NpArray] {
  const [w, v] = hostOp("_npi_eigh", [a], "np.linalg.eigh");
  return [w, v];
}
/** Eigenvalues of symmetric matrices (ascending). Host. */
export function eigvalsh(a: NDArray): NpArray {
  return eigh(a)[0];
}
/** Thin SVD: [U, S, Vᵀ] with S descending. Host. */
export function svd(a: NDArray): [NpArray, NpArray, NpArray] {
  const [u, s, vt] = hostOp("_npi_svd", [a], "np.linalg.svd");
  return [u, s, vt];
}
/** Moore-Penrose pseudo-inverse from the SVD (singular values below rcond·max dropped). Host. */
export function pinv(a: NDArray, rcond = 1e-15): NpArray {
  const [u, s, vt] = svd(a);
  const cut = op("_mul_scalar", [op("max", [s], { axis: -1, keepdims: true })], { scalar: rcond });
  const big = op("broadcast_greater", [s, cut]);
  const sinv = op("broadcast_mul", [op("reciprocal", [op("broadcast_maximum", [s, cut])]), big]);
  const vs = op("broadcast_mul", [moveaxis(vt, -1, -2), op("expand_dims", [sinv], { axis: -2 })]);
  return matmul(vs, moveaxis(u, -1, -2));
}
/** Number of singular values above the tolerance. Host. */
export function matrixRank(a: NDArray, tol?: number): NpArray {
  const s = svd(a)[1];
  const [m, n] = a.shape.slice(-2);
  const t = tol ?? 0;
  const cut = tol === undefined
    ? op("_mul_scalar", [op("max", [s], { axis: -1, keepdims: true })], {
      scalar: Math.max(m, n) * 2.220446049250313e-16,
    })
    : op("_full", [], { shape: [], value: t, dtype: s.dtype }, s.context);
  const r = op("sum", [op("broadcast_greater", [s, cut])], { axis: -1 });
  return reshapeTo(cast(r, "int64"), a.shape.slice(0, -2));
}
/** `a` to the integer power `n` by repeated squaring (n < 0 inverts first). */
export function matrixPower(a: NDArray, n: number): NpArray {
  if (!Number.isInteger(n)) throw new ParamError("np.linalg.matrix_power: n must be an integer");
  let base = n < 0 ? inv(a) : asNp(a);
  let e = Math.abs(n);
  let result: NpArray | null = null;
  while (e > 0) {
    if (e & 1) result = result ? matmul(result, base) : base;
    e >>= 1;
    if (e) base = matmul(base, base);
  }
  if (result) return result === a ? asNp(a).copy() : result;
  const k = a.shape[a.ndim - 1];
  return broadcastTo(op("_eye", [], { N: k, M: k, dtype: a.dtype }, a.context), a.shape);
}
/** Chained matrix product of several arrays. */
export function multiDot(arrays: readonly NDArray[]): NpArray {
  return arrays.slice(1).reduce((acc, x) => dot(acc, x), asNp(arrays[0]));
}
/** Least-squares solution of a x = b via the pseudo-inverse. Host. */
export function lstsq(a: NDArray, b: NDArray): NpArray {
  return dot(pinv(a), b);
}
