/**
 * Port of MXNet 1.9.1 `example/image-classification/symbols/resnet.py` (commit tag 1.9.1),
 * "Identity Mappings in Deep Residual Networks" (He et al.), adapted there from Wei Wu's
 * tornadomeet/ResNet. Same functions, same layer names (`bn_data`, `conv0`,
 * `stage1_unit1_bn1`, ..., `fc1`, `softmax`), so `listArguments()` matches MXNet's.
 *
 * Lines that differ from the Python, and why:
 * - Python's keyword arguments become an options object (`bottleNeck`, `bnMom`, `workspace`,
 *   `memonger`), with the same defaults.
 * - `memonger`'s `shortcut._set_attr(mirror_stage='True')` is `setAttr({ mirror_stage: "True" })`:
 *   the attribute is kept on the symbol (and in its JSON); mxts has no memory mirroring pass
 *   that reads it, as MXNet only reads it under MXNET_BACKWARD_DO_MIRROR.
 * - `conv3 + shortcut` is `conv3.add(shortcut)` (TypeScript has no operator overloading);
 *   both make an `elemwise_add` node named `_plusN`.
 * - `raise ValueError` is a thrown `MXNetError`.
 *
 *   deno run -A examples/mxnet/symbols/resnet.ts [NUM_LAYERS] [IMAGE_SHAPE]   # prints the shapes
 * @module
 */
import * as mx from "../../../mod.ts";
import type { DType } from "../../../mod.ts";

type Symbol = mx.sym.Symbol;

/** Options of {@link residualUnit} and {@link resnet} (MXNet's keyword arguments). */
export interface ResidualOptions {
  /** Bottleneck units (1x1, 3x3, 1x1 convolutions at a quarter width) (true). */
  bottleNeck?: boolean;
  /** BatchNorm momentum (0.9). */
  bnMom?: number;
  /** Convolution workspace in MB (256). */
  workspace?: number;
  /** Mark shortcuts with `mirror_stage` for memory mirroring (false). */
  memonger?: boolean;
}

/**
 * Return ResNet Unit symbol for building ResNet: pre-activation BatchNorm-ReLU-Convolution
 * twice (or three times with the bottleneck), plus the identity or a 1x1 projection shortcut.
 *
 * @param data Input data
 * @param numFilter Number of output channels
 * @param stride Stride used in convolution
 * @param dimMatch True means channel number between input and output is the same, otherwise means differ
 * @param name Base name of the operators
 */
export function residualUnit(
  data: Symbol,
  numFilter: number,
  stride: [number, number],
  dimMatch: boolean,
  name: string,
  { bottleNeck = true, bnMom = 0.9, workspace = 256, memonger = false }: ResidualOptions = {},
): Symbol {
  if (bottleNeck) {
    // the same as https://github.com/facebook/fb.resnet.torch#notes, a bit difference with origin paper
    const bn1 = mx.sym.BatchNorm({
      data,
      fixGamma: false,
      eps: 2e-5,
      momentum: bnMom,
      name: name + "_bn1",
    });
    const act1 = mx.sym.Activation({ data: bn1, actType: "relu", name: name + "_relu1" });
    const conv1 = mx.sym.Convolution({
      data: act1,
      numFilter: Math.trunc(numFilter * 0.25),
      kernel: [1, 1],
      stride: [1, 1],
      pad: [0, 0],
      noBias: true,
      workspace,
      name: name + "_conv1",
    });
    const bn2 = mx.sym.BatchNorm({
      data: conv1,
      fixGamma: false,
      eps: 2e-5,
      momentum: bnMom,
      name: name + "_bn2",
    });
    const act2 = mx.sym.Activation({ data: bn2, actType: "relu", name: name + "_relu2" });
    const conv2 = mx.sym.Convolution({
      data: act2,
      numFilter: Math.trunc(numFilter * 0.25),
      kernel: [3, 3],
      stride,
      pad: [1, 1],
      noBias: true,
      workspace,
      name: name + "_conv2",
    });
    const bn3 = mx.sym.BatchNorm({
      data: conv2,
      fixGamma: false,
      eps: 2e-5,
      momentum: bnMom,
      name: name + "_bn3",
    });
    const act3 = mx.sym.Activation({ data: bn3, actType: "relu", name: name + "_relu3" });
    const conv3 = mx.sym.Convolution({
      data: act3,
      numFilter,
      kernel: [1, 1],
      stride: [1, 1],
      pad: [0, 0],
      noBias: true,
      workspace,
      name: name + "_conv3",
    });
    let shortcut: Symbol;
    if (dimMatch) {
      shortcut = data;
    } else {
      shortcut = mx.sym.Convolution({
        data: act1,
        numFilter,
        kernel: [1, 1],
        stride,
        noBias: true,
        workspace,
        name: name + "_sc",
      });
    }
    if (memonger) shortcut.setAttr({ mirror_stage: "True" });
    return conv3.add(shortcut);
  } else {
    const bn1 = mx.sym.BatchNorm({
      data,
      fixGamma: false,
      momentum: bnMom,
      eps: 2e-5,
      name: name + "_bn1",
    });
    const act1 = mx.sym.Activation({ data: bn1, actType: "relu", name: name + "_relu1" });
    const conv1 = mx.sym.Convolution({
      data: act1,
      numFilter,
      kernel: [3, 3],
      stride,
      pad: [1, 1],
      noBias: true,
      workspace,
      name: name + "_conv1",
    });
    const bn2 = mx.sym.BatchNorm({
      data: conv1,
      fixGamma: false,
      momentum: bnMom,
      eps: 2e-5,
      name: name + "_bn2",
    });
    const act2 = mx.sym.Activation({ data: bn2, actType: "relu", name: name + "_relu2" });
    const conv2 = mx.sym.Convolution({
      data: act2,
      numFilter,
      kernel: [3, 3],
      stride: [1, 1],
      pad: [1, 1],
      noBias: true,
      workspace,
      name: name + "_conv2",
    });
    let shortcut: Symbol;
    if (dimMatch) {
      shortcut = data;
    } else {
      shortcut = mx.sym.Convolution({
        data: act1,
        numFilter,
        kernel: [1, 1],
        stride,
        noBias: true,
        workspace,
        name: name + "_sc",
      });
    }
    if (memonger) shortcut.setAttr({ mirror_stage: "True" });
    return conv2.add(shortcut);
  }
}

