/**
 * The calling convention of `mx.nd` and `mx.sym` at run time (the types are in
 * ./signatures.ts): one table says, per function name, which operator it applies and which
 * parameters it takes positionally; `parseCall` reads a call in any of its forms against
 * the operator's `OpDef` and checks what a plain JavaScript caller can get wrong (too many
 * arguments, a number where an array belongs, an unknown option), naming the function.
 * Both front ends read the same table, so they accept the same arguments.
 * @module
 */
import { MXNetError, ParamError } from "../core/errors.ts";
import { checkOptions, describe } from "../core/options.ts";
import { auxNamesOf, type OpDef } from "./op_def.ts";
import { jsonKey, snakeCase } from "./params.ts";
import { getOp } from "./registry.ts";

/** How a front-end function maps its arguments onto an operator. */
export interface FnSpec {
  /** The operator (registry name). */
  readonly op: string;
  /** Parameters taken positionally after the input arrays, in order. */
  readonly positional?: readonly string[];
  /** The inputs are a list (`concat([a, b])`, `concat(a, b)`); sets `countParam`. */
  readonly variadic?: boolean;
  /** The parameter a variadic function sets to its input count (default `numArgs`). */
  readonly countParam?: string;
  /** Arithmetic: numbers are operands too; the operator is chosen per call. */
  readonly arith?: ArithName;
  /** Every visible output is returned (`split`), not the first. */
  readonly allOutputs?: boolean;
  /**
   * Every visible output is returned when there are several (RNN with `stateOutputs`),
   * the one array otherwise, as MXNet's Python functions do.
   */
  readonly manyOutputs?: boolean;
}

/** Binary arithmetic and comparison names. */
export type ArithName =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "equal"
  | "notEqual"
  | "greater"
  | "greaterEqual"
  | "lesser"
  | "lesserEqual"
  | "mod"
  | "logicalAnd"
  | "logicalOr"
  | "logicalXor";

/**
 * Per arithmetic name: the broadcast operator, the scalar operator (array op number), the
 * scalar operator for number op array, and the name hint of an anonymous graph node (MXNet
 * names `a + b` `_plus0`).
 */
export const ARITH_OPS: Readonly<Record<ArithName, readonly [string, string, string, string]>> = {
  add: ["broadcast_add", "_plus_scalar", "_plus_scalar", "_plus"],
  sub: ["broadcast_sub", "_minus_scalar", "_rminus_scalar", "_minus"],
  mul: ["broadcast_mul", "_mul_scalar", "_mul_scalar", "_mul"],
  div: ["broadcast_div", "_div_scalar", "_rdiv_scalar", "_div"],
  pow: ["broadcast_power", "_power_scalar", "_rpower_scalar", "_power"],
  maximum: ["broadcast_maximum", "_maximum_scalar", "_maximum_scalar", "_maximum"],
  minimum: ["broadcast_minimum", "_minimum_scalar", "_minimum_scalar", "_minimum"],
  equal: ["broadcast_equal", "_equal_scalar", "_equal_scalar", "_equal"],
  notEqual: ["broadcast_not_equal", "_not_equal_scalar", "_not_equal_scalar", "_not_equal"],
  greater: ["broadcast_greater", "_greater_scalar", "_lesser_scalar", "_greater"],
  greaterEqual: [
    "broadcast_greater_equal",
    "_greater_equal_scalar",
    "_lesser_equal_scalar",
    "_greater_equal",
  ],
  lesser: ["broadcast_lesser", "_lesser_scalar", "_greater_scalar", "_lesser"],
  lesserEqual: [
    "broadcast_lesser_equal",
    "_lesser_equal_scalar",
    "_greater_equal_scalar",
    "_lesser_equal",
  ],

  mod: ["broadcast_mod", "_mod_scalar", "_rmod_scalar", "_mod"],
  logicalAnd: [
    "broadcast_logical_and",
    "_logical_and_scalar",
    "_logical_and_scalar",
    "_logical_and",
  ],
  logicalOr: ["broadcast_logical_or", "_logical_or_scalar", "_logical_or_scalar", "_logical_or"],
  logicalXor: [
    "broadcast_logical_xor",
    "_logical_xor_scalar",
    "_logical_xor_scalar",
    "_logical_xor",
  ],
};

