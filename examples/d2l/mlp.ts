/**
 * d2l 4.3: a multilayer perceptron, the concise way: 784 -> 256 (ReLU) -> 10, weights from
 * Normal(0, 0.01), SGD at 0.1, batch 256, 10 epochs.
 *
 *   deno run -A examples/d2l/mlp.ts [--epochs 10] [--limit N] [--lr 0.1]
 * @module
 */
import * as mx from "../../mod.ts";
import { runFashionMnist, type RunResult } from "./_d2l.ts";

const { nn } = mx.gluon;

/** 784 -> 256 (ReLU) -> 10. */
export function mlp(): mx.gluon.nn.Sequential {
  const net = new nn.Sequential();
  net.add(new nn.Dense(256, { activation: "relu" }), new nn.Dense(10));
  return net;
}

/** Trains it; undefined when Fashion-MNIST is not installed. */
export function main(args: readonly string[]): Promise<RunResult | undefined> {
  return runFashionMnist(args, {
    name: "MLP 784-256-10",
    file: "mlp",
    defaults: { epochs: 10, batchSize: 256, lr: 0.1 },
    net: mlp,
    init: () => new mx.init.Normal(0.01),
  });
}

if (import.meta.main) await main(Deno.args);