/** Arguments of {@link resnet} (MXNet's `resnet(units, num_stages, ...)`). */
export interface ResNetArgs extends ResidualOptions {
  /** Number of units in each stage */
  units: number[];
  /** Number of stage */
  numStages: number;
  /** Channel size of each stage (the stem's first) */
  filterList: number[];
  /** Ouput size of symbol */
  numClasses: number;
  /** (channels, height, width) of the input */
  imageShape: number[];
  /** Precision (float32 or float16) */
  dtype?: DType;
}

/** Return ResNet symbol of the given units, stages and filters. */
export function resnet(
  {
    units,
    numStages,
    filterList,
    numClasses,
    imageShape,
    bottleNeck = true,
    bnMom = 0.9,
    workspace = 256,
    dtype = "float32",
    memonger = false,
  }: ResNetArgs,
): Symbol {
  const numUnit = units.length;
  if (numUnit !== numStages) {
    throw new mx.MXNetError(`resnet: units has ${numUnit} entries but num_stages is ${numStages}`);
  }
  let data = mx.sym.Variable("data");
  if (dtype === "float32") {
    data = mx.sym.identity({ data, name: "id" });
  } else {
    if (dtype === "float16") {
      data = mx.sym.Cast({ data, dtype: "float16" });
    }
  }
  data = mx.sym.BatchNorm({ data, fixGamma: true, eps: 2e-5, momentum: bnMom, name: "bn_data" });
  const [_nchannel, height, _width] = imageShape;
  let body: Symbol;
  if (height <= 32) { // such as cifar10
    body = mx.sym.Convolution({
      data,
      numFilter: filterList[0],
      kernel: [3, 3],
      stride: [1, 1],
      pad: [1, 1],
      noBias: true,
      name: "conv0",
      workspace,
    });
  } else { // often expected to be 224 such as imagenet
    body = mx.sym.Convolution({
      data,
      numFilter: filterList[0],
      kernel: [7, 7],
      stride: [2, 2],
      pad: [3, 3],
      noBias: true,
      name: "conv0",
      workspace,
    });
    body = mx.sym.BatchNorm({
      data: body,
      fixGamma: false,
      eps: 2e-5,
      momentum: bnMom,
      name: "bn0",
    });
    body = mx.sym.Activation({ data: body, actType: "relu", name: "relu0" });
    body = mx.sym.Pooling({
      data: body,
      kernel: [3, 3],
      stride: [2, 2],
      pad: [1, 1],
      poolType: "max",
    });
  }

  for (let i = 0; i < numStages; i++) {
    const s = i === 0 ? 1 : 2;
    body = residualUnit(body, filterList[i + 1], [s, s], false, `stage${i + 1}_unit${1}`, {
      bottleNeck,
      workspace,
      memonger,
    });
    for (let j = 0; j < units[i] - 1; j++) {
      body = residualUnit(body, filterList[i + 1], [1, 1], true, `stage${i + 1}_unit${j + 2}`, {
        bottleNeck,
        workspace,
        memonger,
      });
    }
  }
  const bn1 = mx.sym.BatchNorm({
    data: body,
    fixGamma: false,
    eps: 2e-5,
    momentum: bnMom,
    name: "bn1",
  });
  const relu1 = mx.sym.Activation({ data: bn1, actType: "relu", name: "relu1" });
  // Although kernel is not used here when global_pool=True, we should put one
  const pool1 = mx.sym.Pooling({
    data: relu1,
    globalPool: true,
    kernel: [7, 7],
    poolType: "avg",
    name: "pool1",
  });
  const flat = mx.sym.Flatten({ data: pool1 });
  let fc1 = mx.sym.FullyConnected({ data: flat, numHidden: numClasses, name: "fc1" });
  if (dtype === "float16") {
    fc1 = mx.sym.Cast({ data: fc1, dtype: "float32" });
  }
  return mx.sym.SoftmaxOutput({ data: fc1, name: "softmax" });
}

