/**
 * `mx.npx`: MXNet's NumPy-extension operators (the neural-network ones, with MXNet's
 * `npx` names) over the same registry operators as `mx.nd` (no second definition), plus
 * `save`/`load` in MXNet's file format, devices and `waitAll`. Results are `mx.np` arrays.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const { np, npx } = mx;
 * const x = np.array([[-1, 2], [3, -4]]);
 * console.log(await npx.relu(x).tolist()); // [[0, 2], [3, 0]]
 * console.log(await npx.softmax(x, { axis: -1 }).sum({ axis: 1 }).tolist()); // [1, 1]
 * ```
 * @module
 */
import { type Context, cpu as cpuCtx, gpu as gpuCtx } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { checkOptions } from "../core/options.ts";
import { numGpus as countGpus } from "../../backends/mod.ts";
import { waitAll as engineWaitAll } from "../engine/engine.ts";
import { load as ndLoad, save as ndSave } from "../ndarray/io.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { asNp, op, opAll } from "../numpy/_core.ts";
import type { NpArray } from "../numpy/ndarray.ts";

/** Turns on NumPy semantics (Python's `npx.set_np()`): mx.np is always on here, so a no-op. */
export function setNp(_opts: { shape?: boolean; array?: boolean; dtype?: boolean } = {}): void {}
/** Python's `npx.reset_np()`: a no-op, as mx.np and mx.nd live side by side here. */
export function resetNp(): void {}
/** True: NumPy array semantics are available (Python's `npx.is_np_array()`). */
export function isNpArray(): boolean {
  return true;
}
/** The CPU context. */
export function cpu(deviceId = 0): Context {
  return cpuCtx(deviceId);
}
/** A GPU context. */
export function gpu(deviceId = 0): Context {
  return gpuCtx(deviceId);
}
/** Number of GPUs. */
export function numGpus(): number {
  return countGpus();
}
/** Waits for all pending work; throws the first failure (unlike MXNet's waitall). */
export function waitAll(): Promise<void> {
  return engineWaitAll();
}

/**
 * Saves arrays (a list or a name -> array record) in MXNet's NDArray file format, as
 * `npx.save` does (V3 arrays, loadable by Apache MXNet under `npx.set_np()`).
 */
export async function save(
  path: string,
  data: NDArray | NDArray[] | Record<string, NDArray>,
): Promise<void> {
  const arrays = data instanceof Array
    ? data.map(asNp)
    : "shape" in data && typeof (data as NDArray).dtype === "string"
    ? [asNp(data as NDArray)]
    : Object.fromEntries(
      Object.entries(data as Record<string, NDArray>).map(([k, v]) => [k, asNp(v)]),
    );
  await ndSave(path, arrays);
}

/** Loads a file written by `save` (or by MXNet): a list or a record of np arrays. */
export async function load(
  path: string,
  opts: { ctx?: Context } = {},
): Promise<NpArray[] | Record<string, NpArray>> {
  const r = await ndLoad(path, opts);
  const conv = (a: NDArray) => {
    const n = asNp(a);
    if (n !== a) a.dispose();
    return n;
  };
  if (Array.isArray(r)) return r.map(conv);
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, conv(v)]));
}

// ---- activations ----

/** max(x, 0). */
export function relu(x: NDArray): NpArray {
  return op("relu", [x]);
}
/** 1 / (1 + exp(-x)). */
export function sigmoid(x: NDArray): NpArray {
  return op("sigmoid", [x]);
}
/**
 * Options of `npx.softmax` / `npx.logSoftmax`: `length` (with `useLength`) masks positions
 * at or past each row's length (they output 0); `dtype` sets the output dtype.
 */
