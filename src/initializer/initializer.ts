/**
 * Weight initializers (`mx.init`): each fills an array in place with NDArray operations,
 * choosing by the parameter's name suffix as MXNet does (`_weight` by the initializer's
 * rule, `_bias`/`_beta`/`_moving_mean` zeros, `_gamma`/`_moving_var` ones).
 * @module
 */
import { checkOptions } from "../core/options.ts";
import { MXNetError, ParamError, ShapeError } from "../core/errors.ts";
import { fillNormal, fillUniform } from "../core/philox.ts";
import { formatShape, shapeEqual } from "../core/shape.ts";
import { load as loadArrays } from "../ndarray/io.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { normal, uniform } from "../ndarray/random.ts";
import { takeRng } from "../ndarray/random_state.ts";

/** A parameter name with its symbol attributes (MXNet's `InitDesc`). */
export class InitDesc {
  /** Creates a descriptor; `attrs.__init__` (an initializer's `dumps()`) overrides the rule. */
  constructor(
    readonly name: string,
    readonly attrs: Readonly<Record<string, string>> = {},
    public globalInit: Initializer | null = null,
  ) {}
  /** The name. */
  toString(): string {
    return this.name;
  }
}

/** Base: `init(name, arr)` dispatches on the name; subclasses define `initWeight`. */
export abstract class Initializer {
  /** Options as given, for `dumps`. */
  protected readonly kwargs: Record<string, unknown>;
  /** Keeps `kwargs` for serialisation. */
  constructor(kwargs: Record<string, unknown> = {}) {
    this.kwargs = kwargs;
  }

  /** Registry name (lower case). */
  abstract get kind(): string;

  /**
   * `[kind, options]` as JSON, what a Variable's `__init__` attribute holds, with the
   * options in MXNet's snake_case (`["xavier", {"rnd_type": "gaussian"}]`) so Apache MXNet
   * reads it; `create` reads either spelling.
   */
  dumps(): string {
    const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const kw = Object.fromEntries(Object.entries(this.kwargs).map(([k, v]) => [snake(k), v]));
    return JSON.stringify([this.kind, kw]);
  }

  /**
   * Initialises `arr` for parameter `desc` (a name or an InitDesc).
   * @example
   * ```ts
   * import * as mx from "../../mod.ts";
   * import { Xavier } from "./initializer.ts";
   * const b = mx.nd.ones([4]);
   * new Xavier().init("fc1_bias", b);
   * console.log(await b.data()); // Float32Array [0, 0, 0, 0]
   * ```
   */
  init(desc: string | InitDesc, arr: NDArray): void {
    const d = typeof desc === "string" ? new InitDesc(desc) : desc;
    if (d.globalInit === null) d.globalInit = this;
    const custom = d.attrs.__init__;
    if (custom) return create(custom).initWeight(d.name, arr);
    const n = d.name;
    if (n.startsWith("upsampling")) return this.initBilinear(n, arr);
    if (n.endsWith("weight")) return this.initWeight(n, arr);
    if (n.endsWith("bias") || n.endsWith("beta")) return arr.set(0), undefined;
    if (n.endsWith("gamma")) return arr.set(1), undefined;
    if (n.endsWith("moving_mean") || n.endsWith("moving_inv_var") || n.endsWith("moving_avg")) {
      return arr.set(0), undefined;
    }
    if (n.endsWith("running_mean")) return arr.set(0), undefined;
    if (n.endsWith("moving_var") || n.endsWith("running_var")) return arr.set(1), undefined;
    if (n.endsWith("min")) return arr.set(0), undefined;
    if (n.endsWith("max")) return arr.set(1), undefined;
    this.initDefault(n, arr);
  }

  /** Fills a weight (the initializer's own rule). */
  abstract initWeight(name: string, arr: NDArray): void;

  /** Names with no known suffix are an error, as in MXNet. */
  protected initDefault(name: string, _arr: NDArray): void {
    throw new MXNetError(
      `${this.kind}: unknown initialization pattern for ${JSON.stringify(name)}. Default ` +
        `initialization covers names ending in "weight", "bias", "gamma" (1.0) and "beta" ` +
        `(0.0); give the variable an init attribute or use Mixed`,
    );
  }

