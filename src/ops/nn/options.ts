/**
 * Option types of the neural-network operators, shared by `mx.sym.*` (T = Symbol) and
 * `mx.nd.*` (T = NDArray) so both front ends spell them the same way.
 * @module
 */
import type { DType } from "../../core/dtype.ts";

/** Names and attributes a graph node may take (ignored by NDArray). */
export interface NodeNaming {
  /** Node name. */
  name?: string;
  /** Extra node attributes. */
  attr?: Record<string, string>;
}

/** FullyConnected. */
export interface FullyConnectedOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The weight (a variable named `<name>_weight` when omitted on a Symbol). */
  weight?: T;
  /** The bias (`<name>_bias` when omitted on a Symbol). */
  bias?: T;
  /** Number of output units. */
  numHidden: number;
  /** Leave the bias out. */
  noBias?: boolean;
  /** Collapse all input axes but the first (default true). */
  flatten?: boolean;
}

/** Activation. */
export interface ActivationOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The activation function. */
  actType: "relu" | "sigmoid" | "tanh" | "softrelu" | "softsign" | "log_sigmoid" | "mish";
}

/** LeakyReLU. */
export interface LeakyReLUOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The scale (`<name>_gamma` when omitted on a Symbol). */
  gamma?: T;
  /** The activation function. */
  actType?: "leaky" | "prelu" | "elu" | "selu" | "gelu" | "rrelu";
  /** Slope of the negative part (leaky) or the alpha of elu. */
  slope?: number;
  /** Lower bound of the random slope (rrelu). */
  lowerBound?: number;
  /** Upper bound of the random slope (rrelu). */
  upperBound?: number;
}

/** Convolution (1-D, 2-D or 3-D: the kernel's length decides). */
export interface ConvolutionOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The weight (a variable named `<name>_weight` when omitted on a Symbol). */
  weight?: T;
  /** The bias (`<name>_bias` when omitted on a Symbol). */
  bias?: T;
  /** Window size per spatial axis. */
  kernel: readonly number[];
  /** Number of output channels. */
  numFilter: number;
  /** Step per spatial axis (1). */
  stride?: readonly number[];
  /** Dilation per spatial axis (1). */
  dilate?: readonly number[];
  /** Zero padding per spatial axis (0). */
  pad?: readonly number[];
  /** Number of groups of channels (1). */
  numGroup?: number;
  /** Leave the bias out. */
  noBias?: boolean;
  /** Accepted for MXNet compatibility (a cuDNN workspace size); unused. */
  workspace?: number;
  /** Channel-first only: NCW, NCHW or NCDHW, matching the kernel's rank. */
  layout?: "NCW" | "NCHW" | "NCDHW";
}

/** Deconvolution. */
export interface DeconvolutionOptions<T> extends ConvolutionOptions<T> {
  /** Extra output size per spatial axis. */
  adj?: readonly number[];
  /** The output spatial shape (overrides `pad`/`adj`). */
  targetShape?: readonly number[];
}

/** Pooling. */
export interface PoolingOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** Window size per spatial axis. */
  kernel?: readonly number[];
  /** The pooling function (max). */
  poolType?: "max" | "avg" | "sum" | "lp";
  /** Pool over the whole spatial extent. */
  globalPool?: boolean;
  /** Output size rounding: "valid" (floor) or "full" (ceil). */
  poolingConvention?: "valid" | "full";
  /** Step per spatial axis (1). */
  stride?: readonly number[];
  /** Zero padding per spatial axis (0). */
  pad?: readonly number[];
  /** The p of lp pooling. */
  pValue?: number;
  /** Count padded zeros in averages (true). */
  countIncludePad?: boolean;
  /** Channel-first only: NCW, NCHW or NCDHW, matching the data's rank. */
  layout?: "NCW" | "NCHW" | "NCDHW";
}

/** CTCLoss: data [T, N, C] activations, label [N, L]. */
export interface CTCLossOptions<T> extends NodeNaming {
  /** Activations before softmax, [sequence length, batch, alphabet size]. */
  data: T;
  /** Labels [batch, label length], padded after each label (`<name>_label` on a Symbol). */
  label?: T;
  /** Length of each sequence [batch], used when `useDataLengths`. */
  dataLengths?: T;
  /** Length of each label [batch], used when `useLabelLengths`. */
  labelLengths?: T;
  /** Take the sequence lengths from `dataLengths` (else every sequence is full). */
  useDataLengths?: boolean;
  /** Take the label lengths from `labelLengths` (else a label ends at its first padding). */
  useLabelLengths?: boolean;
  /** The blank class: "first" (0; labels padded with 0) or "last" (C-1; padded with -1). */
  blankLabel?: "first" | "last";
}

