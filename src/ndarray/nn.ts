/**
 * Neural-network operators on NDArrays: `mx.nd.FullyConnected({ data, weight, bias,
 * numHidden })` or, as Gluon's `F.FullyConnected(x, weight, bias, num_hidden=...)`,
 * `mx.nd.FullyConnected(x, w, b, { numHidden })`. The same registry entries and signatures
 * as the `mx.sym` constructors; returns the visible output.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.nd.ones([2, 3]), w = mx.nd.ones([4, 3]), b = mx.nd.zeros([4]);
 * const y = mx.nd.FullyConnected(x, w, b, { numHidden: 4 });
 * console.log(await y.array()); // [[3, 3, 3, 3], [3, 3, 3, 3]]
 * ```
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
import { ndFunction } from "./_frontend.ts";
import type { NDArray } from "./ndarray.ts";

/** Fully connected layer: `data · weightᵀ + bias`. */
export const FullyConnected: LayerFn<NDArray, O.FullyConnectedOptions<NDArray>> = ndFunction(
  "FullyConnected",
);
/** Activation (`actType` relu, sigmoid, tanh, softrelu, softsign, ...). */
export const Activation: LayerFn<NDArray, O.ActivationOptions<NDArray>> = ndFunction("Activation");
/** LeakyReLU (leaky, prelu, elu, selu, gelu, rrelu). */
export const LeakyReLU: OptionalLayerFn<NDArray, O.LeakyReLUOptions<NDArray>> = ndFunction(
  "LeakyReLU",
);
/** Convolution (1-D, 2-D or 3-D). */
export const Convolution: LayerFn<NDArray, O.ConvolutionOptions<NDArray>> = ndFunction(
  "Convolution",
);
/** Deconvolution (transposed convolution). */
export const Deconvolution: LayerFn<NDArray, O.DeconvolutionOptions<NDArray>> = ndFunction(
  "Deconvolution",
);
/** Pooling (max, avg, sum, lp). */
export const Pooling: OptionalLayerFn<NDArray, O.PoolingOptions<NDArray>> = ndFunction("Pooling");
/** BatchNorm (moving statistics updated in place when training under autograd). */
export const BatchNorm: OptionalLayerFn<NDArray, O.BatchNormOptions<NDArray>> = ndFunction(
  "BatchNorm",
);
/** LayerNorm. */
export const LayerNorm: OptionalLayerFn<NDArray, O.LayerNormOptions<NDArray>> = ndFunction(
  "LayerNorm",
);
/** InstanceNorm: per sample and channel, then `gamma`/`beta` per channel. */
export const InstanceNorm: OptionalLayerFn<NDArray, O.InstanceNormOptions<NDArray>> = ndFunction(
  "InstanceNorm",
);
/** GroupNorm: over groups of `numGroups` channels. */
export const GroupNorm: OptionalLayerFn<NDArray, O.GroupNormOptions<NDArray>> = ndFunction(
  "GroupNorm",
);
/** Local response normalisation across `nsize` channels. */
export const LRN: LayerFn<NDArray, O.LRNOptions<NDArray>> = ndFunction("LRN");
/** Dropout (the identity unless training). */
export const Dropout: OptionalLayerFn<NDArray, O.DropoutOptions<NDArray>> = ndFunction("Dropout");
/** Embedding lookup. */
export const Embedding: LayerFn<NDArray, O.EmbeddingOptions<NDArray>> = ndFunction("Embedding");
/** SoftmaxOutput (softmax forward, cross-entropy gradient). */
export const SoftmaxOutput: OptionalLayerFn<NDArray, O.SoftmaxOutputOptions<NDArray>> = ndFunction(
  "SoftmaxOutput",
);
/** LinearRegressionOutput. */
export const LinearRegressionOutput: OptionalLayerFn<NDArray, O.RegressionOutputOptions<NDArray>> =
  ndFunction("LinearRegressionOutput");
/** LogisticRegressionOutput. */
export const LogisticRegressionOutput: OptionalLayerFn<
  NDArray,
  O.RegressionOutputOptions<NDArray>
> = ndFunction("LogisticRegressionOutput");
/** MAERegressionOutput. */
export const MAERegressionOutput: OptionalLayerFn<NDArray, O.RegressionOutputOptions<NDArray>> =
  ndFunction("MAERegressionOutput");
/** MakeLoss: marks `data` as a loss. */
export const MakeLoss: OptionalLayerFn<NDArray, O.MakeLossOptions<NDArray>> = ndFunction(
  "MakeLoss",
);
/** softmax_cross_entropy: summed cross-entropy of `softmax(data)`. */
export const softmaxCrossEntropy: OptionalLayerFn<NDArray, O.SoftmaxCrossEntropyOptions<NDArray>> =
  ndFunction("softmaxCrossEntropy");
/** Softmax over all but the batch axis (`mode: "instance"`), or over channels (`"channel"`). */
export const SoftmaxActivation: OptionalLayerFn<NDArray, O.SoftmaxActivationOptions<NDArray>> =
  ndFunction("SoftmaxActivation");

/** SequenceMask: positions past each sequence's length set to `value`. */
export const SequenceMask: OptionalLayerFn<NDArray, O.SequenceMaskOptions<NDArray>> = ndFunction(
  "SequenceMask",
);
/** Pad (MXNet's `pad`): constant, edge or reflect padding of a 4-D or 5-D array. */
export const Pad: LayerFn<NDArray, O.PadOptions<NDArray>> = ndFunction("Pad");
/** Alias of `Pad`. */
export const pad: LayerFn<NDArray, O.PadOptions<NDArray>> = ndFunction("pad");
/** CTCLoss: the loss of each sequence [N] of activations [T, N, C] against labels [N, L]. */
export const CTCLoss: LayerFn<NDArray, O.CTCLossOptions<NDArray>> = ndFunction("CTCLoss");
/** Alias of `CTCLoss` (MXNet's `ctc_loss`). */
export const ctcLoss: LayerFn<NDArray, O.CTCLossOptions<NDArray>> = ndFunction("ctcLoss");
/** Image patches as columns, MXNet's layout [N, C·prod(kernel), positions] (`im2col`). */
export const im2col: LayerFn<NDArray, O.Im2colOptions<NDArray>> = ndFunction("im2col");
/** Columns summed back into an image of `outputSize` (`col2im`, im2col's adjoint). */
export const col2im: LayerFn<NDArray, O.Col2imOptions<NDArray>> = ndFunction("col2im");
/** AMP's cast (`amp_cast`): the gradient is cast back to the input's dtype. */
export const ampCast: LayerFn<NDArray, O.AmpCastOptions<NDArray>> = ndFunction("ampCast");
/** AMP's multicast (`amp_multicast`): every input cast to the widest input float. */
export const ampMulticast: AmpMulticastFn<NDArray, NDArray[]> = ndFunction("ampMulticast");
/**
 * The fused recurrent operator over TNC data; `[out, hy]` (`[out, hy, cy]` for an LSTM)
 * with `stateOutputs: true`.
 */
export const RNN: RNNFn<NDArray, NDArray[]> = ndFunction("RNN");
/** Smooth L1 of each element (`smooth_l1`), with `scalar` σ. */
export const smoothL1: SmoothL1Fn<NDArray> = ndFunction("smoothL1");
/** `lhs` reshaped like `rhs` (`reshape_like`). */
export const reshapeLike: ReshapeLikeFn<NDArray> = ndFunction("reshapeLike");
