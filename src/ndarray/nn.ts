/**
 * Neural-network operators on NDArrays (`mx.nd.FullyConnected({ data, weight, bias,
 * numHidden })`): the same registry entries the Symbol constructors use, returning the
 * visible output.
 * @module
 */
import type * as O from "../ops/nn/options.ts";
import { MXNetError } from "../core/errors.ts";
import { getOp } from "../ops/registry.ts";
import { applyOp } from "./apply.ts";
import { NDArray } from "./ndarray.ts";

/** Applies `op` with NDArray inputs taken from `opts` by argument name. */
function apply(op: string, opts: object): NDArray {
  const def = getOp(op);
  const inputs: Record<string, NDArray> = {};
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) {
    if (k === "name" || k === "attr") continue;
    if (v instanceof NDArray) inputs[k] = v;
    else params[k] = v;
  }
  // Argument order comes from the operator (it may depend on params, e.g. noBias).
  const probe = applyOrder(def, params);
  // Options spell inputs in camelCase (movingMean), operators in MXNet's snake_case.
  const pick = (n: string) =>
    inputs[n] ?? inputs[n.replace(/_([a-z])/g, (_, c) => c.toUpperCase())];
  const missing = probe.filter((n) => !pick(n));
  if (missing.length) {
    throw new MXNetError(`${op}: missing input array(s) ${missing.join(", ")}`);
  }
  return applyOp(def, probe.map(pick), params)[0];
}

function applyOrder(def: ReturnType<typeof getOp>, params: Record<string, unknown>): string[] {
  const p = Object.fromEntries(
    Object.entries(def.params).map(([k, spec]) => [k, params[k] ?? spec.default]),
  );
  const args = typeof def.inputs === "function" ? def.inputs(p) : def.inputs;
  return [...args, ...(def.aux ?? [])];
}

/** FullyConnected. */
export function FullyConnected(opts: O.FullyConnectedOptions<NDArray>): NDArray {
  return apply("FullyConnected", opts);
}
/** Activation. */
export function Activation(opts: O.ActivationOptions<NDArray>): NDArray {
  return apply("Activation", opts);
}
/** LeakyReLU. */
export function LeakyReLU(opts: O.LeakyReLUOptions<NDArray>): NDArray {
  return apply("LeakyReLU", opts);
}
/** Convolution. */
export function Convolution(opts: O.ConvolutionOptions<NDArray>): NDArray {
  return apply("Convolution", opts);
}
/** Deconvolution. */
export function Deconvolution(opts: O.DeconvolutionOptions<NDArray>): NDArray {
  return apply("Deconvolution", opts);
}
/** Pooling. */
export function Pooling(opts: O.PoolingOptions<NDArray>): NDArray {
  return apply("Pooling", opts);
}
/** BatchNorm (moving statistics updated in place when training under autograd). */
export function BatchNorm(opts: O.BatchNormOptions<NDArray>): NDArray {
  return apply("BatchNorm", opts);
}
/** LayerNorm. */
export function LayerNorm(opts: O.LayerNormOptions<NDArray>): NDArray {
  return apply("LayerNorm", opts);
}
/** Dropout. */
export function Dropout(opts: O.DropoutOptions<NDArray>): NDArray {
  return apply("Dropout", opts);
}
/** Embedding. */
export function Embedding(opts: O.EmbeddingOptions<NDArray>): NDArray {
  return apply("Embedding", opts);
}
/** SoftmaxOutput. */
export function SoftmaxOutput(opts: O.SoftmaxOutputOptions<NDArray>): NDArray {
  return apply("SoftmaxOutput", opts);
}
/** LinearRegressionOutput. */
export function LinearRegressionOutput(opts: O.RegressionOutputOptions<NDArray>): NDArray {
  return apply("LinearRegressionOutput", opts);
}
/** LogisticRegressionOutput. */
export function LogisticRegressionOutput(opts: O.RegressionOutputOptions<NDArray>): NDArray {
  return apply("LogisticRegressionOutput", opts);
}
/** MAERegressionOutput. */
export function MAERegressionOutput(opts: O.RegressionOutputOptions<NDArray>): NDArray {
  return apply("MAERegressionOutput", opts);
}
/** MakeLoss. */
export function MakeLoss(opts: O.MakeLossOptions<NDArray>): NDArray {
  return apply("MakeLoss", opts);
}
/** softmax_cross_entropy. */
export function softmaxCrossEntropy(opts: O.SoftmaxCrossEntropyOptions<NDArray>): NDArray {
  return apply("softmax_cross_entropy", opts);
}
/** Pad (alias `pad`): constant, edge or reflect padding of 4-D or 5-D data. */
export function Pad(opts: O.PadOptions<NDArray>): NDArray {
  return apply("Pad", opts);
}
/** Alias of {@link Pad}. */
export const pad: typeof Pad = Pad;
/** CTCLoss (alias `ctcLoss`): the loss of each sequence, shape [N]. */
export function CTCLoss(opts: O.CTCLossOptions<NDArray>): NDArray {
  return apply("CTCLoss", opts);
}
/** Alias of {@link CTCLoss}. */
export const ctcLoss: typeof CTCLoss = CTCLoss;
