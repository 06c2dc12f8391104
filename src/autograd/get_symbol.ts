/**
 * `getSymbol`: the graph recorded for an array, as a Symbol (MXNet's
 * `autograd.get_symbol`), built by walking the tape of ./_graph.ts.
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { paramsToAttrs } from "../ops/params.ts";
import { hasOp } from "../ops/registry.ts";
import { Node as SymNode, type NodeEntry } from "../symbol/graph.ts";
import { Symbol } from "../symbol/symbol.ts";
import type { Node } from "./_graph.ts";

/**
 * The computation recorded for `x` as a Symbol (MXNet's `autograd.get_symbol`), ready to
 * `toJSON`, infer shapes on, or bind. Names follow MXNet's imperative naming: arrays
 * marked with `attachGrad` are variables `var0`, `var1`, ... and arrays the graph read
 * without tracking them (constants) `null0`, ..., numbered in the order the walk meets
 * them (MXNet numbers them process-wide); each operation is `node_0`, `node_1`, ...
 * Operations on constants alone, and those that are not differentiable (argmax,
 * comparisons), are not recorded here: their results appear as constants.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.nd.array([1, 2]);
 * x.attachGrad();
 * const y = mx.autograd.record(() => x.mul(2).exp());
 * console.log(mx.autograd.getSymbol(y).listArguments()); // ["var0"]
 * ```
 */
export function getSymbol(x: NDArray): Symbol {
  const head = x._ag as Node | null;
  if (head === null) {
    throw new MXNetError(
      "autograd.getSymbol: the array is not in a recorded graph: compute it inside " +
        "mx.autograd.record(() => ...) from arrays marked with attachGrad()",
    );
  }
  const made = new Map<Node, SymNode>();
  const constants = new Map<NDArray, SymNode>();
  let variables = 0;
  let operations = 0;
  const variable = (name: string) => new SymNode(null, name, {}, {}, []);
  const entryOf = (n: Node | null, arr: NDArray): NodeEntry => {
    if (n === null) {
      let c = constants.get(arr);
      if (!c) constants.set(arr, c = variable(`null${variables++}`));
      return { node: c, index: 0 };
    }
    const sym = made.get(n)!;
    return { node: sym, index: n.def === null ? 0 : n.outputs!.indexOf(arr) };
  };
  // Inputs before their consumers; iterative, so deep graphs (unrolled RNNs) fit the stack.
  const stack: [Node, number][] = [[head, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [n, next] = top;
    if (made.has(n)) {
      stack.pop();
      continue;
    }
    if (n.freed) {
      throw new MXNetError(
        "autograd.getSymbol: the graph of this array was freed by a backward without " +
          "{ retainGraph: true }",
      );
    }
    if (n.def === null) {
      made.set(n, variable(`var${variables++}`));
      stack.pop();
      continue;
    }
    const ins = n.inNodes!;
    if (next < ins.length) {
      top[1]++;
      const m = ins[next];
      if (m !== null && !made.has(m)) stack.push([m, 0]);
      continue;
    }
    if (!hasOp(n.def.name)) {
      throw new MXNetError(
        `autograd.getSymbol: the graph holds ${n.def.name}, which is no registered ` +
          "operator (a custom autograd.Function), so no Symbol can hold it",
      );
    }
    const inputs = n.inputs!.map((a, i) => entryOf(ins[i], a));
    const params = n.params ?? {};
    const attrs = paramsToAttrs(n.def, params as Record<string, unknown>);
    made.set(n, new SymNode(n.def, `node_${operations++}`, params, attrs, inputs));
    stack.pop();
  }
  return new Symbol([entryOf(head, x)]);
}
