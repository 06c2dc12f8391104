/**
 * Option types of the neural-network operators, shared by `mx.sym.*` (T = Symbol) and
 * `mx.nd.*` (T = NDArray) so both front ends spell them the same way.
 * @module
 */

/** Names and attributes a graph node may take (ignored by NDArray). */
export interface NodeNaming {
  /** Node name. */
  name?: string;
  /** Extra node attributes. */
  attr?: Record<string, string>;
}

/** FullyConnected. */
export interface FullyConnectedOptions<T> extends NodeNaming {
  data: T;
  weight?: T;
  bias?: T;
  numHidden: number;
  noBias?: boolean;
  flatten?: boolean;
}

/** Activation. */
export interface ActivationOptions<T> extends NodeNaming {
  data: T;
  actType: "relu" | "sigmoid" | "tanh" | "softrelu" | "softsign" | "log_sigmoid" | "mish";
}

/** LeakyReLU. */
export interface LeakyReLUOptions<T> extends NodeNaming {
  data: T;
  gamma?: T;
  actType?: "leaky" | "prelu" | "elu" | "selu" | "gelu" | "rrelu";
  slope?: number;
  lowerBound?: number;
  upperBound?: number;
}

/** Convolution (1-D, 2-D or 3-D: the kernel's length decides). */
export interface ConvolutionOptions<T> extends NodeNaming {
  data: T;
  weight?: T;
  bias?: T;
  kernel: readonly number[];
  numFilter: number;
  stride?: readonly number[];
  dilate?: readonly number[];
  pad?: readonly number[];
  numGroup?: number;
  noBias?: boolean;
  workspace?: number;
  /** Channel-first only: NCW, NCHW or NCDHW, matching the kernel's rank. */
  layout?: "NCW" | "NCHW" | "NCDHW";
}

/** Deconvolution. */
export interface DeconvolutionOptions<T> extends ConvolutionOptions<T> {
  adj?: readonly number[];
  targetShape?: readonly number[];
}

/** Pooling. */
export interface PoolingOptions<T> extends NodeNaming {
  data: T;
  kernel?: readonly number[];
  poolType?: "max" | "avg" | "sum" | "lp";
  globalPool?: boolean;
  poolingConvention?: "valid" | "full";
  stride?: readonly number[];
  pad?: readonly number[];
  pValue?: number;
  countIncludePad?: boolean;
  layout?: "NCW" | "NCHW" | "NCDHW";
}

/** Pad (4-D or 5-D data; the batch and channel axes are not padded). */
export interface PadOptions<T> extends NodeNaming {
  data: T;
  mode: "constant" | "edge" | "reflect";
  /** (before, after) for every axis, flattened: MXNet's pad_width. */
  padWidth: readonly number[];
  constantValue?: number;
}

/** CTCLoss: data [T, N, C] activations, label [N, L]. */
export interface CTCLossOptions<T> extends NodeNaming {
  data: T;
  label?: T;
  /** [N], used when `useDataLengths`. */
  dataLengths?: T;
  /** [N], used when `useLabelLengths`. */
  labelLengths?: T;
  useDataLengths?: boolean;
  useLabelLengths?: boolean;
  blankLabel?: "first" | "last";
}

/** BatchNorm. */
export interface BatchNormOptions<T> extends NodeNaming {
  data: T;
  gamma?: T;
  beta?: T;
  movingMean?: T;
  movingVar?: T;
  eps?: number;
  momentum?: number;
  fixGamma?: boolean;
  useGlobalStats?: boolean;
  outputMeanVar?: boolean;
  axis?: number;
}

/** LayerNorm. */
export interface LayerNormOptions<T> extends NodeNaming {
  data: T;
  gamma?: T;
  beta?: T;
  axis?: number;
  eps?: number;
}

/** Dropout. */
export interface DropoutOptions<T> extends NodeNaming {
  data: T;
  p?: number;
  mode?: "training" | "always";
  axes?: readonly number[];
}

/** Embedding. */
export interface EmbeddingOptions<T> extends NodeNaming {
  data: T;
  weight?: T;
  inputDim: number;
  outputDim: number;
}

/** SoftmaxOutput. */
export interface SoftmaxOutputOptions<T> extends NodeNaming {
  data: T;
  label?: T;
  gradScale?: number;
  ignoreLabel?: number;
  useIgnore?: boolean;
  multiOutput?: boolean;
  preserveShape?: boolean;
  normalization?: "null" | "batch" | "valid";
  outGrad?: boolean;
  smoothAlpha?: number;
}

/** Linear / logistic / MAE regression outputs. */
export interface RegressionOutputOptions<T> extends NodeNaming {
  data: T;
  label?: T;
  gradScale?: number;
}

/** MakeLoss. */
export interface MakeLossOptions<T> extends NodeNaming {
  data: T;
  gradScale?: number;
  validThresh?: number;
  normalization?: "null" | "batch" | "valid";
}

/** softmax_cross_entropy. */
export interface SoftmaxCrossEntropyOptions<T> extends NodeNaming {
  data: T;
  label: T;
}
