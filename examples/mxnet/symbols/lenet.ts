/**
 * Port of MXNet 1.9.1 `example/image-classification/symbols/lenet.py` (tag 1.9.1): LeCun et al.'s
 * LeNet (tanh, max pooling, 20 and 50 filters, 500 hidden), optionally behind a spatial
 * transformer (`add_stn`) whose localisation net is `get_loc`. Layers are unnamed in the
 * Python, so MXNet's automatic names (`convolution0`, `fullyconnected0`, ...) are the argument
 * names; mxts's counters give the same ones in a fresh process (`mx.name.resetNames()`).
 *
 * Lines that differ from the Python, and why:
 * - `get_symbol(num_classes=10, add_stn=False, **kwargs)` is `getSymbol(numClasses, { addStn })`.
 * - None otherwise. `attr={'lr_mult':'0.01'}` behaves as in MXNet: stored as `__lr_mult__` on
 *   `stn_loc` and on the `stn_loc_weight`/`stn_loc_bias` it creates, so Module's optimizer
 *   trains the localisation layer at a hundredth of the learning rate.
 *
 *   deno run -A examples/mxnet/symbols/lenet.ts [--stn]   # prints the shapes on 1x28x28
 * @module
 */
import * as mx from "../../../mod.ts";

type Symbol = mx.sym.Symbol;

/**
 * the localisation network in lenet-stn, it will increase acc about more than 1%,
 * when num-epoch >=15
 */
export function getLoc(data: Symbol, attr: Record<string, string> = { lr_mult: "0.01" }): Symbol {
  let loc = mx.sym.Convolution({ data, numFilter: 30, kernel: [5, 5], stride: [2, 2] });
  loc = mx.sym.Activation({ data: loc, actType: "relu" });
  loc = mx.sym.Pooling({ data: loc, kernel: [2, 2], stride: [2, 2], poolType: "max" });
  loc = mx.sym.Convolution({
    data: loc,
    numFilter: 60,
    kernel: [3, 3],
    stride: [1, 1],
    pad: [1, 1],
  });
  loc = mx.sym.Activation({ data: loc, actType: "relu" });
  loc = mx.sym.Pooling({ data: loc, globalPool: true, kernel: [2, 2], poolType: "avg" });
  loc = mx.sym.Flatten({ data: loc });
  loc = mx.sym.FullyConnected({ data: loc, numHidden: 6, name: "stn_loc", attr });
  return loc;
}

/** LeNet with a softmax output of `numClasses` (10); `addStn` puts a spatial transformer first. */
export function getSymbol(numClasses = 10, { addStn = false }: { addStn?: boolean } = {}): Symbol {
  let data = mx.sym.Variable("data");
  if (addStn) {
    data = mx.sym.SpatialTransformer({
      data,
      loc: getLoc(data),
      targetShape: [28, 28],
      transformType: "affine",
      samplerType: "bilinear",
    });
  }
  // first conv
  const conv1 = mx.sym.Convolution({ data, kernel: [5, 5], numFilter: 20 });
  const tanh1 = mx.sym.Activation({ data: conv1, actType: "tanh" });
  const pool1 = mx.sym.Pooling({ data: tanh1, poolType: "max", kernel: [2, 2], stride: [2, 2] });
  // second conv
  const conv2 = mx.sym.Convolution({ data: pool1, kernel: [5, 5], numFilter: 50 });
  const tanh2 = mx.sym.Activation({ data: conv2, actType: "tanh" });
  const pool2 = mx.sym.Pooling({ data: tanh2, poolType: "max", kernel: [2, 2], stride: [2, 2] });
  // first fullc
  const flatten = mx.sym.Flatten({ data: pool2 });
  const fc1 = mx.sym.FullyConnected({ data: flatten, numHidden: 500 });
  const tanh3 = mx.sym.Activation({ data: fc1, actType: "tanh" });
  // second fullc
  const fc2 = mx.sym.FullyConnected({ data: tanh3, numHidden: numClasses });
  // loss
  const lenet = mx.sym.SoftmaxOutput({ data: fc2, name: "softmax" });
  return lenet;
}

if (import.meta.main) {
  const net = getSymbol(10, { addStn: Deno.args.includes("--stn") });
  const { argShapes, outShapes } = net.inferShape({ data: [1, 1, 28, 28] });
  const args = net.listArguments();
  args.forEach((name, i) => console.log(`${name.padEnd(24)} ${JSON.stringify(argShapes[i])}`));
  console.log(`lenet on 1x28x28: ${args.length} arguments, output ${JSON.stringify(outShapes[0])}`);
}
