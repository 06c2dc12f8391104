/**
 * The recorded graph, as MXNet keeps it: every array computed under `record()` from an
 * array in the graph points (through `NDArray._ag`) at the node of the operation that
 * made it; a node holds its operator, params, input and output arrays (what its
 * gradient reads) and the nodes of its inputs. Variables are leaf nodes. Nothing global
 * holds a node, so a graph lives exactly as long as an array that reaches it, and
 * `backward` walks only what its heads reach.
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import { ndBuilder } from "../ndarray/apply.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import type { OpDef, Params } from "../ops/op_def.ts";

/** How `backward` writes a variable's gradient: overwrite, accumulate, or not at all. */
export type GradReq = "write" | "add" | "null";

/** One recorded operation, or (with `def` null) a variable. */
export class Node {
  /** Set by a backward without `retainGraph`: the references below are dropped. */
  freed = false;
  constructor(
    /** The operator; null for a variable. */
    readonly def: OpDef | null,
    /** Parsed params of the operator. */
    public params: Params | null,
    /** The input arrays (the gradient reads them); null for a variable or once freed. */
    public inputs: readonly NDArray[] | null,
    /** The node of each input when it was recorded; null where an input is a constant. */
    public inNodes: readonly (Node | null)[] | null,
    /** The output arrays (a variable: the array itself); null once freed. */
    public outputs: readonly NDArray[] | null,
    /** A variable's gradient request. */
    public gradReq: GradReq = "write",
  ) {}

  /** Drops what the node holds (a backward without retainGraph ran through it). */
  free(): void {
    this.freed = true;
    this.params = null;
    this.inputs = null;
    this.inNodes = null;
    this.outputs = null;
  }
}

/** Recording and training state, shared by the public functions of src/autograd. */
export const state = { recording: 0, training: false };

/**
 * Records one application of `def`: its outputs join the graph when an input is in it
 * (MXNet's RecordOp). The per-op hot path of a training step: a scan, one node, one array.
 */
export function recordNode(
  def: OpDef,
  inputs: readonly NDArray[],
  outputs: readonly NDArray[],
  params: Params,
): void {
  let inNodes: (Node | null)[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const n = inputs[i]._ag as Node | null;
    if (n === null || n.freed) continue;
    if (inNodes === null) inNodes = new Array<Node | null>(inputs.length).fill(null);
    inNodes[i] = n;
  }
  if (inNodes === null) return;
  const node = new Node(def, params, inputs, inNodes, outputs);
  for (let i = 0; i < outputs.length; i++) outputs[i]._ag = node;
}

/** Makes `x` a variable (a leaf of every graph recorded from it afterwards). */
export function markVariable(x: NDArray, gradReq: GradReq): void {
  const n = x._ag as Node | null;
  // Re-marking keeps the leaf, so graphs recorded before write with the new request too.
  if (n !== null && n.def === null) n.gradReq = gradReq;
  else x._ag = new Node(null, null, null, null, [x], gradReq);
}

/** The variable leaf of `x`, or null when `x` is not a marked variable. */
export function variableNode(x: NDArray): Node | null {
  const n = x._ag as Node | null;
  return n !== null && n.def === null ? n : null;
}

function notInGraph(where: string): MXNetError {
  return new MXNetError(
    `${where}: the array is not in a computational graph: compute it inside ` +
      `mx.autograd.record(() => ...) from arrays marked with attachGrad()`,
  );
}

function freedGraph(where: string): MXNetError {
  return new MXNetError(
    `${where}: the graph of this array was freed by an earlier backward; pass ` +
      `{ retainGraph: true } to that backward to differentiate the same graph again`,
  );
}

/**
 * The nodes reachable from `heads`, inputs before the operations that read them.
 * Iterative, so a graph thousands of operations deep (an unrolled RNN) fits the stack.
 */
