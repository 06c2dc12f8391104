/**
 * Datasets as data, so a DataLoader worker can rebuild them: a {@link DatasetSpec} says
 * what a dataset is (host arrays, shared with the worker without a copy; a built-in
 * transform by name and arguments; a module URL and export for a user's own class), and
 * {@link buildCore} turns it back into something that yields host samples.
 *
 * Pure: loaded by workers, which never load the NDArray modules unless a user's dataset
 * module does.
 * @module
 */
import type { DType } from "../../core/dtype.ts";
import { MXNetError } from "../../core/errors.ts";
import {
  arrayFromWire,
  checkIndex,
  fromWire,
  HostArray,
  type HostData,
  PendingArray,
  rowOf,
  type Runnable,
  type WireArray,
  type WireSample,
} from "./_host.ts";
import { planner, type TransformSpec } from "./vision/_pipeline.ts";

/** One field of a fields dataset. */
export type FieldSpec =
  | {
    /** Rows of a host array (a 1-d array gives 0-d scalars), in shared memory. */
    readonly kind: "host";
    readonly array: WireArray;
  }
  | { readonly kind: "list"; readonly items: readonly WireSample[] }
  | { readonly kind: "dataset"; readonly spec: DatasetSpec };

/**
 * How a worker rebuilds a dataset. A user's Dataset subclass sends itself as a
 * `module` spec (see `Dataset.workerSpec`).
 */
export type DatasetSpec =
  | { readonly kind: "fields"; readonly fields: readonly FieldSpec[] }
  | {
    readonly kind: "transform";
    readonly base: DatasetSpec;
    readonly transform: TransformSpec;
    readonly first: boolean;
  }
  | { readonly kind: "sampled"; readonly base: DatasetSpec; readonly indices: WireArray }
  | {
    readonly kind: "module";
    /** URL of the module (`import.meta.url` in it). */
    readonly module: string;
    /** Name of the exported Dataset class. */
    readonly export: string;
    /** Constructor arguments (structured-cloneable). */
    readonly args: readonly unknown[];
  };

/**
 * What a rebuilt dataset offers: its length and its samples in host form (a promise for
 * a user's module dataset, whose NDArrays are read back asynchronously).
 */
export interface Core {
  readonly length: number;
  item(i: number): unknown;
}

/** `f(v)`, after `v` settles when it is a promise. */
function then(v: unknown, f: (v: unknown) => unknown): unknown {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** Looks like an NDArray (workers do not load the NDArray class to check). */
function isArrayLike(v: unknown): v is { shape: number[]; dtype: DType; data(): Promise<unknown> } {
  return v !== null && typeof v === "object" &&
    typeof (v as { data?: unknown }).data === "function" &&
    Array.isArray((v as { shape?: unknown }).shape) &&
    typeof (v as { dtype?: unknown }).dtype === "string";
}

/** A sample with every NDArray in it read back into a host array. */
export async function hostify(v: unknown): Promise<unknown> {
  if (Array.isArray(v)) return await Promise.all(v.map(hostify));
  if (!isArrayLike(v)) return v;
  let data = await v.data();
  if (data instanceof BigInt64Array) data = Float64Array.from(data, Number);
  return new HostArray(data as HostData, v.shape, v.dtype);
}

/** A sample from its fields' values: the value alone for one field, else a tuple. */
export function fieldsItem(values: unknown[]): unknown {
  return values.length === 1 ? values[0] : values;
}

/** Applies a planned transform to `x` (a host array), or to the first field of a tuple. */
export function applyPlanned(
  plan: (shape: readonly number[], dtype: DType) => Runnable & {
    readonly shape: readonly number[];
    readonly dtype: DType;
  },
  sample: unknown,
  first: boolean,
  where: string,
): unknown {
  const tuple = Array.isArray(sample);
  if (tuple && !first) {
    throw new MXNetError(
      `${where}: a transform takes one input but the samples are tuples of ${sample.length}; ` +
        `use transformFirst, or a function taking ${sample.length} arguments`,
    );
  }
  const x = tuple ? sample[0] : sample;
  if (!(x instanceof HostArray)) {
    throw new MXNetError(`${where}: the transform expects an image array, got ${typeof x}`);
  }
  // Planned now (random parameters drawn in sample order); computed when stacked or read.
  const step = plan(x.shape, x.dtype);
  const y = step.into ? new PendingArray(x, step, step.shape, step.dtype) : step.run(x);
  return tuple ? [y, ...sample.slice(1)] : y;
}

/** Rebuilds a dataset from its spec. */
export async function buildCore(spec: DatasetSpec): Promise<Core> {
  switch (spec.kind) {
    case "fields": {
      const fields = await Promise.all(spec.fields.map(async (f) => {
        if (f.kind === "host") {
          const a = arrayFromWire(f.array);
          return { length: a.shape[0], get: (i: number) => rowOf(a, i) as unknown };
        }
        if (f.kind === "list") {
          const items = f.items.map(fromWire);
          return { length: items.length, get: (i: number) => items[i] };
        }
        const core = await buildCore(f.spec);
        return { length: core.length, get: (i: number) => core.item(i) };
      }));
      const length = fields[0].length;
      const getters = fields.map((f) => f.get);
      return {
        length,
        item: (i) => {
          const j = checkIndex(i, length, "Dataset");
          const values = getters.map((g) => g(j));
          if (!values.some((v) => v instanceof Promise)) return fieldsItem(values);
          return Promise.all(values).then(fieldsItem);
        },
      };
    }
    case "transform": {
      const base = await buildCore(spec.base);
      const plan = planner(spec.transform);
      return {
        length: base.length,
        item: (i) =>
          then(base.item(i), (v) => applyPlanned(plan, v, spec.first, spec.transform.name)),
      };
    }
    case "sampled": {
      const base = await buildCore(spec.base);
      const idx = arrayFromWire(spec.indices).data;
      return {
        length: idx.length,
        item: (i) => base.item(idx[checkIndex(i, idx.length, "Dataset")]),
      };
    }
    case "module": {
      let mod: Record<string, unknown>;
      try {
        mod = await import(spec.module);
      } catch (e) {
        throw new MXNetError(
          `cannot import dataset module ${spec.module}: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
      const Ctor = mod[spec.export] as
        | (new (...a: unknown[]) => Core & { _item?(i: number): unknown })
        | undefined;
      if (typeof Ctor !== "function") {
        throw new MXNetError(`${spec.module} exports no class named ${spec.export}`);
      }
      const ds = new Ctor(...spec.args) as {
        length: number;
        /** @ignore */
        _item?(i: number): unknown;
        at?(i: number): unknown;
      };
      const item = ds._item?.bind(ds) ?? ds.at?.bind(ds);
      if (!item) throw new MXNetError(`${spec.export} from ${spec.module} has no at(i) method`);
      return { length: ds.length, item: (i) => hostify(item(i)) };
    }
  }
}
