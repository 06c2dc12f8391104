/**
 * Port of MXNet 1.9.1 `example/image-classification/symbols/vgg.py` (tag 1.9.1): VGG 11/13/16/19
 * (Simonyan and Zisserman, arXiv:1409.1556), optionally with BatchNorm. Same functions and layer
 * names (`conv1_1`, `bn1_1`, `relu1_1`, `pool1`, ..., `fc6`, `fc7`, `fc8`, `softmax`), so
 * `listArguments()` matches MXNet's.
 *
 * Lines that differ from the Python, and why:
 * - Python's `**kwargs` (ignored there) are left out; `batch_norm` and `dtype` are an options
 *   object of `getSymbol`.
 * - The classifier's hidden width is fixed at 4096 in the Python; here it is an optional last
 *   argument of `getClassifier` (default 4096, what `getSymbol` uses) so a test can train the same
 *   graph at a small width on a CPU. Names and structure are unchanged.
 * - `raise ValueError` is a thrown `MXNetError`.
 *
 *   deno run -A examples/mxnet/symbols/vgg.ts [NUM_LAYERS] [--batch-norm]   # prints the shapes
 * @module
 */
import * as mx from "../../../mod.ts";
import type { DType } from "../../../mod.ts";

type Symbol = mx.sym.Symbol;

/** The convolutional part: `layers[i]` 3x3 convolutions of `filters[i]` channels, then a 2x2 max pool. */
export function getFeature(
  internelLayer: Symbol,
  layers: number[],
  filters: number[],
  batchNorm = false,
): Symbol {
  layers.forEach((num, i) => {
    for (let j = 0; j < num; j++) {
      internelLayer = mx.sym.Convolution({
        data: internelLayer,
        kernel: [3, 3],
        pad: [1, 1],
        numFilter: filters[i],
        name: `conv${i + 1}_${j + 1}`,
      });
      if (batchNorm) {
        internelLayer = mx.sym.BatchNorm({ data: internelLayer, name: `bn${i + 1}_${j + 1}` });
      }
      internelLayer = mx.sym.Activation({
        data: internelLayer,
        actType: "relu",
        name: `relu${i + 1}_${j + 1}`,
      });
    }
    internelLayer = mx.sym.Pooling({
      data: internelLayer,
      poolType: "max",
      kernel: [2, 2],
      stride: [2, 2],
      name: `pool${i + 1}`,
    });
  });
  return internelLayer;
}

/** The classifier: flatten, fc6-relu-dropout, fc7-relu-dropout, fc8 of `numClasses`. */
export function getClassifier(inputData: Symbol, numClasses: number, hidden = 4096): Symbol {
  const flatten = mx.sym.Flatten({ data: inputData, name: "flatten" });
  const fc6 = mx.sym.FullyConnected({ data: flatten, numHidden: hidden, name: "fc6" });
  const relu6 = mx.sym.Activation({ data: fc6, actType: "relu", name: "relu6" });
  const drop6 = mx.sym.Dropout({ data: relu6, p: 0.5, name: "drop6" });
  const fc7 = mx.sym.FullyConnected({ data: drop6, numHidden: hidden, name: "fc7" });
  const relu7 = mx.sym.Activation({ data: fc7, actType: "relu", name: "relu7" });
  const drop7 = mx.sym.Dropout({ data: relu7, p: 0.5, name: "drop7" });
  const fc8 = mx.sym.FullyConnected({ data: drop7, numHidden: numClasses, name: "fc8" });
  return fc8;
}

/** Options of {@link getSymbol}. */
export interface VggOptions {
  /** Use batch normalization (false). */
  batchNorm?: boolean;
  /** Data precision, float32 or float16 ("float32"). */
  dtype?: DType;
}

/** The (convolutions per block, channels per block) of each depth. */
export const VGG_SPEC: Record<number, [number[], number[]]> = {
  11: [[1, 1, 2, 2, 2], [64, 128, 256, 512, 512]],
  13: [[2, 2, 2, 2, 2], [64, 128, 256, 512, 512]],
  16: [[2, 2, 3, 3, 3], [64, 128, 256, 512, 512]],
  19: [[2, 2, 4, 4, 4], [64, 128, 256, 512, 512]],
};

/**
 * VGG with `numLayers` of 11, 13, 16 or 19 and a softmax output of `numClasses`.
 * @param numClasses Number of classification classes.
 * @param numLayers Number of layers for the variant: 11, 13, 16 or 19.
 */
export function getSymbol(
  numClasses: number,
  numLayers = 11,
  { batchNorm = false, dtype = "float32" }: VggOptions = {},
): Symbol {
  const vggSpec = VGG_SPEC;
  if (!(numLayers in vggSpec)) {
    throw new mx.MXNetError(`Invalide num_layers ${numLayers}. Possible choices are 11,13,16,19.`);
  }
  const [layers, filters] = vggSpec[numLayers];
  let data = mx.sym.Variable("data");
  if (dtype === "float16") {
    data = mx.sym.Cast({ data, dtype: "float16" });
  }
  const feature = getFeature(data, layers, filters, batchNorm);
  let classifier = getClassifier(feature, numClasses);
  if (dtype === "float16") {
    classifier = mx.sym.Cast({ data: classifier, dtype: "float32" });
  }
  const symbol = mx.sym.SoftmaxOutput({ data: classifier, name: "softmax" });
  return symbol;
}

if (import.meta.main) {
  const numLayers = Number(Deno.args.find((a) => !a.startsWith("--")) ?? 11);
  const net = getSymbol(1000, numLayers, { batchNorm: Deno.args.includes("--batch-norm") });
  const { argShapes, outShapes } = net.inferShape({ data: [1, 3, 224, 224] });
  const args = net.listArguments();
  args.forEach((name, i) => console.log(`${name.padEnd(16)} ${JSON.stringify(argShapes[i])}`));
  console.log(
    `vgg-${numLayers} on 3x224x224: ${args.length} arguments, output ${
      JSON.stringify(outShapes[0])
    }`,
  );
}
