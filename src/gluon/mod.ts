/**
 * `mx.gluon`: MXNet's imperative, object-oriented interface. Parameters, Blocks and
 * HybridBlocks (with `hybridize` and `export`), the layers of `gluon.nn`, the losses of
 * `gluon.loss`, the Trainer and `gluon.utils`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const { nn } = mx.gluon;
 * const net = new nn.Sequential();
 * net.add(new nn.Dense(8, { activation: "relu" }), new nn.Dense(2));
 * net.initialize();
 * const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", { learningRate: 0.1 });
 * const loss = new mx.gluon.loss.SoftmaxCrossEntropyLoss();
 * const x = mx.nd.ones([4, 3]), y = mx.nd.array([0, 1, 0, 1]);
 * const l = mx.autograd.record(() => loss.forward(net.forward(x), y));
 * l.backward();
 * trainer.step(4);
 * console.log(l.shape); // [4]
 * ```
 * @module
 */
export {
  Constant,
  DeferredInitializationError,
  type GradReq,
  type InitLike,
  Parameter,
  type ParameterInitOptions,
  type ParameterOptions,
} from "./parameter.ts";
export { type InitializeOptions, type LoadOptions, ParameterDict } from "./parameter_dict.ts";
export {
  Block,
  type BlockOptions,
  type ForwardHook,
  type ForwardPreHook,
  HookHandle,
  type LoadParametersOptions,
} from "./block.ts";
export {
  type F,
  HybridBlock,
  type HybridizeOptions,
  type ImportsOptions,
  SymbolBlock,
} from "./hybrid_block.ts";
export { type StepOptions, Trainer, type TrainerOptions } from "./trainer.ts";
export * as nn from "./nn/mod.ts";
export * as loss from "./loss.ts";
export * as utils from "./utils.ts";
