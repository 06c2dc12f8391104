/**
 * Neural-network operator constructors on Symbols (`mx.sym.FullyConnected`, ...).
 * Missing weight/bias/label/aux inputs become variables named `<name>_<arg>`.
 * @module
 */
import type * as O from "../ops/nn/options.ts";
import { invoke } from "./ops.ts";
import type { Symbol } from "./symbol.ts";

/** `FullyConnected({ data, name: "fc1", numHidden: 128 })`. */
export function FullyConnected(opts: O.FullyConnectedOptions<Symbol>): Symbol {
  return invoke("FullyConnected", { ...opts });
}
/** `Activation({ data, actType: "relu" })`. */
export function Activation(opts: O.ActivationOptions<Symbol>): Symbol {
  return invoke("Activation", { ...opts });
}
/** LeakyReLU (leaky, prelu, elu, selu, gelu, rrelu). */
export function LeakyReLU(opts: O.LeakyReLUOptions<Symbol>): Symbol {
  return invoke("LeakyReLU", { ...opts });
}
/** Convolution. */
export function Convolution(opts: O.ConvolutionOptions<Symbol>): Symbol {
  return invoke("Convolution", { ...opts });
}
/** Deconvolution. */
export function Deconvolution(opts: O.DeconvolutionOptions<Symbol>): Symbol {
  return invoke("Deconvolution", { ...opts });
}
/** Pooling. */
export function Pooling(opts: O.PoolingOptions<Symbol>): Symbol {
  return invoke("Pooling", { ...opts });
}
/** BatchNorm (aux states `<name>_moving_mean`, `<name>_moving_var`). */
export function BatchNorm(opts: O.BatchNormOptions<Symbol>): Symbol {
  return invoke("BatchNorm", { ...opts });
}
/** LayerNorm. */
export function LayerNorm(opts: O.LayerNormOptions<Symbol>): Symbol {
  return invoke("LayerNorm", { ...opts });
}
/** Dropout (identity unless training). */
export function Dropout(opts: O.DropoutOptions<Symbol>): Symbol {
  return invoke("Dropout", { ...opts });
}
/** Embedding. */
export function Embedding(opts: O.EmbeddingOptions<Symbol>): Symbol {
  return invoke("Embedding", { ...opts });
}
/** SoftmaxOutput (label `<name>_label`). */
export function SoftmaxOutput(opts: O.SoftmaxOutputOptions<Symbol>): Symbol {
  return invoke("SoftmaxOutput", { ...opts });
}
/** LinearRegressionOutput. */
export function LinearRegressionOutput(opts: O.RegressionOutputOptions<Symbol>): Symbol {
  return invoke("LinearRegressionOutput", { ...opts });
}
/** LogisticRegressionOutput. */
export function LogisticRegressionOutput(opts: O.RegressionOutputOptions<Symbol>): Symbol {
  return invoke("LogisticRegressionOutput", { ...opts });
}
/** MAERegressionOutput. */
export function MAERegressionOutput(opts: O.RegressionOutputOptions<Symbol>): Symbol {
  return invoke("MAERegressionOutput", { ...opts });
}
/** MakeLoss. */
export function MakeLoss(opts: O.MakeLossOptions<Symbol>): Symbol {
  return invoke("MakeLoss", { ...opts });
}
/** softmax_cross_entropy. */
export function softmaxCrossEntropy(opts: O.SoftmaxCrossEntropyOptions<Symbol>): Symbol {
  return invoke("softmax_cross_entropy", { ...opts });
}
/** Pad (alias `pad`): constant, edge or reflect padding of 4-D or 5-D data. */
export function Pad(opts: O.PadOptions<Symbol>): Symbol {
  return invoke("Pad", { ...opts });
}
/** Alias of {@link Pad}. */
export const pad: typeof Pad = Pad;
/** CTCLoss (alias `ctcLoss`; label `<name>_label`). */
export function CTCLoss(opts: O.CTCLossOptions<Symbol>): Symbol {
  return invoke("CTCLoss", { ...opts });
}
/** Alias of {@link CTCLoss}. */
export const ctcLoss: typeof CTCLoss = CTCLoss;