/** Options of {@link getSymbol} (MXNet's `conv_workspace`, `dtype`). */
export interface GetSymbolOptions {
  /** Convolution workspace in MB (256). */
  convWorkspace?: number;
  /** Precision (float32 or float16). */
  dtype?: DType;
}

/**
 * The ResNet of `numLayers` layers for `imageShape` ("channels,height,width"): for images of
 * height 28 or less the CIFAR layout (3 stages, 6n+2 or 9n+2 layers), otherwise ImageNet's
 * (4 stages, 18/34/50/101/152/200/269 layers).
 * Adapted from https://github.com/tornadomeet/ResNet/blob/master/train_resnet.py
 * Original author Wei Wu
 */
export function getSymbol(
  numClasses: number,
  numLayers: number,
  imageShape: string,
  { convWorkspace = 256, dtype = "float32" }: GetSymbolOptions = {},
): Symbol {
  const shape = imageShape.split(",").map((l) => parseInt(l));
  const [_nchannel, height, _width] = shape;
  let numStages: number, units: number[], filterList: number[], bottleNeck: boolean;
  if (height <= 28) {
    numStages = 3;
    let perUnit: number[];
    if ((numLayers - 2) % 9 === 0 && numLayers >= 164) {
      perUnit = [Math.floor((numLayers - 2) / 9)];
      filterList = [16, 64, 128, 256];
      bottleNeck = true;
    } else if ((numLayers - 2) % 6 === 0 && numLayers < 164) {
      perUnit = [Math.floor((numLayers - 2) / 6)];
      filterList = [16, 16, 32, 64];
      bottleNeck = false;
    } else {
      throw new mx.MXNetError(
        `no experiments done on num_layers ${numLayers}, you can do it yourself`,
      );
    }
    units = Array.from({ length: numStages }, () => perUnit[0]);
  } else {
    if (numLayers >= 50) {
      filterList = [64, 256, 512, 1024, 2048];
      bottleNeck = true;
    } else {
      filterList = [64, 64, 128, 256, 512];
      bottleNeck = false;
    }
    numStages = 4;
    const unitsByLayers: Record<number, number[]> = {
      18: [2, 2, 2, 2],
      34: [3, 4, 6, 3],
      50: [3, 4, 6, 3],
      101: [3, 4, 23, 3],
      152: [3, 8, 36, 3],
      200: [3, 24, 36, 3],
      269: [3, 30, 48, 8],
    };
    if (!(numLayers in unitsByLayers)) {
      throw new mx.MXNetError(
        `no experiments done on num_layers ${numLayers}, you can do it yourself`,
      );
    }
    units = unitsByLayers[numLayers];
  }

  return resnet({
    units,
    numStages,
    filterList,
    numClasses,
    imageShape: shape,
    bottleNeck,
    workspace: convWorkspace,
    dtype,
  });
}

if (import.meta.main) {
  const numLayers = Number(Deno.args[0] ?? 18), imageShape = Deno.args[1] ?? "3,224,224";
  const net = getSymbol(1000, numLayers, imageShape);
  const [c, h, w] = imageShape.split(",").map(Number);
  const { argShapes, outShapes } = net.inferShape({ data: [1, c, h, w] });
  const args = net.listArguments();
  args.forEach((name, i) => console.log(`${name.padEnd(28)} ${JSON.stringify(argShapes[i])}`));
  console.log(
    `resnet-${numLayers} on ${imageShape}: ${args.length} arguments, output ${
      JSON.stringify(outShapes[0])
    }`,
  );
}
