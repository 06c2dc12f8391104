/**
 * MXNet's `_linalg_*` operators that are compositions of other operators (so every
 * backend runs them and autograd differentiates through their parts): gemm, gemm2,
 * syrk, trmm, potri (through trsm), sumlogdiag, extractdiag / makediag and
 * extracttrian / maketrian. All work on the last two axes, batched over the leading ones.
 * The factorizations (potrf, trsm, gelqf, syevd, slogdet, ...) are in linalg_host.ts and
 * linalg_factor.ts.
 * @module
 */
import { ParamError, ShapeError } from "../core/errors.ts";
import { formatShape, normalizeAxis, type Shape } from "../core/shape.ts";
import type { Builder, OpDef, Params } from "./op_def.ts";
import { bmm, identityLike, keepTriangle, rowsCols, sameBatch, squareSize } from "./linalg_util.ts";

const TRANSPOSES = {
  transposeA: { type: "bool", default: false },
  transposeB: { type: "bool", default: false },
  alpha: { type: "float", default: 1 },
} as const;

/** The rows axis of gemm/gemm2 as a non-negative index (MXNet's `axis`, default -2). */
function rowsAxis(s: Shape, p: Params, where: string): number {
  if (s.length < 2) {
    throw new ShapeError(`${where}: expected matrices of >= 2 dims, got ${formatShape(s)}`);
  }
  const a = normalizeAxis(p.axis as number, s.length, `${where}: axis`);
  if (a === s.length - 1) {
    throw new ParamError(`${where}: axis must not be the last (column) axis, got ${p.axis}`);
  }
  return a;
}

/** Moves the rows axis to position -2 (and back: the swap is its own inverse). */
function swapRows(s: Shape, a: number): Shape {
  const t = [...s];
  [t[a], t[s.length - 2]] = [t[s.length - 2], t[a]];
  return t;
}

/** Output shape of alpha * op(A) op(B) with the rows axis `axis`. */
function productShape(a: Shape, b: Shape, p: Params, where: string): Shape {
  const ax = rowsAxis(a, p, where);
  const sa = swapRows(a, ax), sb = swapRows(b, rowsAxis(b, p, where));
  sameBatch(sa, sb, where);
  const [ar, ac] = sa.slice(-2), [br, bc] = sb.slice(-2);
  const [n, k] = p.transposeA ? [ac, ar] : [ar, ac];
  const [k2, m] = p.transposeB ? [bc, br] : [br, bc];
  if (k !== k2) {
    throw new ShapeError(
      `${where}: inner dimensions of op(A) ${formatShape(a)} and op(B) ${formatShape(b)} ` +
        `differ (${k} vs ${k2})`,
    );
  }
  return swapRows([...sa.slice(0, -2), n, m], ax);
}

/** alpha * op(A) op(B), with MXNet's rows axis. */
function product<T>(b: Builder<T>, x: T, y: T, p: Params): T {
  const nd = b.shape(x).length;
  const ax = normalizeAxis(p.axis as number, nd, "linalg_gemm: axis");
  const swap = (t: T) => ax === nd - 2 ? t : b.op("SwapAxis", [t], { dim1: ax, dim2: nd - 2 });
  const z = bmm(b, swap(x), swap(y), p.transposeA as boolean, p.transposeB as boolean);
  const scaled = p.alpha === 1 ? z : b.op("_mul_scalar", [z], { scalar: p.alpha });
  return swap(scaled);
}

const gemm: OpDef = {
  name: "_linalg_gemm",
  aliases: ["linalg_gemm"],
  inputs: ["A", "B", "C"],
  params: {
    ...TRANSPOSES,
    beta: { type: "float", default: 1 },
    axis: { type: "int", default: -2 },
  },
  inferShape: ([a, b, c], p) => {
    const out = productShape(a, b, p, "linalg_gemm");
    if (c.length !== out.length || c.some((d, i) => d !== out[i])) {
      throw new ShapeError(
        `linalg_gemm: C must have the product's shape ${formatShape(out)}, got ${formatShape(c)}`,
      );
    }
    return [out];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x, y, c], p) => {
      const cs = p.beta === 1 ? c : b.op("_mul_scalar", [c], { scalar: p.beta });
      return [b.op("broadcast_add", [product(b, x, y, p), cs])];
    },
  },
};

