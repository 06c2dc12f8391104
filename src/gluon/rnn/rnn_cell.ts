/**
 * Recurrent cells of `gluon.rnn` (MXNet's gluon/rnn/rnn_cell.py): one step at a time with
 * `forward(x, states)`, or a whole sequence with `unroll`. `RNNCell`, `LSTMCell` and
 * `GRUCell` compute what one layer and direction of the fused `RNN` operator computes,
 * with the same parameters (`i2h_weight`, `h2h_weight`, `i2h_bias`, `h2h_bias`); the
 * modifier cells are in ./modifier_cells.ts.
 * @module
 */
import type { DType } from "../../core/dtype.ts";
import { ParamError, ShapeError } from "../../core/errors.ts";
import { checkOptions } from "../../core/options.ts";
import { formatShape } from "../../core/shape.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import { add, isSymbol, mul, op, sub, type Value } from "../_f.ts";
import type { BlockOptions } from "../block.ts";
import { HybridBlock } from "../hybrid_block.ts";
import type { InitLike, Parameter } from "../parameter.ts";
import { layerOptions, read } from "../nn/_layer.ts";
import { type BeginStateOptions, opAll, type StateInfo, timeAxis, zeroStates } from "./_ops.ts";

/** Options of `unroll`. */
export interface UnrollOptions<T extends Value = Value> {
  /** The initial states (default: zeros from `beginState`). */
  beginState?: T[];
  /** "NTC" (default) or "TNC": where the time axis of a tensor input (and output) is. */
  layout?: "NTC" | "TNC";
  /** Stack the outputs into one tensor (default: when the input was one tensor). */
  mergeOutputs?: boolean;
  /** Each sequence's length [N]: later outputs are zeros, states those after the last step. */
  validLength?: T;
}

/** The result of one step: the output and the new states. */
export type StepResult<T extends Value = Value> = [T, T[]];

/** The base of every recurrent cell. */
export abstract class RecurrentCell extends HybridBlock {
  /** The states' shapes and layouts (`NC`), batch size 0 until known. */
  abstract stateInfo(batchSize?: number): StateInfo[];

  /** One step: `[output, newStates]`. */
  abstract override forward<T extends Value>(x: T, states: T[]): StepResult<T>;

  /** Zero initial states for `batchSize` sequences. */
  beginState(batchSize: number, opts: BeginStateOptions = {}): NDArray[] {
    return zeroStates(this.stateInfo(), batchSize, opts);
  }

  /** Forgets what earlier steps left behind (ZoneoutCell's previous output). */
  reset(): void {
    for (const c of this._childMap().values()) if (c instanceof RecurrentCell) c.reset();
  }

  /**
   * Runs `length` steps over `inputs` (one tensor in `layout`, or a list of `length`
   * [N, C] steps) and returns `[outputs, finalStates]`: outputs stacked along the time
   * axis when `mergeOutputs` (default: when the input was one tensor), else a list.
   */
  unroll<T extends Value>(
    length: number,
    inputs: T | T[],
    opts: UnrollOptions<T> & { mergeOutputs: true },
  ): [T, T[]];
  /** With `mergeOutputs: false`: the list of step outputs. */
  unroll<T extends Value>(
    length: number,
    inputs: T | T[],
    opts: UnrollOptions<T> & { mergeOutputs: false },
  ): [T[], T[]];
  /** Outputs as the inputs came: one tensor for a tensor, a list for a list. */
  unroll<T extends Value>(length: number, inputs: T | T[], opts?: UnrollOptions<T>): [T | T[], T[]];
  unroll(length: number, inputs: Value | Value[], opts: UnrollOptions = {}): [unknown, Value[]] {
    checkOptions("unroll", opts, ["beginState", "layout", "mergeOutputs", "validLength"]);
    const where = `${this.constructor.name} (${this.name}).unroll`;
    const axis = timeAxis(where, opts.layout ?? "NTC");
    const steps = splitSteps(where, length, inputs, axis);
    const first = steps[0];
    let states: Value[];
    if (opts.beginState) states = opts.beginState;
    else if (isSymbol(first)) {
      throw new ParamError(`${where}: with Symbol inputs, give beginState`);
    } else {
      const x = first as NDArray;
      states = this.beginState(x.shape[0], { ctx: x.context, dtype: x.dtype });
    }
    const masks = opts.validLength === undefined
      ? undefined
      : stepMasks(opts.validLength, length, first);
    this.reset();
    const r = this._unrollSteps(steps, states, masks);
    const merge = opts.mergeOutputs ?? !Array.isArray(inputs);
    const outputs = merge ? op("stack", r.outputs, { numArgs: length, axis }) : r.outputs;
    return [outputs, r.states];
  }

