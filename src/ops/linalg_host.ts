/**
 * Dense linear algebra on the host (MXNet's `_linalg_*` / `_npi_*` names): inverse,
 * determinant, solve, Cholesky, symmetric eigendecomposition and SVD of (batches of)
 * square or rectangular matrices in the last two axes. These run where the host can see
 * the memory (the ts and native CPU backends) and throw UnsupportedError elsewhere; they
 * compute in float64 whatever the dtype, with LAPACK where the backend has it (native:
 * OpenBLAS's) and the TS reference code here elsewhere. inverse, det, solve and Cholesky (potrf) have gradients.
 * @module
 */
import { MXNetError, ShapeError, UnsupportedError } from "../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../core/shape.ts";
import type { Kernels } from "../../backends/backend.ts";
import type { KernelTensor, OpDef } from "./op_def.ts";
import { bmm, keepTriangle, mT } from "./linalg_util.ts";

/** The typed array behind a host buffer; throws naming `op` on other devices. */
export function host(t: KernelTensor, op: string): { [i: number]: number; length: number } {
  const d = (t.buf as { data?: unknown }).data;
  if (!ArrayBuffer.isView(d)) {
    throw new UnsupportedError(`${op}: runs on the host; copy the array to mx.cpu() first`);
  }
  return d as unknown as { [i: number]: number; length: number };
}

function square(s: Shape, op: string): { n: number; batch: number } {
  if (s.length < 2 || s[s.length - 1] !== s[s.length - 2]) {
    throw new ShapeError(`${op}: expected (..., n, n) square matrices, got ${formatShape(s)}`);
  }
  const n = s[s.length - 1];
  return { n, batch: sizeOf(s.slice(0, -2)) };
}

/** LU decomposition with partial pivoting of an n x n row-major matrix, in place. */
export function lu(
  a: Float64Array,
  n: number,
): { perm: number[]; sign: number; singular: boolean } {
  const perm = [...Array(n).keys()];
  let sign = 1, singular = false;
  for (let k = 0; k < n; k++) {
    let p = k, best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) [best, p] = [v, i];
    }
    if (best === 0) {
      singular = true;
      continue;
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j], a[k * n + j]];
      [perm[k], perm[p]] = [perm[p], perm[k]];
      sign = -sign;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (a[i * n + k] /= a[k * n + k]);
      for (let j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return { perm, sign, singular };
}

/**
 * LU factorization in place for a determinant: LAPACK's (of A^T, same determinant)
 * where the backend has it, else {@link lu}. The diagonal of `a` then holds U's.
 */
export function factorLU(
  k: Kernels,
  a: Float64Array,
  n: number,
): { sign: number; singular: boolean } {
  if (!k.lapack) return lu(a, n);
  const ipiv = new Int32Array(Math.max(n, 1));
  const info = k.lapack.getrf(a, n, ipiv);
  let sign = 1;
  for (let i = 0; i < n; i++) if (ipiv[i] !== i + 1) sign = -sign;
  return { sign, singular: info > 0 };
}

/** Solves LU x = P b for `m` right-hand sides stored row-major n x m. */
function luSolve(a: Float64Array, perm: number[], b: Float64Array, n: number, m: number) {
  const x = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) x[i * m + j] = b[perm[i] * m + j];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const f = a[i * n + k];
      for (let j = 0; j < m; j++) x[i * m + j] -= f * x[k * m + j];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = a[i * n + k];
      for (let j = 0; j < m; j++) x[i * m + j] -= f * x[k * m + j];
    }
    for (let j = 0; j < m; j++) x[i * m + j] /= a[i * n + i];
  }
  return x;
}

export function matrix(d: { [i: number]: number }, at: number, len: number): Float64Array {
  const m = new Float64Array(len);
  for (let i = 0; i < len; i++) m[i] = d[at + i];
  return m;
}

export function store(d: { [i: number]: number }, at: number, v: ArrayLike<number>): void {
  for (let i = 0; i < v.length; i++) d[at + i] = v[i];
}

