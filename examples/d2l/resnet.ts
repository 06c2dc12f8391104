/**
 * d2l 7.6 (ResNet): ResNet-18's layout (four stages of two residual blocks, BatchNorm,
 * global average pooling) on Fashion-MNIST at its native 28 x 28, with half the channels
 * (32/64/128/256). The stem is the book's (7x7 convolution with stride 2, 3x3 max pooling
 * with stride 2), so the four stages see 7, 4, 2 and 1 pixels. A 3x3 stride-1 stem (stages at
 * 14, 7, 4, 2) does about 3.7 times the arithmetic and trained at 27 images/s against 64 on
 * the shared 2-core machine these examples were measured on: over 3 hours for 5 epochs.
 *
 *   deno run -A examples/d2l/resnet.ts [--epochs 5] [--limit N] [--lr 0.05] [--batch-size 256]
 * @module
 */
import * as mx from "../../mod.ts";
import { runFashionMnist, type RunResult } from "./_d2l.ts";

const { nn } = mx.gluon;
const { npx } = mx;

/** d2l's `Residual`: two 3x3 convolutions with BatchNorm, plus the input (1x1-projected). */
export class Residual extends nn.HybridBlock {
  conv1: mx.gluon.nn.Conv2D;
  conv2: mx.gluon.nn.Conv2D;
  conv3: mx.gluon.nn.Conv2D | null;
  bn1 = new nn.BatchNorm();
  bn2 = new nn.BatchNorm();
  constructor(numChannels: number, opts: { use1x1conv?: boolean; strides?: number } = {}) {
    super();
    const strides = opts.strides ?? 1;
    this.conv1 = new nn.Conv2D(numChannels, { kernelSize: 3, padding: 1, strides });
    this.conv2 = new nn.Conv2D(numChannels, { kernelSize: 3, padding: 1 });
    this.conv3 = opts.use1x1conv ? new nn.Conv2D(numChannels, { kernelSize: 1, strides }) : null;
  }
  override forward(X: mx.NDArray): mx.NDArray {
    let Y = npx.relu(this.bn1.forward(this.conv1.forward(X)));
    Y = this.bn2.forward(this.conv2.forward(Y));
    const shortcut = this.conv3 ? this.conv3.forward(X) : X;
    return npx.relu(Y.add(shortcut));
  }
}

/** d2l's `resnet_block`: `numResiduals` blocks, the first halving the size (except stage 1). */
export function resnetBlock(
  numChannels: number,
  numResiduals: number,
  firstBlock = false,
): mx.gluon.nn.HybridSequential {
  const blk = new nn.HybridSequential();
  for (let i = 0; i < numResiduals; i++) {
    if (i === 0 && !firstBlock) {
      blk.add(new Residual(numChannels, { use1x1conv: true, strides: 2 }));
    } else {
      blk.add(new Residual(numChannels));
    }
  }
  return blk;
}

/** ResNet-18 at 28 px with `width` channels in the first stage (the book: 64). */
export function resnet18(width = 32, classes = 10): mx.gluon.nn.HybridSequential {
  const net = new nn.HybridSequential();
  net.add(
    new nn.Conv2D(width, { kernelSize: 7, strides: 2, padding: 3 }),
    new nn.BatchNorm(),
    new nn.Activation("relu"),
    new nn.MaxPool2D({ poolSize: 3, strides: 2, padding: 1 }),
  );
  net.add(
    resnetBlock(width, 2, true),
    resnetBlock(2 * width, 2),
    resnetBlock(4 * width, 2),
    resnetBlock(8 * width, 2),
  );
  net.add(new nn.GlobalAvgPool2D(), new nn.Dense(classes));
  return net;
}

/** The book's settings: lr 0.05, batch 256; 5 epochs here (the book: 10 at 96 px). */
export const DEFAULTS = { epochs: 5, batchSize: 256, lr: 0.05 } as const;

/** Trains ResNet-18 (half width); undefined when Fashion-MNIST is not installed. */
export function main(args: readonly string[]): Promise<RunResult | undefined> {
  return runFashionMnist(args, {
    name: "ResNet-18 (32/64/128/256)",
    file: "resnet",
    defaults: DEFAULTS,
    net: () => resnet18(),
    hybridize: true,
  });
}

if (import.meta.main) await main(Deno.args);
