/**
 * MXNet's factorization operators beyond linalg_host.ts: trsm (triangular solve), gelqf
 * (LQ factorization), syevd (symmetric eigendecomposition) and slogdet. Like
 * linalg_host.ts they compute in float64 on the host (the ts and native CPU backends;
 * LAPACK on native, the TS reference code here on ts) and throw UnsupportedError for
 * device memory; their gradients are compositions
 * (MXNet's formulas from la_op-inl.h) and so run wherever the forward does.
 * @module
 */
import { MXNetError, ShapeError } from "../core/errors.ts";
import { formatShape, sizeOf } from "../core/shape.ts";
import type { HostLapack } from "../../backends/backend.ts";
import {
  factorLU,
  host,
  jacobi,
  matrix,
  store,
  symmetricPart,
  transposeInPlace,
} from "./linalg_host.ts";
import { TRIANGULAR_PARAMS, triangularShape } from "./linalg_la.ts";
import { bmm, keepTriangle, mT, squareSize, triangleMask } from "./linalg_util.ts";
import type { OpDef } from "./op_def.ts";

/**
 * Solves T X = B in place of `x` (n x m, row-major) for a triangular n x n `t`
 * (only its `lower` or upper triangle is read).
 */
function triangularSolve(t: Float64Array, x: Float64Array, n: number, m: number, lower: boolean) {
  for (let s = 0; s < n; s++) {
    const i = lower ? s : n - 1 - s;
    const d = t[i * n + i];
    for (let k = 0; k < n; k++) {
      if (lower ? k >= i : k <= i) continue;
      const f = t[i * n + k];
      if (f === 0) continue;
      for (let j = 0; j < m; j++) x[i * m + j] -= f * x[k * m + j];
    }
    for (let j = 0; j < m; j++) x[i * m + j] /= d;
  }
}

const trsm: OpDef = {
  name: "_linalg_trsm",
  aliases: ["linalg_trsm"],
  inputs: ["A", "B"],
  params: TRIANGULAR_PARAMS,
  inferShape: (s, p) => [triangularShape(s, p, "linalg_trsm")],
  // la_op-inl.h: dB = trsm(A, dC) with the transpose flipped; dA = -1/alpha times the
  // product of dB and C (order by side), restricted to A's triangle.
  gradient: (b, { inputs: [a], outputs: [c], outGrads: [g], params: p }) => {
    const t = p.transpose as boolean;
    const gb = b.op("_linalg_trsm", [a, g], { ...p, transpose: !t });
    const prod = p.rightside === t ? bmm(b, gb, c, t, !t) : bmm(b, c, gb, !t, t);
    const ga = b.op("_mul_scalar", [prod], { scalar: -1 / (p.alpha as number) });
    return [keepTriangle(b, ga, p.lower as boolean), gb];
  },
  lowering: {
    kind: "primitive",
    run: (k, [a, rhs], [out], p) => {
      const n = a.shape[a.shape.length - 1];
      const [r, c] = rhs.shape.slice(-2);
      const batch = sizeOf(a.shape.slice(0, -2));
      const A = host(a, "linalg_trsm"), B = host(rhs, "linalg_trsm");
      const dst = host(out, "linalg_trsm");
      const alpha = p.alpha as number;
      // Everything becomes a left solve T X = alpha B: on the right side,
      // X op(A) = alpha B is op(A)^T X^T = alpha B^T.
      const right = p.rightside as boolean;
      const flip = (p.transpose as boolean) !== right;
      const tLower = (p.lower as boolean) !== flip;
      const m = right ? r : c;
      for (let t = 0; t < batch; t++) {
        const tri = matrix(A, t * n * n, n * n);
        if (k.lapack) {
          const x = matrix(B, t * r * c, r * c);
          k.lapack.trsm(tri, x, r, c, {
            rightside: right,
            lower: p.lower as boolean,
            transpose: p.transpose as boolean,
            alpha,
          });
          store(dst, t * r * c, x);
          continue;
        }
        if (flip) transposeInPlace(tri, n);
        const x = matrix(B, t * r * c, r * c);
        if (right) transposeRect(x, r, c);
        for (let i = 0; i < x.length; i++) x[i] *= alpha;
        triangularSolve(tri, x, n, m, tLower);
        if (right) transposeRect(x, c, r);
        store(dst, t * r * c, x);
      }
    },
  },
};

/** Replaces a rows x cols row-major matrix by its transpose (cols x rows). */
function transposeRect(x: Float64Array, rows: number, cols: number): void {
  const y = Float64Array.from(x);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[j * rows + i] = y[i * cols + j];
}

