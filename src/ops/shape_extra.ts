/**
 * MXNet's remaining shape operators (#19): `add_n`, `broadcast_axis`, `slice_like`,
 * `depth_to_space`, `space_to_depth`, `diag`, `_copy` (`identity`), `shape_array`,
 * `size_array`, `_split_v2`, `khatri_rao`. Every one is a composite of existing operators,
 * so it runs on every backend and autograd differentiates it through its parts.
 * @module
 */
import { ParamError, ShapeError } from "../core/errors.ts";
import { formatShape, normalizeAxis, type Shape, sizeOf } from "../core/shape.ts";
import type { Builder, OpDef, Params } from "./op_def.ts";
import type { SplitV2Options } from "./signatures_shape.ts";

const argNames = (p: Params) => [...Array(p.numArgs as number).keys()].map((i) => `arg${i}`);
const AXES_TUPLE = { type: "shape", default: [], min: -Infinity } as const;

/** `add_n(a1, ..., an)`: the elementwise sum of same-shaped arrays (alias ElementWiseSum). */
const addN: OpDef = {
  name: "add_n",
  aliases: ["ElementWiseSum"],
  inputs: argNames,
  params: { numArgs: { type: "int", required: true, min: 1 } },
  inferShape: (shapes) => {
    shapes.forEach((s, i) => {
      if (s.length !== shapes[0].length || s.some((d, j) => d !== shapes[0][j])) {
        throw new ShapeError(
          `add_n: input arg${i} has shape ${formatShape(s)}, expected ${
            formatShape(shapes[0])
          } (the shape of arg0; add_n does not broadcast)`,
        );
      }
    });
    return [shapes[0]];
  },
  lowering: {
    kind: "composite",
    compose: (b, xs) => {
      if (xs.length === 1) return [b.op("_copy_of", [xs[0]])];
      return [xs.slice(1).reduce((acc, x) => b.op("broadcast_add", [acc, x]), xs[0])];
    },
  },
};

function broadcastAxisShape(s: Shape, p: Params): number[] {
  const axes = p.axis as number[], sizes = p.size as number[];
  if (axes.length !== sizes.length) {
    throw new ShapeError(
      `broadcast_axis: axis ${JSON.stringify(axes)} and size ${JSON.stringify(sizes)} must ` +
        `have the same length`,
    );
  }
  const out = [...s];
  axes.forEach((a, i) => {
    const ax = normalizeAxis(a, s.length, "broadcast_axis: axis");
    if (s[ax] !== 1) {
      throw new ShapeError(
        `broadcast_axis: axis ${a} of data ${formatShape(s)} has size ${s[ax]}; only axes of ` +
          `size 1 can be broadcast`,
      );
    }
    out[ax] = sizes[i];
  });
  return out;
}

/** `broadcast_axis(data, axis, size)`: size-1 axes repeated to `size` (alias broadcast_axes). */
const broadcastAxis: OpDef = {
  name: "broadcast_axis",
  aliases: ["broadcast_axes"],
  inputs: ["data"],
  params: { axis: AXES_TUPLE, size: { type: "shape", default: [] } },
  inferShape: ([s], p) => [broadcastAxisShape(s, p)],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => [
      b.op("broadcast_to", [x], { shape: broadcastAxisShape(b.shape(x), p) }),
    ],
  },
};

function sliceLikeShape(s: Shape, like: Shape, p: Params): number[] {
  const axes = p.axes as number[];
  const out = [...s];
  const check = (a: number) => {
    if (like[a] > s[a]) {
      throw new ShapeError(
        `slice_like: axis ${a} of shape_like ${formatShape(like)} is larger than that of ` +
          `data ${formatShape(s)}`,
      );
    }
    out[a] = like[a];
  };
  if (axes.length === 0) {
    if (s.length !== like.length) {
      throw new ShapeError(
        `slice_like: without axes, data ${formatShape(s)} and shape_like ${
          formatShape(like)
        } must have the same number of dims`,
      );
    }
    s.forEach((_, a) => check(a));
    return out;
  }
  for (const a0 of axes) {
    const a = normalizeAxis(a0, s.length, "slice_like: axes");
    if (a >= like.length) {
      throw new ShapeError(
        `slice_like: axes entry ${a0} exceeds the dims of shape_like ${formatShape(like)}`,
      );
    }
    check(a);
  }
  return out;
}