const plain = (op: string): FnSpec => ({ op });
const arith = (a: ArithName): FnSpec => ({ op: ARITH_OPS[a][0], arith: a });

/**
 * Every operator function `mx.nd` and `mx.sym` both have, by function name. Capitalised
 * legacy names and their lower-case MXNet aliases are separate entries of the same operator.
 */
export const FUNCTIONS: Readonly<Record<string, FnSpec>> = {
  add: arith("add"),
  plus: arith("add"),
  subtract: arith("sub"),
  sub: arith("sub"),
  multiply: arith("mul"),
  mul: arith("mul"),
  divide: arith("div"),
  div: arith("div"),
  power: arith("pow"),
  maximum: arith("maximum"),
  minimum: arith("minimum"),
  equal: arith("equal"),
  notEqual: arith("notEqual"),
  greater: arith("greater"),
  greaterEqual: arith("greaterEqual"),
  lesser: arith("lesser"),
  lesserEqual: arith("lesserEqual"),

  broadcastAdd: plain("broadcast_add"),
  broadcastPlus: plain("broadcast_add"),
  broadcastSub: plain("broadcast_sub"),
  broadcastMinus: plain("broadcast_sub"),
  broadcastMul: plain("broadcast_mul"),
  broadcastDiv: plain("broadcast_div"),
  broadcastPower: plain("broadcast_power"),
  broadcastMaximum: plain("broadcast_maximum"),
  broadcastMinimum: plain("broadcast_minimum"),
  broadcastEqual: plain("broadcast_equal"),
  broadcastNotEqual: plain("broadcast_not_equal"),
  broadcastGreater: plain("broadcast_greater"),
  broadcastGreaterEqual: plain("broadcast_greater_equal"),
  broadcastLesser: plain("broadcast_lesser"),
  broadcastLesserEqual: plain("broadcast_lesser_equal"),
  broadcastLike: plain("broadcast_like"),
  elemwiseAdd: plain("broadcast_add"),
  elemwiseSub: plain("broadcast_sub"),
  elemwiseMul: plain("broadcast_mul"),
  elemwiseDiv: plain("broadcast_div"),

  negative: plain("negative"),
  abs: plain("abs"),
  sign: plain("sign"),
  exp: plain("exp"),
  log: plain("log"),
  log1p: plain("log1p"),
  expm1: plain("expm1"),
  sqrt: plain("sqrt"),
  rsqrt: plain("rsqrt"),
  square: plain("square"),
  cbrt: plain("cbrt"),
  reciprocal: plain("reciprocal"),
  sin: plain("sin"),
  cos: plain("cos"),
  tan: plain("tan"),
  arcsin: plain("arcsin"),
  arccos: plain("arccos"),
  arctan: plain("arctan"),
  sinh: plain("sinh"),
  cosh: plain("cosh"),
  tanh: plain("tanh"),
  sigmoid: plain("sigmoid"),
  relu: plain("relu"),
  softsign: plain("softsign"),
  erf: plain("erf"),
  floor: plain("floor"),
  ceil: plain("ceil"),
  round: plain("round"),
  trunc: plain("trunc"),
  BlockGrad: plain("BlockGrad"),
  stopGradient: plain("BlockGrad"),
  zerosLike: plain("zeros_like"),
  onesLike: plain("ones_like"),
  Flatten: plain("Flatten"),
  flatten: plain("Flatten"),
  where: plain("where"),

  sum: plain("sum"),
  mean: plain("mean"),
  prod: plain("prod"),
  max: plain("max"),
  min: plain("min"),
  norm: plain("norm"),
  argmax: plain("argmax"),
  argmin: plain("argmin"),
  dot: plain("dot"),
  batchDot: plain("batch_dot"),
  softmax: plain("softmax"),
  logSoftmax: plain("log_softmax"),
  SoftmaxActivation: plain("SoftmaxActivation"),
  sort: plain("sort"),
  argsort: plain("argsort"),
  topk: { op: "topk", manyOutputs: true },
  take: plain("take"),
  pick: plain("pick"),

  Reshape: { op: "Reshape", positional: ["shape"] },
  reshape: { op: "Reshape", positional: ["shape"] },
  transpose: { op: "transpose", positional: ["axes"] },
  SwapAxis: { op: "SwapAxis", positional: ["dim1", "dim2"] },
  swapaxes: { op: "SwapAxis", positional: ["dim1", "dim2"] },
  expandDims: { op: "expand_dims", positional: ["axis"] },
  squeeze: { op: "squeeze", positional: ["axis"] },
  broadcastTo: { op: "broadcast_to", positional: ["shape"] },
  slice: { op: "slice", positional: ["begin", "end", "step"] },
  sliceAxis: { op: "slice_axis", positional: ["axis", "begin", "end"] },
  reverse: { op: "reverse", positional: ["axis"] },
  flip: { op: "reverse", positional: ["axis"] },
  tile: { op: "tile", positional: ["reps"] },
  repeat: { op: "repeat", positional: ["repeats", "axis"] },
  clip: { op: "clip", positional: ["aMin", "aMax"] },
  Cast: { op: "Cast", positional: ["dtype"] },
  cast: { op: "Cast", positional: ["dtype"] },
  oneHot: { op: "one_hot", positional: ["depth"] },
  Concat: { op: "Concat", variadic: true },
  concat: { op: "Concat", variadic: true },
  stack: { op: "stack", variadic: true },
  SliceChannel: { op: "SliceChannel", positional: ["numOutputs"], allOutputs: true },
  split: { op: "SliceChannel", positional: ["numOutputs"], allOutputs: true },

  FullyConnected: plain("FullyConnected"),
  Activation: plain("Activation"),
  LeakyReLU: plain("LeakyReLU"),
  Convolution: plain("Convolution"),
  Deconvolution: plain("Deconvolution"),
  Pooling: plain("Pooling"),
  BatchNorm: plain("BatchNorm"),
  LayerNorm: plain("LayerNorm"),
  InstanceNorm: plain("InstanceNorm"),
  GroupNorm: plain("GroupNorm"),
  LRN: plain("LRN"),
  SequenceMask: plain("SequenceMask"),
  Pad: plain("Pad"),
  pad: plain("Pad"),
  CTCLoss: plain("CTCLoss"),
  ctcLoss: plain("CTCLoss"),
  im2col: plain("im2col"),
  col2im: plain("col2im"),
  ampCast: plain("amp_cast"),
  ampMulticast: { op: "amp_multicast", variadic: true, countParam: "numOutputs", allOutputs: true },
  smoothL1: { op: "smooth_l1", positional: ["scalar"] },
  reshapeLike: plain("reshape_like"),
  Dropout: plain("Dropout"),
  Embedding: plain("Embedding"),
  SoftmaxOutput: plain("SoftmaxOutput"),
  LinearRegressionOutput: plain("LinearRegressionOutput"),
  LogisticRegressionOutput: plain("LogisticRegressionOutput"),
  MAERegressionOutput: plain("MAERegressionOutput"),
  MakeLoss: plain("MakeLoss"),
  softmaxCrossEntropy: plain("softmax_cross_entropy"),
  RNN: { op: "RNN", manyOutputs: true },

  addN: { op: "add_n", variadic: true },
  ElementWiseSum: { op: "add_n", variadic: true },
  broadcastAxis: { op: "broadcast_axis", positional: ["axis", "size"] },
  broadcastAxes: { op: "broadcast_axis", positional: ["axis", "size"] },
  sliceLike: plain("slice_like"),
  gatherNd: plain("gather_nd"),
  scatterNd: { op: "scatter_nd", positional: ["shape"] },
  batchTake: plain("batch_take"),
  depthToSpace: { op: "depth_to_space", positional: ["blockSize"] },
  spaceToDepth: { op: "space_to_depth", positional: ["blockSize"] },
  SequenceLast: plain("SequenceLast"),
  SequenceReverse: plain("SequenceReverse"),
  diag: plain("diag"),
  moments: { op: "moments", allOutputs: true },
  cumsum: plain("_np_cumsum"),
  argmaxChannel: plain("argmax_channel"),
  shapeArray: plain("shape_array"),
  sizeArray: plain("size_array"),
  identity: plain("_copy"),
  khatriRao: { op: "khatri_rao", variadic: true },
  ravelMultiIndex: { op: "_ravel_multi_index", positional: ["shape"] },
  unravelIndex: { op: "_unravel_index", positional: ["shape"] },
  arangeLike: plain("_contrib_arange_like"),
  indexCopy: plain("_contrib_index_copy"),
  divSqrtDim: plain("_contrib_div_sqrt_dim"),
  allclose: plain("_contrib_allclose"),

  modulo: arith("mod"),
  logicalAnd: arith("logicalAnd"),
  logicalOr: arith("logicalOr"),
  logicalXor: arith("logicalXor"),
  broadcastMod: plain("broadcast_mod"),
  broadcastHypot: plain("broadcast_hypot"),
  broadcastLogicalAnd: plain("broadcast_logical_and"),
  broadcastLogicalOr: plain("broadcast_logical_or"),
  broadcastLogicalXor: plain("broadcast_logical_xor"),
  log2: plain("log2"),
  log10: plain("log10"),
  arcsinh: plain("arcsinh"),
  arccosh: plain("arccosh"),
  arctanh: plain("arctanh"),
  degrees: plain("degrees"),
  radians: plain("radians"),
  rint: plain("rint"),
  fix: plain("fix"),
  gamma: plain("gamma"),
  gammaln: plain("gammaln"),
  erfinv: plain("erfinv"),
  rcbrt: plain("rcbrt"),
  logicalNot: plain("logical_not"),
  hardSigmoid: plain("hard_sigmoid"),
  softmin: plain("softmin"),
  nansum: plain("nansum"),
  nanprod: plain("nanprod"),

  UpSampling: { op: "UpSampling", variadic: true },
  Crop: { op: "Crop", variadic: true },
  L2Normalization: plain("L2Normalization"),
  SVMOutput: plain("SVMOutput"),
  ROIPooling: plain("ROIPooling"),
  GridGenerator: plain("GridGenerator"),
  BilinearSampler: plain("BilinearSampler"),
  SpatialTransformer: plain("SpatialTransformer"),
  Correlation: plain("Correlation"),

  randomPdfUniform: plain("_random_pdf_uniform"),
  randomPdfNormal: plain("_random_pdf_normal"),
  randomPdfGamma: plain("_random_pdf_gamma"),
  randomPdfExponential: plain("_random_pdf_exponential"),
  randomPdfPoisson: plain("_random_pdf_poisson"),
  randomPdfNegativeBinomial: plain("_random_pdf_negative_binomial"),
  randomPdfGeneralizedNegativeBinomial: plain("_random_pdf_generalized_negative_binomial"),
  randomPdfDirichlet: plain("_random_pdf_dirichlet"),
  IdentityAttachKLSparseReg: plain("IdentityAttachKLSparseReg"),
};