/**
 * LQ factorization A = L Q of an m x n matrix (m <= n) by Householder reflections from
 * the right, with LAPACK's sign convention (dlarfg: the new diagonal entry is
 * -sign(alpha) * norm), so Q and L agree with LAPACK's gelqf + orglq.
 */
function lq(a: Float64Array, m: number, n: number): { q: Float64Array; l: Float64Array } {
  const w = Float64Array.from(a);
  const vs: { v: Float64Array; tau: number }[] = [];
  for (let k = 0; k < m; k++) {
    const alpha = w[k * n + k];
    let xnorm = 0;
    for (let j = k + 1; j < n; j++) xnorm = Math.hypot(xnorm, w[k * n + j]);
    const v = new Float64Array(n);
    v[k] = 1;
    if (xnorm === 0) {
      vs.push({ v, tau: 0 });
      continue;
    }
    const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, xnorm);
    const tau = (beta - alpha) / beta;
    for (let j = k + 1; j < n; j++) v[j] = w[k * n + j] / (alpha - beta);
    vs.push({ v, tau });
    // Rows k.. times H = I - tau v v^T.
    for (let i = k; i < m; i++) {
      let dot = 0;
      for (let j = k; j < n; j++) dot += w[i * n + j] * v[j];
      for (let j = k; j < n; j++) w[i * n + j] -= tau * dot * v[j];
    }
  }
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) l[i * m + j] = w[i * n + j];
  // Q = [I_m 0] H_{m-1} ... H_0: apply the reflections from the right, last first.
  const q = new Float64Array(m * n);
  for (let i = 0; i < m; i++) q[i * n + i] = 1;
  for (let k = m - 1; k >= 0; k--) {
    const { v, tau } = vs[k];
    if (tau === 0) continue;
    for (let i = 0; i < m; i++) {
      let dot = 0;
      for (let j = k; j < n; j++) dot += q[i * n + j] * v[j];
      for (let j = k; j < n; j++) q[i * n + j] -= tau * dot * v[j];
    }
  }
  return { q, l };
}

function lapackLQ(la: HostLapack, a: Float64Array, m: number, n: number) {
  const l = new Float64Array(m * m);
  if (la.gelqf(a, l, m, n) !== 0) throw new MXNetError("linalg_gelqf: LAPACK dgeqrf failed");
  return { q: a, l };
}

const gelqf: OpDef = {
  name: "_linalg_gelqf",
  aliases: ["linalg_gelqf"],
  inputs: ["A"],
  numOutputs: 2,
  params: {},
  inferShape: ([s]) => {
    if (s.length < 2 || s[s.length - 2] > s[s.length - 1]) {
      throw new ShapeError(
        `linalg_gelqf: expected (..., m, n) matrices with m <= n, got ${formatShape(s)}`,
      );
    }
    const m = s[s.length - 2];
    return [s, [...s.slice(0, -1), m]];
  },
  // la_op-inl.h: dA = L^-T (dQ + copyLTU(M) Q), M = L^T dL - dQ Q^T.
  gradient: (b, { outputs: [q, l], outGrads: [gq, gl] }) => {
    const mm = b.op("broadcast_sub", [bmm(b, l, gl, true, false), bmm(b, gq, q, false, true)]);
    const sym = b.op("broadcast_add", [
      keepTriangle(b, mm, true),
      mT(b, keepTriangle(b, mm, true, false)),
    ]);
    const inner = b.op("broadcast_add", [gq, bmm(b, sym, q)]);
    return [b.op("_linalg_trsm", [l, inner], { transpose: true })];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x], [qo, lo]) => {
      const [m, n] = x.shape.slice(-2);
      const batch = sizeOf(x.shape.slice(0, -2));
      const src = host(x, "linalg_gelqf");
      const Q = host(qo, "linalg_gelqf"), L = host(lo, "linalg_gelqf");
      for (let t = 0; t < batch; t++) {
        const { q, l } = k.lapack
          ? lapackLQ(k.lapack, matrix(src, t * m * n, m * n), m, n)
          : lq(matrix(src, t * m * n, m * n), m, n);
        store(Q, t * m * n, q);
        store(L, t * m * m, l);
      }
    },
  },
};

