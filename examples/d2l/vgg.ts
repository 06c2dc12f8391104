/**
 * d2l 7.2 (VGG) made small enough for 28 x 28 Fashion-MNIST on a CPU: three VGG blocks of
 * 3x3 convolutions (16, 32 and 2 x 64 channels), each ending in 2x2 max pooling
 * (28 -> 14 -> 7 -> 3), then the book's classifier head with dropout at a width of 256.
 * The book instead resizes to 224 px and divides VGG-11's channels by 4. SGD at 0.05, as
 * the book, batch 128.
 *
 *   deno run -A examples/d2l/vgg.ts [--epochs 10] [--limit N] [--lr 0.05]
 * @module
 */
import * as mx from "../../mod.ts";
import { runFashionMnist, type RunResult } from "./_d2l.ts";

const { nn } = mx.gluon;

/** d2l's `vgg_block`: `numConvs` 3x3 convolutions (ReLU) and a 2x2 max pooling. */
export function vggBlock(numConvs: number, numChannels: number): mx.gluon.nn.HybridSequential {
  const blk = new nn.HybridSequential();
  for (let i = 0; i < numConvs; i++) {
    blk.add(new nn.Conv2D(numChannels, { kernelSize: 3, padding: 1, activation: "relu" }));
  }
  blk.add(new nn.MaxPool2D({ poolSize: 2, strides: 2 }));
  return blk;
}

/** The blocks as (number of convolutions, channels), the book's `conv_arch`. */
export const CONV_ARCH: readonly (readonly [number, number])[] = [[1, 16], [1, 32], [2, 64]];

/** d2l's `vgg(conv_arch)` with a 256-wide head. */
export function vgg(convArch = CONV_ARCH): mx.gluon.nn.HybridSequential {
  const net = new nn.HybridSequential();
  for (const [numConvs, numChannels] of convArch) net.add(vggBlock(numConvs, numChannels));
  net.add(
    new nn.Dense(256, { activation: "relu" }),
    new nn.Dropout(0.5),
    new nn.Dense(256, { activation: "relu" }),
    new nn.Dropout(0.5),
    new nn.Dense(10),
  );
  return net;
}

/** Trains it; undefined when Fashion-MNIST is not installed. */
export function main(args: readonly string[]): Promise<RunResult | undefined> {
  return runFashionMnist(args, {
    name: "small VGG",
    file: "vgg",
    defaults: { epochs: 10, batchSize: 128, lr: 0.05 },
    net: () => vgg(),
    hybridize: true,
  });
}

if (import.meta.main) await main(Deno.args);