/** The spec of function `fn`; throws for a name the table lacks (a front-end bug). */
export function specOf(fn: string): FnSpec {
  const s = FUNCTIONS[fn];
  if (!s) throw new MXNetError(`front end: no function ${fn} in the calling-convention table`);
  return s;
}

/** What a front end needs to know of its tensor type. */
export interface TensorKind<T> {
  /** "NDArray" or "Symbol", for messages. */
  readonly name: string;
  /** True for a value of the tensor type. */
  is(x: unknown): x is T;
  /** Option keys that name the result rather than parameterise the operator. */
  readonly naming: readonly string[];
}

/** A call read against its operator. */
export interface ParsedCall<T> {
  /** Inputs in argument order (positional forms), or by argument name (options forms). */
  readonly inputs: T[] | Record<string, T>;
  /** Parameters as given (camelCase or MXNet's JSON keys); the operator validates them. */
  readonly params: Record<string, unknown>;
  /** Node name (graphs only). */
  readonly name?: string;
  /** Node attributes (graphs only). */
  readonly attr?: Record<string, string>;
  /** Name hint of an anonymous node (graphs only). */
  readonly hint?: string;
}

/** A plain options object (not an array, a tensor, a Context or other class instance). */
export function isOptions(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** The operator's argument names (inputs, then auxiliary states) for the given params. */
export function argNamesFor(def: OpDef, params: Record<string, unknown>): string[] {
  // Only the params that decide the inputs matter here; unset ones take the default.
  const p: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(def.params)) {
    p[k] = params[k] ?? params[jsonKey(k, spec)] ?? spec.default;
  }
  const args = typeof def.inputs === "function" ? def.inputs(p) : def.inputs;
  return [...args, ...auxNamesOf(def, p)];
}

