/**
 * The operator definition: everything about an operator, written once. NDArray,
 * Symbol and autograd all read these.
 * @module
 */
import type { Kernels, View } from "../../backends/backend.ts";
import type { DeviceBuffer } from "../../backends/backend.ts";
import type { ComputeArray, DType } from "../core/dtype.ts";
import type { Shape } from "../core/shape.ts";
import type { ElementwiseRow } from "./elementwise_table.ts";

/** Parameter kinds, with MXNet's string forms for JSON. */
export type ParamType =
  | "int"
  | "float"
  | "bool"
  | "string"
  | "shape" // tuple of ints, e.g. (3, 3)
  | "axes" // int or tuple of ints, or null
  | "dtype"
  | "floats" // tuple of floats
  | "ranges"; // tuple of ints or None (slice begin/end/step)

/**
 * One parameter of an operator, with the range MXNet declares for it (DMLC's
 * `set_lower_bound` / `set_range` / `add_enum` / `enforce_nonzero`, or the check its
 * operator makes first). `parseParams` enforces all of it, for every front end and for
 * graph JSON, so a bad value is a ParamError naming the operator and parameter before
 * any shape is inferred or memory allocated.
 */
export interface ParamSpec {
  /** The kind of value. */
  readonly type: ParamType;
  /** Default when not given; `undefined` with `required` means the caller must give it. */
  readonly default?: unknown;
  /** True when the parameter has no default. */
  readonly required?: boolean;
  /** Allowed values: string enums, or the only valid numbers of an int (`norm`'s ord). */
  readonly values?: readonly (string | number)[];
  /** MXNet's JSON spelling when it is not the snake_case of the key. */
  readonly json?: string;
  /**
   * Smallest allowed value of an int or float, or of every entry of a shape or floats
   * tuple. Shape entries default to 0 (sizes); a shape holding axes or Reshape's special
   * codes declares how far below 0 it goes.
   */
  readonly min?: number;
  /** Largest allowed value (as `min`). */
  readonly max?: number;
}

/** MXNet's MXNET_ADD_ALL_TYPES: every dtype but bool, as most `dtype` parameters allow. */
export const NON_BOOL_DTYPES: readonly DType[] = [
  "float32",
  "float64",
  "float16",
  "uint8",
  "int8",
  "int32",
  "int64",
];

/** Parsed parameter values, keyed by camelCase name. */
export type Params = Readonly<Record<string, unknown>>;

/** What an operator's shape/type inference and lowering see of an input. */
export interface TensorInfo {
  /** The shape. */
  readonly shape: Shape;
  /** The dtype. */
  readonly dtype: DType;
}

/**
 * Builds graphs of operators over some tensor type `T`: NDArrays (eager), Symbols
 * (graph nodes), or autograd values. Composite forwards and gradients are written
 * against this, once, and serve every front end.
 */
export interface Builder<T> {
  /** Applies operator `name` and returns its first output. */
  op(name: string, inputs: readonly T[], params?: Record<string, unknown>): T;
  /** Applies operator `name` and returns every output. */
  ops(name: string, inputs: readonly T[], params?: Record<string, unknown>): T[];
  /** The (inferred) shape of a value. */
  shape(t: T): Shape;
  /** The (inferred) dtype of a value. */
  dtype(t: T): DType;
  /** True when building for training (Dropout drops, BatchNorm uses batch statistics). */
  readonly isTrain: boolean;
}

/** What a gradient function receives. */
export interface GradArgs<T> {
  /** The operator's inputs. */
  readonly inputs: readonly T[];
  /** The operator's outputs (from the forward pass). */
  readonly outputs: readonly T[];
  /** Gradients flowing into each output. */
  readonly outGrads: readonly T[];
  /** The parsed parameters. */
  readonly params: Params;
  /**
   * Which inputs need a gradient (absent: all). A gradient may skip the work for the
   * others and return null there, e.g. the data-gradient GEMM of a first layer.
   */
  readonly needs?: readonly boolean[];
}

/** A tensor as a kernel sees it. */
export interface KernelTensor extends TensorInfo {
  /** The buffer. */
  readonly buf: DeviceBuffer;
  /** Dense row-major view of the whole buffer. */
  readonly view: View;
}

/** How an operator runs. */
export type Lowering =
  /** Written with other ops; gradient and every backend come for free. */
  | { readonly kind: "composite"; compose<T>(b: Builder<T>, inputs: readonly T[], p: Params): T[] }
  /** One row of the elementwise table; inputs broadcast to the output. */
  | {
    readonly kind: "elementwise";
    readonly row: ElementwiseRow;
    /** The row's scalar operands for an input of dtype `dtype`. */
    scalars(p: Params, dtype: DType): number[];
  }
  /** A structural primitive: calls kernels of the backend's table. */
  | {
    readonly kind: "primitive";
    run(
      k: Kernels,
      inputs: readonly KernelTensor[],
      outputs: readonly KernelTensor[],
      p: Params,
      info: RunInfo,
    ): void | Promise<void>;
  };

