/**
 * mx.nd and mx.sym take the same arguments (#15 item 4): walks the operator registry and,
 * for every function the two front ends share, calls it both ways with the same arguments
 * (positional form and all-options form) and checks that the bound Symbol computes what
 * the NDArray call computes. Also: every registered non-internal operator has a function on
 * both front ends, and Symbol has NDArray's operator methods with the same results.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { argNamesFor, FUNCTIONS } from "../../src/ops/frontend.ts";
import { ALL_OPS, getOp } from "../../src/ops/registry.ts";
import { LIST_FUNCTIONS, UPDATE_FUNCTIONS } from "../../src/ops/optimizer/frontend.ts";
import { assertClose, randomValues, values } from "../_harness.ts";

type NDArray = mx.NDArray;
type Symbol = mx.sym.Symbol;

/** An input: a shape (values drawn in [-0.9, 0.9)), fixed values, or a literal number. */
type Input = number[] | { shape: number[]; values?: number[]; positive?: boolean } | number;

/** One call: its inputs and the arguments after them (the same on both front ends). */
interface Case {
  inputs: Input[];
  args?: unknown[];
}

const x23 = [2, 3];
const pos = (shape: number[]) => ({ shape, positive: true });
const ints = (shape: number[], v: number[]) => ({ shape, values: v });
const ARITH: Case[] = [{ inputs: [x23, [1, 3]] }, { inputs: [x23, 0.5] }, { inputs: [0.5, x23] }];
const BINARY: Case[] = [{ inputs: [x23, [1, 3]] }];
const UNARY: Case[] = [{ inputs: [x23] }];
const POSITIVE: Case[] = [{ inputs: [pos(x23)] }];
const REDUCE: Case[] = [{ inputs: [[2, 3, 4]] }, {
  inputs: [[2, 3, 4]],
  args: [{ axis: 1, keepdims: true }],
}];
const REGRESSION: Case[] = [{ inputs: [[3, 4], [3, 4]] }];