/** `slice_like(data, shape_like, axes)`: data's leading part with shape_like's sizes on `axes`. */
const sliceLike: OpDef = {
  name: "slice_like",
  inputs: ["data", "shape_like"],
  params: { axes: AXES_TUPLE },
  inferShape: ([s, like], p) => [sliceLikeShape(s, like, p)],
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [x, like], p) => {
      const end = sliceLikeShape(b.shape(x), b.shape(like), p);
      return [b.op("slice", [x], { begin: end.map(() => 0), end })];
    },
  },
};

function blockDims(op: string, s: Shape, p: Params, toSpace: boolean) {
  const bs = p.blockSize as number;
  if (s.length !== 4) {
    throw new ShapeError(`${op}: data must be 4-D [N, C, H, W], got ${formatShape(s)}`);
  }
  const [n, c, h, w] = s;
  if (toSpace && c % (bs * bs) !== 0) {
    throw new ShapeError(
      `${op}: channels ${c} of data ${formatShape(s)} must be a multiple of block_size² ` +
        `(${bs * bs})`,
    );
  }
  if (!toSpace && (h % bs !== 0 || w % bs !== 0)) {
    throw new ShapeError(
      `${op}: height ${h} and width ${w} of data ${formatShape(s)} must be multiples of ` +
        `block_size ${bs}`,
    );
  }
  return { n, c, h, w, bs };
}

const BLOCK = { blockSize: { type: "int", required: true, min: 1 } } as const;

/** `depth_to_space(data, block_size)`: channel blocks moved into space (DCR order). */
const depthToSpace: OpDef = {
  name: "depth_to_space",
  inputs: ["data"],
  params: BLOCK,
  inferShape: ([s], p) => {
    const { n, c, h, w, bs } = blockDims("depth_to_space", s, p, true);
    return [[n, c / (bs * bs), h * bs, w * bs]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { n, c, h, w, bs } = blockDims("depth_to_space", b.shape(x), p, true);
      const c2 = c / (bs * bs);
      const split = b.op("Reshape", [x], { shape: [n, bs, bs, c2, h, w] });
      const moved = b.op("transpose", [split], { axes: [0, 3, 4, 1, 5, 2] });
      return [b.op("Reshape", [moved], { shape: [n, c2, h * bs, w * bs] })];
    },
  },
};

/** `space_to_depth(data, block_size)`: spatial blocks moved into channels. */
const spaceToDepth: OpDef = {
  name: "space_to_depth",
  inputs: ["data"],
  params: BLOCK,
  inferShape: ([s], p) => {
    const { n, c, h, w, bs } = blockDims("space_to_depth", s, p, false);
    return [[n, c * bs * bs, h / bs, w / bs]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { n, c, h, w, bs } = blockDims("space_to_depth", b.shape(x), p, false);
      const split = b.op("Reshape", [x], { shape: [n, c, h / bs, bs, w / bs, bs] });
      const moved = b.op("transpose", [split], { axes: [0, 3, 5, 1, 2, 4] });
      return [b.op("Reshape", [moved], { shape: [n, c * bs * bs, h / bs, w / bs] })];
    },
  },
};

/** Where `diag` reads or writes: the diagonal's length and the axes around it. */
function diagDims(s: Shape, p: Params) {
  const k = p.k as number;
  if (s.length === 0) throw new ShapeError("diag: data must have at least 1 dim, got a scalar");
  if (s.length === 1) return { k, len: s[0], a1: -1, a2: -1 };
  const a1 = normalizeAxis(p.axis1 as number, s.length, "diag: axis1");
  const a2 = normalizeAxis(p.axis2 as number, s.length, "diag: axis2");
  if (a1 === a2) {
    throw new ShapeError(`diag: axis1 and axis2 must differ, both are axis ${a1}`);
  }
  const len = Math.min(s[a1] + Math.min(k, 0), s[a2] - Math.max(k, 0));
  if (len < 0) {
    throw new ShapeError(
      `diag: k ${k} is out of range for axes ${a1} and ${a2} of ${formatShape(s)}`,
    );
  }
  return { k, len, a1, a2 };
}

function diagShape(s: Shape, p: Params): number[] {
  const { k, len, a1, a2 } = diagDims(s, p);
  if (s.length === 1) return [len + Math.abs(k), len + Math.abs(k)];
  return [...s.filter((_, i) => i !== a1 && i !== a2), len];
}

/**
 * `diag(data, k, axis1, axis2)`: a 1-D array becomes the k-th diagonal of a square
 * matrix; an N-D array gives its k-th diagonal over (axis1, axis2), as a last axis.
 */