export interface NpxSoftmaxOptions {
  /** Axis (last by default). */
  axis?: number;
  /** Divides the input first. */
  temperature?: number;
  /** Per-row lengths: data's shape without `axis`. */
  length?: NDArray;
  /** Use `length`. */
  useLength?: boolean;
  /** The output dtype. */
  dtype?: "float16" | "float32" | "float64";
}
const SOFTMAX_KEYS = ["axis", "temperature", "length", "useLength", "dtype"];
/** Softmax along `axis` (last by default). */
export function softmax(x: NDArray, opts: NpxSoftmaxOptions = {}): NpArray {
  checkOptions("npx.softmax", opts, SOFTMAX_KEYS);
  const { length, ...p } = opts;
  return op("softmax", length ? [x, length] : [x], { ...p });
}
/** Log-softmax along `axis`. */
export function logSoftmax(x: NDArray, opts: NpxSoftmaxOptions = {}): NpArray {
  checkOptions("npx.log_softmax", opts, SOFTMAX_KEYS);
  const { length, ...p } = opts;
  return op("log_softmax", length ? [x, length] : [x], { ...p });
}
/** Activation by name: "relu", "sigmoid", "tanh", "softrelu", "softsign". */
export function activation(x: NDArray, opts: { actType?: string } = {}): NpArray {
  checkOptions("npx.activation", opts, ["actType"]);
  return op("Activation", [x], { actType: opts.actType ?? "relu" });
}
/** Leaky ReLU family ("leaky", "elu", "selu", "gelu", "prelu" with `gamma`). */
export function leakyRelu(
  x: NDArray,
  opts: {
    gamma?: NDArray;
    actType?: string;
    slope?: number;
    lowerBound?: number;
    upperBound?: number;
  } = {},
): NpArray {
  checkOptions("npx.leaky_relu", opts, ["gamma", "actType", "slope", "lowerBound", "upperBound"]);
  const { gamma, ...p } = opts;
  return op("LeakyReLU", gamma ? [x, gamma] : [x], { actType: "leaky", ...p });
}

// ---- products, indexing, shapes ----

/** Batched matrix product of 3-D arrays. */
export function batchDot(
  a: NDArray,
  b: NDArray,
  opts: { transposeA?: boolean; transposeB?: boolean } = {},
): NpArray {
  checkOptions("npx.batch_dot", opts, ["transposeA", "transposeB"]);
  return op("batch_dot", [a, b], { ...opts });
}
/** One-hot encoding of `indices` with `depth` classes (float32 by default). */
export function oneHot(
  indices: NDArray,
  depth: number,
  opts: { onValue?: number; offValue?: number; dtype?: DType } = {},
): NpArray {
  checkOptions("npx.one_hot", opts, ["onValue", "offValue", "dtype"]);
  return op("one_hot", [indices], { depth, ...opts });
}
/** Picks one element per position along `axis` at `index`. */
export function pick(
  data: NDArray,
  index: NDArray,
  opts: { axis?: number; keepdims?: boolean; mode?: "clip" | "wrap" } = {},
): NpArray {
  checkOptions("npx.pick", opts, ["axis", "keepdims", "mode"]);
  return op("pick", [data, index], { ...opts });
}
/** Top-k values or indices along `axis` (`retTyp` "indices" default, "value", "mask", "both"). */
export function topk(
  data: NDArray,
  opts: {
    axis?: number;
    k?: number;
    retTyp?: "value" | "indices" | "mask" | "both";
    isAscend?: boolean;
    dtype?: DType;
  } = {},
): NpArray | NpArray[] {
  checkOptions("npx.topk", opts, ["axis", "k", "retTyp", "isAscend", "dtype"]);
  const outs = opAll("topk", [data], { ...opts });
  return opts.retTyp === "both" ? outs : outs[0];
}
/** Masks positions past each sequence's length with `value`. */
export function sequenceMask(
  data: NDArray,
  opts: { sequenceLength?: NDArray; useSequenceLength?: boolean; value?: number; axis?: number } =
    {},
): NpArray {
  checkOptions("npx.sequence_mask", opts, ["sequenceLength", "useSequenceLength", "value", "axis"]);
  const { sequenceLength, ...p } = opts;
  const use = p.useSequenceLength ?? sequenceLength !== undefined;
  return op("SequenceMask", use && sequenceLength ? [data, sequenceLength] : [data], {
    ...p,
    useSequenceLength: use && !!sequenceLength,
  });
}
/** The options of {@link rnn}: the operator's parameters and its optional inputs. */
export interface NpxRnnOptions {
  /** The initial LSTM cell state [L*D, N, H] (LSTM only). */
  stateCell?: NDArray;
  /** Each sequence's length [N]; sets `useSequenceLength` when given. */
  sequenceLength?: NDArray;
  /** The recurrence. */
  mode: "rnn_relu" | "rnn_tanh" | "lstm" | "gru";
  /** Hidden units per direction. */
  stateSize: number;
  /** Stacked layers. */
  numLayers: number;
  /** Run a reverse direction too. */
  bidirectional?: boolean;
  /** Dropout between layers (training only). */
  p?: number;
  /** Return `[out, hy]` (`[out, hy, cy]` for an LSTM) instead of `out`. */
  stateOutputs?: boolean;
  /** Take lengths from `sequenceLength` (default: whether it is given). */
  useSequenceLength?: boolean;
  /** Clip the LSTM cell state (with `lstmStateClipMax`). */
  lstmStateClipMin?: number | null;
  /** Clip the LSTM cell state (with `lstmStateClipMin`). */
  lstmStateClipMax?: number | null;
}
/**
 * The fused recurrent operator (`npx.rnn`) over TNC data [T, N, I] with MXNet's flat
 * `parameters` vector and initial state [L*D, N, H]: the output sequence, or with
 * `stateOutputs` the output and the final states.
 */