  /** Bilinear upsampling kernels for `upsampling*` parameters. */
  protected initBilinear(name: string, arr: NDArray): void {
    new Bilinear().initWeight(name, arr);
  }
}

/** Copies freshly sampled values into `arr` and frees them. */
function fill(arr: NDArray, sample: NDArray): void {
  sample.copyTo(arr);
  sample.dispose();
}

/** All zeros. */
export class Zero extends Initializer {
  /** Registry name. */
  get kind(): string {
    return "zero";
  }
  /** `arr = 0`. */
  initWeight(_name: string, arr: NDArray): void {
    arr.set(0);
  }
}

/** All ones. */
export class One extends Initializer {
  /** Registry name. */
  get kind(): string {
    return "one";
  }
  /** `arr = 1`. */
  initWeight(_name: string, arr: NDArray): void {
    arr.set(1);
  }
}

/** A constant (a number, or an NDArray broadcast to the weight). */
export class Constant extends Initializer {
  /** The value. */
  readonly value: number | NDArray;
  /** Creates the initializer. */
  constructor(value: number | NDArray) {
    super(typeof value === "number" ? { value } : {});
    if (typeof value !== "number" && !(value instanceof Object)) {
      throw new ParamError(`Constant: value must be a number or an NDArray, got ${value}`);
    }
    this.value = value;
  }
  /** Registry name. */
  get kind(): string {
    return "constant";
  }
  /** `arr = value`. */
  initWeight(_name: string, arr: NDArray): void {
    arr.set(this.value);
  }
}

/** Uniform in [-scale, scale). */
export class Uniform extends Initializer {
  /** Half-width (0.07). */
  readonly scale: number;
  /** Creates the initializer. */
  constructor(scale = 0.07) {
    super({ scale });
    this.scale = scale;
  }
  /** Registry name. */
  get kind(): string {
    return "uniform";
  }
  /** Samples from mx.random. */
  initWeight(_name: string, arr: NDArray): void {
    const s = this.scale;
    fill(arr, uniform(-s, s, arr.shape, { ctx: arr.context, dtype: arr.dtype }));
  }
}

/** Normal with mean 0 and standard deviation `sigma`. */
export class Normal extends Initializer {
  /** Standard deviation (0.01). */
  readonly sigma: number;
  /** Creates the initializer. */
  constructor(sigma = 0.01) {
    super({ sigma });
    this.sigma = sigma;
  }
  /** Registry name. */
  get kind(): string {
    return "normal";
  }
  /** Samples from mx.random. */
  initWeight(_name: string, arr: NDArray): void {
    fill(arr, normal(0, this.sigma, arr.shape, { ctx: arr.context, dtype: arr.dtype }));
  }
}

/** Xavier's options. */
export interface XavierOptions {
  /** "uniform" in [-s, s] or "gaussian" with std s. */
  rndType?: "uniform" | "gaussian";
  /** Fan used: "avg" of in and out, "in" or "out". */
  factorType?: "avg" | "in" | "out";
  /** s = sqrt(magnitude / fan). */
  magnitude?: number;
}

/**
 * Xavier/Glorot: `s = sqrt(magnitude / fan)` with `fanIn = shape[1]*hw`,
 * `fanOut = shape[0]*hw`, `hw` the product of the remaining axes.
 */