const gemm2: OpDef = {
  name: "_linalg_gemm2",
  aliases: ["linalg_gemm2"],
  inputs: ["A", "B"],
  params: { ...TRANSPOSES, axis: { type: "int", default: -2 } },
  inferShape: ([a, b], p) => [productShape(a, b, p, "linalg_gemm2")],
  lowering: { kind: "composite", compose: (b, [x, y], p) => [product(b, x, y, p)] },
};

const syrk: OpDef = {
  name: "_linalg_syrk",
  aliases: ["linalg_syrk"],
  inputs: ["A"],
  params: { transpose: { type: "bool", default: false }, alpha: { type: "float", default: 1 } },
  inferShape: ([s], p) => {
    if (s.length < 2) {
      throw new ShapeError(`linalg_syrk: expected matrices of >= 2 dims, got ${formatShape(s)}`);
    }
    const [r, c] = s.slice(-2), n = p.transpose ? c : r;
    return [[...s.slice(0, -2), n, n]];
  },
  lowering: {
    kind: "composite",
    // alpha * A A^T, or alpha * A^T A with transpose.
    compose: (b, [x], p) => {
      const t = p.transpose as boolean;
      const z = bmm(b, x, x, t, !t);
      return [p.alpha === 1 ? z : b.op("_mul_scalar", [z], { scalar: p.alpha })];
    },
  },
};

/** trmm's and trsm's parameters (MXNet's LaTriangMatrixMultParam). */
export const TRIANGULAR_PARAMS = {
  transpose: { type: "bool", default: false },
  rightside: { type: "bool", default: false },
  lower: { type: "bool", default: true },
  alpha: { type: "float", default: 1 },
} as const;

/** Checks trmm/trsm shapes: A square (..., n, n), B (..., n, m) or (..., m, n) rightside. */
export function triangularShape([a, bs]: readonly Shape[], p: Params, where: string): Shape {
  const n = squareSize(a, where);
  sameBatch(a, bs, where);
  const k = p.rightside ? bs[bs.length - 1] : bs[bs.length - 2];
  if (k !== n) {
    throw new ShapeError(
      `${where}: B ${formatShape(bs)} does not fit the triangular A ${formatShape(a)} ` +
        `(rightside=${p.rightside})`,
    );
  }
  return bs;
}

const trmm: OpDef = {
  name: "_linalg_trmm",
  aliases: ["linalg_trmm"],
  inputs: ["A", "B"],
  params: TRIANGULAR_PARAMS,
  inferShape: (s, p) => [triangularShape(s, p, "linalg_trmm")],
  lowering: {
    kind: "composite",
    // Only A's triangle counts (as BLAS trmm reads it), so the product uses the masked A.
    compose: (b, [a, x], p) => {
      const tri = keepTriangle(b, a, p.lower as boolean);
      const t = p.transpose as boolean;
      const z = p.rightside ? bmm(b, x, tri, false, t) : bmm(b, tri, x, t, false);
      return [p.alpha === 1 ? z : b.op("_mul_scalar", [z], { scalar: p.alpha })];
    },
  },
};

const potri: OpDef = {
  name: "_linalg_potri",
  aliases: ["linalg_potri"],
  inputs: ["A"],
  params: { lower: { type: "bool", default: true } },
  inferShape: ([s]) => {
    squareSize(s, "linalg_potri");
    return [s];
  },
  lowering: {
    kind: "composite",
    // With L = A: L^-T L^-1 (lower), or U^-1 U^-T (upper); L^-1 from trsm against I.
    compose: (b, [a], p) => {
      const inv = b.op("_linalg_trsm", [a, identityLike(b, a)], { lower: p.lower });
      return [p.lower ? bmm(b, inv, inv, true, false) : bmm(b, inv, inv, false, true)];
    },
  },
};