/** Keys an options object may hold for `def`, cached: params (both spellings), inputs. */
const knownKeys = new WeakMap<OpDef, Map<TensorKind<unknown>, string[]>>();
function knownKeysOf<T>(def: OpDef, kind: TensorKind<T>): string[] {
  let byKind = knownKeys.get(def);
  if (!byKind) knownKeys.set(def, byKind = new Map());
  let k = byKind.get(kind);
  if (!k) {
    const params = Object.entries(def.params).flatMap(([key, spec]) => [key, jsonKey(key, spec)]);
    const inputs = inputNamesOf(def).flatMap((n) => [n, camelCase(n)]);
    k = [...new Set([...params, ...inputs, ...kind.naming])];
    byKind.set(kind, k);
  }
  return k;
}

function camelCase(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The argument names to accept by key, whatever the params (prelu's gamma, FC's bias). */
function allInputNames(def: OpDef): string[] {
  if (typeof def.inputs !== "function" && typeof def.aux !== "function") {
    return [...def.inputs, ...(def.aux ?? [])];
  }
  // Variadic operators (Concat) take their list as `data`.
  const names = new Set<string>(["data"]);
  for (const p of variantsOf(def)) for (const n of argNamesFor(def, p)) names.add(n);
  return [...names].filter((n) => !/^arg\d+$/.test(n));
}

/** Param combinations that change an operator's inputs: defaults, flipped booleans, enums. */
function variantsOf(def: OpDef): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{ numArgs: 1 }];
  for (const [k, spec] of Object.entries(def.params)) {
    if (spec.type === "bool") out.push({ numArgs: 1, [k]: !spec.default });
    for (const v of spec.values ?? []) out.push({ numArgs: 1, [k]: v });
  }
  return out;
}

