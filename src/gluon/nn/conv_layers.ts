/**
 * Convolution, transposed convolution and pooling layers in 1, 2 and 3 dimensions, and
 * ReflectionPad2D (MXNet's gluon/nn/conv_layers.py). An UnsupportedError from an
 * operator is re-thrown naming the layer.
 * @module
 */
import { MXNetError, ParamError, UnsupportedError } from "../../core/errors.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import { isSymbol, op, type Value } from "../_f.ts";
import type { BlockOptions } from "../block.ts";
import { HybridBlock } from "../hybrid_block.ts";
import type { InitLike, Parameter } from "../parameter.ts";
import { Activation, type ActType } from "./activations.ts";
import { expectRank, inferParamShape, layerOptions, read, tuple } from "./_layer.ts";

const LAYOUTS: Record<number, string> = { 1: "NCW", 2: "NCHW", 3: "NCDHW" };

/** Runs `fn`, naming the layer in an UnsupportedError. */
function naming<T>(layer: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UnsupportedError) {
      throw new UnsupportedError(`${layer}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function checkLayout(cls: string, layout: string, nd: number): void {
  if (layout !== LAYOUTS[nd]) {
    throw new UnsupportedError(
      `${cls}: layout ${layout} is not supported; use ${LAYOUTS[nd]} (channels first)`,
    );
  }
}

/** Options of the convolution layers (`kernelSize` is required). */
export interface ConvOptions extends BlockOptions {
  /** Window size: one int for every axis, or one per axis. */
  kernelSize: number | readonly number[];
  /** Stride (default 1). */
  strides?: number | readonly number[];
  /** Zero padding on both sides (default 0). */
  padding?: number | readonly number[];
  /** Dilation (default 1). */
  dilation?: number | readonly number[];
  /** Groups of input/output channels convolved separately (default 1). */
  groups?: number;
  /** "NCW", "NCHW" or "NCDHW" (the default for the rank). */
  layout?: string;
  /** Input channels; 0 (default) infers them at the first forward pass. */
  inChannels?: number;
  /** Activation applied to the output. */
  activation?: ActType | null;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Initializer of the weight. */
  weightInitializer?: InitLike | null;
  /** Initializer of the bias (default "zeros"). */
  biasInitializer?: InitLike;
}

/** Options of the transposed convolutions. */
export interface ConvTransposeOptions extends ConvOptions {
  /** Extra size added to one side of the output (default 0). */
  outputPadding?: number | readonly number[];
}

const CONV_KEYS = [
  "kernelSize",
  "strides",
  "padding",
  "dilation",
  "groups",
  "layout",
  "inChannels",
  "activation",
  "useBias",
  "weightInitializer",
  "biasInitializer",
];

/** The convolution layers' common part (MXNet's `_Conv`). */
class Conv extends HybridBlock {
  /** The filters. */
  readonly weight: Parameter;
  /** The bias, or null. */
  readonly bias: Parameter | null;
  /** The activation, or null. */
  readonly act: Activation | null;
  readonly #cls: string;
  readonly #nd: number;
  readonly #channels: number;
  readonly #groups: number;
  readonly #transposed: boolean;
  readonly #kw: Record<string, unknown>;

  constructor(cls: string, nd: number, channels: number, opts: ConvTransposeOptions) {
    const transposed = cls.endsWith("Transpose");
    const bo = layerOptions(cls, opts, transposed ? [...CONV_KEYS, "outputPadding"] : CONV_KEYS);
    super(bo, "conv");
    if (opts?.kernelSize === undefined) {
      throw new ParamError(`${cls}: kernelSize is required (e.g. { kernelSize: 3 })`);
    }
    if (!(Number.isInteger(channels) && channels > 0)) {
      throw new ParamError(`${cls}: channels must be a positive integer, got ${channels}`);
    }
    const layout = opts.layout ?? LAYOUTS[nd];
    checkLayout(cls, layout, nd);
    const groups = opts.groups ?? 1;
    const kernel = tuple(opts.kernelSize, nd, `${cls}: kernelSize`);
    this.#cls = cls;
    this.#nd = nd;
    this.#channels = channels;
    this.#groups = groups;
    this.#transposed = transposed;
    this.#kw = {
      kernel,
      stride: tuple(opts.strides ?? 1, nd, `${cls}: strides`),
      dilate: tuple(opts.dilation ?? 1, nd, `${cls}: dilation`),
      pad: tuple(opts.padding ?? 0, nd, `${cls}: padding`),
      numFilter: channels,
      numGroup: groups,
      noBias: !(opts.useBias ?? true),
      layout,
    };
    if (transposed) this.#kw.adj = tuple(opts.outputPadding ?? 0, nd, `${cls}: outputPadding`);
    const c = opts.inChannels ?? 0;
    const shape = transposed
      ? [c, channels / groups, ...kernel]
      : [channels, c === 0 ? 0 : c / groups, ...kernel];
    this.weight = this.params.get("weight", {
      shape,
      init: opts.weightInitializer ?? null,
      allowDeferredInit: true,
    });
    this.bias = (opts.useBias ?? true)
      ? this.params.get("bias", {
        shape: [channels],
        init: opts.biasInitializer ?? "zeros",
        allowDeferredInit: true,
      })
      : null;
    const act = opts.activation;
    this.act = act ? this.nameScope(() => new Activation(act, { prefix: `${act}_` })) : null;
  }

  /** The convolution (then the activation). */
  override forward<T extends Value>(x: T): T {
    const where = `${this.#cls} (${this.name})`;
    if (!isSymbol(x)) {
      const a = x as NDArray;
      expectRank(
        where,
        a,
        this.#nd + 2,
        `batch, channels, ${["width", "height, width", "depth, height, width"][this.#nd - 1]}`,
      );
      const c = a.shape[1];
      if (c % this.#groups !== 0) {
        throw new MXNetError(
          `${where}: ${c} input channels are not divisible by groups ${this.#groups}`,
        );
      }
      const k = this.#kw.kernel as number[];
      const want = this.#transposed
        ? [c, this.#channels / this.#groups, ...k]
        : [this.#channels, c / this.#groups, ...k];
      inferParamShape(where, this.weight, want, `${c} input channels`);
    }
    const ins = [x, read(this.weight, x)];
    if (this.bias) ins.push(read(this.bias, x));
    const opName = this.#transposed ? "Deconvolution" : "Convolution";
    let y = naming(where, () => op(opName, ins, this.#kw, { node: this.prefix + "fwd" }));
    if (this.act) y = this.act.forward(y);
    return y as T;
  }

  /** `Conv2D(1 -> 6, kernel_size=(5, 5), stride=(1, 1))`, like MXNet's repr. */
  override toString(): string {
    const w = this.weight.shape!;
    const inC = this.#transposed ? w[0] : w[1] * this.#groups;
    const t = (v: unknown) =>
      `(${(v as number[]).join(", ")}${(v as number[]).length === 1 ? "," : ""})`;
    return `${this.#cls}(${inC || "None"} -> ${this.#channels}, kernel_size=${
      t(this.#kw.kernel)
    }, stride=${t(this.#kw.stride)}${this.act ? `, ${this.act}` : ""})`;
  }
}

/** 1-D convolution over [batch, channels, width]. */
export class Conv1D extends Conv {
  /** `new nn.Conv1D(channels, { kernelSize, ... })`. */
  constructor(channels: number, opts: ConvOptions) {
    super("Conv1D", 1, channels, opts);
  }
}

/** 2-D convolution over [batch, channels, height, width]. */
export class Conv2D extends Conv {
  /** `new nn.Conv2D(6, { kernelSize: 5, padding: 2, activation: "sigmoid" })`. */
  constructor(channels: number, opts: ConvOptions) {
    super("Conv2D", 2, channels, opts);
  }
}

/** 3-D convolution over [batch, channels, depth, height, width]. */
export class Conv3D extends Conv {
  /** `new nn.Conv3D(channels, { kernelSize, ... })`. */
  constructor(channels: number, opts: ConvOptions) {
    super("Conv3D", 3, channels, opts);
  }
}

/** 1-D transposed convolution (deconvolution). */
export class Conv1DTranspose extends Conv {
  /** `new nn.Conv1DTranspose(channels, { kernelSize, outputPadding, ... })`. */
  constructor(channels: number, opts: ConvTransposeOptions) {
    super("Conv1DTranspose", 1, channels, opts);
  }
}

/** 2-D transposed convolution (deconvolution). */
export class Conv2DTranspose extends Conv {
  /** `new nn.Conv2DTranspose(channels, { kernelSize, strides, outputPadding, ... })`. */
  constructor(channels: number, opts: ConvTransposeOptions) {
    super("Conv2DTranspose", 2, channels, opts);
  }
}

/** 3-D transposed convolution (deconvolution). */
export class Conv3DTranspose extends Conv {
  /** `new nn.Conv3DTranspose(channels, { kernelSize, ... })`. */
  constructor(channels: number, opts: ConvTransposeOptions) {
    super("Conv3DTranspose", 3, channels, opts);
  }
}

/** Options of the pooling layers. */
export interface PoolOptions extends BlockOptions {
  /** Window size (default 2 per axis). */
  poolSize?: number | readonly number[];
  /** Stride (default: the window size). */
  strides?: number | readonly number[] | null;
  /** Padding on both sides (default 0). */
  padding?: number | readonly number[];
  /** Layout, channels first ("NCW", "NCHW", "NCDHW"). */
  layout?: string;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
}

/** Options of average pooling. */
export interface AvgPoolOptions extends PoolOptions {
  /** Count padded zeros in the average (default true). */
  countIncludePad?: boolean;
}

/** The pooling layers' common part (MXNet's `_Pooling`). */
class Pool extends HybridBlock {
  readonly #cls: string;
  readonly #nd: number;
  readonly #kw: Record<string, unknown>;
  constructor(
    cls: string,
    nd: number,
    type: "max" | "avg",
    global: boolean,
    opts: AvgPoolOptions,
  ) {
    const keys = global ? ["layout"] : [
      "poolSize",
      "strides",
      "padding",
      "layout",
      "ceilMode",
      ...(type === "avg" ? ["countIncludePad"] : []),
    ];
    super(layerOptions(cls, opts, keys), "pool");
    const layout = opts.layout ?? LAYOUTS[nd];
    checkLayout(cls, layout, nd);
    const size = tuple(opts.poolSize ?? 2, nd, `${cls}: poolSize`);
    this.#cls = cls;
    this.#nd = nd;
    this.#kw = {
      kernel: global ? Array(nd).fill(1) : size,
      stride: global ? Array(nd).fill(1) : tuple(opts.strides ?? size, nd, `${cls}: strides`),
      pad: global ? Array(nd).fill(0) : tuple(opts.padding ?? 0, nd, `${cls}: padding`),
      globalPool: global,
      poolType: type,
      layout,
      poolingConvention: opts.ceilMode ? "full" : "valid",
    };
    if (type === "avg" && !global) this.#kw.countIncludePad = opts.countIncludePad ?? true;
  }

  /** Pools each channel. */
  override forward<T extends Value>(x: T): T {
    const where = `${this.#cls} (${this.name})`;
    if (!isSymbol(x)) {
      expectRank(where, x as NDArray, this.#nd + 2, LAYOUTS[this.#nd]);
    }
    return naming(where, () => op("Pooling", [x], this.#kw, { node: this.prefix + "fwd" })) as T;
  }

  /** `MaxPool2D(size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, ...)`. */
  override toString(): string {
    const k = this.#kw, t = (v: unknown) => `(${(v as number[]).join(", ")})`;
    return `${this.#cls}(size=${t(k.kernel)}, stride=${t(k.stride)}, padding=${
      t(k.pad)
    }, ceil_mode=${k.poolingConvention === "full" ? "True" : "False"}, global_pool=${
      k.globalPool ? "True" : "False"
    }, pool_type=${k.poolType}, layout=${k.layout})`;
  }
}

/** 1-D max pooling. */
export class MaxPool1D extends Pool {
  /** `new nn.MaxPool1D({ poolSize: 2 })`. */
  constructor(opts: PoolOptions = {}) {
    super("MaxPool1D", 1, "max", false, opts);
  }
}
/** 2-D max pooling. */
export class MaxPool2D extends Pool {
  /** `new nn.MaxPool2D({ poolSize: 2, strides: 2 })`. */
  constructor(opts: PoolOptions = {}) {
    super("MaxPool2D", 2, "max", false, opts);
  }
}
/** 3-D max pooling. */
export class MaxPool3D extends Pool {
  /** `new nn.MaxPool3D({ poolSize: 2 })`. */
  constructor(opts: PoolOptions = {}) {
    super("MaxPool3D", 3, "max", false, opts);
  }
}
/** 1-D average pooling. */
export class AvgPool1D extends Pool {
  /** `new nn.AvgPool1D({ poolSize: 2 })`. */
  constructor(opts: AvgPoolOptions = {}) {
    super("AvgPool1D", 1, "avg", false, opts);
  }
}
/** 2-D average pooling. */
export class AvgPool2D extends Pool {
  /** `new nn.AvgPool2D({ poolSize: 3, strides: 2, padding: 1 })`. */
  constructor(opts: AvgPoolOptions = {}) {
    super("AvgPool2D", 2, "avg", false, opts);
  }
}
/** 3-D average pooling. */
export class AvgPool3D extends Pool {
  /** `new nn.AvgPool3D({ poolSize: 2 })`. */
  constructor(opts: AvgPoolOptions = {}) {
    super("AvgPool3D", 3, "avg", false, opts);
  }
}
/** Maximum over all of the width. */
export class GlobalMaxPool1D extends Pool {
  /** Creates the layer. */
  constructor(opts: { layout?: string } & BlockOptions = {}) {
    super("GlobalMaxPool1D", 1, "max", true, opts);
  }
}
/** Maximum over each channel's whole image. */
export class GlobalMaxPool2D extends Pool {
  /** Creates the layer. */
  constructor(opts: { layout?: string } & BlockOptions = {}) {
    super("GlobalMaxPool2D", 2, "max", true, opts);
  }
}
/** Maximum over each channel's whole volume. */
export class GlobalMaxPool3D extends Pool {
  /** Creates the layer. */
  constructor(opts: { layout?: string } & BlockOptions = {}) {
    super("GlobalMaxPool3D", 3, "max", true, opts);
  }
}
/** Mean over all of the width. */
export class GlobalAvgPool1D extends Pool {
  /** Creates the layer. */
  constructor(opts: { layout?: string } & BlockOptions = {}) {
    super("GlobalAvgPool1D", 1, "avg", true, opts);
  }
}
/** Mean over each channel's whole image. */
export class GlobalAvgPool2D extends Pool {
  /** Creates the layer. */
  constructor(opts: { layout?: string } & BlockOptions = {}) {
    super("GlobalAvgPool2D", 2, "avg", true, opts);
  }
}
/** Mean over each channel's whole volume. */
export class GlobalAvgPool3D extends Pool {
  /** Creates the layer. */
  constructor(opts: { layout?: string } & BlockOptions = {}) {
    super("GlobalAvgPool3D", 3, "avg", true, opts);
  }
}

/**
 * Pads height and width with their reflection (NCHW): `padding` is one int for all
 * four sides, or MXNet's 8-tuple `pad_width`.
 */
export class ReflectionPad2D extends HybridBlock {
  readonly #width: number[];
  /** Creates the layer. */
  constructor(padding: number | readonly number[] = 0, opts: BlockOptions = {}) {
    super(layerOptions("ReflectionPad2D", opts, []), "reflectionpad2d");
    this.#width = typeof padding === "number"
      ? [0, 0, 0, 0, padding, padding, padding, padding]
      : [...padding];
    if (this.#width.length !== 8) {
      throw new ParamError(
        `ReflectionPad2D: padding must be an int or 8 ints (pad_width), got ${
          JSON.stringify(padding)
        }`,
      );
    }
  }
  /** Reflect-padded input. */
  override forward<T extends Value>(x: T): T {
    if (!isSymbol(x)) expectRank(`ReflectionPad2D (${this.name})`, x as NDArray, 4, "NCHW");
    return op("Pad", [x], { mode: "reflect", padWidth: this.#width }, {
      node: this.prefix + "fwd",
    }) as T;
  }
}
