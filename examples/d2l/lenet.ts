/**
 * d2l 6.6: LeNet as the book writes it, with sigmoid activations and average pooling:
 * conv 6@5x5 (pad 2) -> avg pool -> conv 16@5x5 -> avg pool -> 120 -> 84 -> 10, Xavier
 * initialization, SGD at 0.9 (sigmoids learn slowly), batch 256, 10 epochs. Hybridized, as
 * the book's `HybridSequential` may be.
 *
 *   deno run -A examples/d2l/lenet.ts [--epochs 10] [--limit N] [--lr 0.9]
 * @module
 */
import * as mx from "../../mod.ts";
import { runFashionMnist, type RunResult } from "./_d2l.ts";

const { nn } = mx.gluon;

/** The book's LeNet. */
export function lenet(): mx.gluon.nn.HybridSequential {
  const net = new nn.HybridSequential();
  net.add(
    new nn.Conv2D(6, { kernelSize: 5, padding: 2, activation: "sigmoid" }),
    new nn.AvgPool2D({ poolSize: 2, strides: 2 }),
    new nn.Conv2D(16, { kernelSize: 5, activation: "sigmoid" }),
    new nn.AvgPool2D({ poolSize: 2, strides: 2 }),
    // Dense flattens [batch, 16, 5, 5] to [batch, 400] itself.
    new nn.Dense(120, { activation: "sigmoid" }),
    new nn.Dense(84, { activation: "sigmoid" }),
    new nn.Dense(10),
  );
  return net;
}

/** Trains it; undefined when Fashion-MNIST is not installed. */
export function main(args: readonly string[]): Promise<RunResult | undefined> {
  return runFashionMnist(args, {
    name: "LeNet (sigmoid)",
    file: "lenet",
    defaults: { epochs: 10, batchSize: 256, lr: 0.9 },
    net: lenet,
    hybridize: true,
  });
}

if (import.meta.main) await main(Deno.args);
