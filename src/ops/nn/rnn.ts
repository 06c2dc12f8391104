/**
 * MXNet's fused `RNN` operator (alias `_npx_rnn`): stacked, optionally bidirectional
 * rnn_relu / rnn_tanh / LSTM / GRU over data [T, N, I] (TNC) with states [L*D, N, H] and
 * every weight in one flat `parameters` vector (./rnn_layout.ts). A composite: the input
 * projection of all T steps of a layer is one GEMM, then each step is a small recurrent
 * GEMM and elementwise gates, so every backend runs it and autograd differentiates it.
 *
 * With `useSequenceLength`, steps at or past a sequence's length leave its state as it
 * was and output zeros (cuDNN's and PyTorch's packed-sequence semantics): the final
 * state is the one after its last valid step, and the reverse direction, walking from
 * T-1 down, starts at each sequence's last valid step with the initial state.
 * @module
 */
import { sequence } from "../../../backends/backend.ts";
import { ParamError, ShapeError, UnsupportedError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";
import { gatesOf, RNN_MODES, type RnnMode, rnnParamLayout, type RnnSizes } from "./rnn_layout.ts";

function inputNames(p: Params): string[] {
  return [
    "data",
    "parameters",
    "state",
    ...(p.mode === "lstm" ? ["state_cell"] : []),
    ...(p.useSequenceLength ? ["sequence_length"] : []),
  ];
}

function numOutputs(p: Params): number {
  return p.stateOutputs ? (p.mode === "lstm" ? 3 : 2) : 1;
}

function sizesOf(data: Shape, p: Params): RnnSizes {
  return {
    mode: p.mode as RnnMode,
    inputSize: data[2],
    stateSize: p.stateSize as number,
    numLayers: p.numLayers as number,
    directions: p.bidirectional ? 2 : 1,
  };
}

function expectShape(arg: string, got: Shape | undefined, want: Shape, why: string): void {
  if (!got || got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new ShapeError(
      `RNN: ${arg} has shape ${got ? formatShape(got) : "(missing)"}, expected ` +
        `${formatShape(want)} (${why})`,
    );
  }
}

/** Checks every input against data's shape and the params; returns the sizes. */
function check(shapes: readonly Shape[], p: Params): RnnSizes {
  if (p.projectionSize !== null && p.projectionSize !== undefined) {
    throw new UnsupportedError(
      `RNN: projection_size (LSTM with projection) is not supported, got ${p.projectionSize}`,
    );
  }
  if ((p.lstmStateClipMin === null) !== (p.lstmStateClipMax === null)) {
    throw new ParamError(
      `RNN: lstm_state_clip_min and lstm_state_clip_max go together, got min ` +
        `${p.lstmStateClipMin} and max ${p.lstmStateClipMax}`,
    );
  }
  if (p.lstmStateClipNan) {
    throw new UnsupportedError("RNN: lstm_state_clip_nan=true is not supported");
  }
  const data = shapes[0];
  if (data.length !== 3) {
    throw new ShapeError(
      `RNN: data must be 3-D (sequence length, batch, input size) in TNC layout, got ` +
        formatShape(data),
    );
  }
  if (data[0] === 0) throw new ShapeError(`RNN: data ${formatShape(data)} has no time steps`);
  const s = sizesOf(data, p);
  const { size } = rnnParamLayout(s);
  const stateShape = [s.numLayers * s.directions, data[1], s.stateSize];
  expectShape(
    "parameters",
    shapes[1],
    [size],
    `mode ${s.mode}, ${s.numLayers} layer(s), ${s.directions} direction(s), input size ` +
      `${s.inputSize}, state size ${s.stateSize}`,
  );
  const why = "num_layers * directions, batch, state_size";
  expectShape("state", shapes[2], stateShape, why);
  let i = 3;
  if (s.mode === "lstm") expectShape("state_cell", shapes[i++], stateShape, why);
  if (p.useSequenceLength) expectShape("sequence_length", shapes[i], [data[1]], "one per batch");
  return s;
}

/** One step's new hidden (and LSTM cell) state from the two projections. */
function cellStep<T>(
  b: Builder<T>,
  mode: RnnMode,
  xProj: T,
  hProj: T,
  h: T,
  c: T | undefined,
  p: Params,
): { h: T; c?: T } {
  const o = ops(b);
  if (mode === "rnn_relu" || mode === "rnn_tanh") {
    return { h: b.op(mode === "rnn_relu" ? "relu" : "tanh", [o.add(xProj, hProj)]) };
  }
  if (mode === "lstm") {
    // MXNet's gate order: input, forget, cell candidate, output.
    const [i, f, g, out] = b.ops("SliceChannel", [o.add(xProj, hProj)], {
      numOutputs: 4,
      axis: 1,
    });
    let cNew = o.add(
      o.mul(b.op("sigmoid", [f]), c!),
      o.mul(b.op("sigmoid", [i]), b.op("tanh", [g])),
    );
    const lo = p.lstmStateClipMin as number | null, hi = p.lstmStateClipMax as number | null;
    if (lo !== null && hi !== null) cNew = b.op("clip", [cNew], { aMin: lo, aMax: hi });
    return { h: o.mul(b.op("sigmoid", [out]), b.op("tanh", [cNew])), c: cNew };
  }
  // GRU, gates reset, update, new; the reset gate scales h2h's projection with its bias.
  const [xr, xz, xn] = b.ops("SliceChannel", [xProj], { numOutputs: 3, axis: 1 });
  const [hr, hz, hn] = b.ops("SliceChannel", [hProj], { numOutputs: 3, axis: 1 });
  const r = b.op("sigmoid", [o.add(xr, hr)]);
  const z = b.op("sigmoid", [o.add(xz, hz)]);
  const n = b.op("tanh", [o.add(xn, o.mul(r, hn))]);
  // (1 - z) * n + z * h
  return { h: o.add(n, o.mul(z, o.sub(h, n))) };
}

function compose<T>(b: Builder<T>, inputs: readonly T[], p: Params): T[] {
  const o = ops(b);
  const s = check(inputs.map((x) => b.shape(x)), p);
  const [x, flat, h0] = inputs;
  const c0 = s.mode === "lstm" ? inputs[3] : undefined;
  const lengths = p.useSequenceLength ? inputs[inputs.length - 1] : undefined;
  const [steps, batch] = b.shape(x);
  const hidden = s.stateSize, rows = gatesOf(s.mode) * hidden;
  const { slots } = rnnParamLayout(s);
  const sizes = slots.map((t) => t.shape.reduce((a, c) => a * c, 1));
  const pieces = b.ops("_rnn_split", [flat], { sizes });
  const tensor = (layer: number, direction: number, kind: string): T => {
    const i = slots.findIndex((t) =>
      t.layer === layer && t.direction === direction && t.kind === kind
    );
    return o.reshape(pieces[i], slots[i].shape);
  };
  // A 2-D array cut into `chunks` blocks of `batch` rows: per-step and per-state [N, ...]
  // pieces with no reshape (a reshape copies while autograd records).
  const blocksOf = (x2d: T, chunks: number) =>
    b.ops("_rnn_split", [x2d], { sizes: Array(chunks).fill(batch) });
  const stateRows = s.numLayers * s.directions;
  const statesOf = (states: T) =>
    blocksOf(o.reshape(states, [stateRows * batch, hidden]), stateRows);
  const h0Rows = statesOf(h0);
  const c0Rows = c0 === undefined ? undefined : statesOf(c0);
  // Without GRU's reset gate between them, the h2h bias adds to the i2h bias once per
  // layer instead of once per step.
  const foldBias = s.mode !== "gru";
  // masks[t] is 1 where step t is inside the sequence, as [N, 1] of data's dtype.
  const masks = lengths === undefined ? undefined : [...Array(steps).keys()].map((t) => {
    const len = b.op("Cast", [lengths], { dtype: b.dtype(x) });
    return o.reshape(b.op("_greater_scalar", [len], { scalar: t }), [batch, 1]);
  });

  let layerInput = x;
  const lastH: T[] = [], lastC: T[] = [];
  for (let l = 0; l < s.numLayers; l++) {
    if (l > 0 && (p.p as number) > 0) {
      // Dropout between layers; the Dropout operator is the identity outside training.
      layerInput = b.op("Dropout", [layerInput], { p: p.p });
    }
    const features = b.shape(layerInput)[2];
    const flatInput = o.reshape(layerInput, [steps * batch, features]);
    const outputs: T[] = [];
    for (let d = 0; d < s.directions; d++) {
      const idx = l * s.directions + d;
      const wh = tensor(l, d, "h2h_weight"), bh = tensor(l, d, "h2h_bias");
      const bi = tensor(l, d, "i2h_bias");
      // The input projection of every step at once: one [T*N, I] x [I, G*H] GEMM.
      const proj = b.op("FullyConnected", [
        flatInput,
        tensor(l, d, "i2h_weight"),
        foldBias ? o.add(bi, bh) : bi,
      ], { numHidden: rows });
      const projAt = blocksOf(proj, steps);
      let h = h0Rows[idx];
      let c = c0Rows?.[idx];
      const perStep: T[] = new Array(steps);
      for (let k = 0; k < steps; k++) {
        const t = d === 0 ? k : steps - 1 - k;
        const xt = projAt[t];
        const ht = foldBias
          ? b.op("dot", [h, wh], { transposeB: true })
          : b.op("FullyConnected", [h, wh, bh], { numHidden: rows });
        const next = cellStep(b, s.mode, xt, ht, h, c, p);
        if (masks) {
          // Outside the sequence: output 0, state unchanged.
          const m = masks[t];
          perStep[t] = o.mul(next.h, m);
          h = o.add(h, o.mul(m, o.sub(next.h, h)));
          if (c !== undefined) c = o.add(c, o.mul(m, o.sub(next.c!, c)));
        } else {
          perStep[t] = next.h;
          h = next.h;
          c = next.c;
        }
      }
      // [T*N, H] in one Concat, then [T, N, H].
      const joined = b.op("Concat", perStep, { numArgs: steps, dim: 0 });
      outputs.push(o.reshape(joined, [steps, batch, hidden]));
      lastH.push(h);
      if (c !== undefined) lastC.push(c);
    }
    layerInput = outputs.length === 1
      ? outputs[0]
      : b.op("Concat", outputs, { numArgs: outputs.length, dim: 2 });
  }
  if (!p.stateOutputs) return [layerInput];
  const stackStates = (list: T[]) => b.op("stack", list, { numArgs: list.length, axis: 0 });
  const result = [layerInput, stackStates(lastH)];
  if (s.mode === "lstm") result.push(stackStates(lastC));
  return result;
}

/**
 * `_rnn_split`: `data` cut along axis 0 into consecutive chunks of `sizes` rows. The RNN
 * composite takes its weights out of the flat vector and each step's input projection out
 * of the all-steps GEMM with it: the gradient is one Concat of the chunks' gradients,
 * where a slice per piece would each add a zero-filled gradient of the whole input.
 */
const rnnSplit: OpDef = {
  name: "_rnn_split",
  inputs: ["data"],
  params: { sizes: { type: "shape", required: true, min: 1 } },
  numOutputs: (p) => (p.sizes as number[]).length,
  inferShape: ([s], p) => {
    const sizes = p.sizes as number[];
    const rows = sizes.reduce((a, c) => a + c, 0);
    if (s.length === 0 || s[0] !== rows) {
      throw new ShapeError(
        `_rnn_split: data ${formatShape(s)} does not have the ${rows} rows the sizes ` +
          `(${sizes.join(", ")}) add up to`,
      );
    }
    return sizes.map((n) => [n, ...s.slice(1)]);
  },
  gradient: (b, { outGrads }) => [
    b.op("Concat", outGrads, { numArgs: outGrads.length, dim: 0 }),
  ],
  lowering: {
    kind: "primitive",
    run: (k, [x], outs) => {
      const rowSize = x.shape.slice(1).reduce((a, c) => a * c, 1);
      let offset = x.view.offset;
      return sequence(outs.map((o) => {
        const from = { ...o.view, buf: x.buf, offset };
        offset += o.shape[0] * rowSize;
        return () => k.copy(from, o.view);
      }));
    },
  },
};

const rnn: OpDef = {
  name: "RNN",
  aliases: ["_npx_rnn"],
  inputs: inputNames,
  params: {
    stateSize: { type: "int", required: true, min: 1 },
    numLayers: { type: "int", required: true, min: 1 },
    bidirectional: { type: "bool", default: false },
    mode: { type: "string", required: true, values: RNN_MODES },
    p: { type: "float", default: 0, min: 0, max: 1 },
    stateOutputs: { type: "bool", default: false },
    projectionSize: { type: "int", default: null, min: 1 },
    lstmStateClipMin: { type: "float", default: null },
    lstmStateClipMax: { type: "float", default: null },
    lstmStateClipNan: { type: "bool", default: false },
    useSequenceLength: { type: "bool", default: false },
  },
  numOutputs,
  inferShape: (shapes, p) => {
    const s = check(shapes, p);
    const [t, n] = shapes[0];
    const state = [s.numLayers * s.directions, n, s.stateSize];
    const out = [t, n, s.stateSize * s.directions];
    return [out, state, state].slice(0, numOutputs(p));
  },
  inferInputShapes: (shapes, p) => {
    const data = shapes[0];
    if (!data || data.length !== 3) return [...shapes];
    const s = sizesOf(data, p);
    const state = [s.numLayers * s.directions, data[1], s.stateSize];
    const filled: (Shape | undefined)[] = [data, shapes[1] ?? [rnnParamLayout(s).size]];
    filled.push(shapes[2] ?? state);
    let i = 3;
    if (s.mode === "lstm") filled.push(shapes[i++] ?? state);
    if (p.useSequenceLength) filled.push(shapes[i] ?? [data[1]]);
    return filled;
  },
  inferType: (dtypes, p) => Array(numOutputs(p)).fill(dtypes[0]),
  lowering: { kind: "composite", compose },
};

/** The fused recurrent operator. */
export const RNN_OPS: readonly OpDef[] = [rnn, rnnSplit];