const diag: OpDef = {
  name: "diag",
  inputs: ["data"],
  params: {
    k: { type: "int", default: 0 },
    axis1: { type: "int", default: 0 },
    axis2: { type: "int", default: 1 },
  },
  inferShape: ([s], p) => [diagShape(s, p)],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const s = b.shape(x);
      const { k, len, a1, a2 } = diagDims(s, p);
      const out = diagShape(s, p);
      if (len === 0 || sizeOf(out) === 0) {
        return [b.op("_zeros", [], { shape: out, dtype: b.dtype(x) })];
      }
      if (s.length === 1) {
        // Scatter x into a flat n×n matrix at row*n + col, row = i + max(-k, 0), col = i + max(k, 0).
        const n = out[0];
        const start = Math.max(-k, 0) * n + Math.max(k, 0);
        const idx = b.op("_iota", [], { size: len, start, step: n + 1, dtype: "int32" });
        const flat = b.op("_take_backward", [x, idx], { axis: 0, shape: [n * n] });
        return [b.op("Reshape", [flat], { shape: out })];
      }
      // Gather: axis1 and axis2 moved last and merged; the diagonal is every (w+1)-th element.
      const rest = s.map((_, i) => i).filter((i) => i !== a1 && i !== a2);
      const moved = b.op("transpose", [x], { axes: [...rest, a1, a2] });
      const w = s[a2];
      const merged = b.op("Reshape", [moved], {
        shape: [...rest.map((i) => s[i]), s[a1] * w],
      });
      const start = Math.max(-k, 0) * w + Math.max(k, 0);
      const idx = b.op("_iota", [], { size: len, start, step: w + 1, dtype: "int32" });
      return [b.op("take", [merged, idx], { axis: rest.length })];
    },
  },
};

/** `_copy(data)` (alias `identity`): a copy. */
const copy: OpDef = {
  name: "_copy",
  aliases: ["identity"],
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => [s],
  lowering: { kind: "composite", compose: (b, [x]) => [b.op("_copy_of", [x])] },
};

/** A 1-D int64 array holding `values`, built from `_full` parts (no host upload needed). */
function int64Vector<T>(b: Builder<T>, values: readonly number[]): T {
  if (values.length === 0) return b.op("_zeros", [], { shape: [0], dtype: "int64" });
  const parts = values.map((v) => b.op("_full", [], { shape: [1], value: v, dtype: "int64" }));
  return parts.length === 1 ? parts[0] : b.op("Concat", parts, { numArgs: parts.length, dim: 0 });
}

/** `shape_array(data)`: data's shape as a 1-D int64 array. */
const shapeArray: OpDef = {
  name: "shape_array",
  aliases: ["_npx_shape_array"],
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => [[s.length]],
  inferType: () => ["int64"],
  differentiable: false,
  lowering: { kind: "composite", compose: (b, [x]) => [int64Vector(b, b.shape(x))] },
};

/** `size_array(data)`: data's element count as a 1-element int64 array. */
const sizeArray: OpDef = {
  name: "size_array",
  inputs: ["data"],
  params: {},
  inferShape: () => [[1]],
  inferType: () => ["int64"],
  differentiable: false,
  lowering: { kind: "composite", compose: (b, [x]) => [int64Vector(b, [sizeOf(b.shape(x))])] },
};

/** The [begin, end) ranges `_split_v2` cuts along its axis. */
function splitV2Ranges(s: Shape, p: Params) {
  const axis = normalizeAxis(p.axis as number, s.length, "_split_v2: axis");
  const size = s[axis];
  const sections = p.sections as number;
  let starts: number[];
  if (sections > 0) {
    if (size % sections !== 0) {
      throw new ShapeError(
        `_split_v2: axis ${axis} of size ${size} cannot be split into ${sections} equal sections`,
      );
    }
    starts = [...Array(sections).keys()].map((i) => i * (size / sections));
  } else starts = p.indices as number[];
  if (starts.length === 0) {
    throw new ShapeError("_split_v2: give indices (split points) or sections > 0");
  }
  const ranges = starts.map((begin, i) => ({
    begin,
    end: i + 1 < starts.length ? starts[i + 1] : size,
  }));
  for (const r of ranges) {
    if (r.begin > r.end || r.end > size) {
      throw new ShapeError(
        `_split_v2: indices ${JSON.stringify(starts)} must be increasing and at most the axis ` +
          `size ${size}`,
      );
    }
    if (p.squeezeAxis && r.end - r.begin !== 1) {
      throw new ShapeError(
        `_split_v2: squeeze_axis needs parts of size 1 along axis ${axis}, got ${r.end - r.begin}`,
      );
    }
  }
  return { axis, ranges };
}

