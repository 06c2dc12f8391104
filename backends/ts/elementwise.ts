/**
 * The TS backend's one generic elementwise kernel. Each (row, dtypes, output dtype)
 * combination is compiled once into a tight loop with the row's expression inlined, so
 * V8 sees a monomorphic loop with no per-element closure call.
 * @module
 */
import type { DType } from "../../src/core/dtype.ts";
import { collapseDims } from "../../src/core/shape.ts";
import { type ElementwiseRow, TS_HELPERS } from "../../src/ops/elementwise_table.ts";
import type { ComputeArray } from "../../src/core/dtype.ts";

type LoopFn = (
  out: ComputeArray,
  outOffset: number,
  outStrides: readonly number[],
  inputs: readonly ComputeArray[],
  offsets: readonly number[],
  strides: readonly (readonly number[])[],
  shape: readonly number[],
  s0: number,
  s1: number,
  h: typeof TS_HELPERS,
) => void;

const cache = new Map<string, LoopFn>();
const EMPTY_IDX = new Int32Array(1);

/** How a computed JS number is stored into an output of `dtype`, as C would cast it. */
function storeExpr(dtype: DType, expr: string): string {
  if (dtype === "bool") return `((${expr}) !== 0 ? 1 : 0)`;
  // int64 lives in a Float64Array: truncate like a C cast; other ints wrap on store.
  if (dtype === "int64") return `Math.trunc(${expr})`;
  return expr;
}

function compile(row: ElementwiseRow, outType: DType): LoopFn {
  const n = row.arity;
  const names = ["a", "b", "c"].slice(0, n);
  const decl = (idx: (i: number) => string) =>
    names.map((v, i) => `const ${v} = x${i}[${idx(i)}];`).join(" ");
  const loads = names.map((_, i) => `const x${i} = inputs[${i}];`).join("\n");
  const expr = storeExpr(outType, row.ts);
  const inc = (v: string, step: string) =>
    names.map((_, i) => `${v}${i} += ${step}${i};`).join(" ");
  const body = `
${loads}
const nd = shape.length;
if (nd === 0) { ${decl((i) => `offsets[${i}]`)} out[outOffset] = ${expr}; return; }
const inner = shape[nd - 1];
const os = outStrides[nd - 1];
${names.map((_, i) => `const is${i} = strides[${i}][nd - 1];`).join(" ")}
const dense = os === 1 && ${names.map((_, i) => `is${i} === 1`).join(" && ")};
let total = inner;
for (let d = 0; d < nd - 1; d++) total *= shape[d];
if (total === 0) return;
// Only multi-dimensional loops need an index counter; dense loops skip the allocation.
const idx = nd > 1 ? new Int32Array(nd - 1) : EMPTY_IDX;
let po = outOffset;
${names.map((_, i) => `let p${i} = offsets[${i}];`).join(" ")}
for (let done = 0; done < total; done += inner) {
  if (dense) {
    for (let j = 0; j < inner; j++) { ${decl((i) => `p${i} + j`)} out[po + j] = ${expr}; }
  } else {
    let qo = po; ${names.map((_, i) => `let q${i} = p${i};`).join(" ")}
    for (let j = 0; j < inner; j++) {
      ${decl((i) => `q${i}`)} out[qo] = ${expr};
      qo += os; ${inc("q", "is")}
    }
  }
  for (let d = nd - 2; d >= 0; d--) {
    idx[d]++;
    po += outStrides[d]; ${names.map((_, i) => `p${i} += strides[${i}][d];`).join(" ")}
    if (idx[d] < shape[d]) break;
    po -= outStrides[d] * shape[d];
    ${names.map((_, i) => `p${i} -= strides[${i}][d] * shape[d];`).join(" ")}
    idx[d] = 0;
  }
}`;
  // The function is built from the row's fixed expression (not user input), once per
  // dtype combination; `h` carries the helper functions some rows call.
  return new Function(
    "EMPTY_IDX",
    "out",
    "outOffset",
    "outStrides",
    "inputs",
    "offsets",
    "strides",
    "shape",
    "s0",
    "s1",
    "h",
    body,
  ).bind(null, EMPTY_IDX) as LoopFn;
}

const ONE = [1];
const ZERO1 = [0], ZERO2 = [0, 0], ZERO3 = [0, 0, 0];
const ONE1 = [ONE], ONE2 = [ONE, ONE], ONE3 = [ONE, ONE, ONE];

/** True when every operand is a whole dense row-major buffer of `shape`. */
function isDenseSameShape(
  inputs: readonly { offset: number; strides: readonly number[] }[],
  out: { offset: number; strides: readonly number[] },
  shape: readonly number[],
): boolean {
  const all = [out, ...inputs];
  for (const t of all) {
    if (t.offset !== 0) return false;
    let expect = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (shape[d] !== 1 && t.strides[d] !== expect) return false;
      expect *= shape[d];
    }
  }
  return true;
}

/**
 * Runs `row` over strided inputs into a strided output of the same shape.
 * `inStrides` are already broadcast to `shape` (0 on broadcast axes).
 */
export function runElementwise(
  row: ElementwiseRow,
  inputs: readonly {
    data: ComputeArray;
    dtype: DType;
    offset: number;
    strides: readonly number[];
  }[],
  scalars: readonly number[],
  out: { data: ComputeArray; dtype: DType; offset: number; strides: readonly number[] },
  shape: readonly number[],
): void {
  // Input typed-array classes differ per dtype; one compiled loop per combination keeps
  // each loop monomorphic.
  let key = row.name + "|" + out.dtype;
  for (let i = 0; i < inputs.length; i++) key += "|" + inputs[i].dtype;
  let fn = cache.get(key);
  if (!fn) {
    fn = compile(row, out.dtype);
    cache.set(key, fn);
  }
  if (isDenseSameShape(inputs, out, shape)) {
    // The common case needs no dimension merging: one flat loop.
    let n = 1;
    for (let i = 0; i < shape.length; i++) n *= shape[i];
    const offsets = inputs.length === 1 ? ZERO1 : inputs.length === 2 ? ZERO2 : ZERO3;
    const strides = inputs.length === 1 ? ONE1 : inputs.length === 2 ? ONE2 : ONE3;
    const data = inputs.length === 1
      ? [inputs[0].data]
      : inputs.length === 2
      ? [inputs[0].data, inputs[1].data]
      : [inputs[0].data, inputs[1].data, inputs[2].data];
    fn(out.data, 0, ONE, data, offsets, strides, [n], scalars[0] ?? 0, scalars[1] ?? 0, TS_HELPERS);
    return;
  }
  const merged = collapseDims(shape, [out.strides, ...inputs.map((x) => x.strides)]);
  fn(
    out.data,
    out.offset,
    merged.strides[0],
    inputs.map((x) => x.data),
    inputs.map((x) => x.offset),
    merged.strides.slice(1),
    merged.shape,
    scalars[0] ?? 0,
    scalars[1] ?? 0,
    TS_HELPERS,
  );
}