/** Cases per function name; every function of the calling-convention table needs one. */
const CASES: Record<string, Case[]> = {
  ...Object.fromEntries(
    Object.entries(FUNCTIONS).filter(([, s]) => s.arith).map(([fn]) => [fn, ARITH]),
  ),
  ...Object.fromEntries(
    Object.keys(FUNCTIONS).filter((fn) => /^(broadcast|elemwise)/.test(fn)).map((fn) => [
      fn,
      BINARY,
    ]),
  ),
  broadcastLike: [{ inputs: [[1, 3], x23] }],
  broadcastTo: [{ inputs: [[1, 3]], args: [[2, 3]] }],
  ...Object.fromEntries(
    [
      "negative",
      "abs",
      "sign",
      "exp",
      "expm1",
      "square",
      "cbrt",
      "reciprocal",
      "sin",
      "cos",
      "tan",
      "arcsin",
      "arccos",
      "arctan",
      "sinh",
      "cosh",
      "tanh",
      "sigmoid",
      "relu",
      "softsign",
      "erf",
      "floor",
      "ceil",
      "round",
      "trunc",
      "BlockGrad",
      "stopGradient",
      "zerosLike",
      "onesLike",
    ].map((fn) => [fn, UNARY]),
  ),
  ...Object.fromEntries(["log", "log1p", "sqrt", "rsqrt"].map((fn) => [fn, POSITIVE])),
  Flatten: [{ inputs: [[2, 3, 2]] }],
  flatten: [{ inputs: [[2, 3, 2]] }],
  where: [{ inputs: [ints(x23, [1, 0, 1, 0, 0, 1]), x23, x23] }],
  sum: REDUCE,
  mean: REDUCE,
  prod: REDUCE,
  max: REDUCE,
  min: REDUCE,
  norm: [{ inputs: [[2, 3]] }, { inputs: [[2, 3]], args: [{ axis: 1, ord: 1 }] }],
  argmax: [{ inputs: [[2, 3]], args: [{ axis: 1 }] }],
  argmin: [{ inputs: [[2, 3]], args: [{ axis: 0, keepdims: true }] }],
  dot: [{ inputs: [x23, [3, 4]] }, { inputs: [x23, [4, 3]], args: [{ transposeB: true }] }],
  batchDot: [{ inputs: [[2, 2, 3], [2, 3, 4]] }],
  softmax: [{ inputs: [x23] }, { inputs: [x23], args: [{ axis: 0, temperature: 2 }] }],
  logSoftmax: [{ inputs: [x23] }],
  ...Object.fromEntries(
    ["arcsinh", "arctanh", "degrees", "radians", "rint", "fix", "erfinv", "logicalNot"].map((
      fn,
    ) => [fn, UNARY]),
  ),
  ...Object.fromEntries(
    ["log2", "log10", "gamma", "gammaln", "rcbrt"].map((fn) => [fn, POSITIVE]),
  ),
  arccosh: [{ inputs: [{ shape: x23, values: [1, 1.5, 2, 3, 4.5, 10] }] }],
  hardSigmoid: [{ inputs: [x23] }, { inputs: [x23], args: [{ alpha: 0.7, beta: 0.2 }] }],
  softmin: [{ inputs: [x23] }, { inputs: [x23], args: [{ axis: 0, temperature: 2 }] }],
  nansum: REDUCE,
  nanprod: REDUCE,
  SoftmaxActivation: [{ inputs: [[2, 3, 2]] }, {
    inputs: [[2, 3, 2]],
    args: [{ mode: "channel" }],
  }],
  sort: [{ inputs: [[2, 4]], args: [{ isAscend: false }] }],
  argsort: [{ inputs: [[2, 4]] }],
  topk: [{ inputs: [[2, 4]], args: [{ k: 2, retTyp: "value" }] }],
  take: [{ inputs: [[4, 3], ints([2], [3, 1])], args: [{ axis: 0 }] }],
  pick: [{ inputs: [x23, ints([2], [2, 0])], args: [{ axis: 1 }] }],
  Reshape: [{ inputs: [x23], args: [[3, 2]] }, { inputs: [x23], args: [[-1], { reverse: false }] }],
  reshape: [{ inputs: [x23], args: [[3, -1]] }],
  transpose: [{ inputs: [[2, 3, 4]] }, { inputs: [[2, 3, 4]], args: [[1, 0, 2]] }],
  SwapAxis: [{ inputs: [[2, 3, 4]], args: [0, 2] }],
  swapaxes: [{ inputs: [[2, 3, 4]], args: [1, 2] }],
  expandDims: [{ inputs: [x23], args: [1] }],
  squeeze: [{ inputs: [[2, 1, 3]] }, { inputs: [[2, 1, 3]], args: [1] }],
  slice: [{ inputs: [[3, 4]], args: [[0, 1], [2, 3]] }, {
    inputs: [[3, 4]],
    args: [[0, null], [3, null], [2, 2]],
  }],
  sliceAxis: [{ inputs: [[3, 4]], args: [1, 1, 3] }],
  reverse: [{ inputs: [x23], args: [1] }],
  flip: [{ inputs: [x23], args: [[0, 1]] }],
  tile: [{ inputs: [x23], args: [[2, 1]] }],
  repeat: [{ inputs: [x23], args: [2, 1] }, { inputs: [x23], args: [2] }],
  clip: [{ inputs: [x23], args: [-0.3, 0.6] }],
  Cast: [{ inputs: [x23], args: ["float64"] }],
  cast: [{ inputs: [x23], args: ["int32"] }],
  oneHot: [{ inputs: [ints([3], [0, 2, 1])], args: [4] }, {
    inputs: [ints([3], [0, 2, 1])],
    args: [4, { onValue: 5, offValue: -1 }],
  }],
  Concat: [{ inputs: [x23, [2, 1]] }, { inputs: [x23, x23], args: [{ dim: 0 }] }],
  concat: [{ inputs: [x23, x23, x23], args: [{ dim: 0 }] }],
  stack: [{ inputs: [x23, x23], args: [{ axis: 1 }] }],
  SliceChannel: [{ inputs: [[2, 4]], args: [2] }],
  split: [{ inputs: [[2, 6]], args: [3, { axis: 1, squeezeAxis: false }] }],
  FullyConnected: [{ inputs: [x23, [4, 3], [4]], args: [{ numHidden: 4 }] }, {
    inputs: [[2, 3, 2], [4, 6]],
    args: [{ numHidden: 4, noBias: true }],
  }],
  Activation: [{ inputs: [x23], args: [{ actType: "tanh" }] }],
  LeakyReLU: [{ inputs: [x23], args: [{ actType: "leaky", slope: 0.1 }] }, {
    inputs: [x23, [3]],
    args: [{ actType: "prelu" }],
  }],
  Convolution: [{
    inputs: [[1, 2, 5, 5], [3, 2, 3, 3], [3]],
    args: [{ kernel: [3, 3], numFilter: 3, pad: [1, 1] }],
  }, {
    inputs: [[1, 2, 3, 4, 4], [2, 2, 2, 3, 3]],
    args: [{ kernel: [2, 3, 3], numFilter: 2, pad: [0, 1, 1], noBias: true }],
  }],
  Deconvolution: [{
    inputs: [[1, 2, 4, 4], [2, 3, 3, 3], [3]],
    args: [{ kernel: [3, 3], numFilter: 3, noBias: false }],
  }],
  Pooling: [{ inputs: [[1, 2, 4, 4]], args: [{ kernel: [2, 2], stride: [2, 2] }] }, {
    inputs: [[1, 2, 4, 4, 4]],
    args: [{ kernel: [2, 2, 2], stride: [2, 1, 2], poolType: "avg" }],
  }, {
    inputs: [[1, 2, 4, 4]],
    args: [{ globalPool: true, poolType: "avg" }],
  }],
  BatchNorm: [{
    inputs: [[2, 3, 2], [3], [3], [3], pos([3])],
    args: [{ fixGamma: false }],
  }],
  LayerNorm: [{ inputs: [x23, [3], [3]] }],
  InstanceNorm: [{ inputs: [[2, 3, 4], [3], [3]] }],
  GroupNorm: [{ inputs: [[2, 4, 3], [4], [4]], args: [{ numGroups: 2 }] }],
  LRN: [{ inputs: [pos([1, 5, 2, 2])], args: [{ nsize: 3, alpha: 0.5 }] }],
  SequenceMask: [{
    inputs: [[3, 2, 2], ints([2], [1, 3])],
    args: [{ useSequenceLength: true, value: -1 }],
  }],
  Pad: [{
    inputs: [[1, 1, 2, 3]],
    args: [{ mode: "reflect", padWidth: [0, 0, 0, 0, 1, 1, 2, 2] }],
  }],
  pad: [{
    inputs: [[1, 1, 2, 2]],
    args: [{ padWidth: [0, 0, 0, 0, 1, 0, 0, 1], constantValue: 3 }],
  }],
  CTCLoss: [{ inputs: [[4, 2, 3], ints([2, 2], [1, 2, 2, 0])] }],
  ctcLoss: [{
    inputs: [[4, 2, 3], ints([2, 2], [0, 1, 1, -1]), ints([2], [4, 3])],
    args: [{ useDataLengths: true, blankLabel: "last" }],
  }],
  smoothL1: [{ inputs: [x23], args: [0.7] }],
  im2col: [{ inputs: [[2, 2, 4, 5]], args: [{ kernel: [2, 3], stride: [1, 2], pad: [1, 0] }] }],
  col2im: [{
    inputs: [[2, 8, 6]],
    args: [{ kernel: [2, 2], stride: [1, 2], pad: [0, 1], outputSize: [3, 4] }],
  }],
  ampCast: [{ inputs: [x23], args: [{ dtype: "float64" }] }],
  ampMulticast: [{ inputs: [x23, [3]] }],
  reshapeLike: [{ inputs: [[2, 3], [3, 2]] }],
  // Outside training Dropout is the identity on both front ends.
  Dropout: [{ inputs: [x23], args: [{ p: 0.5 }] }],
  Embedding: [{ inputs: [ints([3], [4, 0, 2]), [5, 2]], args: [{ inputDim: 5, outputDim: 2 }] }],
  SoftmaxOutput: [{ inputs: [[3, 4], ints([3], [0, 3, 1])] }],
  LinearRegressionOutput: REGRESSION,
  LogisticRegressionOutput: REGRESSION,
  MAERegressionOutput: REGRESSION,
  MakeLoss: [{ inputs: [x23], args: [{ gradScale: 2 }] }],
  softmaxCrossEntropy: [{ inputs: [[3, 4], ints([3], [1, 0, 3])] }],
  RNN: [{
    // A bidirectional LSTM (96 parameters) with its final states.
    inputs: [[3, 2, 2], [96], [2, 2, 2], [2, 2, 2]],
    args: [{ mode: "lstm", stateSize: 2, numLayers: 1, bidirectional: true, stateOutputs: true }],
  }, {
    // A GRU (36 parameters) over sequences of lengths 2 and 3.
    inputs: [[3, 2, 2], [36], [1, 2, 2], ints([2], [2, 3])],
    args: [{ mode: "gru", stateSize: 2, numLayers: 1, useSequenceLength: true }],
  }],
  addN: [{ inputs: [x23, x23, x23] }],
  ElementWiseSum: [{ inputs: [x23, x23] }],
  broadcastAxis: [{ inputs: [[1, 3]], args: [0, 2] }],
  broadcastAxes: [{ inputs: [[2, 1, 1]], args: [[1, 2], [3, 2]] }],
  sliceLike: [{ inputs: [[3, 4], x23] }, { inputs: [[3, 4], [1, 2]], args: [{ axes: [1] }] }],
  gatherNd: [{ inputs: [[3, 4], ints([2, 2], [0, 2, 3, 1])] }],
  scatterNd: [{ inputs: [[2], ints([2, 2], [0, 2, 3, 1])], args: [[3, 4]] }],
  batchTake: [{ inputs: [[3, 4], ints([3], [0, 3, 1])] }],
  depthToSpace: [{ inputs: [[1, 4, 2, 3]], args: [2] }],
  spaceToDepth: [{ inputs: [[1, 2, 4, 2]], args: [{ blockSize: 2 }] }],
  SequenceLast: [{
    inputs: [[3, 2, 2], ints([2], [1, 3])],
    args: [{ useSequenceLength: true }],
  }, { inputs: [[2, 3, 2]], args: [{ axis: 1 }] }],
  SequenceReverse: [{
    inputs: [[3, 2, 2], ints([2], [2, 3])],
    args: [{ useSequenceLength: true }],
  }],
  diag: [{ inputs: [[3, 4]], args: [{ k: 1 }] }, { inputs: [[3]], args: [{ k: -1 }] }],
  moments: [{ inputs: [[2, 3, 2]], args: [{ axes: [0, 2], keepdims: true }] }],
  cumsum: [{ inputs: [x23], args: [{ axis: 1 }] }, { inputs: [x23] }],
  argmaxChannel: [{ inputs: [x23] }],
  shapeArray: [{ inputs: [x23] }],
  sizeArray: [{ inputs: [x23] }],
  identity: [{ inputs: [x23] }],
  khatriRao: [{ inputs: [[2, 3], [4, 3]] }],
  ravelMultiIndex: [{ inputs: [ints([2, 3], [0, 1, 2, 3, 0, 1])], args: [[3, 4]] }],
  unravelIndex: [{ inputs: [ints([3], [0, 5, 11])], args: [[3, 4]] }],
  arangeLike: [{ inputs: [x23], args: [{ start: 2, step: 0.5 }] }, {
    inputs: [x23],
    args: [{ axis: 1, repeat: 2 }],
  }],
  indexCopy: [{ inputs: [[4, 2], ints([2], [3, 0]), [2, 2]] }],
  divSqrtDim: [{ inputs: [[2, 4]] }],
  allclose: [{ inputs: [x23, x23] }, { inputs: [x23, [2, 3]], args: [{ atol: 0.5 }] }],

  UpSampling: [{
    inputs: [[1, 2, 2, 2], [1, 1, 1, 1]],
    args: [{ scale: 2, sampleType: "nearest" }],
  }, {
    inputs: [[1, 2, 2, 2], [2, 1, 4, 4]],
    args: [{ scale: 2, sampleType: "bilinear", numFilter: 2 }],
  }],
  Crop: [{ inputs: [[1, 1, 4, 4]], args: [{ hW: [2, 3], offset: [1, 0] }] }, {
    inputs: [[1, 1, 4, 4], [1, 1, 2, 2]],
    args: [{ centerCrop: true }],
  }],
  L2Normalization: [{ inputs: [[2, 3, 2]], args: [{ mode: "channel" }] }],
  SVMOutput: [{ inputs: [[3, 4], ints([3], [0, 3, 1])] }],
  ROIPooling: [{
    inputs: [[1, 2, 4, 5], ints([2, 5], [0, 0, 0, 6, 4, 0, 2, 1, 8, 7])],
    args: [{ pooledSize: [2, 2], spatialScale: 0.5 }],
  }],
  GridGenerator: [{ inputs: [[2, 6]], args: [{ transformType: "affine", targetShape: [2, 3] }] }],
  BilinearSampler: [{ inputs: [[1, 2, 3, 4], [1, 2, 2, 2]] }],
  SpatialTransformer: [{
    inputs: [[1, 2, 3, 4], [1, 6]],
    args: [{ targetShape: [2, 2], transformType: "affine", samplerType: "bilinear" }],
  }],
  Correlation: [{ inputs: [[1, 2, 3, 3], [1, 2, 3, 3]], args: [{ padSize: 1 }] }],
  randomPdfUniform: [{ inputs: [pos(x23), ints([2], [0, 0.1]), ints([2], [1.5, 2])] }],
  randomPdfNormal: [{ inputs: [x23, [2], pos([2])] }, {
    inputs: [x23, [2], pos([2])],
    args: [{ isLog: true }],
  }],
  randomPdfGamma: [{ inputs: [pos(x23), pos([2]), pos([2])], args: [{ isLog: true }] }],
  randomPdfExponential: [{ inputs: [pos(x23), pos([2])] }],
  randomPdfPoisson: [{ inputs: [ints(x23, [0, 1, 2, 3, 4, 0]), pos([2])] }],
  randomPdfNegativeBinomial: [{
    inputs: [ints(x23, [0, 1, 2, 3, 4, 0]), pos([2]), ints([2], [0.3, 0.6])],
  }],
  randomPdfGeneralizedNegativeBinomial: [{
    inputs: [ints(x23, [0, 1, 2, 3, 4, 0]), pos([2]), pos([2])],
  }],
  randomPdfDirichlet: [{ inputs: [pos([2, 4, 3]), pos([2, 3])], args: [{ isLog: true }] }],
  IdentityAttachKLSparseReg: [{ inputs: [pos(x23), ints([3], [0.3, 0.5, 0.4])] }],
};