/** Per-call facts a primitive may need besides its inputs and params. */
export interface RunInfo extends RngSlice {
  /** True in training mode. */
  readonly isTrain: boolean;
  /**
   * The values of an input, on the host (synchronously where the backend's memory is
   * host-visible), for the rare operator whose checks depend on data: `take` with
   * `mode: "raise"` reads its indices, as MXNet's does.
   */
  readonly read: (t: KernelTensor) => ComputeArray | Promise<ComputeArray>;
}

/** The slice of the Philox stream reserved for one call of a random operator. */
export interface RngSlice {
  /** The generator seed. */
  readonly seed: number;
  /** The stream position of the first number. */
  readonly offset: number;
}

/** One operator, declared once. */
export interface OpDef {
  /** MXNet's operator name, as written in graph JSON (`FullyConnected`, `broadcast_add`). */
  readonly name: string;
  /** Other names MXNet accepts for it (`_plus`, `elemwise_add`). */
  readonly aliases?: readonly string[];
  /** Argument names in order (`data`, `weight`, `bias`); a function for variadic ops. */
  readonly inputs: readonly string[] | ((p: Params) => readonly string[]);
  /**
   * Auxiliary state inputs (BatchNorm's `moving_mean`, `moving_var`), passed after the
   * arguments; Symbol lists them with `listAuxiliaryStates`, not `listArguments`. A
   * function when they depend on the parameters (a Custom operator's Prop names them).
   */
  readonly aux?: readonly string[] | ((p: Params) => readonly string[]);
  /** Indices of inputs the operator writes in place (aux state updates, `_moving_update`). */
  readonly mutatesInputs?: readonly number[];
  /** Number of outputs (default 1). */
  readonly numOutputs?: number | ((p: Params) => number);
  /**
   * The outputs' names where the operator names them (MXNet's FListOutputNames: a Custom
   * operator's `listOutputs`); a Symbol lists them as `<node>_<name>`. Default: `output`,
   * or `output0`, `output1`, ... for several.
   */
  outputNames?(p: Params): readonly string[];
  /** Outputs a user sees (default: all); the rest are saved for the gradient. */
  readonly numVisibleOutputs?: number | ((p: Params) => number);
  /** Parameters keyed by camelCase name. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  /**
   * True when parameters besides `params` are accepted, kept by the name given and as
   * MXNet's strings (`Custom`: the user's keyword arguments reach its CustomOpProp).
   */
  readonly openParams?: boolean;
  /** Output shapes from input shapes; throws ShapeError naming the op and argument. */
  inferShape(inputs: readonly Shape[], p: Params): Shape[];
  /**
   * Fills in input shapes that can be derived from the others (a weight from the data
   * shape and `numHidden`, a label from the data): MXNet's partial shape inference. Gets
   * `undefined` for unknown inputs; returns the list with what it could fill.
   */
  inferInputShapes?(inputs: readonly (Shape | undefined)[], p: Params): (Shape | undefined)[];
  /** Output dtypes (default: every output has the first input's dtype). */
  inferType?(inputs: readonly DType[], p: Params): DType[];
  /**
   * Input gradients from output gradients, written with other ops; `null` where an
   * input gets no gradient. Absent for composites (differentiated through their parts)
   * and for non-differentiable ops (marked with `differentiable: false`).
   */
  gradient?<T>(b: Builder<T>, g: GradArgs<T>): (T | null)[];
  /** False for ops whose outputs carry no gradient (comparisons, argmax, random). */
  readonly differentiable?: boolean;
  /** True for random operators: the front end reserves an `RngSlice` per call. */
  readonly random?: boolean;
  /**
   * True when output 0 has exactly the input's elements in the same order (reshape and
   * friends): NDArray returns a view sharing the input's storage instead of copying.
   */
  readonly view?: boolean;
  /**
   * Attributes for the variable a Symbol creates for missing input `arg` (MXNet's
   * FSetInputVarAttrOnCompose: UpSampling's bilinear `weight` gets `__init__` bilinear).
   */
  inputVarAttrs?(arg: string, p: Params): Readonly<Record<string, string>> | undefined;
  /** How it runs. */
  readonly lowering: Lowering;
}

/** The auxiliary state names of `def` for parameters `p` (none when it has none). */
export function auxNamesOf(def: OpDef, p: Params): readonly string[] {
  const aux = def.aux;
  return aux === undefined ? [] : typeof aux === "function" ? aux(p) : aux;
}
