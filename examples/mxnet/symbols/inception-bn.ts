/**
 * Port of MXNet 1.9.1 `example/image-classification/symbols/inception-bn.py` (tag 1.9.1):
 * Inception with BatchNorm (Ioffe and Szegedy, arXiv:1502.03167) for ~224 px images, and the
 * script's simpler variant for images of height 28 or less. Same factories and layer names
 * (`conv_1`, `bn_1`, `conv_3a_3x3_reduce`, `ch_concat_3a_chconcat`, `in3a_1x1`, ...), so
 * `listArguments()` matches MXNet's.
 *
 * Lines that differ from the Python, and why:
 * - The factories' keyword arguments are an options object (`stride`, `pad`, `name`, `suffix`,
 *   `attr`) with the Python's defaults; Python's `'%s%s' % (name, suffix)` with `name=None`
 *   gives "None", and so does this port's `${name}` of `null` spelled "None".
 * - `mx.symbol.Concat(*[a, b])` is `mx.sym.Concat([a, b], { name })`.
 * - The module-level constants `eps`, `bn_mom`, `fix_gamma` are `EPS`, `BN_MOM`, `FIX_GAMMA`.
 *
 *   deno run -A examples/mxnet/symbols/inception-bn.ts [IMAGE_SHAPE]   # prints the shapes
 * @module
 */
import * as mx from "../../../mod.ts";

type Symbol = mx.sym.Symbol;
type Attr = Record<string, string>;

/** BatchNorm's epsilon. */
export const EPS = 1e-10 + 1e-5;
/** BatchNorm's momentum. */
export const BN_MOM = 0.9;
/** BatchNorm's fix_gamma. */
export const FIX_GAMMA = false;

/** Options of {@link ConvFactory}. */
export interface ConvOptions {
  numFilter: number;
  kernel: [number, number];
  /** (1, 1) */
  stride?: [number, number];
  /** (0, 0) */
  pad?: [number, number];
  /** Python's `name=None` prints as "None". */
  name?: string | null;
  /** "" */
  suffix?: string;
  /** Extra attributes of the ReLU ({}). */
  attr?: Attr;
}

/** Convolution, BatchNorm, ReLU: `conv_<name><suffix>`, `bn_...`, `relu_...`. */
export function ConvFactory(
  data: Symbol,
  { numFilter, kernel, stride = [1, 1], pad = [0, 0], name = null, suffix = "", attr = {} }:
    ConvOptions,
): Symbol {
  const id = `${name ?? "None"}${suffix}`;
  const conv = mx.sym.Convolution({ data, numFilter, kernel, stride, pad, name: `conv_${id}` });
  const bn = mx.sym.BatchNorm({
    data: conv,
    fixGamma: FIX_GAMMA,
    eps: EPS,
    momentum: BN_MOM,
    name: `bn_${id}`,
  });
  const act = mx.sym.Activation({ data: bn, actType: "relu", name: `relu_${id}`, attr });
  return act;
}

/** Inception module A: 1x1, 3x3 (reduced), double 3x3 (reduced), pool + projection, concatenated. */
export function InceptionFactoryA(
  data: Symbol,
  num1x1: number,
  num3x3red: number,
  num3x3: number,
  numD3x3red: number,
  numD3x3: number,
  pool: "avg" | "max",
  proj: number,
  name: string,
): Symbol {
  // 1x1
  const c1x1 = ConvFactory(data, { numFilter: num1x1, kernel: [1, 1], name: `${name}_1x1` });
  // 3x3 reduce + 3x3
  const c3x3r = ConvFactory(data, {
    numFilter: num3x3red,
    kernel: [1, 1],
    name: `${name}_3x3`,
    suffix: "_reduce",
  });
  const c3x3 = ConvFactory(c3x3r, {
    numFilter: num3x3,
    kernel: [3, 3],
    pad: [1, 1],
    name: `${name}_3x3`,
  });
  // double 3x3 reduce + double 3x3
  const cd3x3r = ConvFactory(data, {
    numFilter: numD3x3red,
    kernel: [1, 1],
    name: `${name}_double_3x3`,
    suffix: "_reduce",
  });
  let cd3x3 = ConvFactory(cd3x3r, {
    numFilter: numD3x3,
    kernel: [3, 3],
    pad: [1, 1],
    name: `${name}_double_3x3_0`,
  });
  cd3x3 = ConvFactory(cd3x3, {
    numFilter: numD3x3,
    kernel: [3, 3],
    pad: [1, 1],
    name: `${name}_double_3x3_1`,
  });
  // pool + proj
  const pooling = mx.sym.Pooling({
    data,
    kernel: [3, 3],
    stride: [1, 1],
    pad: [1, 1],
    poolType: pool,
    name: `${pool}_pool_${name}_pool`,
  });
  const cproj = ConvFactory(pooling, { numFilter: proj, kernel: [1, 1], name: `${name}_proj` });
  // concat
  const concat = mx.sym.Concat([c1x1, c3x3, cd3x3, cproj], { name: `ch_concat_${name}_chconcat` });
  return concat;
}