const syevd: OpDef = {
  name: "_linalg_syevd",
  aliases: ["linalg_syevd"],
  inputs: ["A"],
  numOutputs: 2,
  params: {},
  inferShape: ([s]) => {
    squareSize(s, "linalg_syevd");
    return [s, s.slice(0, -1)];
  },
  // la_op-inl.h: dA = U^T Y U with X = dU U^T, Y_ij = Y_ji = (X_ij - X_ji) /
  // (2 max(l_i - l_j, eps)) below the diagonal (i > j) and Y_ii = dl_i.
  gradient: (b, { outputs: [u, lam], outGrads: [gu, gl] }) => {
    const n = b.shape(u)[b.shape(u).length - 1];
    const x = bmm(b, gu, u, false, true);
    const li = b.op("expand_dims", [lam], { axis: -1 });
    const lj = b.op("expand_dims", [lam], { axis: -2 });
    const gap = b.op("_maximum_scalar", [b.op("broadcast_sub", [li, lj])], {
      scalar: b.dtype(u) === "float64" ? 1e-100 : 1e-30,
    });
    const k = b.op("broadcast_div", [
      b.op("broadcast_sub", [x, mT(b, x)]),
      b.op("_mul_scalar", [gap], { scalar: 2 }),
    ]);
    const below = b.op("broadcast_mul", [k, triangleMask(b, n, true, false, b.dtype(u))]);
    const y = b.op("broadcast_add", [
      b.op("broadcast_add", [below, mT(b, below)]),
      b.op("_linalg_makediag", [gl]),
    ]);
    return [bmm(b, u, bmm(b, y, u), true, false)];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x], [uo, lo]) => {
      const n = x.shape[x.shape.length - 1];
      const batch = sizeOf(x.shape.slice(0, -2));
      const src = host(x, "linalg_syevd");
      const U = host(uo, "linalg_syevd"), W = host(lo, "linalg_syevd");
      for (let t = 0; t < batch; t++) {
        // Of (A + A^T) / 2: A itself for the symmetric input MXNet requires, and it makes
        // MXNet's symmetric gradient the exact derivative of the forward.
        const a = symmetricPart(matrix(src, t * n * n, n * n), n);
        // Rows of U are the eigenvectors (LAPACK's columns; the columns of jacobi's v),
        // each signed so that its largest-magnitude entry (the first on a tie) is
        // positive, as MXNet does.
        let w: Float64Array, v: Float64Array;
        if (k.lapack) {
          w = new Float64Array(n);
          if (k.lapack.syevd(a, w, n) !== 0) {
            throw new MXNetError("linalg_syevd: LAPACK dsyevd did not converge");
          }
          v = a;
        } else {
          ({ w, v } = jacobi(a, n));
          transposeInPlace(v, n);
        }
        for (let i = 0; i < n; i++) {
          let best = 0;
          for (let j = 1; j < n; j++) {
            if (Math.abs(v[i * n + j]) > Math.abs(v[i * n + best])) best = j;
          }
          if (v[i * n + best] < 0) { for (let j = 0; j < n; j++) v[i * n + j] = -v[i * n + j]; }
        }
        store(U, t * n * n, v);
        store(W, t * n, w);
      }
    },
  },
};

const slogdet: OpDef = {
  name: "_linalg_slogdet",
  aliases: ["linalg_slogdet", "_npi_slogdet"],
  inputs: ["A"],
  numOutputs: 2,
  params: {},
  inferShape: ([s]) => {
    squareSize(s, "linalg_slogdet");
    return [s.slice(0, -2), s.slice(0, -2)];
  },
  // d logabsdet = A^-T (Jacobi's formula); the sign has no gradient.
  gradient: (b, { inputs: [a], outGrads: [, g] }) => {
    const s = b.shape(a);
    const inv = mT(b, b.op("_linalg_inverse", [a]));
    return [
      b.op("broadcast_mul", [inv, b.op("Reshape", [g], { shape: [...s.slice(0, -2), 1, 1] })]),
    ];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x], [sign, logabs]) => {
      const n = x.shape[x.shape.length - 1];
      const batch = sizeOf(x.shape.slice(0, -2));
      const src = host(x, "linalg_slogdet");
      const S = host(sign, "linalg_slogdet"), D = host(logabs, "linalg_slogdet");
      for (let t = 0; t < batch; t++) {
        const a = matrix(src, t * n * n, n * n);
        const f = factorLU(k, a, n);
        let sg = f.singular ? 0 : f.sign, total = 0;
        for (let i = 0; i < n && sg !== 0; i++) {
          const d = a[i * n + i];
          if (d < 0) sg = -sg;
          total += Math.log(Math.abs(d));
        }
        S[t] = sg;
        D[t] = sg === 0 ? -Infinity : total;
      }
    },
  },
};

/** The host factorization operators of this file. */
export const LINALG_FACTOR_OPS: readonly OpDef[] = [trsm, gelqf, syevd, slogdet];