  /**
   * @internal The steps in order, given states, optional per-step masks [N, 1] (0 past a
   * sequence's end: output zero, state kept). Composite cells override it.
   * @ignore
   */
  _unrollSteps(
    steps: readonly Value[],
    states: Value[],
    masks?: readonly Value[],
  ): { outputs: Value[]; states: Value[] } {
    const outputs: Value[] = [];
    steps.forEach((x, t) => {
      const [out, next] = this.forward(x, states);
      if (masks) {
        const m = masks[t];
        outputs.push(mul(out, m));
        states = next.map((s, i) => add(states[i], mul(m, sub(s, states[i]))));
      } else {
        outputs.push(out);
        states = next;
      }
    });
    return { outputs, states };
  }
}

/** The steps of `inputs`: a list as given, or a tensor split along the time axis. */
function splitSteps(where: string, length: number, inputs: Value | Value[], axis: number): Value[] {
  if (!(Number.isInteger(length) && length > 0)) {
    throw new ParamError(`${where}: length must be a positive integer, got ${length}`);
  }
  if (Array.isArray(inputs)) {
    if (inputs.length !== length) {
      throw new ShapeError(`${where}: expected ${length} step inputs, got ${inputs.length}`);
    }
    return inputs;
  }
  if (!isSymbol(inputs)) {
    const s = (inputs as NDArray).shape;
    if (s.length !== 3 || s[axis] !== length) {
      throw new ShapeError(
        `${where}: expected input with 3 axes and ${length} steps on axis ${axis}, got shape ` +
          formatShape(s),
      );
    }
  }
  return opAll("SliceChannel", [inputs], {
    numOutputs: length,
    axis,
    squeezeAxis: true,
  }, length);
}

/** masks[t] = 1 where step t is inside the sequence, as [N, 1] of the data's dtype. */
function stepMasks(validLength: Value, length: number, like: Value): Value[] {
  const dtype = isSymbol(like) ? "float32" : (like as NDArray).dtype;
  const len = op("Cast", [validLength], { dtype });
  return [...Array(length).keys()].map((t) =>
    op("Reshape", [op("_greater_scalar", [len], { scalar: t })], { shape: [-1, 1] })
  );
}

/** Options of the gated cells. */
export interface CellOptions extends BlockOptions {
  /** Features of the input; 0 (default) infers them at the first step. */
  inputSize?: number;
  /** Initializer of the i2h weight. */
  i2hWeightInitializer?: InitLike | null;
  /** Initializer of the h2h weight. */
  h2hWeightInitializer?: InitLike | null;
  /** Initializer of the i2h bias (default zeros). */
  i2hBiasInitializer?: InitLike | null;
  /** Initializer of the h2h bias (default zeros). */
  h2hBiasInitializer?: InitLike | null;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

const CELL_KEYS = [
  "inputSize",
  "i2hWeightInitializer",
  "h2hWeightInitializer",
  "i2hBiasInitializer",
  "h2hBiasInitializer",
  "dtype",
];

/** A cell with MXNet's four parameters and `gates` blocks of `hiddenSize` rows. */
abstract class GatedCell extends RecurrentCell {
  /** Input-to-hidden weight [gates * hiddenSize, inputSize]. */
  readonly i2hWeight: Parameter;
  /** Hidden-to-hidden weight [gates * hiddenSize, hiddenSize]. */
  readonly h2hWeight: Parameter;
  /** Input-to-hidden bias. */
  readonly i2hBias: Parameter;
  /** Hidden-to-hidden bias. */
  readonly h2hBias: Parameter;
  /** Hidden units. */
  readonly hiddenSize: number;
  readonly #kind: string;

