/**
 * Numerical gradient checks: for every differentiable operator, autograd's gradient of
 * sum(w * op(x)) matches central differences in float64.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { ALL_OPS } from "../../src/ops/registry.ts";
import { type RnnMode, rnnParamLayout } from "../../src/ops/nn/rnn_layout.ts";
import { backendByName, setCpuBackend } from "../../backends/mod.ts";
import { assertClose, BACKENDS, backendTest, randomValues } from "../_harness.ts";

type Case = {
  /** Input shapes (float64, random in [lo, hi)). */
  shapes: number[][];
  params?: Record<string, unknown>;
  lo?: number;
  hi?: number;
  /** Inputs that are fixed integer data (indices), not differentiated. */
  fixed?: Record<number, number[]>;
  /**
   * Loss layers ignore the head gradient: their gradient is checked against the
   * numerical gradient of sum(objective(x)) instead of sum(w * op(x)).
   */
  objective?: (xs: mx.NDArray[]) => mx.NDArray;
  /** Host operators (src/ops/linalg_host.ts): CPU memory only, no float32 GPU comparison. */
  hostOnly?: boolean;
};

const call = (op: string, xs: mx.NDArray[], params: Record<string, unknown> = {}) =>
  mx.engine.invokeOp(op, xs, params)[0];
/** sum(-log softmax(x)[label]) over axis 1, skipping labels equal to `ignore`. */
const crossEntropy = (x: mx.NDArray, label: mx.NDArray, ignore?: number) => {
  const picked = call("pick", [call("log_softmax", [x], { axis: 1 }), label], { axis: 1 });
  const kept = ignore === undefined
    ? picked
    : picked.mul(call("_not_equal_scalar", [label], { scalar: ignore }));
  return kept.sum().neg();
};
const NN_LABELS = [0.3, -0.2, 0.9, 0.1, 0.5, -0.7];
/** sum(w * y) with the weights the check gives a first output (seed 99). */
const weighted = (y: mx.NDArray) =>
  y.mul(mx.nd.array(randomValues(y.size, 99), { shape: y.shape, dtype: y.dtype })).sum();

// One or more cases per differentiable operator; the coverage test below checks that
// every differentiable operator of the registry appears here.
/** An RNN case: T=3, N=2, input 2, hidden 2, 2 layers, bidirectional. */
function rnnCase(mode: RnnMode, withLengths: boolean): Case {
  const [steps, batch, input, hidden, layers] = [3, 2, 2, 2, 2];
  const { size } = rnnParamLayout({
    mode,
    inputSize: input,
    stateSize: hidden,
    numLayers: layers,
    directions: 2,
  });
  const state = [layers * 2, batch, hidden];
  const shapes = [[steps, batch, input], [size], state];
  if (mode === "lstm") shapes.push(state);
  if (withLengths) shapes.push([batch]);
  return {
    shapes,
    params: {
      mode,
      stateSize: hidden,
      numLayers: layers,
      bidirectional: true,
      stateOutputs: true,
      useSequenceLength: withLengths,
    },
    fixed: withLengths ? { [shapes.length - 1]: [3, 2] } : undefined,
  };
}

/** IdentityAttachKLSparseReg's starting running means (its gradient case). */
const KL_MOVING_AVG = [0.3, 0.5, 0.4];
const KL_PARAMS = { penalty: 0.5, sparsenessTarget: 0.2, momentum: 0.6 };