/**
 * `_split_v2(data, indices, axis, squeeze_axis, sections)` (alias `_npi_split`): cuts
 * `data` at `indices` (which start with 0, as Python's `split_v2` passes them) or into
 * `sections` equal parts.
 */
const splitV2: OpDef = {
  name: "_split_v2",
  aliases: ["_npi_split"],
  inputs: ["data"],
  numOutputs: (
    p,
  ) => ((p.sections as number) > 0 ? p.sections as number : (p.indices as number[]).length),
  params: {
    indices: { type: "shape", default: [] },
    axis: { type: "int", default: 1 },
    squeezeAxis: { type: "bool", default: false },
    sections: { type: "int", default: 0, min: 0 },
  },
  inferShape: ([s], p) => {
    const { axis, ranges } = splitV2Ranges(s, p);
    return ranges.map((r) => {
      const part = s.map((d, i) => (i === axis ? r.end - r.begin : d));
      return p.squeezeAxis ? part.filter((_, i) => i !== axis) : part;
    });
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { axis, ranges } = splitV2Ranges(b.shape(x), p);
      return ranges.map((r) => {
        const part = b.op("slice_axis", [x], { axis, begin: r.begin, end: r.end });
        return p.squeezeAxis
          ? b.op("Reshape", [part], {
            shape: b.shape(part).filter((_, i) => i !== axis),
          })
          : part;
      });
    },
  },
};

function khatriRaoShape(shapes: readonly Shape[]): number[] {
  const k = shapes[0]?.[1];
  shapes.forEach((s, i) => {
    if (s.length !== 2 || s[1] !== k) {
      throw new ShapeError(
        `khatri_rao: input arg${i} has shape ${formatShape(s)}; every input must be a matrix ` +
          `with ${k} columns (as arg0 ${formatShape(shapes[0])})`,
      );
    }
  });
  return [shapes.reduce((n, s) => n * s[0], 1), k];
}

/** `khatri_rao(a1, ..., an)`: the column-wise Kronecker product of matrices [r_i, k]. */
const khatriRao: OpDef = {
  name: "khatri_rao",
  inputs: argNames,
  params: { numArgs: { type: "int", required: true, min: 1 } },
  inferShape: (shapes) => [khatriRaoShape(shapes)],
  lowering: {
    kind: "composite",
    compose: (b, xs) => {
      const out = khatriRaoShape(xs.map((x) => b.shape(x)));
      let acc = xs[0];
      for (const x of xs.slice(1)) {
        const [r1, k] = b.shape(acc), r2 = b.shape(x)[0];
        const prod = b.op("broadcast_mul", [
          b.op("Reshape", [acc], { shape: [r1, 1, k] }),
          b.op("Reshape", [x], { shape: [1, r2, k] }),
        ]);
        acc = b.op("Reshape", [prod], { shape: [r1 * r2, k] });
      }
      return [xs.length === 1 ? b.op("_copy_of", [acc]) : b.op("Reshape", [acc], { shape: out })];
    },
  },
};

/**
 * The `_split_v2` parameters of Python's `split_v2` call: sections, or the split points
 * after a leading 0.
 */
export function splitV2Params(
  indicesOrSections: number | readonly number[],
  opts: SplitV2Options,
): Record<string, unknown> {
  const base = { axis: opts.axis ?? 0, squeezeAxis: opts.squeezeAxis ?? false };
  if (typeof indicesOrSections === "number") return { ...base, sections: indicesOrSections };
  if (!Array.isArray(indicesOrSections)) {
    throw new ParamError(
      `splitV2: indicesOrSections expects a number or an array of split points, got ` +
        `${JSON.stringify(indicesOrSections)}`,
    );
  }
  return { ...base, indices: [0, ...indicesOrSections] };
}

/** Every operator of this file. */
export const SHAPE_EXTRA_OPS: readonly OpDef[] = [
  addN,
  broadcastAxis,
  sliceLike,
  depthToSpace,
  spaceToDepth,
  diag,
  copy,
  shapeArray,
  sizeArray,
  splitV2,
  khatriRao,
];
