/**
 * Cells built from other cells (MXNet's gluon/rnn/rnn_cell.py): `SequentialRNNCell`
 * (stacked), `BidirectionalCell` (unroll only), and the modifiers `DropoutCell`,
 * `ResidualCell`, `ZoneoutCell`.
 * @module
 */
import { MXNetError, ParamError, UnsupportedError } from "../../core/errors.ts";
import { add, op, type Value } from "../_f.ts";
import type { BlockOptions } from "../block.ts";
import { layerOptions } from "../nn/_layer.ts";
import type { StateInfo } from "./_ops.ts";
import { RecurrentCell, type StepResult } from "./rnn_cell.ts";

/** Splits `states` into consecutive runs, one per cell, as long as its stateInfo. */
function splitStates(cells: readonly RecurrentCell[], states: readonly Value[]): Value[][] {
  let k = 0;
  return cells.map((c) => {
    const n = c.stateInfo().length;
    const part = states.slice(k, k + n);
    k += n;
    return part;
  });
}

/**
 * Cells stacked: each step runs them in order, each cell's output the next one's input.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const { rnn } = mx.gluon;
 * const stack = new rnn.SequentialRNNCell();
 * stack.add(new rnn.LSTMCell(4), new rnn.LSTMCell(3));
 * stack.initialize();
 * const [out, states] = stack.unroll(5, mx.nd.ones([2, 5, 6]));
 * console.log((out as mx.NDArray).shape, states.length); // [2, 5, 3] 4
 * ```
 */
export class SequentialRNNCell extends RecurrentCell {
  readonly #cells: RecurrentCell[] = [];
  /** Creates an empty stack. */
  constructor(opts: BlockOptions = {}) {
    super(layerOptions("SequentialRNNCell", opts, []), "sequentialrnncell");
  }
  /** Appends cells. */
  add(...cells: RecurrentCell[]): void {
    for (const c of cells) {
      if (!(c instanceof RecurrentCell)) {
        throw new ParamError(`SequentialRNNCell.add: expected recurrent cells, got ${c}`);
      }
      this.registerChild(c);
      this.#cells.push(c);
    }
  }
  /** The cell at `i` (negative counts from the end). */
  at(i: number): RecurrentCell {
    const c = this.#cells[i < 0 ? i + this.#cells.length : i];
    if (!c) throw new MXNetError(`SequentialRNNCell.at: no cell ${i} of ${this.#cells.length}`);
    return c;
  }
  /** The number of cells. */
  get length(): number {
    return this.#cells.length;
  }
  /** The states of every cell, in order. */
  override stateInfo(batchSize = 0): StateInfo[] {
    return this.#cells.flatMap((c) => c.stateInfo(batchSize));
  }
  /** One step through every cell. */
  override forward<T extends Value>(x: T, states: T[]): StepResult<T> {
    const parts = splitStates(this.#cells, states) as T[][];
    const next: T[] = [];
    this.#cells.forEach((c, i) => {
      const [out, s] = c.forward(x, parts[i]);
      x = out;
      next.push(...s);
    });
    return [x, next];
  }
  /** @ignore Each cell unrolls the previous one's outputs. */
  override _unrollSteps(
    steps: readonly Value[],
    states: Value[],
    masks?: readonly Value[],
  ): { outputs: Value[]; states: Value[] } {
    const parts = splitStates(this.#cells, states);
    const next: Value[] = [];
    let outputs = [...steps];
    this.#cells.forEach((c, i) => {
      const r = c._unrollSteps(outputs, parts[i], masks);
      outputs = r.outputs;
      next.push(...r.states);
    });
    return { outputs, states: next };
  }
}

/**
 * Two cells over the sequence in both directions, outputs concatenated on the feature
 * axis (`[left, right]`); states `[...left's, ...right's]`. Only `unroll` runs it.
 */
export class BidirectionalCell extends RecurrentCell {
  /** The forward-direction cell. */
  readonly lCell: RecurrentCell;
  /** The reverse-direction cell. */
  readonly rCell: RecurrentCell;
  /** Creates the cell from two cells. */
  constructor(lCell: RecurrentCell, rCell: RecurrentCell, opts: BlockOptions = {}) {
    super(layerOptions("BidirectionalCell", opts, []), "bidirectional");
    this.lCell = lCell;
    this.rCell = rCell;
  }
  /** The left cell's states, then the right cell's. */
  override stateInfo(batchSize = 0): StateInfo[] {
    return [...this.lCell.stateInfo(batchSize), ...this.rCell.stateInfo(batchSize)];
  }
  /** Not steppable: a reverse direction needs the whole sequence. */
  override forward<T extends Value>(_x: T, _states: T[]): StepResult<T> {
    throw new UnsupportedError(
      `BidirectionalCell (${this.name}) cannot be stepped; call unroll with the whole sequence`,
    );
  }
  /**
   * @ignore The right cell walks the steps backwards; with masks it starts at each
   * sequence's last valid step (the masked steps after it leave its state alone).
   */
  override _unrollSteps(
    steps: readonly Value[],
    states: Value[],
    masks?: readonly Value[],
  ): { outputs: Value[]; states: Value[] } {
    const [ls, rs] = splitStates([this.lCell, this.rCell], states);
    const l = this.lCell._unrollSteps(steps, ls, masks);
    const r = this.rCell._unrollSteps(
      [...steps].reverse(),
      rs,
      masks ? [...masks].reverse() : undefined,
    );
    const rOut = [...r.outputs].reverse();
    const outputs = l.outputs.map((o, t) => op("Concat", [o, rOut[t]], { numArgs: 2, dim: 1 }));
    return { outputs, states: [...l.states, ...r.states] };
  }
}

