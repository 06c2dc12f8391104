/**
 * Where each weight and bias of MXNet's fused RNN lives in its one flat `parameters`
 * vector: every layer's and direction's i2h then h2h weight first (layer by layer,
 * forward direction before reverse), then every i2h and h2h bias in the same order. The
 * RNN operator slices its weights out of this vector and gluon.rnn's layers concatenate
 * their named parameters into it, so both read the layout from here.
 * @module
 */

/** The recurrences the fused operator computes. */
export type RnnMode = "rnn_relu" | "rnn_tanh" | "lstm" | "gru";

/** The modes, for parameter validation. */
export const RNN_MODES: readonly RnnMode[] = ["rnn_relu", "rnn_tanh", "lstm", "gru"];

/** Gates per step: the rows of a weight are this many blocks of `stateSize`. */
export function gatesOf(mode: RnnMode): number {
  return mode === "lstm" ? 4 : mode === "gru" ? 3 : 1;
}

/** Which of the four tensors of a layer and direction. */
export type RnnTensorKind = "i2h_weight" | "h2h_weight" | "i2h_bias" | "h2h_bias";

/** One tensor's place in the flat vector. */
export interface RnnTensorSlot {
  /** Layer index, from 0. */
  readonly layer: number;
  /** 0 forward, 1 reverse. */
  readonly direction: number;
  /** Which tensor. */
  readonly kind: RnnTensorKind;
  /** First element in the flat vector. */
  readonly offset: number;
  /** Its shape: weights [gates * stateSize, inputs], biases [gates * stateSize]. */
  readonly shape: readonly number[];
  /** Gluon's name of it: `l0_i2h_weight`, `r1_h2h_bias`. */
  readonly name: string;
}

/** The sizes that decide the layout. */
export interface RnnSizes {
  /** The recurrence. */
  readonly mode: RnnMode;
  /** Features of the input of layer 0. */
  readonly inputSize: number;
  /** Hidden units per direction. */
  readonly stateSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** 2 when bidirectional, else 1. */
  readonly directions: number;
}

/** Every tensor of the flat vector, in storage order, and the vector's total length. */
export function rnnParamLayout(s: RnnSizes): { slots: RnnTensorSlot[]; size: number } {
  const rows = gatesOf(s.mode) * s.stateSize;
  const slots: RnnTensorSlot[] = [];
  let offset = 0;
  const add = (layer: number, direction: number, kind: RnnTensorKind, shape: number[]) => {
    const name = `${direction === 0 ? "l" : "r"}${layer}_${kind}`;
    slots.push({ layer, direction, kind, offset, shape, name });
    offset += shape.reduce((a, b) => a * b, 1);
  };
  for (let l = 0; l < s.numLayers; l++) {
    // Layers above the first read both directions' outputs, concatenated.
    const inputs = l === 0 ? s.inputSize : s.stateSize * s.directions;
    for (let d = 0; d < s.directions; d++) {
      add(l, d, "i2h_weight", [rows, inputs]);
      add(l, d, "h2h_weight", [rows, s.stateSize]);
    }
  }
  for (let l = 0; l < s.numLayers; l++) {
    for (let d = 0; d < s.directions; d++) {
      add(l, d, "i2h_bias", [rows]);
      add(l, d, "h2h_bias", [rows]);
    }
  }
  return { slots, size: offset };
}
