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

/** Convolution (1-D or 2-D). */
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

/** InstanceNorm. */
export interface InstanceNormOptions<T> extends NodeNaming {
  data: T;
  gamma?: T;
  beta?: T;
  eps?: number;
}

/** GroupNorm. */
export interface GroupNormOptions<T> extends NodeNaming {
  data: T;
  gamma?: T;
  beta?: T;
  numGroups?: number;
  eps?: number;
  outputMeanVar?: boolean;
}

/** LRN (local response normalisation across channels). */
export interface LRNOptions<T> extends NodeNaming {
  data: T;
  nsize: number;
  alpha?: number;
  beta?: number;
  knorm?: number;
}

/** SoftmaxActivation. */
export interface SoftmaxActivationOptions<T> extends NodeNaming {
  data: T;
  mode?: "instance" | "channel";
}
