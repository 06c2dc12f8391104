/**
 * The graph under a Symbol: nodes (variables or operator applications) and the entries
 * (node, output index) that connect them, plus MXNet's automatic naming.
 * @module
 */
import { auxNamesOf, type OpDef, type Params } from "../ops/op_def.ts";

/** One output of a node. */
export interface NodeEntry {
  /** The node. */
  readonly node: Node;
  /** Which of its outputs. */
  readonly index: number;
}

/** A variable (op null) or an operator application. */
export class Node {
  /** Creates a node; use Symbol constructors instead. */
  constructor(
    /** The operator, or null for a variable. */
    readonly op: OpDef | null,
    /** Unique name (`fc1`, `fc1_weight`, `_plus0`). */
    public name: string,
    /** Parsed operator parameters (empty for variables). */
    readonly params: Params,
    /**
     * String attributes as MXNet's JSON stores them: for operators the parameters the
     * user gave (MXNet spelling) and hidden `__x__` attributes; for variables `__shape__`,
     * `__lr_mult__` and friends.
     */
    readonly attrs: Record<string, string>,
    /** Inputs: arguments first, then auxiliary states. */
    readonly inputs: NodeEntry[],
  ) {}

  /** True for variables. */
  get isVariable(): boolean {
    return this.op === null;
  }

  /** Number of outputs (variables have one). */
  get numOutputs(): number {
    if (!this.op) return 1;
    const n = this.op.numOutputs ?? 1;
    return typeof n === "function" ? n(this.params) : n;
  }

  /** Outputs a user sees (the rest are kept for gradients, e.g. BatchNorm's mean). */
  get numVisibleOutputs(): number {
    if (!this.op) return 1;
    const n = this.op.numVisibleOutputs;
    return n === undefined ? this.numOutputs : typeof n === "function" ? n(this.params) : n;
  }

  /** The number of argument (non-auxiliary) inputs. */
  get numArgs(): number {
    return this.inputs.length - (this.op ? auxNamesOf(this.op, this.params).length : 0);
  }
}

/** Nodes reachable from `heads`, inputs before users (MXNet's DFS post-order). */
export function topoOrder(heads: readonly NodeEntry[]): Node[] {
  const seen = new Set<Node>();
  const order: Node[] = [];
  const visit = (root: Node) => {
    // Iterative DFS: deep graphs must not overflow the stack.
    const stack: [Node, number][] = [[root, 0]];
    seen.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1]++;
        const child = node.inputs[i].node;
        if (!seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  };
  for (const h of heads) if (!seen.has(h.node)) visit(h.node);
  return order;
}

const counters = new Map<string, number>();
const prefixes: string[] = [];

/**
 * The name for a new node: the given one (with the current prefix), or MXNet's
 * automatic `hint + counter` (`fullyconnected0`, `_plus1`).
 */
export function makeName(given: string | undefined, hint: string): string {
  const prefix = prefixes.join("");
  if (given !== undefined) return prefix + given;
  const key = prefix + hint;
  const n = counters.get(key) ?? 0;
  counters.set(key, n + 1);
  return `${key}${n}`;
}

/** Runs `fn` with names prefixed by `prefix` (`mx.name.prefix`). */
export function prefix<T>(prefix: string, fn: () => T): T {
  prefixes.push(prefix);
  try {
    return fn();
  } finally {
    prefixes.pop();
  }
}

/** Resets the automatic name counters (MXNet's fresh `NameManager`). */
export function resetNames(): void {
  counters.clear();
}