export class Xavier extends Initializer {
  /** Distribution. */
  readonly rndType: "uniform" | "gaussian";
  /** Fan. */
  readonly factorType: "avg" | "in" | "out";
  /** Magnitude. */
  readonly magnitude: number;
  /** Creates the initializer. */
  constructor(opts: XavierOptions = {}) {
    checkOptions("Xavier", opts, ["rndType", "factorType", "magnitude"]);
    super({ ...opts });
    this.rndType = opts.rndType ?? "uniform";
    this.factorType = opts.factorType ?? "avg";
    this.magnitude = opts.magnitude ?? 3;
    if (!["uniform", "gaussian"].includes(this.rndType)) {
      throw new ParamError(`Xavier: rndType must be "uniform" or "gaussian", got ${this.rndType}`);
    }
    if (!["avg", "in", "out"].includes(this.factorType)) {
      throw new ParamError(
        `Xavier: factorType must be "avg", "in" or "out", got ${this.factorType}`,
      );
    }
  }
  /** Registry name. */
  get kind(): string {
    return "xavier";
  }
  /** The scale `s` for a weight shape. */
  scaleFor(name: string, shape: readonly number[]): number {
    if (shape.length < 2) {
      throw new ShapeError(
        `${this.kind}: cannot initialise ${name} of shape ${
          formatShape(shape)
        }; it needs at least 2 axes`,
      );
    }
    const hw = shape.slice(2).reduce((a, b) => a * b, 1);
    const fanIn = shape[1] * hw, fanOut = shape[0] * hw;
    const factor = this.factorType === "avg"
      ? (fanIn + fanOut) / 2
      : this.factorType === "in"
      ? fanIn
      : fanOut;
    return Math.sqrt(this.magnitude / factor);
  }
  /** Samples from mx.random. */
  initWeight(name: string, arr: NDArray): void {
    const s = this.scaleFor(name, arr.shape);
    const o = { ctx: arr.context, dtype: arr.dtype };
    fill(
      arr,
      this.rndType === "uniform" ? uniform(-s, s, arr.shape, o) : normal(0, s, arr.shape, o),
    );
  }
}

/** He/MSRA for PReLU: Xavier, gaussian, magnitude `2 / (1 + slope^2)`. */
export class MSRAPrelu extends Xavier {
  /** Creates the initializer. */
  constructor(opts: { factorType?: "avg" | "in" | "out"; slope?: number } = {}) {
    checkOptions("MSRAPrelu", opts, ["factorType", "slope"]);
    const slope = opts.slope ?? 0.25;
    super({
      rndType: "gaussian",
      factorType: opts.factorType ?? "avg",
      magnitude: 2 / (1 + slope * slope),
    });
    this.kwargs.slope = slope;
    delete this.kwargs.rndType;
    delete this.kwargs.magnitude;
  }
  /** Registry name. */
  override get kind(): string {
    return "msraprelu";
  }
}

/** Bilinear upsampling kernel (for Deconvolution weights of shape [c, 1, k, k]). */
export class Bilinear extends Initializer {
  /** Registry name. */
  get kind(): string {
    return "bilinear";
  }
  /** `w[.., y, x] = (1 - |x/f - c|) * (1 - |y/f - c|)`, `f = ceil(k/2)`. */
  initWeight(name: string, arr: NDArray): void {
    const shape = arr.shape;
    if (shape.length !== 4) {
      throw new ShapeError(`bilinear: ${name} must have 4 axes, got ${formatShape(shape)}`);
    }
    const f = Math.ceil(shape[3] / 2);
    const c = (2 * f - 1 - (f % 2)) / (2 * f);
    const w = new Float32Array(arr.size);
    for (let i = 0; i < w.length; i++) {
      const x = i % shape[3], y = Math.floor(i / shape[3]) % shape[2];
      w[i] = (1 - Math.abs(x / f - c)) * (1 - Math.abs(y / f - c));
    }
    arr.set(w);
  }
}

/**
 * An LSTM's `i2h_bias` (MXNet's `LSTMBias`, which MXNet's LSTM cells write into their
 * bias variable's `__init__`): zeros, except the forget gate's quarter, the second of
 * the four gates, set to `forgetBias`.
 */
export class LSTMBias extends Initializer {
  /** The forget gate's bias (1). */
  readonly forgetBias: number;
  /** Creates the initializer. */
  constructor(opts: { forgetBias?: number } = {}) {
    checkOptions("LSTMBias", opts, ["forgetBias"]);
    const forgetBias = opts.forgetBias ?? 1;
    super({ forgetBias });
    this.forgetBias = forgetBias;
  }
  /** Registry name. */
  get kind(): string {
    return "lstmbias";
  }
  /** Zeros with `forgetBias` in `[n/4, n/2)` of the first axis. */
  initWeight(_name: string, arr: NDArray): void {
    const hidden = Math.floor(arr.shape[0] / 4);
    const per = arr.size / arr.shape[0];
    const w = new Float32Array(arr.size);
    w.fill(this.forgetBias, hidden * per, 2 * hidden * per);
    arr.set(w);
  }
}