export function rnn(
  data: NDArray,
  parameters: NDArray,
  state: NDArray,
  opts: NpxRnnOptions & { stateOutputs: true },
): NpArray[];
/** Without `stateOutputs`: the output sequence [T, N, D*H]. */
export function rnn(
  data: NDArray,
  parameters: NDArray,
  state: NDArray,
  opts: NpxRnnOptions,
): NpArray;
export function rnn(
  data: NDArray,
  parameters: NDArray,
  state: NDArray,
  opts: NpxRnnOptions,
): NpArray | NpArray[] {
  checkOptions("npx.rnn", opts, [
    "stateCell",
    "sequenceLength",
    "mode",
    "stateSize",
    "numLayers",
    "bidirectional",
    "p",
    "stateOutputs",
    "useSequenceLength",
    "lstmStateClipMin",
    "lstmStateClipMax",
  ]);
  const { stateCell, sequenceLength, ...p } = opts;
  const use = p.useSequenceLength ?? sequenceLength !== undefined;
  const inputs = [data, parameters, state];
  if (stateCell) inputs.push(stateCell);
  if (use && sequenceLength) inputs.push(sequenceLength);
  const outs = opAll("RNN", inputs, { ...p, useSequenceLength: use });
  return p.stateOutputs ? outs : outs[0];
}
/** Collapses all axes but the first. */
export function batchFlatten(x: NDArray): NpArray {
  return op("Flatten", [x]);
}
/** Reshape with MXNet's special codes (0, -1, -2, -3, -4). */
export function reshape(
  x: NDArray,
  newshape: readonly number[],
  opts: { reverse?: boolean } = {},
): NpArray {
  checkOptions("npx.reshape", opts, ["reverse"]);
  return op("Reshape", [x], { shape: [...newshape], reverse: opts.reverse ?? false });
}
/** The smooth L1 loss elementwise (`scalar` is sigma). */
export function smoothL1(x: NDArray, opts: { scalar?: number } = {}): NpArray {
  checkOptions("npx.smooth_l1", opts, ["scalar"]);
  return op("smooth_l1", [x], { scalar: opts.scalar ?? 1 });
}
/** Stops gradients flowing through `x`. */
export function stopGradient(x: NDArray): NpArray {
  return op("BlockGrad", [x]);
}

// ---- layers ----

/** `x · weightᵀ + bias` (bias omitted with `noBias`). */
export function fullyConnected(
  x: NDArray,
  weight: NDArray,
  bias: NDArray | null,
  opts: { numHidden: number; noBias?: boolean; flatten?: boolean },
): NpArray {
  checkOptions("npx.fully_connected", opts, ["numHidden", "noBias", "flatten"]);
  const noBias = opts.noBias ?? !bias;
  return op("FullyConnected", noBias ? [x, weight] : [x, weight, bias!], { ...opts, noBias });
}

