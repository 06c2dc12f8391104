/**
 * `mx.gluon`: MXNet's imperative, object-oriented interface. Parameters, Blocks and
 * HybridBlocks (with `hybridize` and `export`), the layers of `gluon.nn`, the losses of
 * `gluon.loss`, the Trainer, `gluon.utils`, and data loading in `gluon.data`.
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
export * from "./parameter.ts";
export * from "./parameter_dict.ts";
export * from "./block.ts";
export * from "./hybrid_block.ts";
export * from "./trainer.ts";
export * as nn from "./nn/mod.ts";
export * as loss from "./loss.ts";
export * as utils from "./utils.ts";
export * as data from "./data/mod.ts";
export * as rnn from "./rnn/mod.ts";