const inverse: OpDef = {
  name: "_linalg_inverse",
  aliases: ["linalg_inverse", "_npi_inv"],
  inputs: ["A"],
  params: {},
  inferShape: ([s]) => {
    square(s, "linalg.inv");
    return [s];
  },
  // d(A^-1) = -A^-T g A^-T.
  gradient: (b, { outputs: [y], outGrads: [g] }) => {
    const yt = mT(b, y);
    return [b.op("negative", [bmm(b, yt, bmm(b, g, yt))])];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x], [out]) => {
      const { n, batch } = square(x.shape, "linalg.inv");
      const src = host(x, "linalg.inv"), dst = host(out, "linalg.inv");
      const eye = new Float64Array(n * n);
      for (let i = 0; i < n; i++) eye[i * n + i] = 1;
      for (let t = 0; t < batch; t++) {
        const a = matrix(src, t * n * n, n * n);
        if (k.lapack) {
          if (k.lapack.inverse(a, n) !== 0) {
            throw new MXNetError("linalg.inv: the matrix is singular");
          }
          store(dst, t * n * n, a);
          continue;
        }
        const f = lu(a, n);
        if (f.singular) throw new MXNetError("linalg.inv: the matrix is singular");
        store(dst, t * n * n, luSolve(a, f.perm, eye, n, n));
      }
    },
  },
};

const det: OpDef = {
  name: "_linalg_det",
  aliases: ["linalg_det", "_npi_det"],
  inputs: ["A"],
  params: {},
  inferShape: ([s]) => {
    square(s, "linalg.det");
    return [s.slice(0, -2)];
  },
  // d det(A) = det(A) A^-T.
  gradient: (b, { inputs: [a], outputs: [d], outGrads: [g] }) => {
    const s = b.shape(a);
    const gd = b.op("broadcast_mul", [g, d]);
    const inv = mT(b, b.op("_linalg_inverse", [a]));
    return [
      b.op("broadcast_mul", [inv, b.op("Reshape", [gd], { shape: [...s.slice(0, -2), 1, 1] })]),
    ];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x], [out]) => {
      const { n, batch } = square(x.shape, "linalg.det");
      const src = host(x, "linalg.det"), dst = host(out, "linalg.det");
      for (let t = 0; t < batch; t++) {
        const a = matrix(src, t * n * n, n * n);
        const f = factorLU(k, a, n);
        let v = f.singular ? 0 : f.sign;
        for (let i = 0; i < n && v !== 0; i++) v *= a[i * n + i];
        dst[t] = v;
      }
    },
  },
};

function solveDims(a: Shape, bs: Shape) {
  const { n, batch } = square(a, "linalg.solve");
  // b is (..., n, m) with a's leading dims, or (..., n) for one right-hand side.
  const vec = bs.length === a.length - 1;
  const m = vec ? 1 : bs[bs.length - 1];
  if ((vec ? bs[bs.length - 1] : bs[bs.length - 2]) !== n || sizeOf(bs) !== batch * n * m) {
    throw new ShapeError(
      `linalg.solve: b of shape ${formatShape(bs)} does not match a of shape ${formatShape(a)}`,
    );
  }
  return { n, m, batch, vec };
}

const solve: OpDef = {
  name: "_npi_solve",
  inputs: ["a", "b"],
  params: {},
  inferShape: ([a, bs]) => {
    solveDims(a, bs);
    return [bs];
  },
  // x = A^-1 b: db = A^-T g, dA = -db x^T.
  gradient: (b, { inputs: [a, rhs], outputs: [x], outGrads: [g] }) => {
    const vec = b.shape(rhs).length === b.shape(a).length - 1;
    const col = (t: typeof g) => vec ? b.op("expand_dims", [t], { axis: -1 }) : t;
    const gb = b.op("_npi_solve", [mT(b, a), g]);
    const ga = b.op("negative", [bmm(b, col(gb), mT(b, col(x)))]);
    return [ga, gb];
  },
  lowering: {
    kind: "primitive",
    run: (_k, [a, rhs], [out]) => {
      const { n, m, batch } = solveDims(a.shape, rhs.shape);
      const A = host(a, "linalg.solve"), B = host(rhs, "linalg.solve");
      const dst = host(out, "linalg.solve");
      for (let t = 0; t < batch; t++) {
        const lu0 = matrix(A, t * n * n, n * n);
        const f = lu(lu0, n);
        if (f.singular) throw new MXNetError("linalg.solve: the matrix is singular");
        store(dst, t * n * m, luSolve(lu0, f.perm, matrix(B, t * n * m, n * m), n, m));
      }
    },
  },
};