/** Options of {@link convolution}. */
export interface ConvolutionOptions {
  /** Window size per spatial axis. */
  kernel: readonly number[];
  /** Output channels. */
  numFilter: number;
  /** Steps per spatial axis. */
  stride?: readonly number[];
  /** Dilation per spatial axis. */
  dilate?: readonly number[];
  /** Zero padding per spatial axis. */
  pad?: readonly number[];
  /** Channel groups. */
  numGroup?: number;
  /** No bias input. */
  noBias?: boolean;
  /** Data layout ("NCHW" ...). */
  layout?: string;
}
/** N-d convolution (MXNet's Convolution). */
export function convolution(
  data: NDArray,
  weight: NDArray,
  bias: NDArray | null,
  opts: ConvolutionOptions,
): NpArray {
  checkOptions("npx.convolution", opts, [
    "kernel",
    "numFilter",
    "stride",
    "dilate",
    "pad",
    "numGroup",
    "noBias",
    "layout",
  ]);
  const noBias = opts.noBias ?? !bias;
  return op("Convolution", noBias ? [data, weight] : [data, weight, bias!], { ...opts, noBias });
}

/** Options of {@link pooling}. */
export interface PoolingOptions {
  /** Window size. */
  kernel?: readonly number[];
  /** "max", "avg", "sum" or "lp". */
  poolType?: "max" | "avg" | "sum" | "lp";
  /** Pool over the whole spatial extent. */
  globalPool?: boolean;
  /** Steps. */
  stride?: readonly number[];
  /** Padding. */
  pad?: readonly number[];
  /** "valid", "full" or "same". */
  poolingConvention?: "valid" | "full" | "same";
  /** avg: count padding in the divisor. */
  countIncludePad?: boolean;
  /** Layout. */
  layout?: "NCW" | "NCHW" | "NCDHW";
  /** p of lp pooling. */
  pValue?: number;
}
/** Pooling (MXNet's Pooling). */
export function pooling(data: NDArray, opts: PoolingOptions = {}): NpArray {
  checkOptions("npx.pooling", opts, [
    "kernel",
    "poolType",
    "globalPool",
    "stride",
    "pad",
    "poolingConvention",
    "countIncludePad",
    "layout",
    "pValue",
  ]);
  return op("Pooling", [data], { ...opts });
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Added to the variance. */
  eps?: number;
  /** Moving-average momentum. */
  momentum?: number;
  /** Gamma fixed to 1. */
  fixGamma?: boolean;
  /** Use the moving statistics even in training. */
  useGlobalStats?: boolean;
  /** Channel axis. */
  axis?: number;
}
/** Batch normalization (updates the moving statistics in training mode). */
export function batchNorm(
  x: NDArray,
  gamma: NDArray,
  beta: NDArray,
  runningMean: NDArray,
  runningVar: NDArray,
  opts: BatchNormOptions = {},
): NpArray {
  checkOptions("npx.batch_norm", opts, ["eps", "momentum", "fixGamma", "useGlobalStats", "axis"]);
  return op("BatchNorm", [x, gamma, beta, runningMean, runningVar], { ...opts });
}
/** Layer normalization over `axis` (last by default). */
export function layerNorm(
  x: NDArray,
  gamma: NDArray,
  beta: NDArray,
  opts: { axis?: number; eps?: number } = {},
): NpArray {
  checkOptions("npx.layer_norm", opts, ["axis", "eps"]);
  return op("LayerNorm", [x, gamma, beta], { ...opts });
}
/** Dropout with probability `p` (active in training mode, or always with mode "always"). */
export function dropout(
  x: NDArray,
  opts: { p?: number; mode?: "training" | "always"; axes?: readonly number[] } = {},
): NpArray {
  checkOptions("npx.dropout", opts, ["p", "mode", "axes"]);
  return op("Dropout", [x], { ...opts });
}
/** Looks rows of `weight` up at the indices in `data`. */
export function embedding(
  data: NDArray,
  weight: NDArray,
  opts: { inputDim: number; outputDim: number; dtype?: DType; sparseGrad?: boolean },
): NpArray {
  checkOptions("npx.embedding", opts, ["inputDim", "outputDim", "dtype", "sparseGrad"]);
  return op("Embedding", [data, weight], { ...opts });
}

