/**
 * The fused recurrent layers of `gluon.rnn` (MXNet's gluon/rnn/rnn_layer.py): `RNN`,
 * `LSTM` and `GRU`, stacked and optionally bidirectional, over the `RNN` operator. Each
 * layer and direction has MXNet's four parameters, `l0_i2h_weight`, `l0_h2h_weight`,
 * `l0_i2h_bias`, `l0_h2h_bias` (`r0_...` for the reverse direction), saved under those
 * names, so MXNet-trained `.params` files load; the forward pass concatenates them into
 * the operator's flat vector in MXNet's order.
 * @module
 */
import { ParamError, ShapeError } from "../../core/errors.ts";
import type { DType } from "../../core/dtype.ts";
import { formatShape } from "../../core/shape.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import { gatesOf, type RnnMode, rnnParamLayout } from "../../ops/nn/rnn_layout.ts";
import { isSymbol, op, type Value } from "../_f.ts";
import type { BlockOptions } from "../block.ts";
import { HybridBlock } from "../hybrid_block.ts";
import type { InitLike, Parameter } from "../parameter.ts";
import { layerOptions, read } from "../nn/_layer.ts";
import {
  type BeginStateOptions,
  checkStates,
  opAll,
  type StateInfo,
  timeAxis,
  zeroStates,
} from "./_ops.ts";

/** Options of the recurrent layers (MXNet's keyword arguments, camelCase). */
export interface RecurrentLayerOptions extends BlockOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** "TNC" (default) or "NTC": where the time and batch axes of the input are. */
  layout?: "TNC" | "NTC";
  /** Dropout on the outputs of every layer but the last, while training (default 0). */
  dropout?: number;
  /** Run a reverse direction too and concatenate the two (default false). */
  bidirectional?: boolean;
  /** Features of the input; 0 (default) infers them at the first forward pass. */
  inputSize?: number;
  /** Initializer of the i2h weights (default: the one given to `initialize`). */
  i2hWeightInitializer?: InitLike | null;
  /** Initializer of the h2h weights. */
  h2hWeightInitializer?: InitLike | null;
  /** Initializer of the i2h biases (default zeros). */
  i2hBiasInitializer?: InitLike | null;
  /** Initializer of the h2h biases (default zeros). */
  h2hBiasInitializer?: InitLike | null;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Take a `sequenceLength` input in `forward` (default false). */
  useSequenceLength?: boolean;
}

/** Options of `RNN`: also its activation. */
export interface RNNLayerOptions extends RecurrentLayerOptions {
  /** "tanh" (default) or "relu". */
  activation?: "tanh" | "relu";
}

const LAYER_KEYS = [
  "numLayers",
  "layout",
  "dropout",
  "bidirectional",
  "inputSize",
  "i2hWeightInitializer",
  "h2hWeightInitializer",
  "i2hBiasInitializer",
  "h2hBiasInitializer",
  "dtype",
  "useSequenceLength",
];

/** The common implementation of RNN, LSTM and GRU. */
export abstract class RecurrentLayer extends HybridBlock {
  readonly #mode: RnnMode;
  readonly #hidden: number;
  readonly #layers: number;
  readonly #directions: number;
  readonly #layout: "TNC" | "NTC";
  readonly #dropout: number;
  readonly #useSequenceLength: boolean;
  /** Parameters in MXNet's flat order (weights, then biases). */
  readonly #ordered: Parameter[];
  readonly #kind: string;