/**
 * Orthogonal (Saxe et al. 2013): a random [out, prod(rest)] matrix from mx.random's
 * stream, made orthonormal by rows (out <= in) or columns, times `scale`. Gram-Schmidt
 * (applied twice, for float accuracy) gives the same orthonormal basis family as the SVD
 * MXNet uses.
 */
export class Orthogonal extends Initializer {
  /** Multiplier (1.414). */
  readonly scale: number;
  /** Distribution of the random matrix. */
  readonly randType: "uniform" | "normal";
  /** Creates the initializer. */
  constructor(opts: { scale?: number; randType?: "uniform" | "normal" } = {}) {
    checkOptions("Orthogonal", opts, ["scale", "randType"]);
    super({ ...opts });
    this.scale = opts.scale ?? 1.414;
    this.randType = opts.randType ?? "uniform";
  }
  /** Registry name. */
  get kind(): string {
    return "orthogonal";
  }
  /** See the class docs. */
  initWeight(name: string, arr: NDArray): void {
    if (arr.ndim < 2) {
      throw new ShapeError(
        `orthogonal: ${name} needs at least 2 axes, got ${formatShape(arr.shape)}`,
      );
    }
    const nout = arr.shape[0], nin = arr.size / nout;
    const tmp = new Float64Array(arr.size);
    const { seed, offset } = takeRng(tmp.length);
    if (this.randType === "uniform") fillUniform(tmp, -1, 1, seed, offset);
    else fillNormal(tmp, 0, 1, seed, offset);
    // Vectors to orthonormalise: rows when out <= in, else columns.
    const byRows = nout <= nin;
    const count = byRows ? nout : nin, len = byRows ? nin : nout;
    const at = (v: number, i: number) => (byRows ? v * nin + i : i * nin + v);
    for (let v = 0; v < count; v++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let u = 0; u < v; u++) {
          let dot = 0;
          for (let i = 0; i < len; i++) dot += tmp[at(u, i)] * tmp[at(v, i)];
          for (let i = 0; i < len; i++) tmp[at(v, i)] -= dot * tmp[at(u, i)];
        }
      }
      let norm = 0;
      for (let i = 0; i < len; i++) norm += tmp[at(v, i)] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < len; i++) tmp[at(v, i)] /= norm;
    }
    arr.set(Float32Array.from(tmp, (x) => x * this.scale));
  }
}