/** RNN: the fused recurrent operator, data in TNC layout. */
export interface RNNOptions<T> extends NodeNaming {
  /** The input sequence [T, N, I]. */
  data: T;
  /** Every weight then every bias in one vector (`<name>_parameters` on a Symbol). */
  parameters?: T;
  /** The initial hidden state [numLayers * directions, N, stateSize]. */
  state?: T;
  /** The initial LSTM cell state, shaped as `state` (LSTM only). */
  stateCell?: T;
  /** Each sequence's length [N], used when `useSequenceLength`. */
  sequenceLength?: T;
  /** Hidden units per direction. */
  stateSize: number;
  /** Stacked layers. */
  numLayers: number;
  /** The recurrence. */
  mode: "rnn_relu" | "rnn_tanh" | "lstm" | "gru";
  /** Run a reverse direction too and concatenate its outputs. */
  bidirectional?: boolean;
  /** Dropout probability on the inputs of layers above the first (training only). */
  p?: number;
  /** Return the final states too: `[out, hy]`, or `[out, hy, cy]` for an LSTM. */
  stateOutputs?: boolean;
  /** Not supported (LSTM with projection); must stay unset. */
  projectionSize?: number | null;
  /** Clip the LSTM cell state to at least this (with `lstmStateClipMax`). */
  lstmStateClipMin?: number | null;
  /** Clip the LSTM cell state to at most this (with `lstmStateClipMin`). */
  lstmStateClipMax?: number | null;
  /** Not supported; must stay false. */
  lstmStateClipNan?: boolean;
  /** Take each sequence's length from `sequenceLength`. */
  useSequenceLength?: boolean;
}

/** BatchNorm. */
export interface BatchNormOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The scale (`<name>_gamma` when omitted on a Symbol). */
  gamma?: T;
  /** The shift (`<name>_beta` when omitted on a Symbol). */
  beta?: T;
  /** The moving mean, an auxiliary state updated in training. */
  movingMean?: T;
  /** The moving variance, an auxiliary state updated in training. */
  movingVar?: T;
  /** Added to the variance for numerical stability. */
  eps?: number;
  /** Weight of the old moving statistics (0.9). */
  momentum?: number;
  /** Keep gamma at 1 (true, as MXNet). */
  fixGamma?: boolean;
  /** Use the moving statistics in training too. */
  useGlobalStats?: boolean;
  /** Also output the mean and the variance. */
  outputMeanVar?: boolean;
  /** The channel axis (1). */
  axis?: number;
}

/** LayerNorm. */
export interface LayerNormOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The scale (`<name>_gamma` when omitted on a Symbol). */
  gamma?: T;
  /** The shift (`<name>_beta` when omitted on a Symbol). */
  beta?: T;
  /** The normalised axis (-1). */
  axis?: number;
  /** Added to the variance for numerical stability. */
  eps?: number;
}

/** Dropout. */
export interface DropoutOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** Drop probability (0.5). */
  p?: number;
  /** "training": drop only in training; "always": also in inference. */
  mode?: "training" | "always";
  /** Axes sharing one mask (variational dropout). */
  axes?: readonly number[];
}

/** Embedding. */
export interface EmbeddingOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The weight (a variable named `<name>_weight` when omitted on a Symbol). */
  weight?: T;
  /** Vocabulary size. */
  inputDim: number;
  /** Embedding size. */
  outputDim: number;
}

/** SoftmaxOutput. */
export interface SoftmaxOutputOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The label (`<name>_label` when omitted on a Symbol). */
  label?: T;
  /** Scales the gradient. */
  gradScale?: number;
  /** The label value to ignore (with `useIgnore`). */
  ignoreLabel?: number;
  /** Ignore `ignoreLabel`. */
  useIgnore?: boolean;
  /** Softmax over axis 1 for every position (n-d input). */
  multiOutput?: boolean;
  /** Softmax over the last axis, keeping the shape. */
  preserveShape?: boolean;
  /** Gradient normalisation: "null", "batch" or "valid". */
  normalization?: "null" | "batch" | "valid";
  /** Multiply by the incoming gradient. */
  outGrad?: boolean;
  /** Label smoothing. */
  smoothAlpha?: number;
}

