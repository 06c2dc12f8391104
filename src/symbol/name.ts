/**
 * `mx.name`: naming scopes for symbols (MXNet's `NameManager` / `Prefix`).
 * @module
 */
import * as graph from "./graph.ts";

/**
 * Runs `fn` with names prefixed by `prefix` (MXNet's `with mx.name.Prefix("p_"):`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const y = mx.name.prefix("net1_", () => mx.sym.dot(mx.sym.Variable("x"), mx.sym.Variable("w")));
 * console.log(y.name); // "net1_dot0"
 * ```
 */
export function prefix<T>(prefix: string, fn: () => T): T {
  return graph.prefix(prefix, fn);
}

/** Resets the automatic name counters (MXNet's fresh `NameManager`). */
export function resetNames(): void {
  graph.resetNames();
}