// The npx names MXNet 1.9.1 registers for these (_npx_gather_nd, ...).
/** N-d gather: `indices` [M, ...] address the first M axes of `data` (`npx.gather_nd`). */
export function gatherNd(data: NDArray, indices: NDArray): NpArray {
  return op("gather_nd", [data, indices]);
}
/** The shape of `data` as a 1-D int64 array (`npx.shape_array`). */
export function shapeArray(data: NDArray): NpArray {
  return op("shape_array", [data]);
}
/** A range shaped like `data`, or like its `axis` (`npx.arange_like`). */
export function arangeLike(
  data: NDArray,
  opts: { start?: number; step?: number; repeat?: number; axis?: number | null } = {},
): NpArray {
  checkOptions("npx.arange_like", opts, ["start", "step", "repeat", "axis"]);
  return op("_contrib_arange_like", [data], { ...opts });
}
/** Inverse error function (`_npx_erfinv`): +-inf at +-1, NaN outside [-1, 1]. */
export function erfinv(x: NDArray): NpArray {
  return op("erfinv", [x]);
}
/** The gamma function (`_npx_gamma`). */
export function gamma(x: NDArray): NpArray {
  return op("gamma", [x]);
}
/** log |gamma(x)| (`_npx_gammaln`). */
export function gammaln(x: NDArray): NpArray {
  return op("gammaln", [x]);
}

/** ROI max pooling (MXNet's `npx.roi_pooling`): [R, C, PH, PW] from data and rois [R, 5]. */
export function roiPooling(
  data: NDArray,
  rois: NDArray,
  opts: { pooledSize: readonly number[]; spatialScale: number },
): NpArray {
  checkOptions("npx.roi_pooling", opts, ["pooledSize", "spatialScale"]);
  return op("ROIPooling", [data, rois], { ...opts });
}
/** SSD anchors (MXNet's `npx.multibox_prior`). */
export function multiboxPrior(
  data: NDArray,
  opts: {
    sizes?: readonly number[];
    ratios?: readonly number[];
    clip?: boolean;
    steps?: readonly number[];
    offsets?: readonly number[];
  } = {},
): NpArray {
  checkOptions("npx.multibox_prior", opts, ["sizes", "ratios", "clip", "steps", "offsets"]);
  return op("_contrib_MultiBoxPrior", [data], { ...opts });
}
/** SSD training targets `[locTarget, locMask, clsTarget]` (MXNet's `npx.multibox_target`). */
export function multiboxTarget(
  anchor: NDArray,
  label: NDArray,
  clsPred: NDArray,
  opts: {
    overlapThreshold?: number;
    ignoreLabel?: number;
    negativeMiningRatio?: number;
    negativeMiningThresh?: number;
    minimumNegativeSamples?: number;
    variances?: readonly number[];
  } = {},
): NpArray[] {
  checkOptions("npx.multibox_target", opts, [
    "overlapThreshold",
    "ignoreLabel",
    "negativeMiningRatio",
    "negativeMiningThresh",
    "minimumNegativeSamples",
    "variances",
  ]);
  return opAll("_contrib_MultiBoxTarget", [anchor, label, clsPred], { ...opts });
}
/** SSD detections [B, N, 6] (MXNet's `npx.multibox_detection`). */
export function multiboxDetection(
  clsProb: NDArray,
  locPred: NDArray,
  anchor: NDArray,
  opts: {
    clip?: boolean;
    threshold?: number;
    backgroundId?: number;
    nmsThreshold?: number;
    forceSuppress?: boolean;
    variances?: readonly number[];
    nmsTopk?: number;
  } = {},
): NpArray {
  checkOptions("npx.multibox_detection", opts, [
    "clip",
    "threshold",
    "backgroundId",
    "nmsThreshold",
    "forceSuppress",
    "variances",
    "nmsTopk",
  ]);
  return op("_contrib_MultiBoxDetection", [clsProb, locPred, anchor], { ...opts });
}