/** Inception module B (stride 2): 3x3 (reduced), double 3x3 (reduced), max pool, concatenated. */
export function InceptionFactoryB(
  data: Symbol,
  num3x3red: number,
  num3x3: number,
  numD3x3red: number,
  numD3x3: number,
  name: string,
): Symbol {
  // 3x3 reduce + 3x3
  const c3x3r = ConvFactory(data, {
    numFilter: num3x3red,
    kernel: [1, 1],
    name: `${name}_3x3`,
    suffix: "_reduce",
  });
  const c3x3 = ConvFactory(c3x3r, {
    numFilter: num3x3,
    kernel: [3, 3],
    pad: [1, 1],
    stride: [2, 2],
    name: `${name}_3x3`,
  });
  // double 3x3 reduce + double 3x3
  const cd3x3r = ConvFactory(data, {
    numFilter: numD3x3red,
    kernel: [1, 1],
    name: `${name}_double_3x3`,
    suffix: "_reduce",
  });
  let cd3x3 = ConvFactory(cd3x3r, {
    numFilter: numD3x3,
    kernel: [3, 3],
    pad: [1, 1],
    stride: [1, 1],
    name: `${name}_double_3x3_0`,
  });
  cd3x3 = ConvFactory(cd3x3, {
    numFilter: numD3x3,
    kernel: [3, 3],
    pad: [1, 1],
    stride: [2, 2],
    name: `${name}_double_3x3_1`,
  });
  // pool + proj
  const pooling = mx.sym.Pooling({
    data,
    kernel: [3, 3],
    stride: [2, 2],
    pad: [1, 1],
    poolType: "max",
    name: `max_pool_${name}_pool`,
  });
  // concat
  const concat = mx.sym.Concat([c3x3, cd3x3, pooling], { name: `ch_concat_${name}_chconcat` });
  return concat;
}

/** A Simple Downsampling Factory: a stride-2 3x3 convolution and a max pool, concatenated. */
export function DownsampleFactory(data: Symbol, ch3x3: number, name: string, attr: Attr): Symbol {
  // conv 3x3
  const conv = ConvFactory(data, {
    name: name + "_conv",
    kernel: [3, 3],
    stride: [2, 2],
    numFilter: ch3x3,
    pad: [1, 1],
    attr,
  });
  // pool
  const pool = mx.sym.Pooling({
    data,
    name: name + "_pool",
    kernel: [3, 3],
    stride: [2, 2],
    pad: [1, 1],
    poolType: "max",
    attr,
  });
  // concat
  const concat = mx.sym.Concat([conv, pool], { name: name + "_ch_concat" });
  return concat;
}

/** A Simple module: a 1x1 and a 3x3 convolution, concatenated. */
export function SimpleFactory(
  data: Symbol,
  ch1x1: number,
  ch3x3: number,
  name: string,
  attr: Attr,
): Symbol {
  // 1x1
  const conv1x1 = ConvFactory(data, {
    name: name + "_1x1",
    kernel: [1, 1],
    pad: [0, 0],
    numFilter: ch1x1,
    attr,
  });
  // 3x3
  const conv3x3 = ConvFactory(data, {
    name: name + "_3x3",
    kernel: [3, 3],
    pad: [1, 1],
    numFilter: ch3x3,
    attr,
  });
  //concat
  const concat = mx.sym.Concat([conv1x1, conv3x3], { name: name + "_ch_concat" });
  return concat;
}