const cholesky: OpDef = {
  name: "_linalg_potrf",
  aliases: ["linalg_potrf"],
  inputs: ["A"],
  // lower: A = L L^T with L lower triangular; else A = U^T U with U upper (U = L^T).
  params: { lower: { type: "bool", default: true } },
  inferShape: ([s]) => {
    square(s, "linalg.cholesky");
    return [s];
  },
  // MXNet's la_op-inl.h: dA = 0.5 L^-T copyLTU(L^T dL) L^-1 (symmetric), with L the
  // lower factor (the transpose of an upper output).
  gradient: (b, { outputs: [y], outGrads: [g], params }) => {
    const [l, gl] = params.lower ? [y, g] : [mT(b, y), mT(b, g)];
    const p = bmm(b, l, gl, true, false);
    const sym = b.op("broadcast_add", [
      keepTriangle(b, p, true),
      mT(b, keepTriangle(b, p, true, false)),
    ]);
    const right = b.op("_linalg_trsm", [l, sym], { rightside: true });
    return [b.op("_linalg_trsm", [l, right], { transpose: true, alpha: 0.5 })];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x], [out], p) => {
      const { n, batch } = square(x.shape, "linalg.cholesky");
      const src = host(x, "linalg.cholesky"), dst = host(out, "linalg.cholesky");
      for (let t = 0; t < batch; t++) {
        // MXNet requires a symmetric A; the factor is taken of (A + A^T) / 2, which is A
        // then, and makes MXNet's symmetric gradient the exact derivative of the forward.
        const l = choleskyLower(k, symmetricPart(matrix(src, t * n * n, n * n), n), n);
        if (!p.lower) transposeInPlace(l, n);
        store(dst, t * n * n, l);
      }
    },
  },
};

/** Replaces an n x n row-major matrix by (A + A^T) / 2; returns it. */
export function symmetricPart(a: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i] = (a[i * n + j] + a[j * n + i]) / 2;
  }
  return a;
}

/** Swaps a[i][j] and a[j][i] of an n x n row-major matrix. */
export function transposeInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) [a[i * n + j], a[j * n + i]] = [a[j * n + i], a[i * n + j]];
  }
}

/** The lower Cholesky factor of the symmetric n x n `a` (LAPACK's where the backend has it). */
function choleskyLower(k: Kernels, a: Float64Array, n: number): Float64Array {
  if (k.lapack) {
    if (k.lapack.potrf(a, n) !== 0) {
      throw new MXNetError("linalg.cholesky: the matrix is not positive definite");
    }
    return a;
  }
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
    if (!(d > 0)) {
      throw new MXNetError("linalg.cholesky: the matrix is not positive definite");
    }
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return l;
}

/** Cyclic Jacobi eigenvalue iteration of a symmetric matrix: ascending values, vectors as columns. */
export function jacobi(a: Float64Array, n: number): { w: Float64Array; v: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = [...Array(n).keys()].sort((i, j) => a[i * n + i] - a[j * n + j]);
  const w = Float64Array.from(order, (i) => a[i * n + i]);
  const vs = new Float64Array(n * n);
  for (let r = 0; r < n; r++) order.forEach((c, j) => (vs[r * n + j] = v[r * n + c]));
  return { w, v: vs };
}