/**
 * Registered operators that are not internal (no leading `_`) yet have no function on
 * the front ends, each with the reason. Empty: every such operator has one.
 */
const WITHOUT_FUNCTION: Record<string, string> = {
  reset_arrays: "no outputs, so a graph node would have no heads; mx.nd.resetArrays exists",
  Custom: "its inputs come from the registered CustomOpProp, so mx.nd.Custom and mx.sym.Custom " +
    "are written by hand (tests/operator/custom_test.ts)",
};

// the optimizer update functions write their states in place, so they have their
// own table (src/ops/optimizer/frontend.ts) and differential test
// (tests/ops/values_optim_test.ts) instead of the pure-function parity runs below.
const OPTIMIZER_FUNCTIONS: [string, string][] = [
  ...Object.entries(UPDATE_FUNCTIONS),
  ...Object.entries(LIST_FUNCTIONS).map(([fn, s]): [string, string] => [fn, s.op]),
];

type Fn = (...args: unknown[]) => unknown;
const ndFn = (fn: string) => (mx.nd as unknown as Record<string, Fn>)[fn];
const symFn = (fn: string) => (mx.sym as unknown as Record<string, Fn>)[fn];

function makeInputs(inputs: Input[], seed: number): (NDArray | number)[] {
  return inputs.map((inp, i) => {
    if (typeof inp === "number") return inp;
    const spec = Array.isArray(inp) ? { shape: inp } : inp;
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const v = "values" in spec && spec.values
      ? spec.values
      : "positive" in spec && spec.positive
      ? randomValues(n, seed + i, 0.2, 1.5)
      : randomValues(n, seed + i, -0.9, 0.9);
    return mx.nd.array(v, { shape: spec.shape });
  });
}