/** Inception-BN for `imageShape` ("channels,height,width"): the simpler net for height <= 28. */
export function getSymbol(numClasses: number, imageShape: string): Symbol {
  const [_nchannel, height, _width] = imageShape.split(",").map((l) => parseInt(l));
  // attr = {'force_mirroring': 'true'}
  const attr: Attr = {};

  // data
  const data = mx.sym.Variable("data");
  let pool: Symbol;
  if (height <= 28) {
    // a simper version
    const conv1 = ConvFactory(data, {
      kernel: [3, 3],
      pad: [1, 1],
      name: "1",
      numFilter: 96,
      attr,
    });
    const in3a = SimpleFactory(conv1, 32, 32, "in3a", attr);
    const in3b = SimpleFactory(in3a, 32, 48, "in3b", attr);
    const in3c = DownsampleFactory(in3b, 80, "in3c", attr);
    const in4a = SimpleFactory(in3c, 112, 48, "in4a", attr);
    const in4b = SimpleFactory(in4a, 96, 64, "in4b", attr);
    const in4c = SimpleFactory(in4b, 80, 80, "in4c", attr);
    const in4d = SimpleFactory(in4c, 48, 96, "in4d", attr);
    const in4e = DownsampleFactory(in4d, 96, "in4e", attr);
    const in5a = SimpleFactory(in4e, 176, 160, "in5a", attr);
    const in5b = SimpleFactory(in5a, 176, 160, "in5b", attr);
    pool = mx.sym.Pooling({
      data: in5b,
      poolType: "avg",
      kernel: [7, 7],
      name: "global_pool",
      attr,
    });
  } else {
    // stage 1
    const conv1 = ConvFactory(data, {
      numFilter: 64,
      kernel: [7, 7],
      stride: [2, 2],
      pad: [3, 3],
      name: "1",
    });
    const pool1 = mx.sym.Pooling({
      data: conv1,
      kernel: [3, 3],
      stride: [2, 2],
      name: "pool_1",
      poolType: "max",
    });
    // stage 2
    const conv2red = ConvFactory(pool1, {
      numFilter: 64,
      kernel: [1, 1],
      stride: [1, 1],
      name: "2_red",
    });
    const conv2 = ConvFactory(conv2red, {
      numFilter: 192,
      kernel: [3, 3],
      stride: [1, 1],
      pad: [1, 1],
      name: "2",
    });
    const pool2 = mx.sym.Pooling({
      data: conv2,
      kernel: [3, 3],
      stride: [2, 2],
      name: "pool_2",
      poolType: "max",
    });
    // stage 2
    const in3a = InceptionFactoryA(pool2, 64, 64, 64, 64, 96, "avg", 32, "3a");
    const in3b = InceptionFactoryA(in3a, 64, 64, 96, 64, 96, "avg", 64, "3b");
    const in3c = InceptionFactoryB(in3b, 128, 160, 64, 96, "3c");
    // stage 3
    const in4a = InceptionFactoryA(in3c, 224, 64, 96, 96, 128, "avg", 128, "4a");
    const in4b = InceptionFactoryA(in4a, 192, 96, 128, 96, 128, "avg", 128, "4b");
    const in4c = InceptionFactoryA(in4b, 160, 128, 160, 128, 160, "avg", 128, "4c");
    const in4d = InceptionFactoryA(in4c, 96, 128, 192, 160, 192, "avg", 128, "4d");
    const in4e = InceptionFactoryB(in4d, 128, 192, 192, 256, "4e");
    // stage 4
    const in5a = InceptionFactoryA(in4e, 352, 192, 320, 160, 224, "avg", 128, "5a");
    const in5b = InceptionFactoryA(in5a, 352, 192, 320, 192, 224, "max", 128, "5b");
    // global avg pooling
    pool = mx.sym.Pooling({
      data: in5b,
      kernel: [7, 7],
      stride: [1, 1],
      name: "global_pool",
      poolType: "avg",
    });
  }

  // linear classifier
  const flatten = mx.sym.Flatten({ data: pool });
  const fc1 = mx.sym.FullyConnected({ data: flatten, numHidden: numClasses });
  const softmax = mx.sym.SoftmaxOutput({ data: fc1, name: "softmax" });
  return softmax;
}

if (import.meta.main) {
  const imageShape = Deno.args[0] ?? "3,224,224";
  const net = getSymbol(1000, imageShape);
  const { argShapes, outShapes } = net.inferShape({
    data: [1, ...imageShape.split(",").map(Number)],
  });
  const args = net.listArguments();
  args.forEach((name, i) => console.log(`${name.padEnd(36)} ${JSON.stringify(argShapes[i])}`));
  console.log(
    `inception-bn on ${imageShape}: ${args.length} arguments, output ${
      JSON.stringify(outShapes[0])
    }`,
  );
}