function topoOrder(heads: readonly Node[], where: string): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: Node[] = [];
  const next: number[] = [];
  for (const h of heads) {
    if (seen.has(h)) continue;
    seen.add(h);
    stack.push(h);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const n = stack[top];
      if (n.freed) throw freedGraph(where);
      const ins = n.inNodes;
      if (ins !== null && next[top] < ins.length) {
        const m = ins[next[top]++];
        if (m !== null && !seen.has(m)) {
          seen.add(m);
          stack.push(m);
          next.push(0);
        }
        continue;
      }
      order.push(n);
      stack.pop();
      next.pop();
    }
  }
  return order;
}

/** What a backward pass asks for. */
export interface SweepOptions {
  /** Where the pass was called from, for messages. */
  readonly where: string;
  /** Head gradients (default ones). */
  readonly headGrads?: readonly (NDArray | null)[];
  /** Record the pass itself (higher-order gradients). */
  readonly createGraph?: boolean;
  /** Keep the graph for another pass; otherwise every node walked is freed. */
  readonly retainGraph?: boolean;
  /**
   * Let every head be outside a graph (the executor: outputs that depend on no argument
   * with a gradient). Otherwise at least one head must be in a graph; the others, like a
   * composite's output computed from constants, contribute nothing.
   */
  readonly allowConstants?: boolean;
}

/**
 * The reverse sweep from `heads`: the gradient reaching each variable leaf. Nodes are
 * visited consumers first; without `retainGraph` each one walked is freed afterwards.
 */
export function sweep(heads: readonly NDArray[], opts: SweepOptions): Map<Node, NDArray> {
  const headNodes: Node[] = [];
  const headArrays: NDArray[] = [];
  const headGrads: (NDArray | null)[] = [];
  heads.forEach((h, i) => {
    const n = h._ag as Node | null;
    if (n === null) return;
    if (n.freed) throw freedGraph(opts.where);
    headNodes.push(n);
    headArrays.push(h);
    headGrads.push(opts.headGrads?.[i] ?? null);
  });
  if (headNodes.length === 0 && !opts.allowConstants) throw notInGraph(opts.where);
  const order = topoOrder(headNodes, opts.where);
  const grads = new Map<Node, (NDArray | undefined)[]>();
  const addGrad = (n: Node, x: NDArray, g: NDArray) => {
    let gs = grads.get(n);
    if (!gs) grads.set(n, gs = []);
    const i = n.def === null ? 0 : n.outputs!.indexOf(x);
    const prev = gs[i];
    gs[i] = prev ? prev.add(g) : g;
  };
  const leaves = new Map<Node, NDArray>();
  const wasRecording = state.recording;
  // Gradient ops are recorded only when a higher-order gradient is wanted.
  state.recording = opts.createGraph ? Math.max(state.recording, 1) : 0;
  try {
    headNodes.forEach((n, i) =>
      addGrad(n, headArrays[i], headGrads[i] ?? headArrays[i].onesLike())
    );
    for (let k = order.length - 1; k >= 0; k--) {
      const n = order[k];
      const gs = grads.get(n);
      if (!gs) continue;
      if (n.def === null) {
        leaves.set(n, gs[0]!);
        continue;
      }
      const def = n.def, inputs = n.inputs!, outputs = n.outputs!, inNodes = n.inNodes!;
      if (!def.gradient) throw new MXNetError(`backward: operator ${def.name} has no gradient`);
      const outGrads = outputs.map((o, j) => gs[j] ?? o.zerosLike());
      const ig = def.gradient(ndBuilder(outputs[0].context), {
        inputs,
        outputs,
        outGrads,
        params: n.params!,
        needs: inNodes.map((m) => m !== null),
      });
      for (let i = 0; i < inputs.length; i++) {
        const g = ig[i], m = inNodes[i];
        if (g && m !== null) addGrad(m, inputs[i], g);
      }
    }
  } finally {
    state.recording = wasRecording;
  }
  if (!opts.retainGraph) { for (const n of order) if (n.def !== null) n.free(); }
  return leaves;
}

/** Writes each variable's gradient into its `grad` buffer as its gradient request says. */
export function writeGrads(leaves: Map<Node, NDArray>): void {
  for (const [n, g] of leaves) {
    const x = n.outputs![0];
    if (n.gradReq === "null" || !x.grad) continue;
    if (n.gradReq === "add") x.grad.addInPlace(g);
    else x.grad.set(g);
  }
}