  constructor(
    kind: string,
    gates: number,
    hiddenSize: number,
    opts: CellOptions,
    extraKeys: readonly string[],
  ) {
    super(layerOptions(kind, opts, [...CELL_KEYS, ...extraKeys]), alias(kind));
    if (!(Number.isInteger(hiddenSize) && hiddenSize > 0)) {
      throw new ParamError(`${kind}: hiddenSize must be a positive integer, got ${hiddenSize}`);
    }
    this.#kind = kind;
    this.hiddenSize = hiddenSize;
    const rows = gates * hiddenSize, dtype = opts.dtype ?? "float32";
    const param = (name: string, shape: number[], init: InitLike | null) =>
      this.params.get(name, { shape, init, dtype, allowDeferredInit: true });
    this.i2hWeight = param(
      "i2h_weight",
      [rows, opts.inputSize ?? 0],
      opts.i2hWeightInitializer ?? null,
    );
    this.h2hWeight = param("h2h_weight", [rows, hiddenSize], opts.h2hWeightInitializer ?? null);
    this.i2hBias = param("i2h_bias", [rows], opts.i2hBiasInitializer ?? "zeros");
    this.h2hBias = param("h2h_bias", [rows], opts.h2hBiasInitializer ?? "zeros");
  }

  /** `[i2h(x), h2h(h)]`, after checking x (and filling a deferred input size). */
  protected project(x: Value, h: Value, states: readonly Value[]): [Value, Value] {
    const rows = this.i2hWeight.shape![0];
    if (!isSymbol(x)) this.#check(x as NDArray, states);
    const fc = (v: Value, w: Parameter, b: Parameter, node: string) =>
      op("FullyConnected", [v, read(w, x), read(b, x)], { numHidden: rows }, {
        node: this.prefix + node,
      });
    return [fc(x, this.i2hWeight, this.i2hBias, "i2h"), fc(h, this.h2hWeight, this.h2hBias, "h2h")];
  }

  #check(x: NDArray, states: readonly Value[]): void {
    const where = `${this.#kind} (${this.name})`;
    if (x.ndim !== 2) {
      throw new ShapeError(
        `${where}: expected a step input with 2 axes (batch, features), got shape ` +
          formatShape(x.shape),
      );
    }
    const want = this.stateInfo(x.shape[0]).map((i) => i.shape);
    if (states.length !== want.length) {
      throw new ShapeError(`${where}: expected ${want.length} state(s), got ${states.length}`);
    }
    states.forEach((s, i) => {
      const got = (s as NDArray).shape;
      if (got.length !== 2 || got[0] !== want[i][0] || got[1] !== want[i][1]) {
        throw new ShapeError(
          `${where}: state ${i} has shape ${formatShape(got)}, expected ${formatShape(want[i])}`,
        );
      }
    });
    const w = this.i2hWeight.shape!;
    if (w[1] === 0) this.i2hWeight.shape = [w[0], x.shape[1]];
    else if (w[1] !== x.shape[1]) {
      throw new ShapeError(
        `${where}: input of shape ${formatShape(x.shape)} has ${x.shape[1]} features, but ` +
          `the cell takes ${w[1]} (${this.i2hWeight.name} ${formatShape(w)})`,
      );
    }
  }

  /** `[h]`, [batch, hiddenSize]. */
  override stateInfo(batchSize = 0): StateInfo[] {
    return [{ shape: [batchSize, this.hiddenSize], layout: "NC" }];
  }

  /** `LSTMCell(inputSize -> 4 * hiddenSize)`, like MXNet's repr. */
  override toString(): string {
    const [rows, inputs] = this.i2hWeight.shape!;
    return `${this.#kind}(${inputs || "None"} -> ${rows})`;
  }
}

function alias(kind: string): string {
  return kind.replace("Cell", "").toLowerCase();
}

/** Activations the cells accept (the `Activation` operator's). */
export type CellActivation = "tanh" | "relu" | "sigmoid" | "softrelu" | "softsign";

function act(x: Value, type: string): Value {
  return op("Activation", [x], { actType: type });
}

/**
 * An Elman cell: `h' = act(W_i x + b_i + W_h h + b_h)`; output and state are `h'`.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const cell = new mx.gluon.rnn.RNNCell(4);
 * cell.initialize();
 * const [out, states] = cell.forward(mx.nd.ones([3, 2]), cell.beginState(3));
 * console.log(out.shape, states.length); // [3, 4] 1
 * ```
 */
