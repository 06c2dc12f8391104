/**
 * State shared by Block and the hybridize tracer: the blocks whose forward is running
 * while a graph is being traced (their prefixes name the traced operators), and the
 * node name a layer asks for its next operator (`dense0_fwd`).
 * @module
 */

/** What the tracer needs to know of a block. */
export interface Named {
  /** The block's prefix (`dense0_`). */
  readonly prefix: string;
}

let tracing = 0;
const stack: Named[] = [];
let pendingName: string | null = null;

/** True while a hybridize trace runs (blocks then run their forward imperatively). */
export function isTracing(): boolean {
  return tracing > 0;
}

/** Runs `fn` as a trace (nests). */
export function asTrace<T>(fn: () => T): T {
  if (tracing === 0) pendingName = null;
  tracing++;
  try {
    return fn();
  } finally {
    tracing--;
  }
}

/** Runs `fn` with `b` as the innermost running block. */
export function inBlock<T>(b: Named, fn: () => T): T {
  stack.push(b);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/** The innermost running block's prefix ("" outside blocks). */
export function currentPrefix(): string {
  return stack.at(-1)?.prefix ?? "";
}

/** Names the next traced operator (a layer's `fwd` node). */
export function nameNext(name: string): void {
  if (tracing > 0) pendingName = name;
}

/** The name asked for with `nameNext`, once. */
export function takeName(): string | null {
  const n = pendingName;
  pendingName = null;
  return n;
}