/**
 * For every position of an n x n matrix, the slot its entry takes in MXNet's packed
 * diagonal (`diag`) or triangle, or -1 when it is not part of it; and the packed length.
 * Built from index ranges (exact integers in the data's dtype up to 2^24 entries).
 */
function packedSlots<T>(
  b: Builder<T>,
  n: number,
  kind: "diag" | "trian",
  offset: number,
  lower: boolean,
  dtype: string,
): { slot: T; valid: T; count: number } {
  const [r0, c0] = rowsCols(b, n, dtype);
  const k = Math.abs(offset);
  if (kind === "diag") {
    // Entry (r, c) is on the diagonal when c - r == offset; its slot is min(r, c).
    const valid = b.op("_equal_scalar", [b.op("broadcast_sub", [c0, r0])], { scalar: offset });
    const slot = b.op("broadcast_minimum", [r0, c0]);
    return { slot: b.op("broadcast_mul", [slot, valid]), valid, count: n - k };
  }
  // MXNet's packing: an upper triangle is read in transposed coordinates; the row then
  // drops by |offset| and (row, col) with row >= col has slot row (row + 1) / 2 + col.
  const upper = offset > 0 || (offset === 0 && !lower);
  const [r1, c] = upper ? [c0, r0] : [r0, c0];
  const r = b.op("_minus_scalar", [r1], { scalar: k });
  const valid = b.op("broadcast_greater_equal", [r, c]);
  const tri = b.op("_mul_scalar", [
    b.op("broadcast_mul", [r, b.op("_plus_scalar", [r], { scalar: 1 })]),
  ], { scalar: 0.5 });
  const slot = b.op("broadcast_mul", [b.op("broadcast_add", [tri, c]), valid]);
  return { slot, valid, count: ((n - k) * (n - k + 1)) / 2 };
}

/** Extracts the packed entries (..., count) of (..., n, n). */
function extractPacked<T>(b: Builder<T>, x: T, kind: "diag" | "trian", p: Params): T[] {
  const s = b.shape(x), n = s[s.length - 1], lead = s.slice(0, -2);
  const { slot, valid, count } = packedSlots(
    b,
    n,
    kind,
    p.offset as number,
    (p.lower ?? true) as boolean,
    b.dtype(x),
  );
  // Scatter-add of the kept entries into their slots: the adjoint of `take`.
  const flat = b.op("Reshape", [b.op("broadcast_mul", [x, valid])], { shape: [-1, n * n] });
  const rows = b.shape(flat)[0];
  const packed = b.op("_take_backward", [flat, b.op("Reshape", [slot], { shape: [n * n] })], {
    axis: 1,
    shape: [rows, count],
  });
  return [b.op("Reshape", [packed], { shape: [...lead, count] })];
}

/** Builds (..., n, n) from packed entries (..., count), zero elsewhere. */
function makePacked<T>(b: Builder<T>, y: T, kind: "diag" | "trian", n: number, p: Params): T[] {
  const s = b.shape(y), lead = s.slice(0, -1), count = s[s.length - 1];
  const { slot, valid } = packedSlots(
    b,
    n,
    kind,
    p.offset as number,
    (p.lower ?? true) as boolean,
    b.dtype(y),
  );
  const flat = b.op("Reshape", [y], { shape: [-1, count] });
  const spread = b.op("take", [flat, b.op("Reshape", [slot], { shape: [n * n] })], { axis: 1 });
  const square = b.op("Reshape", [spread], { shape: [...lead, n, n] });
  return [b.op("broadcast_mul", [square, valid])];
}

function checkOffset(n: number, offset: number, where: string): number {
  if (Math.abs(offset) >= n) {
    throw new ParamError(
      `${where}: offset must be in (-${n}, ${n}) for ${n} x ${n} matrices, got ${offset}`,
    );
  }
  return n - Math.abs(offset);
}