/** A cell wrapping another (`baseCell`) and keeping its states. */
abstract class ModifierCell extends RecurrentCell {
  /** The wrapped cell. */
  readonly baseCell: RecurrentCell;
  constructor(kind: string, baseCell: RecurrentCell, opts: BlockOptions, keys: string[]) {
    super(layerOptions(kind, opts, keys), kind.replace("Cell", "").toLowerCase());
    if (!(baseCell instanceof RecurrentCell)) {
      throw new ParamError(`${kind}: baseCell must be a recurrent cell, got ${baseCell}`);
    }
    this.baseCell = baseCell;
  }
  /** The wrapped cell's states. */
  override stateInfo(batchSize = 0): StateInfo[] {
    return this.baseCell.stateInfo(batchSize);
  }
}

/**
 * Dropout on the step input (training only); no state.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const cell = new mx.gluon.rnn.DropoutCell(0.5);
 * const [out, states] = cell.forward(mx.nd.ones([2, 3]), []);
 * console.log(out.shape, states.length); // [2, 3] 0
 * ```
 */
export class DropoutCell extends RecurrentCell {
  /** The fraction dropped. */
  readonly rate: number;
  readonly #axes: number[];
  /** Creates the cell; `axes` share one mask along those axes. */
  constructor(rate: number, opts: BlockOptions & { axes?: readonly number[] } = {}) {
    super(layerOptions("DropoutCell", opts, ["axes"]), "dropout");
    if (!(rate >= 0 && rate <= 1)) {
      throw new ParamError(`DropoutCell: rate must be in [0, 1], got ${rate}`);
    }
    this.rate = rate;
    this.#axes = [...(opts.axes ?? [])];
  }
  /** None: the cell keeps no state. */
  override stateInfo(): StateInfo[] {
    return [];
  }
  /** One step. */
  override forward<T extends Value>(x: T, states: T[]): StepResult<T> {
    const y = this.rate === 0 ? x : op("Dropout", [x], { p: this.rate, axes: this.#axes });
    return [y as T, states];
  }
}

/** Adds the step input to the wrapped cell's output (a residual connection). */
export class ResidualCell extends ModifierCell {
  /** Wraps `baseCell`, whose output size must equal its input size. */
  constructor(baseCell: RecurrentCell, opts: BlockOptions = {}) {
    super("ResidualCell", baseCell, opts, []);
  }
  /** One step. */
  override forward<T extends Value>(x: T, states: T[]): StepResult<T> {
    const [out, next] = this.baseCell.forward(x, states);
    return [add(out, x) as T, next];
  }
}

/** Options of ZoneoutCell. */
export interface ZoneoutOptions extends BlockOptions {
  /** Probability of keeping the previous output instead of the new one (default 0). */
  zoneoutOutputs?: number;
  /** Probability of keeping each previous state value (default 0). */
  zoneoutStates?: number;
}

/**
 * Zoneout (Krueger et al.): while training, each output and state value keeps its
 * previous value with the given probability; outside training the cell is its base.
 */
export class ZoneoutCell extends ModifierCell {
  readonly #pOut: number;
  readonly #pStates: number;
  #prevOutput: Value | null = null;
  /** Wraps `baseCell`. */
  constructor(baseCell: RecurrentCell, opts: ZoneoutOptions = {}) {
    super("ZoneoutCell", baseCell, opts, ["zoneoutOutputs", "zoneoutStates"]);
    if (baseCell instanceof BidirectionalCell) {
      throw new ParamError(
        "ZoneoutCell: a BidirectionalCell cannot be wrapped (it is not steppable)",
      );
    }
    this.#pOut = opts.zoneoutOutputs ?? 0;
    this.#pStates = opts.zoneoutStates ?? 0;
    for (const [k, p] of [["zoneoutOutputs", this.#pOut], ["zoneoutStates", this.#pStates]]) {
      if (!((p as number) >= 0 && (p as number) <= 1)) {
        throw new ParamError(`ZoneoutCell: ${k} must be in [0, 1], got ${p}`);
      }
    }
  }
  /** Forgets the previous output (unroll calls it first). */
  override reset(): void {
    super.reset();
    this.#prevOutput = null;
  }
  /** One step. */
  override forward<T extends Value>(x: T, states: T[]): StepResult<T> {
    const [next, nextStates] = this.baseCell.forward(x, states);
    // Dropout of ones: nonzero (take the new value) with probability 1 - p, in training.
    const keepNew = (p: number, like: Value) => op("Dropout", [op("ones_like", [like])], { p });
    const prev = this.#prevOutput ?? op("zeros_like", [next]);
    const out = this.#pOut === 0 ? next : op("where", [keepNew(this.#pOut, next), next, prev]);
    const kept = this.#pStates === 0
      ? nextStates
      : nextStates.map((s, i) => op("where", [keepNew(this.#pStates, s), s, states[i]]));
    this.#prevOutput = out;
    return [out as T, kept as T[]];
  }
}