export class RNNCell extends GatedCell {
  readonly #activation: CellActivation;
  /** Creates the cell. */
  constructor(hiddenSize: number, opts: CellOptions & { activation?: CellActivation } = {}) {
    super("RNNCell", 1, hiddenSize, opts, ["activation"]);
    this.#activation = opts.activation ?? "tanh";
  }
  /** One step. */
  override forward<T extends Value>(x: T, states: T[]): StepResult<T> {
    const [i2h, h2h] = this.project(x, states[0], states);
    const h = act(add(i2h, h2h), this.#activation);
    return [h as T, [h as T]];
  }
}

/** Options of LSTMCell and GRUCell: their activations. */
export interface GatedCellOptions extends CellOptions {
  /** Of the candidate and the output (default tanh). */
  activation?: CellActivation;
  /** Of the gates (default sigmoid). */
  recurrentActivation?: CellActivation;
}

/**
 * An LSTM cell (gates input, forget, cell, output); states `[h, c]`.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const cell = new mx.gluon.rnn.LSTMCell(4);
 * cell.initialize();
 * const [outs, [h, c]] = cell.unroll(5, mx.nd.ones([3, 5, 2]), { mergeOutputs: true });
 * console.log(outs.shape, h.shape, c.shape); // [3, 5, 4] [3, 4] [3, 4]
 * ```
 */
export class LSTMCell extends GatedCell {
  readonly #act: CellActivation;
  readonly #gate: CellActivation;
  /** Creates the cell. */
  constructor(hiddenSize: number, opts: GatedCellOptions = {}) {
    super("LSTMCell", 4, hiddenSize, opts, ["activation", "recurrentActivation"]);
    this.#act = opts.activation ?? "tanh";
    this.#gate = opts.recurrentActivation ?? "sigmoid";
  }
  /** `[h, c]`, each [batch, hiddenSize]. */
  override stateInfo(batchSize = 0): StateInfo[] {
    const info = { shape: [batchSize, this.hiddenSize], layout: "NC" };
    return [info, info];
  }
  /** One step. */
  override forward<T extends Value>(x: T, states: T[]): StepResult<T> {
    const [i2h, h2h] = this.project(x, states[0], states);
    const [i, f, g, o] = opAll("SliceChannel", [add(i2h, h2h)], { numOutputs: 4, axis: 1 }, 4);
    const c = add(mul(act(f, this.#gate), states[1]), mul(act(i, this.#gate), act(g, this.#act)));
    const h = mul(act(o, this.#gate), act(c, this.#act));
    return [h as T, [h, c] as T[]];
  }
}

/**
 * A GRU cell (gates reset, update, new; the reset gate scales h2h's projection with its
 * bias); state `[h]`.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const cell = new mx.gluon.rnn.GRUCell(4);
 * cell.initialize();
 * const [out] = cell.forward(mx.nd.ones([3, 2]), cell.beginState(3));
 * console.log(out.shape); // [3, 4]
 * ```
 */
export class GRUCell extends GatedCell {
  readonly #act: CellActivation;
  readonly #gate: CellActivation;
  /** Creates the cell. */
  constructor(hiddenSize: number, opts: GatedCellOptions = {}) {
    super("GRUCell", 3, hiddenSize, opts, ["activation", "recurrentActivation"]);
    this.#act = opts.activation ?? "tanh";
    this.#gate = opts.recurrentActivation ?? "sigmoid";
  }
  /** One step. */
  override forward<T extends Value>(x: T, states: T[]): StepResult<T> {
    const h = states[0];
    const [i2h, h2h] = this.project(x, h, states);
    const [xr, xz, xn] = opAll("SliceChannel", [i2h], { numOutputs: 3, axis: 1 }, 3);
    const [hr, hz, hn] = opAll("SliceChannel", [h2h], { numOutputs: 3, axis: 1 }, 3);
    const r = act(add(xr, hr), this.#gate);
    const z = act(add(xz, hz), this.#gate);
    const n = act(add(xn, mul(r, hn)), this.#act);
    // (1 - z) * n + z * h
    const next = add(n, mul(z, sub(h, n)));
    return [next as T, [next as T]];
  }
}