const extractdiag: OpDef = {
  name: "_linalg_extractdiag",
  aliases: ["linalg_extractdiag"],
  inputs: ["A"],
  params: { offset: { type: "int", default: 0 } },
  inferShape: ([s], p) => {
    const n = squareSize(s, "linalg_extractdiag");
    return [[...s.slice(0, -2), checkOffset(n, p.offset as number, "linalg_extractdiag")]];
  },
  lowering: { kind: "composite", compose: (b, [x], p) => extractPacked(b, x, "diag", p) },
};

const makediag: OpDef = {
  name: "_linalg_makediag",
  aliases: ["linalg_makediag"],
  inputs: ["A"],
  params: { offset: { type: "int", default: 0 } },
  inferShape: ([s], p) => {
    if (s.length < 1) throw new ShapeError("linalg_makediag: expected an array of >= 1 dims");
    const n = s[s.length - 1] + Math.abs(p.offset as number);
    return [[...s.slice(0, -1), n, n]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [y], p) => {
      const s = b.shape(y);
      return makePacked(b, y, "diag", s[s.length - 1] + Math.abs(p.offset as number), p);
    },
  },
};

const TRIAN_PARAMS = {
  offset: { type: "int", default: 0 },
  lower: { type: "bool", default: true },
} as const;

const extracttrian: OpDef = {
  name: "_linalg_extracttrian",
  aliases: ["linalg_extracttrian"],
  inputs: ["A"],
  params: TRIAN_PARAMS,
  inferShape: ([s], p) => {
    const n = squareSize(s, "linalg_extracttrian");
    const t = checkOffset(n, p.offset as number, "linalg_extracttrian");
    return [[...s.slice(0, -2), (t * (t + 1)) / 2]];
  },
  lowering: { kind: "composite", compose: (b, [x], p) => extractPacked(b, x, "trian", p) },
};

/** The n of maketrian: count = t (t + 1) / 2 entries fill a triangle of side t = n - |offset|. */
function trianSide(count: number, offset: number): number {
  const t = Math.round((Math.sqrt(8 * count + 1) - 1) / 2);
  if ((t * (t + 1)) / 2 !== count || count === 0) {
    throw new ShapeError(
      `linalg_maketrian: the last dim (${count}) must be a triangular number t (t + 1) / 2`,
    );
  }
  return t + Math.abs(offset);
}

const maketrian: OpDef = {
  name: "_linalg_maketrian",
  aliases: ["linalg_maketrian"],
  inputs: ["A"],
  params: TRIAN_PARAMS,
  inferShape: ([s], p) => {
    if (s.length < 1) throw new ShapeError("linalg_maketrian: expected an array of >= 1 dims");
    const n = trianSide(s[s.length - 1], p.offset as number);
    return [[...s.slice(0, -1), n, n]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [y], p) => {
      const s = b.shape(y);
      return makePacked(b, y, "trian", trianSide(s[s.length - 1], p.offset as number), p);
    },
  },
};

const sumlogdiag: OpDef = {
  name: "_linalg_sumlogdiag",
  aliases: ["linalg_sumlogdiag"],
  inputs: ["A"],
  params: {},
  // MXNet reduces a single matrix to shape (1,), a batch to its leading dims.
  inferShape: ([s]) => {
    squareSize(s, "linalg_sumlogdiag");
    return [s.length === 2 ? [1] : s.slice(0, -2)];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x]) => {
      const s = b.shape(x);
      const d = b.op("_linalg_extractdiag", [x]);
      const total = b.op("sum", [b.op("log", [d])], { axis: [s.length - 2] });
      return [s.length === 2 ? b.op("Reshape", [total], { shape: [1] }) : total];
    },
  },
};

/** The composite `_linalg_*` operators. */
export const LINALG_LA_OPS: readonly OpDef[] = [
  gemm,
  gemm2,
  syrk,
  trmm,
  potri,
  sumlogdiag,
  extractdiag,
  makediag,
  extracttrian,
  maketrian,
];
