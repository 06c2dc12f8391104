/**
 * Neural-network operator constructors on Symbols: `mx.sym.FullyConnected({ data, name:
 * "fc1", numHidden: 128 })` or `mx.sym.FullyConnected(x, { numHidden: 128 })`, with the
 * signatures `mx.nd` has. Missing weight/bias/label/aux inputs become variables named
 * `<name>_<arg>`.
 * @module
 */
import type * as O from "../ops/nn/options.ts";
import type {
  AmpMulticastFn,
  LayerFn,
  OptionalLayerFn,
  ReshapeLikeFn,
  RNNFn,
  SmoothL1Fn,
} from "../ops/signatures.ts";
import { symFunction } from "./_frontend.ts";
import type { Symbol } from "./symbol.ts";

/** Fully connected layer: `data · weightᵀ + bias`. */
export const FullyConnected: LayerFn<Symbol, O.FullyConnectedOptions<Symbol>> = symFunction(
  "FullyConnected",
);
/** Activation (`actType` relu, sigmoid, tanh, softrelu, softsign, ...). */
export const Activation: LayerFn<Symbol, O.ActivationOptions<Symbol>> = symFunction("Activation");
/** LeakyReLU (leaky, prelu, elu, selu, gelu, rrelu). */
export const LeakyReLU: OptionalLayerFn<Symbol, O.LeakyReLUOptions<Symbol>> = symFunction(
  "LeakyReLU",
);
/** Convolution (1-D, 2-D or 3-D). */
export const Convolution: LayerFn<Symbol, O.ConvolutionOptions<Symbol>> = symFunction(
  "Convolution",
);
/** Deconvolution (transposed convolution). */
export const Deconvolution: LayerFn<Symbol, O.DeconvolutionOptions<Symbol>> = symFunction(
  "Deconvolution",
);
/** Pooling (max, avg, sum, lp). */
export const Pooling: OptionalLayerFn<Symbol, O.PoolingOptions<Symbol>> = symFunction("Pooling");
/** BatchNorm (moving statistics updated in place when training under autograd). */
export const BatchNorm: OptionalLayerFn<Symbol, O.BatchNormOptions<Symbol>> = symFunction(
  "BatchNorm",
);
/** LayerNorm. */
export const LayerNorm: OptionalLayerFn<Symbol, O.LayerNormOptions<Symbol>> = symFunction(
  "LayerNorm",
);
/** InstanceNorm: per sample and channel, then `gamma`/`beta` per channel. */
export const InstanceNorm: OptionalLayerFn<Symbol, O.InstanceNormOptions<Symbol>> = symFunction(
  "InstanceNorm",
);
/** GroupNorm: over groups of `numGroups` channels. */
export const GroupNorm: OptionalLayerFn<Symbol, O.GroupNormOptions<Symbol>> = symFunction(
  "GroupNorm",
);
/** Local response normalisation across `nsize` channels. */
export const LRN: LayerFn<Symbol, O.LRNOptions<Symbol>> = symFunction("LRN");
/** Dropout (the identity unless training). */
export const Dropout: OptionalLayerFn<Symbol, O.DropoutOptions<Symbol>> = symFunction("Dropout");
/** Embedding lookup. */
export const Embedding: LayerFn<Symbol, O.EmbeddingOptions<Symbol>> = symFunction("Embedding");
/** SoftmaxOutput (softmax forward, cross-entropy gradient). */
export const SoftmaxOutput: OptionalLayerFn<Symbol, O.SoftmaxOutputOptions<Symbol>> = symFunction(
  "SoftmaxOutput",
);
/** LinearRegressionOutput. */
export const LinearRegressionOutput: OptionalLayerFn<Symbol, O.RegressionOutputOptions<Symbol>> =
  symFunction("LinearRegressionOutput");
/** LogisticRegressionOutput. */
export const LogisticRegressionOutput: OptionalLayerFn<Symbol, O.RegressionOutputOptions<Symbol>> =
  symFunction("LogisticRegressionOutput");
/** MAERegressionOutput. */
export const MAERegressionOutput: OptionalLayerFn<Symbol, O.RegressionOutputOptions<Symbol>> =
  symFunction("MAERegressionOutput");
/** MakeLoss: marks `data` as a loss. */
export const MakeLoss: OptionalLayerFn<Symbol, O.MakeLossOptions<Symbol>> = symFunction("MakeLoss");
/** softmax_cross_entropy: summed cross-entropy of `softmax(data)`. */
export const softmaxCrossEntropy: OptionalLayerFn<Symbol, O.SoftmaxCrossEntropyOptions<Symbol>> =
  symFunction("softmaxCrossEntropy");
/** Softmax over all but the batch axis (`mode: "instance"`), or over channels (`"channel"`). */
export const SoftmaxActivation: OptionalLayerFn<Symbol, O.SoftmaxActivationOptions<Symbol>> =
  symFunction("SoftmaxActivation");

/** SequenceMask: positions past each sequence's length set to `value`. */
export const SequenceMask: OptionalLayerFn<Symbol, O.SequenceMaskOptions<Symbol>> = symFunction(
  "SequenceMask",
);
/** Pad (MXNet's `pad`): constant, edge or reflect padding of a 4-D or 5-D array. */
export const Pad: LayerFn<Symbol, O.PadOptions<Symbol>> = symFunction("Pad");
/** Alias of `Pad`. */
export const pad: LayerFn<Symbol, O.PadOptions<Symbol>> = symFunction("pad");
/** CTCLoss: the loss of each sequence (label `<name>_label`). */
export const CTCLoss: LayerFn<Symbol, O.CTCLossOptions<Symbol>> = symFunction("CTCLoss");
/** Alias of `CTCLoss` (MXNet's `ctc_loss`). */
export const ctcLoss: LayerFn<Symbol, O.CTCLossOptions<Symbol>> = symFunction("ctcLoss");
/** Image patches as columns, MXNet's layout [N, C·prod(kernel), positions] (`im2col`). */
export const im2col: LayerFn<Symbol, O.Im2colOptions<Symbol>> = symFunction("im2col");
/** Columns summed back into an image of `outputSize` (`col2im`, im2col's adjoint). */
export const col2im: LayerFn<Symbol, O.Col2imOptions<Symbol>> = symFunction("col2im");
/** AMP's cast (`amp_cast`): the gradient is cast back to the input's dtype. */
export const ampCast: LayerFn<Symbol, O.AmpCastOptions<Symbol>> = symFunction("ampCast");
/** AMP's multicast (`amp_multicast`): every input cast to the widest input float. */
export const ampMulticast: AmpMulticastFn<Symbol, Symbol> = symFunction("ampMulticast");
/**
 * The fused recurrent operator over TNC data; a group `[out, hy]` (`[out, hy, cy]` for an
 * LSTM) with `stateOutputs: true`. Missing inputs become `<name>_parameters`,
 * `<name>_state`, ... variables.
 */
export const RNN: RNNFn<Symbol, Symbol> = symFunction("RNN");
/** Smooth L1 of each element (`smooth_l1`), with `scalar` σ. */
export const smoothL1: SmoothL1Fn<Symbol> = symFunction("smoothL1");
/** `lhs` reshaped like `rhs` (`reshape_like`). */
export const reshapeLike: ReshapeLikeFn<Symbol> = symFunction("reshapeLike");