const CASES: Record<string, Case[]> = {
  negative: [{ shapes: [[2, 3]] }],
  abs: [{ shapes: [[2, 3]], lo: 0.1, hi: 1 }],
  exp: [{ shapes: [[2, 3]] }],
  log: [{ shapes: [[2, 3]], lo: 0.5, hi: 2 }],
  log1p: [{ shapes: [[4]], lo: 0, hi: 2 }],
  expm1: [{ shapes: [[4]] }],
  sqrt: [{ shapes: [[4]], lo: 0.5, hi: 2 }],
  rsqrt: [{ shapes: [[4]], lo: 0.5, hi: 2 }],
  square: [{ shapes: [[4]] }],
  cbrt: [{ shapes: [[4]], lo: 0.5, hi: 2 }],
  reciprocal: [{ shapes: [[4]], lo: 0.5, hi: 2 }],
  sin: [{ shapes: [[4]] }],
  cos: [{ shapes: [[4]] }],
  tan: [{ shapes: [[4]] }],
  arcsin: [{ shapes: [[4]], lo: -0.8, hi: 0.8 }],
  arccos: [{ shapes: [[4]], lo: -0.8, hi: 0.8 }],
  arctan: [{ shapes: [[4]] }],
  sinh: [{ shapes: [[4]] }],
  cosh: [{ shapes: [[4]] }],
  tanh: [{ shapes: [[4]] }],
  sigmoid: [{ shapes: [[4]] }],
  relu: [{ shapes: [[6]], lo: 0.1, hi: 1 }, { shapes: [[6]], lo: -1, hi: -0.1 }],
  softsign: [{ shapes: [[4]] }],
  erf: [{ shapes: [[4]] }],
  _plus_scalar: [{ shapes: [[3]], params: { scalar: 2 } }],
  _minus_scalar: [{ shapes: [[3]], params: { scalar: 2 } }],
  _rminus_scalar: [{ shapes: [[3]], params: { scalar: 2 } }],
  _mul_scalar: [{ shapes: [[3]], params: { scalar: 3 } }],
  _div_scalar: [{ shapes: [[3]], params: { scalar: 3 } }],
  _rdiv_scalar: [{ shapes: [[3]], params: { scalar: 3 }, lo: 0.5, hi: 2 }],
  _power_scalar: [{ shapes: [[3]], params: { scalar: 2.5 }, lo: 0.5, hi: 2 }],
  _rpower_scalar: [{ shapes: [[3]], params: { scalar: 2.5 } }],
  _maximum_scalar: [{ shapes: [[4]], params: { scalar: 0.05 } }],
  _minimum_scalar: [{ shapes: [[4]], params: { scalar: 0.05 } }],
  broadcast_add: [{ shapes: [[2, 3], [3]] }, { shapes: [[2, 1], [1, 3]] }],
  broadcast_sub: [{ shapes: [[2, 3], [2, 1]] }],
  broadcast_mul: [{ shapes: [[2, 3], [3]] }],
  broadcast_div: [{ shapes: [[2, 3], [1, 3]], lo: 0.5, hi: 2 }],
  broadcast_power: [{ shapes: [[2, 3], [3]], lo: 0.5, hi: 2 }],
  broadcast_maximum: [{ shapes: [[2, 3], [2, 3]] }],
  broadcast_minimum: [{ shapes: [[2, 3], [3]] }],
  where: [{ shapes: [[2, 3], [2, 3], [2, 3]], fixed: { 0: [1, 0, 1, 0, 0, 1] } }],
  _where: [{ shapes: [[2, 1], [2, 3], [3]], fixed: { 0: [1, 0] } }],
  clip: [{ shapes: [[6]], params: { aMin: -0.5, aMax: 0.5 } }],
  sum: [{ shapes: [[2, 3, 4]], params: { axis: [0, 2] } }, { shapes: [[2, 3]] }],
  mean: [{ shapes: [[2, 3, 4]], params: { axis: 1, keepdims: true } }],
  prod: [{ shapes: [[2, 3]], params: { axis: 1 }, lo: 0.5, hi: 2 }],
  max: [{ shapes: [[3, 4]], params: { axis: 1 } }],
  min: [{ shapes: [[3, 4]], params: { axis: 0 } }],
  norm: [{ shapes: [[3, 4]] }, { shapes: [[3, 4]], params: { axis: 1 } }],
  dot: [
    { shapes: [[3, 4], [4, 5]] },
    { shapes: [[4, 3], [4, 5]], params: { transposeA: true } },
    { shapes: [[3, 4], [5, 4]], params: { transposeB: true } },
    { shapes: [[4, 3], [5, 4]], params: { transposeA: true, transposeB: true } },
  ],
  batch_dot: [
    { shapes: [[2, 3, 4], [2, 4, 5]] },
    { shapes: [[2, 4, 3], [2, 5, 4]], params: { transposeA: true, transposeB: true } },
  ],
  Reshape: [{ shapes: [[2, 3, 4]], params: { shape: [0, -1] } }],
  Flatten: [{ shapes: [[2, 3, 4]] }],
  expand_dims: [{ shapes: [[2, 3]], params: { axis: 1 } }],
  squeeze: [{ shapes: [[2, 1, 3]] }],
  transpose: [{ shapes: [[2, 3, 4]], params: { axes: [2, 0, 1] } }],
  SwapAxis: [{ shapes: [[2, 3, 4]], params: { dim1: 0, dim2: 2 } }],
  broadcast_to: [{ shapes: [[1, 3]], params: { shape: [4, 3] } }],
  broadcast_like: [{ shapes: [[1, 3], [2, 3]] }],
  slice: [{ shapes: [[4, 5]], params: { begin: [1, 0], end: [3, 5], step: [1, 2] } }],
  _slice_backward: [{ shapes: [[2, 3]], params: { begin: [1, 0], end: [3, 3], shape: [4, 3] } }],
  slice_axis: [{ shapes: [[4, 5]], params: { axis: 1, begin: 1, end: 4 } }],
  reverse: [{ shapes: [[3, 4]], params: { axis: [1] } }],
  tile: [{ shapes: [[2, 3]], params: { reps: [2, 2] } }],
  repeat: [{ shapes: [[2, 3]], params: { repeats: 2, axis: 1 } }],
  Concat: [{ shapes: [[2, 3], [2, 2]], params: { numArgs: 2, dim: 1 } }],
  stack: [{ shapes: [[2, 3], [2, 3]], params: { numArgs: 2, axis: 1 } }],
  SliceChannel: [{ shapes: [[2, 4]], params: { numOutputs: 2, axis: 1 } }],
  take: [{ shapes: [[4, 3], [3]], params: { axis: 0 }, fixed: { 1: [3, 0, 3] } }],
  _take_backward: [{ shapes: [[3, 2], [3]], params: { shape: [4, 2] }, fixed: { 1: [1, 0, 1] } }],
  pick: [{ shapes: [[3, 4], [3]], params: { axis: 1 }, fixed: { 1: [0, 3, 2] } }],
  Cast: [{ shapes: [[3]], params: { dtype: "float64" } }],
  softmax: [{ shapes: [[2, 5]] }, { shapes: [[3, 2]], params: { axis: 0, temperature: 2 } }],
  log_softmax: [{ shapes: [[2, 5]] }],
  _sort_last: [{ shapes: [[2, 5]] }],
  sort: [{ shapes: [[4, 3]], params: { axis: 0 } }],
  topk: [{ shapes: [[2, 5]], params: { k: 2, retTyp: "value" } }],
  FullyConnected: [
    { shapes: [[2, 3], [4, 3], [4]], params: { numHidden: 4 } },
    { shapes: [[2, 2, 3], [4, 3]], params: { numHidden: 4, noBias: true, flatten: false } },
  ],
  Activation: ["relu", "sigmoid", "tanh", "softrelu", "softsign", "log_sigmoid", "mish"].map((
    actType,
  ) => ({ shapes: [[2, 3]], params: { actType } })),
  LeakyReLU: [
    ...["leaky", "elu", "selu", "gelu"].map((actType) => ({
      shapes: [[2, 3]],
      params: { actType, slope: 0.3 },
    })),
    { shapes: [[2, 3, 2], [3]], params: { actType: "prelu" } },
  ],
  Convolution: [
    {
      shapes: [[2, 3, 5, 5], [4, 3, 3, 3], [4]],
      params: { kernel: [3, 3], numFilter: 4, stride: [2, 2], pad: [1, 1] },
    },
    {
      shapes: [[1, 4, 6, 6], [2, 2, 2, 2]],
      params: { kernel: [2, 2], numFilter: 2, numGroup: 2, dilate: [2, 2], noBias: true },
    },
    {
      shapes: [[2, 2, 7], [3, 2, 3], [3]],
      params: { kernel: [3], numFilter: 3, stride: [2], pad: [1] },
    },
    {
      shapes: [[1, 2, 3, 4, 3], [2, 2, 2, 3, 2], [2]],
      params: { kernel: [2, 3, 2], numFilter: 2, stride: [2, 1, 1], pad: [1, 1, 0] },
    },
    {
      shapes: [[1, 4, 4, 3, 3], [4, 2, 2, 2, 2]],
      params: { kernel: [2, 2, 2], numFilter: 4, numGroup: 2, dilate: [2, 1, 1], noBias: true },
    },
  ],
  Deconvolution: [
    {
      shapes: [[1, 2, 3, 3], [2, 3, 3, 3]],
      params: { kernel: [3, 3], numFilter: 3, stride: [2, 2], pad: [1, 1], adj: [1, 1] },
    },
    {
      shapes: [[1, 4, 3, 3], [4, 1, 2, 2], [2]],
      params: { kernel: [2, 2], numFilter: 2, numGroup: 2, noBias: false },
    },
    { shapes: [[1, 2, 4], [2, 2, 3]], params: { kernel: [3], numFilter: 2, stride: [2] } },
    {
      shapes: [[1, 2, 2, 3, 2], [2, 2, 2, 2, 3]],
      params: {
        kernel: [2, 2, 3],
        numFilter: 2,
        stride: [2, 1, 2],
        pad: [1, 0, 1],
        adj: [1, 0, 1],
      },
    },
    {
      shapes: [[1, 4, 2, 2, 2], [4, 1, 2, 2, 2], [2]],
      params: { kernel: [2, 2, 2], numFilter: 2, numGroup: 2, noBias: false },
    },
  ],
  Pooling: [
    { shapes: [[1, 2, 4, 4]], params: { kernel: [2, 2], stride: [2, 2] } },
    {
      shapes: [[1, 1, 5, 5]],
      params: {
        kernel: [3, 3],
        stride: [2, 2],
        pad: [1, 1],
        poolType: "avg",
        poolingConvention: "full",
      },
    },
    {
      shapes: [[1, 1, 5, 5]],
      params: {
        kernel: [3, 3],
        stride: [2, 2],
        pad: [1, 1],
        poolType: "avg",
        countIncludePad: false,
      },
    },
    { shapes: [[2, 2, 3, 3]], params: { globalPool: true, poolType: "sum" } },
    { shapes: [[1, 2, 6]], params: { kernel: [2], stride: [2], poolType: "lp", pValue: 2 } },
    { shapes: [[1, 2, 3, 4, 4]], params: { kernel: [2, 2, 2], stride: [1, 2, 2] } },
    {
      shapes: [[1, 1, 4, 3, 5]],
      params: {
        kernel: [3, 2, 3],
        stride: [2, 1, 2],
        pad: [1, 1, 1],
        poolType: "avg",
        poolingConvention: "full",
      },
    },
    {
      shapes: [[1, 1, 3, 4, 3]],
      params: { kernel: [2, 3, 2], pad: [1, 1, 1], poolType: "avg", countIncludePad: false },
    },
  ],
  // The hidden second output (the saved gradient) is not differentiated: the objective is
  // the visible loss weighted as the check weights it.
  CTCLoss: [
    // Labels "12" and "33" (a repeat needs a blank between), padded with the blank 0.
    {
      shapes: [[5, 2, 4], [2, 3]],
      fixed: { 1: [1, 2, 0, 3, 3, 0] },
      objective: (xs) => weighted(call("CTCLoss", xs)),
    },
    {
      // blank last (class 3), with per-sequence data and label lengths.
      shapes: [[6, 2, 4], [2, 3], [2], [2]],
      fixed: { 1: [0, 1, 2, 2, 0, 0], 2: [6, 4], 3: [3, 2] },
      params: { useDataLengths: true, useLabelLengths: true, blankLabel: "last" },
      objective: (xs) =>
        weighted(
          call("CTCLoss", xs, { useDataLengths: true, useLabelLengths: true, blankLabel: "last" }),
        ),
    },
  ],
  _im2col: [{
    shapes: [[1, 2, 4, 4]],
    params: { kernel: [2, 2], stride: [1, 2], pad: [1, 1], dilate: [1, 1] },
  }],
  _col2im: [{
    shapes: [[8, 15]],
    params: { kernel: [2, 2], stride: [1, 2], pad: [1, 1], dilate: [1, 1], shape: [1, 2, 4, 4] },
  }],
  _axpby: [
    { shapes: [[2, 3], [2, 3]], params: { alpha: 0.7, beta: -1.5 } },
    { shapes: [[2, 3], [3]], params: { alpha: 2, beta: 0.5 } },
  ],
  _backward_relu: [{ shapes: [[2, 3], [2, 3]], fixed: { 1: [-1, 2, -3, 0.5, 0, 4] } }],
  _conv2d: [
    { shapes: [[2, 3, 5, 4], [2, 3, 3, 2]], params: { kernel: [3, 2], numFilter: 2, pad: [1, 0] } },
    {
      shapes: [[1, 4, 6, 5], [4, 2, 2, 2]],
      params: { kernel: [2, 2], numFilter: 4, numGroup: 2, stride: [2, 1], dilate: [1, 2] },
    },
  ],
  _conv2d_backward_data: [{
    shapes: [[2, 2, 3, 2], [2, 3, 3, 3]],
    params: { kernel: [3, 3], numFilter: 2, stride: [2, 2], pad: [1, 1], shape: [2, 3, 5, 4] },
  }, {
    shapes: [[1, 4, 5, 2], [4, 2, 2, 2]],
    params: { kernel: [2, 2], numFilter: 4, numGroup: 2, dilate: [1, 2], shape: [1, 4, 6, 4] },
  }],
  _conv2d_backward_weight: [{
    shapes: [[2, 3, 5, 4], [2, 2, 3, 2]],
    params: { kernel: [3, 3], numFilter: 2, stride: [2, 2], pad: [1, 1] },
  }, {
    shapes: [[1, 4, 6, 4], [1, 4, 5, 2]],
    params: { kernel: [2, 2], numFilter: 4, numGroup: 2, dilate: [1, 2] },
  }],
  _pool: [{ shapes: [[1, 2, 4, 4]], params: { kernel: [3, 3], stride: [1, 1], pad: [1, 1] } }],
  _pool_backward: [{
    shapes: [[1, 1, 4, 4], [1, 1, 2, 2]],
    params: { kernel: [2, 2], stride: [2, 2], poolType: "avg" },
  }],
  BatchNorm: [{
    shapes: [[2, 3, 2], [3], [3], [3], [3]],
    params: { useGlobalStats: true, fixGamma: false },
    lo: 0.1,
    hi: 1,
  }],
  LayerNorm: [
    { shapes: [[2, 3], [3], [3]] },
    { shapes: [[2, 3, 2], [3], [3]], params: { axis: 1, eps: 1e-3 } },
  ],
  InstanceNorm: [{ shapes: [[2, 3, 4], [3], [3]] }],
  GroupNorm: [{ shapes: [[2, 4, 3], [4], [4]], params: { numGroups: 2 } }],
  LRN: [{ shapes: [[1, 5, 2, 2]], params: { nsize: 3, alpha: 0.5, knorm: 1 } }],
  Pad: [
    { shapes: [[1, 2, 3, 4]], params: { mode: "reflect", padWidth: [0, 0, 0, 0, 2, 1, 1, 3] } },
    { shapes: [[2, 3]], params: { mode: "edge", padWidth: [1, 0, 2, 2] } },
    { shapes: [[2, 3]], params: { mode: "constant", padWidth: [0, 1, 1, 0], constantValue: 2 } },
    {
      shapes: [[1, 1, 2, 2, 3]],
      params: { mode: "constant", constantValue: 1.5, padWidth: [0, 0, 0, 0, 1, 0, 0, 1, 2, 1] },
    },
    {
      shapes: [[1, 2, 3, 3, 4]],
      params: { mode: "reflect", padWidth: [0, 0, 0, 0, 2, 1, 0, 2, 3, 1] },
    },
  ],
  reshape_like: [{ shapes: [[2, 6], [3, 4]] }, {
    shapes: [[2, 6], [7, 2, 3]],
    params: { lhsBegin: 1, rhsBegin: 1 },
  }],
  SoftmaxActivation: [{ shapes: [[2, 3, 2]] }, {
    shapes: [[2, 3, 2]],
    params: { mode: "channel" },
  }],
  // The training-mode mask is random per call; tests/ops/nn_dropout_test.ts checks it.
  Dropout: [{ shapes: [[2, 3]], params: { p: 0 } }],
  Embedding: [{
    shapes: [[3], [5, 2]],
    params: { inputDim: 5, outputDim: 2 },
    fixed: { 0: [4, 0, 2] },
  }],
  softmax_cross_entropy: [{ shapes: [[3, 4], [3]], fixed: { 1: [1, 0, 3] } }],
  SoftmaxOutput: [
    {
      shapes: [[3, 4], [3]],
      fixed: { 1: [0, 3, 1] },
      params: { gradScale: 2, normalization: "batch" },
      objective: ([x, l]) => crossEntropy(x, l).mul(2 / 3),
    },
    {
      shapes: [[2, 3, 2], [2, 2]],
      fixed: { 1: [0, 2, -1, 1] },
      params: { multiOutput: true, useIgnore: true, normalization: "valid" },
      objective: ([x, l]) => crossEntropy(x, l, -1).mul(1 / 3),
    },
  ],
  LinearRegressionOutput: [{
    shapes: [[2, 3], [2, 3]],
    fixed: { 1: NN_LABELS },
    params: { gradScale: 3 },
    // grad_scale / (outputs per example) * (x - label)
    objective: ([x, l]) => x.sub(l).square().sum().mul(0.5),
  }],
  LogisticRegressionOutput: [{
    shapes: [[3, 1], [3]],
    fixed: { 1: [1, 0, 1] },
    objective: ([x, l]) => {
      const z = x.reshape([3]);
      const logp = call("sigmoid", [z]).log(), log1mp = call("sigmoid", [z.neg()]).log();
      return l.mul(logp).add(l.neg().add(1).mul(log1mp)).sum().neg();
    },
  }],
  MAERegressionOutput: [{
    shapes: [[2, 3], [2, 3]],
    fixed: { 1: NN_LABELS },
    objective: ([x, l]) => x.sub(l).abs().sum().mul(1 / 3),
  }],
  MakeLoss: [{
    shapes: [[2, 3]],
    params: { gradScale: 2, normalization: "batch" },
    objective: ([x]) => x.sum(),
  }],
  _loss_head: [{
    shapes: [[2, 3], [2, 3]],
    params: { kind: "make_loss", gradScale: 2 },
    objective: ([, x]) => x.sum().mul(2),
  }],
  _slice_assign: [
    { shapes: [[4, 5], [2, 1]], params: { begin: [1, 0], end: [3, 5], step: [1, 2] } },
  ],
  _slice_assign_scalar: [{ shapes: [[4, 3]], params: { begin: [1], end: [3], scalar: 2 } }],
  _copyto: [{ shapes: [[2, 3]] }],
  _copy_of: [{ shapes: [[2, 3]] }],
  SequenceMask: [{
    shapes: [[3, 2, 2], [2]],
    params: { useSequenceLength: true, value: -1, axis: 0 },
    fixed: { 1: [1, 3] },
  }],
  smooth_l1: [{ shapes: [[6]], params: { scalar: 2 }, lo: -1, hi: 1 }],
  // Graph utilities (src/ops/graph_util.ts). The straight-through estimators and the
  // gradient multiplier are checked against the gradient they define (identity, scaled),
  // not against their forward's.
  _grad_add: [{ shapes: [[2, 3], [2, 3]] }],
  _identity_with_attr_like_rhs: [{ shapes: [[2, 3], [2, 3]], fixed: { 1: [0, 0, 0, 0, 0, 0] } }],
  _CrossDeviceCopy: [{ shapes: [[4]] }],
  amp_cast: [{ shapes: [[4]], params: { dtype: "float64" } }],
  amp_multicast: [{ shapes: [[2], [3]], params: { numOutputs: 2 } }],
  _contrib_quadratic: [{ shapes: [[5]], params: { a: 1.5, b: -2, c: 0.25 } }],
  _contrib_gradientmultiplier: [{
    shapes: [[5]],
    params: { scalar: -0.5 },
    objective: ([x]) => weighted(x).mul(-0.5),
  }],
  _contrib_round_ste: [{ shapes: [[5]], lo: -3, hi: 3, objective: ([x]) => weighted(x) }],
  _contrib_sign_ste: [{ shapes: [[5]], objective: ([x]) => weighted(x) }],
  im2col: [
    { shapes: [[2, 2, 4, 5]], params: { kernel: [2, 3], stride: [1, 2], pad: [1, 0] } },
    { shapes: [[2, 3, 6]], params: { kernel: [3], dilate: [2] } },
  ],
  col2im: [{
    shapes: [[2, 8, 6]],
    params: { kernel: [2, 2], stride: [1, 2], pad: [0, 1], outputSize: [3, 4] },
  }],
  // Every mode, two layers, bidirectional, with and without sequence lengths (one
  // sequence shorter than T): outputs and both final states are weighted.
  _rnn_split: [{ shapes: [[5, 2]], params: { sizes: [2, 1, 2] } }],
  RNN: (["rnn_relu", "rnn_tanh", "lstm", "gru"] as const).flatMap((mode) =>
    [false, true].map((withLengths) => rnnCase(mode, withLengths))
  ),
  _linalg_inverse: [{ shapes: [[2, 3, 3]], lo: 0.5, hi: 2, hostOnly: true }],
  _linalg_det: [{ shapes: [[2, 3, 3]], lo: 0.5, hi: 2, hostOnly: true }],
  _npi_solve: [
    { shapes: [[3, 3], [3, 2]], lo: 0.5, hi: 2, hostOnly: true },
    { shapes: [[2, 3, 3], [2, 3]], lo: 0.5, hi: 2, hostOnly: true },
  ],
  add_n: [{ shapes: [[2, 3], [2, 3], [2, 3]], params: { numArgs: 3 } }],
  broadcast_axis: [{ shapes: [[1, 3, 1]], params: { axis: [0, -1], size: [2, 4] } }],
  slice_like: [{ shapes: [[3, 4], [2, 3]] }, { shapes: [[3, 4], [1, 2]], params: { axes: [1] } }],
  depth_to_space: [{ shapes: [[1, 8, 2, 3]], params: { blockSize: 2 } }],
  space_to_depth: [{ shapes: [[2, 1, 4, 2]], params: { blockSize: 2 } }],
  diag: [
    { shapes: [[3, 4]], params: { k: 1 } },
    { shapes: [[3]], params: { k: -2 } },
    { shapes: [[2, 3, 4]], params: { k: -1, axis1: 2, axis2: 0 } },
  ],
  _copy: [{ shapes: [[2, 3]] }],
  _split_v2: [{ shapes: [[2, 6]], params: { indices: [0, 1, 4], axis: 1 } }, {
    shapes: [[3, 2]],
    params: { sections: 3, axis: 0, squeezeAxis: true },
  }],
  khatri_rao: [{ shapes: [[2, 3], [3, 3], [2, 3]], params: { numArgs: 3 } }],
  gather_nd: [{ shapes: [[3, 4, 2], [2, 5]], fixed: { 1: [0, 2, 1, 2, -1, 3, 1, 0, 3, -2] } }],
  scatter_nd: [{
    shapes: [[3, 2], [2, 3]],
    params: { shape: [2, 4, 2] },
    fixed: { 1: [0, 1, 1, 3, 0, 2] },
  }],
  _scatter_set_nd: [{
    shapes: [[2, 4], [3], [2, 3]],
    params: { shape: [2, 4] },
    fixed: { 2: [0, 1, 1, 3, 0, 2] },
  }],
  batch_take: [{ shapes: [[3, 4], [3]], fixed: { 1: [0, 3, 2] } }],
  _contrib_index_copy: [{ shapes: [[4, 2], [2], [2, 2]], fixed: { 1: [3, 1] } }],
  SequenceLast: [
    { shapes: [[3, 2, 2], [2]], params: { useSequenceLength: true }, fixed: { 1: [1, 3] } },
    {
      shapes: [[2, 3, 2], [2]],
      params: { useSequenceLength: true, axis: 1 },
      fixed: { 1: [2, 3] },
    },
    { shapes: [[3, 2]] },
  ],
  SequenceReverse: [
    { shapes: [[3, 2, 2], [2]], params: { useSequenceLength: true }, fixed: { 1: [2, 3] } },
    { shapes: [[3, 2]] },
  ],
  moments: [{ shapes: [[2, 3, 2]], params: { axes: [0, 2] } }, {
    shapes: [[2, 3]],
    params: { keepdims: true },
  }],
  _np_cumsum: [{ shapes: [[2, 5]], params: { axis: 1 } }, { shapes: [[2, 3]] }],
  _contrib_div_sqrt_dim: [{ shapes: [[2, 4]] }],
  log2: [{ shapes: [[2, 3]], lo: 0.5, hi: 2 }],
  log10: [{ shapes: [[2, 3]], lo: 0.5, hi: 2 }],
  arcsinh: [{ shapes: [[2, 3]], lo: -2, hi: 2 }],
  arccosh: [{ shapes: [[2, 3]], lo: 1.5, hi: 3 }],
  arctanh: [{ shapes: [[2, 3]], lo: -0.8, hi: 0.8 }],
  degrees: [{ shapes: [[4]] }],
  radians: [{ shapes: [[4]] }],
  gamma: [{ shapes: [[2, 3]], lo: 0.5, hi: 3 }, { shapes: [[4]], lo: -0.9, hi: -0.1 }],
  gammaln: [{ shapes: [[2, 3]], lo: 0.5, hi: 4 }, { shapes: [[4]], lo: -2.9, hi: -2.1 }],
  erfinv: [{ shapes: [[2, 3]], lo: -0.8, hi: 0.8 }],
  rcbrt: [{ shapes: [[4]], lo: 0.5, hi: 2 }],
  // Away from the jumps of mod (where the quotient is an integer).
  _mod_scalar: [
    { shapes: [[4]], params: { scalar: 0.7 }, lo: 0.1, hi: 0.6 },
    { shapes: [[4]], params: { scalar: 0.7 }, lo: -0.6, hi: -0.1 },
  ],
  _rmod_scalar: [{ shapes: [[4]], params: { scalar: 2.5 }, lo: 0.9, hi: 1.1 }],
  _hypot_scalar: [{ shapes: [[4]], params: { scalar: 0.5 } }],
  broadcast_mod: [{ shapes: [[2, 3], [3]], lo: 0.5, hi: 2 }],
  broadcast_hypot: [{ shapes: [[2, 3], [3]] }],
  hard_sigmoid: [{ shapes: [[6]] }, {
    shapes: [[6]],
    params: { alpha: 1, beta: 0.25 },
    lo: -2,
    hi: 2,
  }],
  softmin: [{ shapes: [[2, 5]] }, { shapes: [[3, 2]], params: { axis: 0, temperature: 2 } }],
  nansum: [{ shapes: [[2, 3]], params: { axis: 1 } }],
  nanprod: [{ shapes: [[2, 3]], params: { axis: 0 }, lo: 0.5, hi: 2 }],
  _linalg_gemm: [
    { shapes: [[2, 3, 4], [2, 4, 5], [2, 3, 5]], params: { alpha: 1.5, beta: -0.5 } },
    {
      shapes: [[2, 4, 3], [2, 5, 4], [2, 3, 5]],
      params: { transposeA: true, transposeB: true },
    },
  ],
  _linalg_gemm2: [
    { shapes: [[2, 3, 4], [2, 4, 5]], params: { alpha: 2 } },
    { shapes: [[3, 2, 4], [4, 2, 5]], params: { axis: 0, transposeA: false } },
  ],
  _linalg_syrk: [
    { shapes: [[2, 3, 4]], params: { alpha: 2 } },
    { shapes: [[2, 3, 4]], params: { transpose: true } },
  ],
  _linalg_trmm: [
    { shapes: [[2, 3, 3], [2, 3, 4]], params: { alpha: 0.5 } },
    { shapes: [[2, 3, 3], [2, 4, 3]], params: { rightside: true, transpose: true, lower: false } },
  ],
  _linalg_trsm: [
    { shapes: [[2, 3, 3], [2, 3, 4]], params: { alpha: 0.5 }, lo: 0.5, hi: 2, hostOnly: true },
    {
      shapes: [[2, 3, 3], [2, 4, 3]],
      params: { rightside: true, transpose: true, lower: false },
      lo: 0.5,
      hi: 2,
      hostOnly: true,
    },
  ],
  // Random inputs are rarely positive definite beyond 1 x 1: values_ops-linalg_test.ts
  // checks the gradient of 3 x 3 factorizations.
  _linalg_potrf: [
    { shapes: [[2, 1, 1]], lo: 0.5, hi: 2, hostOnly: true },
    { shapes: [[2, 1, 1]], params: { lower: false }, lo: 0.5, hi: 2, hostOnly: true },
  ],
  _linalg_potri: [{ shapes: [[2, 3, 3]], lo: 0.5, hi: 2, hostOnly: true }],
  _linalg_sumlogdiag: [{ shapes: [[2, 3, 3]], lo: 0.5, hi: 2 }],
  _linalg_extractdiag: [{ shapes: [[2, 3, 3]], params: { offset: 1 } }],
  _linalg_makediag: [{ shapes: [[2, 3]], params: { offset: -1 } }],
  _linalg_extracttrian: [{ shapes: [[2, 3, 3]], params: { offset: 0, lower: false } }],
  _linalg_maketrian: [{ shapes: [[2, 6]], params: { offset: -1 } }],
  _linalg_gelqf: [{ shapes: [[2, 3, 5]], hostOnly: true }],
  _linalg_syevd: [{ shapes: [[2, 3, 3]], hostOnly: true }],
  _linalg_slogdet: [{ shapes: [[2, 3, 3]], lo: 0.5, hi: 2, hostOnly: true }],
  UpSampling: [
    { shapes: [[1, 2, 2, 3]], params: { scale: 2, sampleType: "nearest", numArgs: 1 } },
    {
      shapes: [[1, 2, 2, 2], [1, 2, 1, 1]],
      params: { scale: 2, sampleType: "nearest", numArgs: 2, multiInputMode: "sum" },
    },
    {
      shapes: [[1, 2, 2, 2], [2, 1, 4, 4]],
      params: { scale: 2, sampleType: "bilinear", numArgs: 2, numFilter: 2 },
    },
  ],
  _contrib_BilinearResize2D: [
    { shapes: [[1, 2, 3, 4]], params: { height: 5, width: 3 } },
    { shapes: [[1, 1, 3, 4]], params: { height: 4, width: 7, alignCorners: false } },
  ],
  _contrib_AdaptiveAvgPooling2D: [{ shapes: [[1, 2, 5, 4]], params: { outputSize: [3, 2] } }],
  Crop: [
    { shapes: [[1, 2, 4, 5]], params: { numArgs: 1, hW: [2, 3], offset: [1, 1] } },
    { shapes: [[1, 1, 4, 5], [1, 1, 2, 2]], params: { numArgs: 2, centerCrop: true } },
  ],
  L2Normalization: [
    { shapes: [[2, 3, 2]], params: { mode: "instance" } },
    { shapes: [[2, 3, 2]], params: { mode: "channel", eps: 1e-3 } },
    { shapes: [[2, 3, 2, 2]], params: { mode: "spatial" } },
  ],
  SVMOutput: [false, true].map((useLinear) => ({
    shapes: [[3, 4], [3]],
    lo: -0.8,
    hi: 0.8,
    fixed: { 1: [2, 0, 3] },
    params: { margin: 1, regularizationCoefficient: 0.5, useLinear },
    // sum(c * hinge(t)^2) (or sum(c * hinge(t))) with t = margin -/+ x at/off the label.
    objective: ([x, l]: mx.NDArray[]) => {
      const sign = call("one_hot", [l], { depth: 4, dtype: x.dtype }).mul(-2).add(1);
      const t = call("relu", [sign.mul(x).add(1)]);
      return (useLinear ? t : t.square()).sum().mul(0.5);
    },
  })),
  ROIPooling: [{
    shapes: [[1, 2, 4, 5], [2, 5]],
    fixed: { 1: [0, 0, 0, 6, 4, 0, 2, 1, 8, 7] },
    params: { pooledSize: [2, 2], spatialScale: 0.5 },
  }],
  _contrib_ROIAlign: [{
    shapes: [[1, 2, 4, 5], [2, 5]],
    fixed: { 1: [0, 0, 0, 6, 4, 0, 2.5, 1, 8, 7.5] },
    params: { pooledSize: [2, 2], spatialScale: 0.5, sampleRatio: 2 },
  }, {
    shapes: [[1, 4, 4, 5], [1, 4]],
    fixed: { 1: [1, 0.5, 7, 6] },
    params: { pooledSize: [2, 1], spatialScale: 0.5, positionSensitive: true, aligned: true },
  }],
  // Kept rows move (gradients follow them back), suppressed and invalid rows get 0.
  _contrib_box_nms: [{ shapes: [[2, 5, 6]], params: { overlapThresh: 0.3, topk: 4 } }],
  GridGenerator: [
    { shapes: [[2, 6]], params: { transformType: "affine", targetShape: [3, 2] } },
    { shapes: [[1, 2, 2, 3]], params: { transformType: "warp" } },
  ],
  BilinearSampler: [{ shapes: [[1, 2, 3, 4], [1, 2, 2, 3]], lo: -1.2, hi: 1.2 }],
  SpatialTransformer: [{
    shapes: [[1, 2, 3, 4], [1, 6]],
    params: { targetShape: [2, 3], transformType: "affine", samplerType: "bilinear" },
  }],
  Correlation: [
    { shapes: [[1, 2, 4, 4], [1, 2, 4, 4]], params: { maxDisplacement: 1, padSize: 1 } },
    {
      shapes: [[1, 2, 4, 5], [1, 2, 4, 5]],
      params: { kernelSize: 3, maxDisplacement: 1, padSize: 1, isMultiply: false },
    },
  ],
  // A TypeScript operator (registered below): its user-written backward is checked.
  Custom: [{ shapes: [[2, 3], [2, 3]], params: { opType: "gradient_test_tanh_mul", scale: 1.5 } }],
  // Densities need positive scales and rates (lo/hi); the discrete distributions' samples
  // are fixed counts (MXNet gives them no gradient, a finite difference would).
  _random_pdf_uniform: [{ shapes: [[2, 3], [2], [2]], fixed: { 1: [-1, -0.5] }, lo: 0.2, hi: 1.5 }],
  _random_pdf_normal: [
    { shapes: [[2, 3], [2], [2]], lo: 0.2, hi: 1.5 },
    { shapes: [[2, 2], [2, 2], [2, 2]], lo: 0.2, hi: 1.5, params: { isLog: true } },
  ],
  _random_pdf_gamma: [{ shapes: [[2, 3], [2], [2]], lo: 0.4, hi: 1.5 }, {
    shapes: [[3], [3], [3]],
    lo: 0.4,
    hi: 1.5,
    params: { isLog: true },
  }],
  _random_pdf_exponential: [{ shapes: [[2, 3], [2]], lo: 0.2, hi: 1.5 }],
  _random_pdf_poisson: [{
    shapes: [[2, 3], [2]],
    fixed: { 0: [0, 1, 2, 3, 1, 0] },
    lo: 0.2,
    hi: 1.5,
  }],
  _random_pdf_negative_binomial: [{
    shapes: [[2, 3], [2], [2]],
    fixed: { 0: [0, 1, 2, 3, 1, 0] },
    lo: 0.2,
    hi: 0.9,
    params: { isLog: true },
  }],
  _random_pdf_generalized_negative_binomial: [{
    shapes: [[2, 3], [2], [2]],
    fixed: { 0: [0, 1, 2, 3, 1, 0] },
    lo: 0.2,
    hi: 1.5,
  }],
  _random_pdf_dirichlet: [{ shapes: [[2, 3], [3]], lo: 0.2, hi: 1.5 }, {
    shapes: [[2, 2, 3], [2, 3]],
    lo: 0.2,
    hi: 1.5,
    params: { isLog: true },
  }],
  _image_normalize: [
    { shapes: [[3, 2, 2]], params: { mean: [0.1, 0.2, 0.3], std: [0.5, 2, 1.5] } },
    { shapes: [[2, 1, 2, 3]], params: { mean: [0.4], std: [0.25] } },
  ],
  _image_crop: [
    { shapes: [[4, 5, 3]], params: { x: 1, y: 2, width: 3, height: 2 } },
    { shapes: [[2, 3, 3, 1]], params: { x: 0, y: 1, width: 2, height: 2 } },
  ],
  _contrib_BatchNormWithReLU: [{
    shapes: [[2, 3, 2], [3], [3], [3], [3]],
    params: { useGlobalStats: true, fixGamma: false },
    lo: 0.1,
    hi: 1,
  }],
  _contrib_SyncBatchNorm: [{
    shapes: [[2, 3, 2], [3], [3], [3], [3]],
    params: { useGlobalStats: true, fixGamma: false, key: "bn0" },
    lo: 0.1,
    hi: 1,
  }],
  // The attached gradient is the derivative of a potential the forward does not compute:
  // N / (1 - momentum) * penalty * sum_c KL-terms of the updated running mean m_c. The
  // objective adds it behind BlockGrad, so only the finite differences see it.
  IdentityAttachKLSparseReg: [{
    shapes: [[4, 3], [3]],
    fixed: { 1: KL_MOVING_AVG },
    lo: 0.2,
    hi: 0.8,
    params: KL_PARAMS,
    objective: ([x, m]) => {
      const { penalty, sparsenessTarget: rho, momentum } = KL_PARAMS;
      const y = call("IdentityAttachKLSparseReg", [x, m], KL_PARAMS);
      const start = mx.nd.array(KL_MOVING_AVG, { dtype: x.dtype });
      const avg = start.mul(momentum).add(x.mean({ axis: 0 }).mul(1 - momentum));
      const kl = avg.log().mul(-rho).sub(avg.neg().add(1).log().mul(1 - rho)).sum();
      const potential = kl.mul(penalty * x.shape[0] / (1 - momentum));
      return weighted(y).add(call("BlockGrad", [potential]));
    },
  }],
};

