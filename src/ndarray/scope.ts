/**
 * Array lifetimes: `scope` disposes the arrays created inside it, `keep` takes arrays
 * out of the open scopes. Every new NDArray registers itself in the innermost frame.
 * @module
 */
import { NDArray } from "./ndarray.ts";

type ScopeFrame = NDArray[];
/**
 * Open scopes, innermost last; the NDArray constructor pushes onto the last.
 * @ignore
 */
export const scopes: ScopeFrame[] = [];

/** Collects the NDArrays in a (nested) result value. */
function collect(value: unknown, into: Set<NDArray>): void {
  if (value instanceof NDArray) into.add(value);
  else if (Array.isArray(value)) { for (const v of value) collect(v, into); }
  else if (value && typeof value === "object" && !(value instanceof Promise)) {
    for (const v of Object.values(value)) collect(v, into);
  }
}

function closeScope(frame: ScopeFrame, result: unknown): void {
  const keep = new Set<NDArray>();
  collect(result, keep);
  const created = new Set(frame);
  for (const a of frame) if (!keep.has(a)) a.dispose();
  // Only arrays this scope created move to the enclosing one: a result made outside it
  // (`scope(() => w.set(v))` returns `w`) belongs to whoever owns it, and adopting it would
  // let the enclosing scope dispose an array that outlives it.
  scopes.at(-1)?.push(...[...keep].filter((a) => created.has(a)));
}

/**
 * Takes arrays out of every open `mx.nd.scope`, so they outlive it (long-lived state
 * created inside a scope: executor outputs, optimizer states). Returns the first array.
 */
export function keep<T extends NDArray>(first: T, ...rest: NDArray[]): T {
  for (const a of [first, ...rest]) {
    for (const frame of scopes) {
      const i = frame.lastIndexOf(a);
      if (i >= 0) frame.splice(i, 1);
    }
  }
  return first;
}

/**
 * Runs `fn` and returns its result together with every array created inside it, without
 * disposing them (the Symbol executor frees them after backward).
 * @ignore
 */
export function collectCreated<T>(fn: () => T): { result: T; created: NDArray[] } {
  const frame: ScopeFrame = [];
  scopes.push(frame);
  try {
    return { result: fn(), created: frame };
  } finally {
    scopes.splice(scopes.lastIndexOf(frame), 1);
  }
}

/**
 * Runs `fn` and disposes every array created inside it that is not part of its
 * result (arrays, objects and nested lists of NDArrays are kept).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const y = mx.nd.scope(() => mx.nd.ones([2]).add(1).mul(3)); // temporaries freed
 * console.log(await y.array()); // [6, 6]
 * ```
 */
export function scope<T>(fn: () => T): T {
  const frame: ScopeFrame = [];
  scopes.push(frame);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.splice(scopes.lastIndexOf(frame), 1);
    closeScope(frame, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    // Async scopes stay open until the promise settles.
    return result.then(
      (r) => {
        scopes.splice(scopes.lastIndexOf(frame), 1);
        closeScope(frame, r);
        return r;
      },
      (e) => {
        scopes.splice(scopes.lastIndexOf(frame), 1);
        closeScope(frame, undefined);
        throw e;
      },
    ) as T;
  }
  scopes.splice(scopes.lastIndexOf(frame), 1);
  closeScope(frame, result);
  return result;
}