const eigh: OpDef = {
  name: "_npi_eigh",
  inputs: ["A"],
  numOutputs: 2,
  params: {},
  inferShape: ([s]) => {
    square(s, "linalg.eigh");
    return [s.slice(0, -1), s];
  },
  differentiable: false,
  lowering: {
    kind: "primitive",
    run: (_k, [x], [w, v]) => {
      const { n, batch } = square(x.shape, "linalg.eigh");
      const src = host(x, "linalg.eigh"), W = host(w, "linalg.eigh"), V = host(v, "linalg.eigh");
      for (let t = 0; t < batch; t++) {
        // The lower triangle defines the matrix (NumPy's default UPLO="L").
        const a = matrix(src, t * n * n, n * n);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i];
        const r = jacobi(a, n);
        store(W, t * n, r.w);
        store(V, t * n * n, r.v);
      }
    },
  },
};

/**
 * One-sided Jacobi SVD (Hestenes) of a tall m x n matrix (m >= n), row-major: rotates
 * column pairs of U = A until they are orthogonal (V accumulates the rotations); then
 * the column norms are the singular values. Accurate for small singular values too.
 */
function jacobiSvd(a: Float64Array, m: number, n: number) {
  const u = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let r = 0; r < m; r++) {
          const up = u[r * n + p], uq = u[r * n + q];
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let r = 0; r < m; r++) {
          const up = u[r * n + p], uq = u[r * n + q];
          u[r * n + p] = c * up - s * uq;
          u[r * n + q] = s * up + c * uq;
        }
        for (let r = 0; r < n; r++) {
          const vp = v[r * n + p], vq = v[r * n + q];
          v[r * n + p] = c * vp - s * vq;
          v[r * n + q] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const sig = Array.from({ length: n }, (_, j) => {
    let t = 0;
    for (let r = 0; r < m; r++) t += u[r * n + j] ** 2;
    return Math.sqrt(t);
  });
  const order = [...Array(n).keys()].sort((i, j) => sig[j] - sig[i]);
  return { u, v, sig, order };
}

/**
 * Thin SVD of (..., m, n): U (..., m, k), S (..., k) descending, V^T (..., k, n) with
 * k = min(m, n); a wide matrix is decomposed through its transpose.
 */
const svd: OpDef = {
  name: "_npi_svd",
  inputs: ["A"],
  numOutputs: 3,
  params: {},
  inferShape: ([s]) => {
    if (s.length < 2) {
      throw new ShapeError(`linalg.svd: expected (..., m, n), got ${formatShape(s)}`);
    }
    const [m, n] = s.slice(-2), k = Math.min(m, n), lead = s.slice(0, -2);
    return [[...lead, m, k], [...lead, k], [...lead, k, n]];
  },
  differentiable: false,
  lowering: {
    kind: "primitive",
    run: (_k, [x], [u, sv, vt]) => {
      const [m, n] = x.shape.slice(-2), k = Math.min(m, n);
      const batch = sizeOf(x.shape.slice(0, -2));
      const src = host(x, "linalg.svd");
      const U = host(u, "linalg.svd"), S = host(sv, "linalg.svd"), VT = host(vt, "linalg.svd");
      const wide = n > m;
      for (let t = 0; t < batch; t++) {
        const a = matrix(src, t * m * n, m * n);
        // Work on the tall form: A (m x n), or A^T (n x m) when wide.
        const [rows, cols] = wide ? [n, m] : [m, n];
        const tall = wide ? new Float64Array(m * n) : a;
        if (wide) {
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) tall[j * m + i] = a[i * n + j];
        }
        const r = jacobiSvd(tall, rows, cols);
        r.order.forEach((c, j) => {
          const sigma = r.sig[c];
          S[t * k + j] = sigma;
          // Left vectors of the tall form: u_c / sigma; right ones: v's column c.
          for (let i = 0; i < rows; i++) {
            const left = sigma > 0 ? r.u[i * cols + c] / sigma : 0;
            if (wide) VT[t * k * n + j * n + i] = left;
            else U[t * m * k + i * k + j] = left;
          }
          for (let i = 0; i < cols; i++) {
            const right = r.v[i * cols + c];
            if (wide) U[t * m * k + i * k + j] = right;
            else VT[t * k * n + j * n + i] = right;
          }
        });
      }
    },
  },
};

/** Every host linear-algebra operator. */
export const LINALG_HOST_OPS: readonly OpDef[] = [inverse, det, solve, cholesky, eigh, svd];