/** y = scale * tanh(a) * b, with the hand-written backward the Custom case checks. */
class TanhMul extends mx.operator.CustomOp {
  constructor(readonly scale: number) {
    super();
  }
  override forward(
    _isTrain: boolean,
    req: mx.operator.OpReq[],
    [a, b]: mx.NDArray[],
    [y]: mx.NDArray[],
  ): void {
    this.assign(y, req[0], a.tanh().mul(b).mul(this.scale));
  }
  override backward(
    req: mx.operator.OpReq[],
    [dy]: mx.NDArray[],
    [a, b]: mx.NDArray[],
    _out: mx.NDArray[],
    [da, db]: mx.NDArray[],
  ): void {
    const t = a.tanh();
    this.assign(da, req[0], dy.mul(b).mul(t.square().neg().add(1)).mul(this.scale));
    this.assign(db, req[1], dy.mul(t).mul(this.scale));
  }
}
mx.operator.register(
  "gradient_test_tanh_mul",
  class extends mx.operator.CustomOpProp {
    constructor(readonly kwargs: Record<string, string>) {
      super();
    }
    override listArguments() {
      return ["a", "b"];
    }
    override createOperator() {
      return new TanhMul(Number(this.kwargs.scale));
    }
  },
);

function isDifferentiable(name: string): boolean {
  const op = ALL_OPS.find((o) => o.name === name)!;
  return op.differentiable !== false;
}

