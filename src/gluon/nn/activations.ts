/**
 * Activation layers: `Activation(actType)` and the LeakyReLU family (MXNet's
 * gluon/nn/activations.py), plus SiLU (MXNet 2's name for Swish with beta 1).
 * @module
 */
import { ParamError } from "../../core/errors.ts";
import { Constant as ConstantInit } from "../../initializer/initializer.ts";
import { mul, op, type Value } from "../_f.ts";
import type { BlockOptions } from "../block.ts";
import { HybridBlock } from "../hybrid_block.ts";
import type { InitLike, Parameter } from "../parameter.ts";
import { inferParamShape, layerOptions, read } from "./_layer.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import { isSymbol } from "../_f.ts";

/** Activation types of the `Activation` operator. */
export type ActType =
  | "relu"
  | "sigmoid"
  | "tanh"
  | "softrelu"
  | "softsign"
  | "log_sigmoid"
  | "mish";

const ACT_TYPES = ["relu", "sigmoid", "tanh", "softrelu", "softsign", "log_sigmoid", "mish"];

/**
 * An activation function applied elementwise: `new nn.Activation("relu")`.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const act = new mx.gluon.nn.Activation("relu");
 * console.log(await act.forward(mx.nd.array([-1, 2])).array()); // [0, 2]
 * ```
 */
export class Activation extends HybridBlock {
  /** The activation type. */
  readonly actType: ActType;
  /** Creates the layer; its prefix is named after the activation (`relu0_`). */
  constructor(activation: ActType, opts: BlockOptions = {}) {
    if (!ACT_TYPES.includes(activation)) {
      throw new ParamError(
        `Activation: unknown activation ${JSON.stringify(activation)}; use one of ${
          ACT_TYPES.join(", ")
        }`,
      );
    }
    super(layerOptions("Activation", opts, []), activation);
    this.actType = activation;
  }
  /** `act(x)`. */
  override forward<T extends Value>(x: T): T {
    return op("Activation", [x], { actType: this.actType }, { node: this.prefix + "fwd" }) as T;
  }
  /** `Activation(relu)`. */
  override toString(): string {
    return `Activation(${this.actType})`;
  }
}

/** A LeakyReLU-operator layer with fixed settings. */
class LeakyKind extends HybridBlock {
  readonly #params: Record<string, unknown>;
  constructor(name: string, opts: BlockOptions, params: Record<string, unknown>, hint: string) {
    super(opts, hint);
    this.#params = params;
    void name;
  }
  override forward<T extends Value>(x: T): T {
    return op("LeakyReLU", [x], this.#params, { node: this.prefix + "fwd" }) as T;
  }
}

/** `x` for x > 0, `alpha * x` otherwise. */
export class LeakyReLU extends LeakyKind {
  /** The slope for negative inputs. */
  readonly alpha: number;
  /** Creates the layer (`alpha` >= 0). */
  constructor(alpha: number, opts: BlockOptions = {}) {
    if (!(alpha >= 0)) throw new ParamError(`LeakyReLU: alpha must be >= 0, got ${alpha}`);
    super("LeakyReLU", layerOptions("LeakyReLU", opts, []), {
      actType: "leaky",
      slope: alpha,
    }, "leakyrelu");
    this.alpha = alpha;
  }
  /** `LeakyReLU(0.1)`. */
  override toString(): string {
    return `LeakyReLU(${this.alpha})`;
  }
}

/** `x` for x > 0, `alpha * (e^x - 1)` otherwise. */
export class ELU extends LeakyKind {
  /** Creates the layer (default alpha 1). */
  constructor(alpha = 1, opts: BlockOptions = {}) {
    super("ELU", layerOptions("ELU", opts, []), { actType: "elu", slope: alpha }, "elu");
  }
}

/** Scaled ELU with the self-normalizing constants. */
export class SELU extends LeakyKind {
  /** Creates the layer. */
  constructor(opts: BlockOptions = {}) {
    super("SELU", layerOptions("SELU", opts, []), { actType: "selu" }, "selu");
  }
}

/** `x * Φ(x)` (the erf form, as MXNet's LeakyReLU gelu). */
export class GELU extends LeakyKind {
  /** Creates the layer. */
  constructor(opts: BlockOptions = {}) {
    super("GELU", layerOptions("GELU", opts, []), { actType: "gelu" }, "gelu");
  }
}

/** Options of PReLU. */
export interface PReLUOptions extends BlockOptions {
  /** Initializer of the slopes (default Constant(0.25)). */
  alphaInitializer?: InitLike;
  /** Number of slopes: 1 (shared) or the channel count (axis 1). */
  inChannels?: number;
}

/** LeakyReLU with learned slopes (`alpha`, one per channel or one shared). */
export class PReLU extends HybridBlock {
  /** The slopes. */
  readonly alpha: Parameter;
  /** Creates the layer. */
  constructor(opts: PReLUOptions = {}) {
    super(layerOptions("PReLU", opts, ["alphaInitializer", "inChannels"]), "prelu");
    this.alpha = this.params.get("alpha", {
      shape: [opts.inChannels ?? 1],
      init: opts.alphaInitializer ?? new ConstantInit(0.25),
    });
  }
  /** `prelu(x, alpha)`. */
  override forward<T extends Value>(x: T): T {
    if (!isSymbol(x)) {
      const n = this.alpha.shape![0];
      if (n !== 1) {
        inferParamShape(
          `PReLU (${this.name})`,
          this.alpha,
          [(x as NDArray).shape[1]],
          "its channel count",
        );
      }
    }
    return op("LeakyReLU", [x, read(this.alpha, x)], { actType: "prelu" }, {
      node: this.prefix + "fwd",
    }) as T;
  }
}

/** `x * sigmoid(beta * x)`. */
export class Swish extends HybridBlock {
  /** The beta. */
  readonly beta: number;
  /** Creates the layer (default beta 1). */
  constructor(beta = 1, opts: BlockOptions = {}) {
    super(layerOptions("Swish", opts, []), "swish");
    this.beta = beta;
  }
  /** `x * sigmoid(beta * x)`. */
  override forward<T extends Value>(x: T): T {
    const bx = this.beta === 1 ? x : mul(x, this.beta);
    return mul(x, op("sigmoid", [bx], {}, { node: this.prefix + "fwd" })) as T;
  }
}

/** `x * sigmoid(x)` (Swish with beta 1; MXNet 2's SiLU). */
export class SiLU extends Swish {
  /** Creates the layer. */
  constructor(opts: BlockOptions = {}) {
    super(1, opts);
  }
}
