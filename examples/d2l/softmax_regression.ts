/**
 * d2l 3.7: softmax regression, the concise way: one `Dense(10)` layer over the flattened
 * 28 x 28 images, `SoftmaxCrossEntropyLoss`, SGD at 0.1, batch 256, 10 epochs, weights
 * drawn from Normal(0, 0.01).
 *
 *   deno run -A examples/d2l/softmax_regression.ts [--epochs 10] [--limit N] [--lr 0.1]
 * @module
 */
import * as mx from "../../mod.ts";
import { runFashionMnist, type RunResult } from "./_d2l.ts";

const { nn } = mx.gluon;

/** The network: Dense flattens its input, so [batch, 1, 28, 28] works as it is. */
export function softmaxRegression(): mx.gluon.nn.Sequential {
  const net = new nn.Sequential();
  net.add(new nn.Dense(10));
  return net;
}

/** Trains it; undefined when Fashion-MNIST is not installed. */
export function main(args: readonly string[]): Promise<RunResult | undefined> {
  return runFashionMnist(args, {
    name: "softmax regression",
    file: "softmax_regression",
    defaults: { epochs: 10, batchSize: 256, lr: 0.1 },
    net: softmaxRegression,
    init: () => new mx.init.Normal(0.01),
  });
}

if (import.meta.main) await main(Deno.args);