/** The argument names usable as keys, per operator (built once). */
const inputNamesCache = new WeakMap<OpDef, string[]>();
function inputNamesOf(def: OpDef): string[] {
  let n = inputNamesCache.get(def);
  if (!n) inputNamesCache.set(def, n = allInputNames(def));
  return n;
}

/** The canonical (MXNet) argument name of an options key, or undefined. */
function inputKey(def: OpDef, key: string): string | undefined {
  const names = inputNamesOf(def);
  if (names.includes(key)) return key;
  const snake = snakeCase(key);
  return names.includes(snake) ? snake : undefined;
}

/**
 * Reads one call of front-end function `fn` in any of its forms (see ./signatures.ts):
 * `f(...inputs, ...positional params, opts?)` or `f({ ...inputs by name, ...params })`.
 * Throws a ParamError naming `fn` for what a plain JavaScript caller can get wrong: an
 * argument of the wrong kind, too many arguments, an unknown option. Parameter values are
 * validated by the operator (parseParams) when it is applied.
 */
export function parseCall<T>(
  fn: string,
  spec: FnSpec,
  args: ArrayLike<unknown>,
  kind: TensorKind<T>,
): ParsedCall<T> {
  const def = getOp(spec.op);
  const n = args.length;
  if (n === 0) {
    throw new ParamError(`${fn}: expected ${expectedInputs(def, spec, kind)}, got no arguments`);
  }
  if (isOptions(args[0])) {
    if (n > 1 && args[1] !== undefined) {
      throw new ParamError(
        `${fn}: called with one options object holding the inputs (${
          expectedInputs(def, spec, kind)
        }), so it takes no further arguments; got ${describe(args[1])} as argument 2`,
      );
    }
    return fromOptions(fn, def, spec, args[0], kind);
  }
  // Positional form: the inputs...
  let i = 0;
  const list: T[] = [];
  if (spec.variadic && Array.isArray(args[0])) {
    args[0].forEach((x, j) => list.push(expectTensor(fn, `input ${j}`, x, kind)));
    i = 1;
  } else {
    while (i < n && kind.is(args[i])) list.push(args[i++] as T);
    if (list.length === 0) {
      throw new ParamError(
        `${fn}: argument 1 (${expectedInputs(def, spec, kind)}) expects ${
          spec.variadic ? `a list of ${kind.name}s or ${kind.name}s` : an(kind)
        }, got ${describe(args[0])}`,
      );
    }
  }
  // ...then the positional params...
  const params: Record<string, unknown> = {};
  const positional = spec.positional ?? [];
  for (let j = 0; j < positional.length && i < n && !isOptions(args[i]); j++, i++) {
    const v = args[i];
    if (kind.is(v) || isForeignTensor(v)) {
      throw new ParamError(
        `${fn}: argument ${i + 1} (${positional[j]}) expects a parameter value, got ${
          describe(v)
        }; ${fn} takes ${inputCount(def, spec)}`,
      );
    }
    if (v !== undefined) params[positional[j]] = v;
  }
  // ...then one options object.
  let opts: Record<string, unknown> | undefined;
  if (i < n) {
    const v = args[i];
    if (isOptions(v)) opts = v;
    else if (v !== undefined) {
      const names = spec.variadic ? [] : argNamesFor(def, params);
      if (i === list.length && i < names.length) {
        // A missing input, e.g. a number given to broadcastAdd.
        throw new ParamError(
          `${fn}: argument ${i + 1} (${names[i]}) expects ${an(kind)}, got ${describe(v)}`,
        );
      }
      const what = kind.is(v) || isForeignTensor(v) ? `; ${fn} takes ${inputCount(def, spec)}` : "";
      throw new ParamError(
        `${fn}: argument ${i + 1} expects ${
          positional.length ? "an options object" : `an options object (${optionKeys(def)})`
        }, got ${describe(v)}${what}`,
      );
    }
    i++;
  }
  for (; i < n; i++) {
    if (args[i] !== undefined) {
      throw new ParamError(
        `${fn}: too many arguments: takes ${signatureOf(def, spec, kind)}, got ${n} arguments`,
      );
    }
  }
  if (!opts) {
    if (spec.variadic) setNumArgs(fn, spec, params, list.length);
    else checkInputCount(fn, def, list.length, params);
    return { inputs: list, params };
  }
  // Inputs may also be given by name in the options (`FullyConnected(x, { weight })`).
  checkOptions(fn, opts, knownKeysOf(def, kind));
  let named: Record<string, T> | undefined;
  for (const [k, v] of Object.entries(opts)) {
    if (kind.naming.includes(k)) continue;
    const arg = inputKey(def, k);
    if (arg !== undefined && !(k in def.params)) {
      if (v === undefined) continue;
      named ??= {};
      named[arg] = expectTensor(fn, k, v, kind);
    } else if (camelCase(k) in params) {
      throw new ParamError(`${fn}: ${k} is given both positionally and in the options`);
    } else params[k] = v;
  }
  if (spec.variadic) setNumArgs(fn, spec, params, list.length);
  const naming = namingOf(fn, opts);
  if (!spec.variadic) checkInputCount(fn, def, list.length, params);
  if (!named) return { inputs: list, params, ...naming };
  const names = argNamesFor(def, params);
  list.forEach((x, j) => {
    if (names[j] in named!) {
      throw new ParamError(`${fn}: input ${names[j]} is given both positionally and by name`);
    }
    named![names[j]] = x;
  });
  return { inputs: named, params, ...naming };
}