Deno.test("every differentiable operator has a gradient check case", () => {
  const missing = ALL_OPS.filter((o) => o.differentiable !== false && !(o.name in CASES))
    .map((o) => o.name);
  assert.deepEqual(missing, [], `operators without a gradient check: ${missing.join(", ")}`);
});

async function loss(
  op: string,
  xs: mx.NDArray[],
  w: Float64Array[],
  params: Record<string, unknown>,
) {
  const outs = mx.engine.invokeOp(op, xs, params);
  let total = 0;
  for (let i = 0; i < outs.length; i++) {
    const v = await outs[i].data() as Float64Array;
    for (let j = 0; j < v.length; j++) total += v[j] * w[i][j];
  }
  return total;
}

async function total(a: mx.NDArray): Promise<number> {
  return (await a.data() as Float64Array).reduce((s, v) => s + v, 0);
}

for (const [op, cases] of Object.entries(CASES)) {
  cases.forEach((c, ci) => {
    backendTest(`gradient ${op} #${ci}`, async () => {
      assert.ok(isDifferentiable(op), `${op} is marked non-differentiable`);
      const params = c.params ?? {};
      const raw = c.shapes.map((s, i) =>
        c.fixed?.[i] ?? randomValues(s.reduce((a, b) => a * b, 1), 7 + 13 * i + ci, c.lo, c.hi)
      );
      const xs = raw.map((v, i) => mx.nd.array(new Float64Array(v), { shape: c.shapes[i] }));
      const diff = xs.map((_, i) => !(c.fixed && i in c.fixed));
      xs.forEach((x, i) => diff[i] && x.attachGrad());
      const outs = mx.autograd.record(() => mx.engine.invokeOp(op, xs, params));
      const w = outs.map((o, i) => new Float64Array(randomValues(o.size, 99 + i)));
      const heads = outs.map((o, i) => mx.nd.array(w[i], { shape: o.shape }));
      mx.autograd.backward(outs, heads);
      const eps = 1e-6;
      for (let i = 0; i < xs.length; i++) {
        if (!diff[i]) continue;
        const analytic = await xs[i].grad!.data() as Float64Array;
        const numeric = new Float64Array(raw[i].length);
        for (let j = 0; j < raw[i].length; j++) {
          const plus = [...raw[i]], minus = [...raw[i]];
          plus[j] += eps;
          minus[j] -= eps;
          const at = (v: number[]) =>
            xs.map((x, k) =>
              k === i ? mx.nd.array(new Float64Array(v), { shape: c.shapes[i] }) : x
            );
          const f = (v: number[]) =>
            c.objective ? total(c.objective(at(v))) : loss(op, at(v), w, params);
          numeric[j] = (await f(plus) - await f(minus)) / (2 * eps);
        }
        assertClose(analytic, numeric, { rtol: 1e-4, atol: 1e-6, msg: `${op} input ${i}` });
      }
      // The same operator through a Symbol and the Executor (loss layers excepted: their
      // backward ignores the head gradient the check projects with).
      if (c.objective) return;
      const vars = xs.map((_, i) => mx.sym.Variable(`x${i}`));
      const sym = mx.sym.createSymbol(op, vars, params);
      const auxNames = new Set(sym.listAuxiliaryStates());
      const pick = (keepAux: boolean) =>
        Object.fromEntries(
          xs.map((x, i) => [`x${i}`, x] as const).filter(([n]) => auxNames.has(n) === keepAux),
        );
      await mx.testUtils.checkNumericGradient(sym, pick(false), {
        auxStates: pick(true),
        numericEps: 1e-6,
        rtol: 1e-4,
        atol: 1e-6,
        gradNodes: xs.flatMap((_, i) => (diff[i] && !auxNames.has(`x${i}`) ? [`x${i}`] : [])),
      });
    }, { dtypes: ["float64"], hostCompute: c.hostOnly });
  });
}

