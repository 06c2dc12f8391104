/**
 * No silent mistakes from untyped callers (#22 item 4): public functions of mx.nd and
 * mx.sym check their argument count and kinds at run time, and the error names the
 * function, the argument, what was expected and what was given.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { values } from "../_harness.ts";

// What a plain JavaScript caller may write; the casts stand for the missing type checker.
// deno-lint-ignore no-explicit-any
const untyped = (f: unknown) => f as (...args: any[]) => unknown;

/** Asserts `f` throws a ParamError whose message holds every one of `parts`. */
function throwsNaming(f: () => unknown, ...parts: string[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof mx.ParamError, `expected a ParamError, got ${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

Deno.test("creation functions take MXNet's positional (ctx, dtype) and check the rest", async () => {
  // Python's mx.nd.zeros((2, 2), mx.cpu(), 'int32'): the dtype is not dropped.
  const z = untyped(mx.nd.zeros)([2, 2], mx.cpu(), "int32") as mx.NDArray;
  assert.equal(z.dtype, "int32");
  assert.equal(mx.nd.ones([3], mx.cpu(), "float64").dtype, "float64");
  assert.equal(mx.nd.empty([1], undefined, "uint8").dtype, "uint8");
  assert.equal(mx.nd.full([2], 7, mx.cpu(), "int32").dtype, "int32");
  assert.equal(mx.nd.eye(2, 2, 0, mx.cpu(), "float64").dtype, "float64");
  const a = mx.nd.array([1, 2], mx.cpu(), "int32");
  assert.equal(a.dtype, "int32");
  assert.deepEqual(await values(a), [1, 2]);
  for (const x of [z, a]) x.dispose();

  // mx.nd.ones(2, 3) gave shape [2]: 3 is neither a Context nor options.
  throwsNaming(() => untyped(mx.nd.ones)(2, 3), "ones", "Context or an options object", "3");
  throwsNaming(
    () => untyped(mx.nd.zeros)([2, 2], mx.cpu(), "int32", 1),
    "zeros",
    "too many arguments",
    "got 4",
  );
  throwsNaming(
    () => untyped(mx.nd.zeros)([2], { dtype: "int32" }, "float64"),
    "zeros",
    "dtype is given both",
  );
  throwsNaming(() => untyped(mx.nd.zeros)([2], { dtyp: "int32" }), "zeros", "did you mean dtype");
  throwsNaming(() => untyped(mx.nd.zeros)([2], { ctx: "cpu" }), "zeros", "ctx", "Context");
  assert.throws(() => untyped(mx.nd.zeros)([2], mx.cpu(), "int33"), mx.DTypeError);
  throwsNaming(() => untyped(mx.nd.full)([2], "3"), "full", "value", "number", '"3"');
  // Python's fourth positional of arange is `repeat`; here it goes in the options.
  throwsNaming(() => untyped(mx.nd.arange)(0, 5, 1, 2), "arange", "options object", "number 2");
  assert.equal((untyped(mx.nd.arange)(0, 5, 1, mx.cpu()) as mx.NDArray).shape[0], 5);
  throwsNaming(() => untyped(mx.nd.arange)("0", 5), "arange", "start", "number");
  throwsNaming(() => untyped(mx.nd.linspace)(0, 1, 5, true), "linspace", "boolean true");
  throwsNaming(() => untyped(mx.nd.array)([1], mx.cpu(), "int32", 0), "array", "too many");
  throwsNaming(
    () => untyped(mx.nd.random.uniform)(0, 1, [2], mx.cpu()),
    "uniform",
    "argument 4",
    "options object",
  );
  throwsNaming(() => untyped(mx.nd.random.normal)(0, 1, [2], {}, 5), "normal", "too many");
  throwsNaming(() => untyped(mx.sym.zeros)(2, 3), "zeros", "Context or an options object");
  throwsNaming(() => untyped(mx.sym.ones)([2], { dtyp: "int32" }), "ones", "did you mean dtype");
});

Deno.test("operator functions check their argument count and kinds", () => {
  const x = mx.nd.ones([2, 3]);
  const s = mx.sym.var("s");
  throwsNaming(() => untyped(mx.nd.exp)(3), "exp", "argument 1 (data)", "NDArray", "number 3");
  throwsNaming(() => untyped(mx.nd.exp)(x, x), "exp", "takes 1 input(s) (data), got 2");
  throwsNaming(() => untyped(mx.nd.exp)(x, 1), "exp", "argument 2", "options object", "1");
  throwsNaming(
    () => untyped(mx.nd.swapaxes)(x, 0, 1, {}, 4),
    "swapaxes",
    "too many arguments",
    "(data, dim1, dim2, options?)",
  );
  // Python passes reductions' axis positionally; here it goes in the options.
  throwsNaming(() => untyped(mx.nd.sum)(x, 1), "sum", "argument 2", "axis, keepdims");
  throwsNaming(() => untyped(mx.nd.sum)(x, { axes: 1 }), "sum", "axes", "did you mean axis");
  throwsNaming(() => untyped(mx.nd.broadcastAdd)(x, 1), "broadcastAdd", "(rhs)", "NDArray");
  throwsNaming(() => untyped(mx.nd.add)(x, "1"), "add", "rhs", "NDArray or a number", '"1"');
  throwsNaming(() => untyped(mx.nd.add)(1, 2), "add", "two numbers");
  throwsNaming(() => untyped(mx.nd.add)(x, x, 3), "add", "argument 3", "options object");
  throwsNaming(() => untyped(mx.nd.concat)(x, 2), "concat", "options object", "number 2");
  throwsNaming(
    () => untyped(mx.nd.FullyConnected)(x, { numHidden: 2 }),
    "FullyConnected",
    "missing input array(s) weight, bias",
  );
  throwsNaming(() => untyped(mx.nd.exp)({ data: x }, x), "exp", "no further arguments");
  throwsNaming(() => untyped(mx.nd.exp)({ data: 3 }), "exp", "data", "NDArray", "number 3");
  throwsNaming(() => untyped(mx.sym.exp)(x), "exp", "Symbol", "got NDArray");
  throwsNaming(() => untyped(mx.sym.exp)(s, x), "exp", "got NDArray", "takes 1 input(s)");
  throwsNaming(() => untyped(mx.sym.add)(s, "1"), "add", "Symbol or a number");
  throwsNaming(() => untyped(mx.sym.exp)(s, { name: 3 }), "exp", "name", "string");
  throwsNaming(() => untyped(mx.sym.clip)(s, 0, 1, { aMin: 0 }), "clip", "aMin", "both");
  x.dispose();
});