function fromOptions<T>(
  fn: string,
  def: OpDef,
  spec: FnSpec,
  opts: Record<string, unknown>,
  kind: TensorKind<T>,
): ParsedCall<T> {
  checkOptions(fn, opts, knownKeysOf(def, kind));
  const params: Record<string, unknown> = {};
  const named: Record<string, T> = {};
  let list: T[] | undefined;
  for (const [k, v] of Object.entries(opts)) {
    if (kind.naming.includes(k)) continue;
    const arg = inputKey(def, k);
    if (arg === undefined || k in def.params) {
      params[k] = v;
    } else if (spec.variadic && arg === "data") {
      if (!Array.isArray(v)) {
        throw new ParamError(`${fn}: data expects a list of ${kind.name}s, got ${describe(v)}`);
      }
      list = v.map((x, j) => expectTensor(fn, `data[${j}]`, x, kind));
    } else if (v !== undefined) named[arg] = expectTensor(fn, k, v, kind);
  }
  const naming = namingOf(fn, opts);
  if (spec.variadic) {
    if (!list) throw new ParamError(`${fn}: data (the list of ${kind.name}s) is required`);
    setNumArgs(fn, spec, params, list.length);
    return { inputs: list, params, ...naming };
  }
  return { inputs: named, params, ...naming };
}

