/**
 * Port of MXNet 1.9.1 `example/image-classification/symbols/alexnet.py` (tag 1.9.1): Krizhevsky
 * et al.'s AlexNet with local response normalisation (LRN) after the first two stages. Named
 * layers keep their names (`conv1` ... `conv5`, `fc1` ... `fc3`, `softmax`); the unnamed ones
 * (activations, LRN, pooling, dropout, flatten) get MXNet's automatic names.
 *
 * Lines that differ from the Python, and why:
 * - `get_symbol(num_classes, dtype='float32', **kwargs)` is `getSymbol(numClasses, { dtype })`.
 *
 *   deno run -A examples/mxnet/symbols/alexnet.ts   # prints the shapes on 3x224x224
 * @module
 */
import * as mx from "../../../mod.ts";
import type { DType } from "../../../mod.ts";

/** AlexNet with a softmax output of `numClasses`; `dtype` "float16" casts around the body. */
export function getSymbol(
  numClasses: number,
  { dtype = "float32" }: { dtype?: DType } = {},
): mx.sym.Symbol {
  let inputData = mx.sym.Variable("data");
  if (dtype === "float16") {
    inputData = mx.sym.Cast({ data: inputData, dtype: "float16" });
  }
  // stage 1
  const conv1 = mx.sym.Convolution({
    name: "conv1",
    data: inputData,
    kernel: [11, 11],
    stride: [4, 4],
    numFilter: 96,
  });
  const relu1 = mx.sym.Activation({ data: conv1, actType: "relu" });
  const lrn1 = mx.sym.LRN({ data: relu1, alpha: 0.0001, beta: 0.75, knorm: 2, nsize: 5 });
  const pool1 = mx.sym.Pooling({ data: lrn1, poolType: "max", kernel: [3, 3], stride: [2, 2] });
  // stage 2
  const conv2 = mx.sym.Convolution({
    name: "conv2",
    data: pool1,
    kernel: [5, 5],
    pad: [2, 2],
    numFilter: 256,
  });
  const relu2 = mx.sym.Activation({ data: conv2, actType: "relu" });
  const lrn2 = mx.sym.LRN({ data: relu2, alpha: 0.0001, beta: 0.75, knorm: 2, nsize: 5 });
  const pool2 = mx.sym.Pooling({ data: lrn2, kernel: [3, 3], stride: [2, 2], poolType: "max" });
  // stage 3
  const conv3 = mx.sym.Convolution({
    name: "conv3",
    data: pool2,
    kernel: [3, 3],
    pad: [1, 1],
    numFilter: 384,
  });
  const relu3 = mx.sym.Activation({ data: conv3, actType: "relu" });
  const conv4 = mx.sym.Convolution({
    name: "conv4",
    data: relu3,
    kernel: [3, 3],
    pad: [1, 1],
    numFilter: 384,
  });
  const relu4 = mx.sym.Activation({ data: conv4, actType: "relu" });
  const conv5 = mx.sym.Convolution({
    name: "conv5",
    data: relu4,
    kernel: [3, 3],
    pad: [1, 1],
    numFilter: 256,
  });
  const relu5 = mx.sym.Activation({ data: conv5, actType: "relu" });
  const pool3 = mx.sym.Pooling({ data: relu5, kernel: [3, 3], stride: [2, 2], poolType: "max" });
  // stage 4
  const flatten = mx.sym.Flatten({ data: pool3 });
  const fc1 = mx.sym.FullyConnected({ name: "fc1", data: flatten, numHidden: 4096 });
  const relu6 = mx.sym.Activation({ data: fc1, actType: "relu" });
  const dropout1 = mx.sym.Dropout({ data: relu6, p: 0.5 });
  // stage 5
  const fc2 = mx.sym.FullyConnected({ name: "fc2", data: dropout1, numHidden: 4096 });
  const relu7 = mx.sym.Activation({ data: fc2, actType: "relu" });
  const dropout2 = mx.sym.Dropout({ data: relu7, p: 0.5 });
  // stage 6
  let fc3 = mx.sym.FullyConnected({ name: "fc3", data: dropout2, numHidden: numClasses });
  if (dtype === "float16") {
    fc3 = mx.sym.Cast({ data: fc3, dtype: "float32" });
  }
  const softmax = mx.sym.SoftmaxOutput({ data: fc3, name: "softmax" });
  return softmax;
}

if (import.meta.main) {
  const net = getSymbol(1000);
  const { argShapes, outShapes } = net.inferShape({ data: [1, 3, 224, 224] });
  const args = net.listArguments();
  args.forEach((name, i) => console.log(`${name.padEnd(16)} ${JSON.stringify(argShapes[i])}`));
  console.log(
    `alexnet on 3x224x224: ${args.length} arguments, output ${JSON.stringify(outShapes[0])}`,
  );
}