/** The all-options form: inputs by argument name, positional params by name, then the rest. */
function optionsForm(fn: string, inputs: readonly unknown[], args: readonly unknown[]) {
  const spec = FUNCTIONS[fn];
  const opts: Record<string, unknown> = {};
  const positional = spec.positional ?? [];
  let i = 0;
  for (; i < positional.length && i < args.length && !isPlain(args[i]); i++) {
    opts[positional[i]] = args[i];
  }
  Object.assign(opts, args[i] ?? {});
  if (spec.variadic) return { data: inputs, ...opts };
  const names = spec.arith ? ["lhs", "rhs"] : argNamesFor(getOp(spec.op), opts);
  inputs.forEach((x, j) => (opts[names[j]] = x));
  return opts;
}

function isPlain(x: unknown): boolean {
  return typeof x === "object" && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

/** Binds a symbol to the arrays named in `byName` and returns its outputs' values. */
async function evaluate(s: Symbol, byName: Record<string, NDArray>): Promise<number[][]> {
  const pick = (names: string[]) => Object.fromEntries(names.map((n) => [n, byName[n]]));
  const ex = s.bind(mx.cpu(), pick(s.listArguments()), {
    auxStates: pick(s.listAuxiliaryStates()),
  });
  try {
    return await Promise.all(ex.forward().map(values));
  } finally {
    ex.dispose();
  }
}

async function ndValues(r: unknown): Promise<number[][]> {
  const list = Array.isArray(r) ? r : [r];
  return await Promise.all(list.map((a) => values(a as NDArray)));
}

Deno.test("every registered non-internal operator has a function on mx.nd and mx.sym", () => {
  const missing: string[] = [];
  for (const op of ALL_OPS) {
    if (op.name.startsWith("_") || op.name in WITHOUT_FUNCTION) continue;
    const names = [op.name, ...(op.aliases ?? [])];
    const fns = [
      ...Object.entries(FUNCTIONS).filter(([, s]) => names.includes(s.op)),
      ...OPTIMIZER_FUNCTIONS.filter(([, op]) => names.includes(op)),
    ];
    if (!fns.some(([fn]) => typeof ndFn(fn) === "function" && typeof symFn(fn) === "function")) {
      missing.push(op.name);
    }
  }
  assert.deepEqual(missing, [], `operators without a function on both front ends`);
  for (const op of Object.keys(WITHOUT_FUNCTION)) assert.ok(getOp(op), `${op} is registered`);
  for (const fn of Object.keys(FUNCTIONS)) {
    assert.equal(typeof ndFn(fn), "function", `mx.nd.${fn}`);
    assert.equal(typeof symFn(fn), "function", `mx.sym.${fn}`);
  }
});

Deno.test("mx.nd and mx.sym both implement the one generic FrontEnd signature", () => {
  // Checked by the type checker: code written against FrontEnd<T> runs with either.
  const nd: mx.nd.FrontEnd<NDArray, NDArray[]> = mx.nd;
  const sym: mx.sym.FrontEnd<Symbol, Symbol> = mx.sym;
  const fns = (F: object) => Object.keys(F).filter((k) => k in FUNCTIONS);
  assert.deepEqual(fns(nd).sort(), Object.keys(FUNCTIONS).sort());
  assert.deepEqual(fns(sym).sort(), Object.keys(FUNCTIONS).sort());
});

Deno.test("the names MXNet has on both front ends are exposed", () => {
  const both = [
    "broadcastAdd",
    "broadcastSub",
    "broadcastMul",
    "broadcastDiv",
    "elemwiseAdd",
    "elemwiseSub",
    "elemwiseMul",
    "elemwiseDiv",
    "Reshape",
    "reshape",
    "Concat",
    "concat",
    "Flatten",
    "flatten",
    "SliceChannel",
    "split",
    "Cast",
    "cast",
    "BlockGrad",
    "stopGradient",
    "SwapAxis",
    "swapaxes",
    "InstanceNorm",
    "GroupNorm",
    "LRN",
    "SoftmaxActivation",
    "SequenceMask",
    "Pad",
    "pad",
    "CTCLoss",
    "ctcLoss",
    "smoothL1",
    "reshapeLike",
    "zeros",
    "ones",
    "full",
    "arange",
  ];
  for (const fn of both) {
    assert.equal(typeof ndFn(fn), "function", `mx.nd.${fn}`);
    assert.equal(typeof symFn(fn), "function", `mx.sym.${fn}`);
  }
  assert.equal(mx.sym.var, mx.sym.Variable);
});

Deno.test("mx.nd and mx.sym compute the same for every shared function, in both forms", async () => {
  let seed = 1;
  const checked: string[] = [];
  for (const op of ALL_OPS) {
    const names = [op.name, ...(op.aliases ?? [])];
    for (const [fn, spec] of Object.entries(FUNCTIONS)) {
      if (!names.includes(spec.op) || spec.arith && op.name !== spec.op) continue;
      const cases = CASES[fn];
      assert.ok(cases, `no parity case for ${fn}; add one to CASES`);
      for (const c of cases) {
        await mx.nd.scope(async () => {
          const label = `${fn}(${JSON.stringify(c)})`;
          const arrays = makeInputs(c.inputs, seed++);
          const vars = arrays.map((a, i) => typeof a === "number" ? a : mx.sym.var(`in${i}`));
          const byName = Object.fromEntries(
            arrays.flatMap((a, i) => typeof a === "number" ? [] : [[`in${i}`, a]]),
          );
          const args = c.args ?? [];
          const ndPos = await ndValues(ndFn(fn)(...arrays, ...args));
          const ndOpt = await ndValues(ndFn(fn)(optionsForm(fn, arrays, args)));
          const symPos = await evaluate(symFn(fn)(...vars, ...args) as Symbol, byName);
          const symOpt = await evaluate(symFn(fn)(optionsForm(fn, vars, args)) as Symbol, byName);
          const others: [string, number[][]][] = [
            ["nd options", ndOpt],
            ["sym", symPos],
            ["sym options", symOpt],
          ];
          for (const [what, got] of others) {
            assert.equal(got.length, ndPos.length, `${label}: ${what} output count`);
            got.forEach((v, i) => assertClose(v, ndPos[i], { msg: `${label} ${what}` }));
          }
        });
      }
      checked.push(fn);
    }
  }
  assert.deepEqual(
    Object.keys(FUNCTIONS).filter((fn) => !checked.includes(fn)),
    [],
    "functions the registry walk did not reach",
  );
});

Deno.test("creation functions: mx.sym.zeros/ones/full/arange/linspace/eye equal mx.nd's", async () => {
  const pairs: [Symbol, NDArray][] = [
    [mx.sym.zeros([2, 3]), mx.nd.zeros([2, 3])],
    [mx.sym.ones([2], { dtype: "int32" }), mx.nd.ones([2], { dtype: "int32" })],
    [mx.sym.full([2, 2], 7), mx.nd.full([2, 2], 7)],
    [mx.sym.arange(2, 8, 2), mx.nd.arange(2, 8, 2)],
    [mx.sym.arange(3, null, 1, { repeat: 2 }), mx.nd.arange(3, null, 1, { repeat: 2 })],
    [mx.sym.linspace(0, 1, 5), mx.nd.linspace(0, 1, 5)],
    [mx.sym.eye(3, 4, 1), mx.nd.eye(3, 4, 1)],
  ];
  for (const [s, a] of pairs) {
    const ex = s.bind(mx.cpu(), {});
    const [out] = ex.forward();
    assert.equal(out.dtype, a.dtype);
    assert.deepEqual(out.shape, a.shape);
    assert.deepEqual(await values(out), await values(a));
    ex.dispose();
    a.dispose();
  }
  // A creation symbol composes with the rest of a graph.
  const y = mx.sym.var("x").add(mx.sym.ones([3]));
  const ex = y.bind(mx.cpu(), { x: mx.nd.array([1, 2, 3]) });
  assert.deepEqual(await values(ex.forward()[0]), [2, 3, 4]);
  ex.dispose();
});

/** [method, NDArray-method arguments (arrays as input indices), input shapes]. */
const METHODS: [string, unknown[], Input[]][] = [
  ["add", [1], [x23, [1, 3]]],
  ["sub", [0.5], [x23]],
  ["mul", [1], [x23, x23]],
  ["div", [2], [x23]],
  ["pow", [2], [x23]],
  ["maximum", [1], [x23, [3]]],
  ["minimum", [0.1], [x23]],
  ["equal", [1], [ints([3], [1, 2, 3]), ints([3], [1, 0, 3])]],
  ["notEqual", [2], [ints([3], [1, 2, 3])]],
  ["greater", [1], [x23, x23]],
  ["greaterEqual", [0], [x23]],
  ["lesser", [0], [x23]],
  ["lesserEqual", [1], [x23, [1, 3]]],
  ["neg", [], [x23]],
  ["abs", [], [x23]],
  ["exp", [], [x23]],
  ["log", [], [pos(x23)]],
  ["sqrt", [], [pos(x23)]],
  ["square", [], [x23]],
  ["relu", [], [x23]],
  ["sigmoid", [], [x23]],
  ["tanh", [], [x23]],
  ["unary", ["erf"], [x23]],
  ["clip", [-0.2, 0.3], [x23]],
  ["sum", [], [[2, 3, 4]]],
  ["sum", [{ axis: [0, 2] }], [[2, 3, 4]]],
  ["mean", [{ axis: 1, keepdims: true }], [[2, 3, 4]]],
  ["prod", [{ axis: 0 }], [x23]],
  ["max", [{ axis: 1 }], [x23]],
  ["min", [], [x23]],
  ["norm", [], [x23]],
  ["argmax", [{ axis: 1 }], [x23]],
  ["argmin", [{ axis: 0 }], [x23]],
  ["dot", [1], [x23, [3, 2]]],
  ["dot", [1, { transposeA: true }], [[3, 2], [3, 4]]],
  ["reshape", [[3, 2]], [x23]],
  ["reshape", [[-1]], [x23]],
  ["transpose", [], [[2, 3, 4]]],
  ["transpose", [[0, 2, 1]], [[2, 3, 4]]],
  ["swapaxes", [0, 1], [x23]],
  ["expandDims", [0], [x23]],
  ["squeeze", [], [[2, 1, 3]]],
  ["flatten", [], [[2, 3, 2]]],
  ["broadcastTo", [[2, 3]], [[1, 3]]],
  ["broadcastLike", [1], [[1, 3], x23]],
  ["slice", [[0, 1], [2, 3]], [[3, 4]]],
  ["sliceAxis", [0, 1, null], [[3, 4]]],
  ["tile", [[1, 2]], [x23]],
  ["repeat", [2, 0], [x23]],
  ["flip", [1], [x23]],
  ["take", [1, { axis: 1 }], [x23, ints([2], [2, 0])]],
  ["pick", [1], [x23, ints([2], [1, 2])]],
  ["oneHot", [3], [ints([2], [2, 0])]],
  ["softmax", [], [x23]],
  ["logSoftmax", [{ axis: 0 }], [x23]],
  ["sort", [], [x23]],
  ["argsort", [{ isAscend: false }], [x23]],
  ["topk", [{ k: 2 }], [x23]],
  ["astype", ["int32"], [x23]],
  ["zerosLike", [], [x23]],
  ["onesLike", [], [x23]],
  ["broadcastLike", [1, { lhsAxes: [0], rhsAxes: [1] }], [[1, 3], [2, 4]]],
  ["broadcastAxes", [[0], [4]], [[1, 3]]],
  ["sliceLike", [1], [[3, 4], x23]],
  ["sliceLike", [1, [1]], [[3, 4], [1, 2]]],
  ["diag", [1], [[3, 4]]],
  ["diag", [0, { axis1: 1, axis2: 0 }], [[3, 4]]],
  ["depthToSpace", [2], [[1, 4, 2, 3]]],
  ["spaceToDepth", [2], [[1, 1, 4, 2]]],
  ["shapeArray", [], [x23]],
  ["sizeArray", [], [x23]],
  ["argmaxChannel", [], [x23]],
  ["mod", [1], [pos(x23), pos([1, 3])]],
  ["nansum", [{ axis: 1 }], [x23]],
  ["nanprod", [], [x23]],
  ["softmin", [{ axis: 0 }], [x23]],
];

Deno.test("Symbol has NDArray's operator methods, with the same arguments and results", async () => {
  let seed = 100;
  for (const [method, args, inputs] of METHODS) {
    await mx.nd.scope(async () => {
      const arrays = makeInputs(inputs, seed++) as NDArray[];
      const vars = arrays.map((_, i) => mx.sym.var(`in${i}`));
      // Array arguments are given as input indices (1 = the second input).
      const resolve = <T>(xs: readonly T[]) =>
        args.map((a, i) => (typeof a === "number" && i === 0 && inputs.length > 1 ? xs[a] : a));
      const call = <T>(self: T, xs: readonly T[]) =>
        (self as unknown as Record<string, Fn>)[method](...resolve(xs));
      const expected = await values(call(arrays[0], arrays) as NDArray);
      const byName = Object.fromEntries(arrays.map((a, i) => [`in${i}`, a]));
      const [got] = await evaluate(call(vars[0], vars) as Symbol, byName);
      assertClose(got, expected, { msg: `Symbol.${method}` });
    });
  }
  // Every operator method of NDArray exists on Symbol; the others read or write memory.
  const memory = new Set([
    "constructor",
    "waitToRead",
    "data",
    "dataSync",
    "array",
    "asScalar",
    "set",
    "copyTo",
    "asInContext",
    "copy",
    "dispose",
    "addInPlace",
    "subInPlace",
    "mulInPlace",
    "divInPlace",
    "attachGrad",
    "backward",
    "toString",
    "setAt",
    // Conversions between the two NDArray front ends (mx.nd and mx.np), not operators.
    "asNpArray",
    "asNdArray",
    // A check of the element type that narrows the static type, not an operator.
    "isDType",
    // Symbol.get selects outputs (MXNet's Symbol.__getitem__), not NumPy indexing; blocks
    // that index arrays are traced from real arrays when hybridized.
    "get",
  ]);
  const ndMethods = Object.getOwnPropertyNames(mx.nd.NDArray.prototype).filter((m) =>
    !m.startsWith("_") && !memory.has(m) &&
    typeof Object.getOwnPropertyDescriptor(mx.nd.NDArray.prototype, m)?.value === "function"
  );
  const missing = ndMethods.filter((m) =>
    typeof (mx.sym.Symbol.prototype as unknown as Record<string, unknown>)[m] !== "function"
  );
  assert.deepEqual(missing, [], "NDArray operator methods Symbol lacks");
  const tested = new Set(METHODS.map(([m]) => m));
  assert.deepEqual(ndMethods.filter((m) => !tested.has(m)), [], "methods without a case");
});