/**
 * Backends without float64 (WebGPU) cannot run the float64 checks above. There every
 * operator's float32 gradient (with the same objective) must match the TS backend's,
 * whose gradients the float64 checks verified.
 */
async function float32Gradients(op: string, c: Case, ci: number): Promise<Float64Array[]> {
  const params = c.params ?? {};
  const raw = c.shapes.map((s, i) =>
    c.fixed?.[i] ?? randomValues(s.reduce((a, b) => a * b, 1), 7 + 13 * i + ci, c.lo, c.hi)
  );
  const xs = raw.map((v, i) => mx.nd.array(new Float32Array(v), { shape: c.shapes[i] }));
  const diff = xs.map((_, i) => !(c.fixed && i in c.fixed));
  xs.forEach((x, i) => diff[i] && x.attachGrad());
  const outs = mx.autograd.record(() =>
    c.objective ? [c.objective(xs)] : mx.engine.invokeOp(op, xs, params)
  );
  const heads = outs.map((o, i) =>
    mx.nd.array(new Float32Array(randomValues(o.size, 99 + i)), { shape: o.shape })
  );
  mx.autograd.backward(outs, c.objective ? undefined : heads);
  const grads: Float64Array[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (diff[i]) grads.push(Float64Array.from(await xs[i].grad!.data() as Float32Array));
  }
  return grads;
}

const noFloat64 = BACKENDS.filter((b) => {
  const be = backendByName(b);
  return be.supportsDType !== undefined && !be.supportsDType("float64");
});
for (const backend of noFloat64) {
  for (const [op, cases] of Object.entries(CASES)) {
    cases.forEach((c, ci) => {
      // A case that casts to float64 itself cannot run on this backend at all.
      if (JSON.stringify(c.params ?? {}).includes("float64") || c.hostOnly) return;
      Deno.test(`gradient (float32, equals ts) ${op} #${ci} [${backend}]`, async () => {
        const run = (name: string) =>
          mx.nd.scope(async () => {
            setCpuBackend(backendByName(name));
            try {
              return await float32Gradients(op, c, ci);
            } finally {
              setCpuBackend(undefined);
            }
          });
        const want = await run("ts");
        const got = await run(backend);
        want.forEach((w, i) =>
          assertClose(got[i], w, { rtol: 2e-3, atol: 2e-4, msg: `${op} input ${i}` })
        );
        await mx.nd.waitAll();
      });
    });
  }
}