/** Chooses an initializer by the first regular expression the name matches. */
export class Mixed extends Initializer {
  readonly #rules: [RegExp, Initializer][];
  /** `patterns[i]` (regex source or RegExp) selects `initializers[i]`. */
  constructor(patterns: readonly (string | RegExp)[], initializers: readonly Initializer[]) {
    super();
    if (patterns.length !== initializers.length) {
      throw new ParamError(
        `Mixed: ${patterns.length} patterns but ${initializers.length} initializers`,
      );
    }
    this.#rules = patterns.map((p, i) => [new RegExp(p), initializers[i]]);
  }
  /** Registry name. */
  get kind(): string {
    return "mixed";
  }
  /** Delegates the whole name (suffix rules included) to the matching initializer. */
  override init(desc: string | InitDesc, arr: NDArray): void {
    const name = String(desc);
    for (const [re, ini] of this.#rules) if (re.test(name)) return ini.init(desc, arr);
    throw new MXNetError(
      `Mixed: parameter ${JSON.stringify(name)} matches no pattern; add a ".*" pattern last ` +
        `with a default initializer`,
    );
  }
  /** Same as init. */
  initWeight(name: string, arr: NDArray): void {
    this.init(name, arr);
  }
}

/**
 * Initialises from saved arrays (a dict, or a `.params` file via `Load.fromFile`);
 * `arg:`/`aux:` prefixes are stripped; names not found go to `defaultInit`.
 */
export class Load extends Initializer {
  /** The arrays by name. */
  readonly params: Readonly<Record<string, NDArray>>;
  /** Initializer for names not in `params`. */
  readonly defaultInit: Initializer | null;
  /** Creates the initializer from arrays by name. */
  constructor(params: Record<string, NDArray>, defaultInit: Initializer | null = null) {
    super();
    this.params = Object.fromEntries(
      Object.entries(params).map(([k, v]) => [k.replace(/^(arg|aux):/, ""), v]),
    );
    this.defaultInit = defaultInit;
  }
  /** Loads a file saved with `mx.nd.save` (a dict) and returns the initializer. */
  static async fromFile(path: string, defaultInit: Initializer | null = null): Promise<Load> {
    const loaded = await loadArrays(path);
    if (Array.isArray(loaded)) {
      throw new MXNetError(`Load: ${path} holds an unnamed list; it needs names (a dict)`);
    }
    return new Load(loaded, defaultInit);
  }
  /** Registry name. */
  get kind(): string {
    return "load";
  }
  /** Copies the saved array, or falls back to `defaultInit`. */
  override init(desc: string | InitDesc, arr: NDArray): void {
    const name = String(desc);
    const src = this.params[name];
    if (src) {
      if (!shapeEqual(src.shape, arr.shape)) {
        throw new ShapeError(
          `Load: parameter ${name} has shape ${formatShape(arr.shape)} but the loaded value ` +
            `is ${formatShape(src.shape)}`,
        );
      }
      arr.set(src);
      return;
    }
    if (!this.defaultInit) {
      throw new MXNetError(
        `Load: cannot initialise ${name}: not in the loaded parameters and no defaultInit given`,
      );
    }
    this.defaultInit.init(desc, arr);
  }
  /** Same as init. */
  initWeight(name: string, arr: NDArray): void {
    this.init(name, arr);
  }
}

/** `make`, after checking that the options are among `keys` (a typo must not be ignored). */
function checked(
  name: string,
  keys: readonly string[],
  // deno-lint-ignore no-explicit-any
  make: (kw: any) => Initializer,
): (kw: Record<string, unknown>) => Initializer {
  return (kw) => {
    checkOptions(`initializer.create(${JSON.stringify(name)})`, kw, keys);
    return make(kw);
  };
}

const REGISTRY = new Map<string, (kw: Record<string, unknown>) => Initializer>([
  ["zero", checked("zero", [], () => new Zero())],
  ["zeros", checked("zeros", [], () => new Zero())],
  ["one", checked("one", [], () => new One())],
  ["ones", checked("ones", [], () => new One())],
  ["constant", checked("constant", ["value"], (kw) => new Constant(kw.value))],
  ["uniform", checked("uniform", ["scale"], (kw) => new Uniform(kw.scale))],
  ["normal", checked("normal", ["sigma"], (kw) => new Normal(kw.sigma))],
  ["xavier", (kw) => new Xavier(kw)],
  ["msraprelu", (kw) => new MSRAPrelu(kw)],
  ["bilinear", checked("bilinear", [], () => new Bilinear())],
  ["orthogonal", (kw) => new Orthogonal(kw)],
  ["lstmbias", (kw) => new LSTMBias(kw)],
]);

/**
 * Registers a custom initializer under `name` (case-insensitive) for `create` and for
 * Variables whose `__init__` attribute names it; `make` receives the options.
 */
export function register(
  name: string,
  make: (kwargs: Record<string, unknown>) => Initializer,
): void {
  REGISTRY.set(name.toLowerCase(), make);
}

/**
 * An initializer by name with options, from a `dumps()` JSON string, or passed through.
 * @example
 * ```ts
 * import { create } from "./initializer.ts";
 * console.log(create("xavier", { magnitude: 2 }).dumps()); // ["xavier",{"magnitude":2}]
 * ```
 */
export function create(
  init: string | Initializer,
  kwargs: Record<string, unknown> = {},
): Initializer {
  if (init instanceof Initializer) return init;
  let name = init, kw = kwargs;
  if (init.trimStart().startsWith("[")) {
    try {
      [name, kw] = JSON.parse(init);
    } catch (e) {
      throw new ParamError(`initializer.create: cannot parse ${init}`, { cause: e });
    }
    // MXNet writes its options in snake_case (`["xavier", {"rnd_type": "gaussian"}]`).
    kw = Object.fromEntries(
      Object.entries(kw ?? {}).map((
        [k, v],
      ) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), v]),
    );
  }
  const make = REGISTRY.get(name.toLowerCase());
  if (!make) {
    throw new ParamError(
      `initializer.create: unknown initializer ${JSON.stringify(name)}; known: ${
        [...REGISTRY.keys()].join(", ")
      }`,
    );
  }
  return make(kw ?? {});
}