/** Linear / logistic / MAE regression outputs. */
export interface RegressionOutputOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The label (`<name>_label` when omitted on a Symbol). */
  label?: T;
  /** Scales the gradient. */
  gradScale?: number;
}

/** MakeLoss. */
export interface MakeLossOptions<T> extends NodeNaming {
  /** The loss. */
  data: T;
  /** Scales the gradient. */
  gradScale?: number;
  /** Threshold for "valid" normalisation. */
  validThresh?: number;
  /** Gradient normalisation: "null", "batch" or "valid". */
  normalization?: "null" | "batch" | "valid";
}

/** softmax_cross_entropy. */
export interface SoftmaxCrossEntropyOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The label (`<name>_label` when omitted on a Symbol). */
  label: T;
}

/** InstanceNorm. */
export interface InstanceNormOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The scale (`<name>_gamma` when omitted on a Symbol). */
  gamma?: T;
  /** The shift (`<name>_beta` when omitted on a Symbol). */
  beta?: T;
  /** Added to the variance for numerical stability. */
  eps?: number;
}

/** GroupNorm. */
export interface GroupNormOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The scale (`<name>_gamma` when omitted on a Symbol). */
  gamma?: T;
  /** The shift (`<name>_beta` when omitted on a Symbol). */
  beta?: T;
  /** Number of channel groups. */
  numGroups?: number;
  /** Added to the variance for numerical stability. */
  eps?: number;
  /** Also output the mean and the variance. */
  outputMeanVar?: boolean;
}

/** LRN (local response normalisation across channels). */
export interface LRNOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** Number of channels in the window (odd). */
  nsize: number;
  /** Scale of the window sum. */
  alpha?: number;
  /** Exponent of the normaliser. */
  beta?: number;
  /** Added to the scaled window sum. */
  knorm?: number;
}

/** SoftmaxActivation. */
export interface SoftmaxActivationOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** "instance" (all but the batch axis) or "channel" (axis 1). */
  mode?: "instance" | "channel";
}

/** SequenceMask: positions past each sequence's length set to `value`. */
export interface SequenceMaskOptions<T> extends NodeNaming {
  /** The input, time on `axis` (0 or 1), batch on the other of the two. */
  data: T;
  /** Length of each sequence [batch] (used when `useSequenceLength`). */
  sequenceLength?: T;
  /** Mask by `sequenceLength` (otherwise the identity). */
  useSequenceLength?: boolean;
  /** The value written past each length. */
  value?: number;
  /** The time axis: 0 (TNC) or 1 (NTC). */
  axis?: number;
}

/** `im2col`: image patches as columns [N, C·prod(kernel), positions]. */
export interface Im2colOptions<T> extends NodeNaming {
  /** The image [N, C, H, W] (or [N, C, W] with a 1-D kernel). */
  data: T;
  /** Window size (1 or 2 values). */
  kernel: readonly number[];
  /** Window step (default 1s). */
  stride?: readonly number[];
  /** Window dilation (default 1s). */
  dilate?: readonly number[];
  /** Zero padding on both sides (default 0s). */
  pad?: readonly number[];
}

/** `col2im`: sums columns [N, C·prod(kernel), positions] back into an image. */
export interface Col2imOptions<T> extends Im2colOptions<T> {
  /** The image's spatial size (1 or 2 values, as the kernel). */
  outputSize: readonly number[];
}

/** `amp_cast`: a cast whose gradient is cast back (MXNet's AMP). */
export interface AmpCastOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** The dtype to cast to. */
  dtype: DType;
}

/** `amp_multicast`: casts every input to one common float dtype. */
export interface AmpMulticastOptions extends NodeNaming {
  /** The number of inputs (and outputs); set from the inputs when left out. */
  numOutputs?: number;
  /** Cast to the narrowest input float instead of the widest. */
  castNarrow?: boolean;
}

/** Pad: MXNet's `pad` of a 4-D or 5-D array. */
export interface PadOptions<T> extends NodeNaming {
  /** The input. */
  data: T;
  /** "constant", "edge" or "reflect". */
  mode?: "constant" | "edge" | "reflect";
  /** Before and after widths per axis, flattened: (0, 0, 0, 0, top, bottom, left, right). */
  padWidth: readonly number[];
  /** The fill of "constant" mode. */
  constantValue?: number;
}