  /** @ignore Used by the subclasses. */
  constructor(
    kind: string,
    mode: RnnMode,
    hiddenSize: number,
    opts: RecurrentLayerOptions,
    extraKeys: readonly string[] = [],
  ) {
    const bo = layerOptions(kind, opts, [...LAYER_KEYS, ...extraKeys]);
    super(bo, kind.toLowerCase());
    this.#kind = kind;
    if (!(Number.isInteger(hiddenSize) && hiddenSize > 0)) {
      throw new ParamError(`${kind}: hiddenSize must be a positive integer, got ${hiddenSize}`);
    }
    const numLayers = opts.numLayers ?? 1;
    if (!(Number.isInteger(numLayers) && numLayers > 0)) {
      throw new ParamError(`${kind}: numLayers must be a positive integer, got ${numLayers}`);
    }
    const dropout = opts.dropout ?? 0;
    if (!(dropout >= 0 && dropout <= 1)) {
      throw new ParamError(`${kind}: dropout must be in [0, 1], got ${dropout}`);
    }
    const inputSize = opts.inputSize ?? 0;
    if (!(Number.isInteger(inputSize) && inputSize >= 0)) {
      throw new ParamError(`${kind}: inputSize must be a non-negative integer, got ${inputSize}`);
    }
    this.#layout = opts.layout ?? "TNC";
    timeAxis(kind, this.#layout);
    this.#mode = mode;
    this.#hidden = hiddenSize;
    this.#layers = numLayers;
    this.#directions = opts.bidirectional ? 2 : 1;
    this.#dropout = dropout;
    this.#useSequenceLength = opts.useSequenceLength ?? false;
    const dtype = opts.dtype ?? "float32";
    const inits: Record<string, InitLike | null> = {
      i2h_weight: opts.i2hWeightInitializer ?? null,
      h2h_weight: opts.h2hWeightInitializer ?? null,
      i2h_bias: opts.i2hBiasInitializer ?? "zeros",
      h2h_bias: opts.h2hBiasInitializer ?? "zeros",
    };
    const { slots } = rnnParamLayout({
      mode,
      inputSize,
      stateSize: hiddenSize,
      numLayers,
      directions: this.#directions,
    });
    // Registered as MXNet registers them (per layer and direction: i2h_weight, h2h_weight,
    // i2h_bias, h2h_bias), which orders collectParams and the saved file alike.
    const kinds = ["i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"];
    const byName = new Map<string, Parameter>();
    const registration = [...slots].sort((a, b) =>
      a.layer - b.layer || a.direction - b.direction ||
      kinds.indexOf(a.kind) - kinds.indexOf(b.kind)
    );
    for (const slot of registration) {
      const p = this.params.get(slot.name, {
        shape: [...slot.shape],
        init: inits[slot.kind],
        dtype,
        allowDeferredInit: true,
      });
      this._registerParam(slot.name, p);
      byName.set(slot.name, p);
    }
    this.#ordered = slots.map((slot) => byName.get(slot.name)!);
  }

  /** The states' shapes and layouts (`LNC`), batch size 0 until known. */
  stateInfo(batchSize = 0): StateInfo[] {
    const shape = [this.#layers * this.#directions, batchSize, this.#hidden];
    const info = { shape, layout: "LNC" };
    return this.#mode === "lstm" ? [info, info] : [info];
  }

  /** Zero initial states for `batchSize` sequences: `[h]`, or `[h, c]` for an LSTM. */
  beginState(batchSize: number, opts: BeginStateOptions = {}): NDArray[] {
    return zeroStates(this.stateInfo(), batchSize, opts);
  }

  /**
   * The output sequence (in the layer's layout, `directions * hiddenSize` features); with
   * `states` given (a list, or one array for RNN/GRU), `[output, finalStates]`. With
   * `useSequenceLength`, `sequenceLength` [N] gives each sequence's length.
   */
  override forward(x: Value, states?: Value | Value[] | null, sequenceLength?: Value): Any {
    const given = states !== undefined && states !== null;
    const where = `${this.#kind} (${this.name})`;
    const axis = timeAxis(where, this.#layout);
    const symbolic = isSymbol(x);
    if (!symbolic) this.#checkInput(where, x as NDArray);
    const batch = symbolic ? 0 : (x as NDArray).shape[1 - axis];
    let list: Value[];
    if (!given) {
      if (symbolic) {
        throw new ParamError(`${where}: with Symbol inputs, give the initial states`);
      }
      const nd = x as NDArray;
      list = this.beginState(batch, { ctx: nd.context, dtype: nd.dtype });
    } else {
      list = Array.isArray(states) ? states : [states];
      if (!symbolic) checkStates(where, list, this.stateInfo(batch).map((i) => i.shape));
    }
    if (this.#useSequenceLength && sequenceLength === undefined) {
      throw new ParamError(`${where}: useSequenceLength is set, so forward needs sequenceLength`);
    }
    const data = axis === 1 ? op("SwapAxis", [x], { dim1: 0, dim2: 1 }) : x;
    const flat = op(
      "Concat",
      this.#ordered.map((p) => op("Reshape", [read(p, x)], { shape: [-1] })),
      { numArgs: this.#ordered.length, dim: 0 },
    );
    const inputs = [data, flat, ...list];
    if (this.#useSequenceLength) inputs.push(sequenceLength!);
    const n = this.#mode === "lstm" ? 3 : 2;
    const outs = opAll("RNN", inputs, {
      stateSize: this.#hidden,
      numLayers: this.#layers,
      bidirectional: this.#directions === 2,
      mode: this.#mode,
      p: this.#dropout,
      stateOutputs: true,
      useSequenceLength: this.#useSequenceLength,
    }, n);
    const out = axis === 1 ? op("SwapAxis", [outs[0]], { dim1: 0, dim2: 1 }) : outs[0];
    return given ? [out, outs.slice(1)] : out;
  }

  /** Fills the deferred input size, or checks the input against it. */
  #checkInput(where: string, x: NDArray): void {
    if (x.ndim !== 3) {
      throw new ShapeError(
        `${where}: expected input with 3 axes (${this.#layout}), got shape ${formatShape(x.shape)}`,
      );
    }
    const features = x.shape[2];
    const rows = gatesOf(this.#mode) * this.#hidden;
    for (let d = 0; d < this.#directions; d++) {
      // The flat order starts with layer 0's i2h and h2h weight of each direction.
      const w = this.#ordered[2 * d];
      const shape = w.shape!;
      if (shape[1] === 0) w.shape = [rows, features];
      else if (shape[1] !== features) {
        throw new ShapeError(
          `${where}: input of shape ${formatShape(x.shape)} has ${features} features, but ` +
            `the layer takes ${shape[1]} (${w.name} ${formatShape(shape)})`,
        );
      }
    }
  }

  /** `LSTM(inputSize -> hiddenSize, TNC, num_layers=2, bidirectional)`, like MXNet's repr. */
  override toString(): string {
    const inputs = this.#ordered[0].shape![1];
    const extras = [
      this.#layout,
      ...(this.#layers !== 1 ? [`num_layers=${this.#layers}`] : []),
      ...(this.#dropout ? [`dropout=${this.#dropout}`] : []),
      ...(this.#directions === 2 ? ["bidirectional"] : []),
    ];
    return `${this.#kind}(${inputs || "None"} -> ${this.#hidden}, ${extras.join(", ")})`;
  }
}

// deno-lint-ignore no-explicit-any
type Any = any;

/**
 * A stacked Elman RNN with tanh or relu: `h' = act(W_i x + b_i + W_h h + b_h)`.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const layer = new mx.gluon.rnn.RNN(4, { numLayers: 2 });
 * layer.initialize();
 * const y = layer.forward(mx.nd.ones([5, 3, 2])); // TNC
 * console.log(y.shape); // [5, 3, 4]
 * ```
 */
export class RNN extends RecurrentLayer {
  /** Creates the layer with `hiddenSize` units per direction. */
  constructor(hiddenSize: number, opts: RNNLayerOptions = {}) {
    const act = opts.activation ?? "tanh";
    if (act !== "tanh" && act !== "relu") {
      throw new ParamError(`RNN: activation must be "tanh" or "relu", got ${JSON.stringify(act)}`);
    }
    super("RNN", act === "tanh" ? "rnn_tanh" : "rnn_relu", hiddenSize, opts, ["activation"]);
  }
}

/**
 * A stacked LSTM (gates input, forget, cell, output, in MXNet's order); states `[h, c]`.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const layer = new mx.gluon.rnn.LSTM(4, { bidirectional: true });
 * layer.initialize();
 * const [y, [h, c]] = layer.forward(mx.nd.ones([5, 3, 2]), layer.beginState(3));
 * console.log(y.shape, h.shape, c.shape); // [5, 3, 8] [2, 3, 4] [2, 3, 4]
 * ```
 */
export class LSTM extends RecurrentLayer {
  /** Creates the layer with `hiddenSize` units per direction. */
  constructor(hiddenSize: number, opts: RecurrentLayerOptions = {}) {
    super("LSTM", "lstm", hiddenSize, opts);
  }
}

/**
 * A stacked GRU (gates reset, update, new; the reset gate scales the recurrent
 * projection with its bias, as MXNet, cuDNN and PyTorch compute it).
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const layer = new mx.gluon.rnn.GRU(4, { layout: "NTC" });
 * layer.initialize();
 * console.log(layer.forward(mx.nd.ones([3, 5, 2])).shape); // [3, 5, 4]
 * ```
 */
export class GRU extends RecurrentLayer {
  /** Creates the layer with `hiddenSize` units per direction. */
  constructor(hiddenSize: number, opts: RecurrentLayerOptions = {}) {
    super("GRU", "gru", hiddenSize, opts);
  }
}