/** Sets a variadic call's count parameter (`numArgs`) to its input count, checking a given one. */
function setNumArgs(
  fn: string,
  spec: FnSpec,
  params: Record<string, unknown>,
  count: number,
): void {
  const key = spec.countParam ?? "numArgs";
  const given = params[key] ?? params[snakeCase(key)];
  if (given !== undefined && given !== count) {
    throw new ParamError(`${fn}: ${key} is ${describe(given)} but ${count} inputs were given`);
  }
  delete params[snakeCase(key)];
  params[key] = count;
}

function namingOf(fn: string, opts: Record<string, unknown>) {
  const { name, attr, hint } = opts;
  if (name !== undefined && typeof name !== "string") {
    throw new ParamError(`${fn}: name expects a string, got ${describe(name)}`);
  }
  if (attr !== undefined && !isOptions(attr)) {
    throw new ParamError(`${fn}: attr expects an object of strings, got ${describe(attr)}`);
  }
  return {
    name: name as string | undefined,
    attr: attr as Record<string, string> | undefined,
    hint: hint as string | undefined,
  };
}

function checkInputCount(
  fn: string,
  def: OpDef,
  count: number,
  params: Record<string, unknown>,
): void {
  const names = argNamesFor(def, params);
  if (count > names.length) {
    throw new ParamError(
      `${fn}: takes ${names.length} input(s) (${names.join(", ")}), got ${count}`,
    );
  }
}

/**
 * Inputs given by name, in the operator's argument order; throws naming `fn` and the
 * missing inputs (NDArray calls have no variables to make for them).
 */
export function orderInputs<T>(
  fn: string,
  def: OpDef,
  named: Record<string, T>,
  params: Record<string, unknown>,
): T[] {
  const names = argNamesFor(def, params);
  for (const k of Object.keys(named)) {
    if (!names.includes(k)) {
      throw new ParamError(
        `${fn}: ${k} is not an input with these parameters; the inputs are ${names.join(", ")}`,
      );
    }
  }
  const missing = names.filter((n) => !(n in named));
  if (missing.length) {
    throw new ParamError(`${fn}: missing input array(s) ${missing.join(", ")}`);
  }
  return names.map((n) => named[n]);
}

function an<T>(kind: TensorKind<T>): string {
  // "an NDArray", "a Symbol".
  return /^[AEIOU]|^ND/.test(kind.name) ? `an ${kind.name}` : `a ${kind.name}`;
}

function expectTensor<T>(fn: string, what: string, x: unknown, kind: TensorKind<T>): T {
  if (kind.is(x)) return x;
  throw new ParamError(`${fn}: ${what} expects ${an(kind)}, got ${describe(x)}`);
}

/** An NDArray given to a Symbol function or the reverse: an object with a shape or outputs. */
function isForeignTensor(x: unknown): boolean {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !isOptions(x);
}

function inputCount(def: OpDef, spec: FnSpec): string {
  if (spec.variadic) return "one list of inputs";
  const names = argNamesFor(def, {});
  return `${names.length} input(s) (${names.join(", ")})`;
}

function expectedInputs<T>(def: OpDef, spec: FnSpec, kind: TensorKind<T>): string {
  if (spec.variadic) return `a list of ${kind.name}s`;
  return argNamesFor(def, {}).join(", ");
}

function optionKeys(def: OpDef): string {
  const keys = Object.keys(def.params);
  return keys.length ? keys.join(", ") + ", name, attr" : "name, attr";
}

function signatureOf<T>(def: OpDef, spec: FnSpec, kind: TensorKind<T>): string {
  const ins = spec.variadic ? `[${kind.name}, ...]` : argNamesFor(def, {}).join(", ");
  return `(${[ins, ...(spec.positional ?? []), "options?"].join(", ")})`;
}
