/**
 * `mx.nd.save` / `mx.nd.load` in MXNet's binary NDArray-list format, and
 * `serialize` / `deserialize` of one array (what MXNet's pickling stores).
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { type DType, ITEM_SIZE, type TypedArray } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { readFileChecked, writeFileAtomic } from "../core/files.ts";
import { checkOptions } from "../core/options.ts";
import {
  decodeNDArray,
  decodeNDArrayList,
  encodeNDArray,
  encodeNDArrayListChunks,
  type RawArray,
  type RawArrayHead,
} from "./format.ts";
import { array } from "./creation.ts";
import type { NDArray } from "./ndarray.ts";

function bytesOf(values: TypedArray): Uint8Array {
  // All supported platforms are little-endian, MXNet's on-disk order.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
}

/** The decoder's bytes as elements: its own fresh buffer when aligned, else a copy. */
function typedFrom(dtype: DType, bytes: Uint8Array): TypedArray {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buf = whole ? bytes.buffer as ArrayBuffer : bytes.slice().buffer;
  switch (dtype) {
    case "float32":
      return new Float32Array(buf);
    case "float64":
      return new Float64Array(buf);
    case "float16":
      return new Float16Array(buf);
    case "int32":
      return new Int32Array(buf);
    case "int8":
      return new Int8Array(buf);
    case "int64":
      return new BigInt64Array(buf);
    case "uint8":
    case "bool":
      return new Uint8Array(buf);
  }
}

function headOf(a: NDArray): RawArrayHead {
  return {
    shape: [...a.shape],
    dtype: a.dtype,
    devType: a.context.deviceTypeId,
    devId: a.context.deviceId,
  };
}

function toRaw(a: NDArray, values: TypedArray): RawArray {
  return { ...headOf(a), data: bytesOf(values) };
}

function fromRaw(r: RawArray, ctx: Context, source: string): NDArray {
  if (r.isNone) {
    throw new FormatError(`${source}: holds an empty ("none") array, which cannot be loaded`);
  }
  if (r.data.length !== r.shape.reduce((n, d) => n * d, 1) * ITEM_SIZE[r.dtype]) {
    throw new FormatError(`${source}: data length does not match shape`);
  }
  return array(typedFrom(r.dtype, r.data), { shape: r.shape, dtype: r.dtype, ctx });
}

/**
 * The list file of `data` as chunks to write in order (see `encodeNDArrayListChunks`):
 * each array's elements are read from the engine only when their turn comes, so a save
 * holds one array's host copy at a time. `stamp` goes in the header's reserved word.
 */
export function saveChunks(
  data: NDArray[] | Record<string, NDArray>,
  opts: { stamp?: bigint } = {},
): AsyncGenerator<Uint8Array> {
  const names = Array.isArray(data) ? [] : Object.keys(data);
  const arrays = Array.isArray(data) ? data : Object.values(data);
  return encodeNDArrayListChunks(
    arrays.map(headOf),
    async (i) => {
      const v = await arrays[i].data();
      // data() hands over a copy of its own: written as it is, never copied again.
      return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    },
    names,
    opts,
  );
}

/**
 * Saves arrays (a list, or a dict written with names) to `path` in MXNet's format.
 * The file is written in chunks to a temporary name, flushed to disk and renamed, so a
 * failed or killed save leaves any existing file intact (see src/core/files.ts).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const f = await Deno.makeTempFile();
 * await mx.nd.save(f, { a: mx.nd.ones([2]) });
 * console.log(Object.keys(await mx.nd.load(f))); // ["a"]
 * await Deno.remove(f);
 * ```
 */
export async function save(path: string, data: NDArray[] | Record<string, NDArray>): Promise<void> {
  await writeFileAtomic(path, saveChunks(data), "save");
}

/** Options of `load` and `loadBytes`. */
export interface LoadOptions {
  /** Context of the loaded arrays (default cpu(0)). */
  ctx?: Context;
  /**
   * The most bytes the file's arrays may hold once decoded (sparse arrays count at their
   * dense size). Default: max(16 MiB, 64 x the file's size), which every dense file
   * meets; a hostile sparse header cannot make it allocate gigabytes. Raise it (or pass
   * `Infinity`) for a trusted, very sparse file.
   */
  maxDecodedBytes?: number;
}

const LOAD_KEYS = ["ctx", "maxDecodedBytes"];

/** Decodes an NDArray-list file's bytes into arrays on `ctx` (cpu(0) by default). */
export function loadBytes(
  bytes: Uint8Array,
  opts: LoadOptions & { source?: string } = {},
): NDArray[] | Record<string, NDArray> {
  checkOptions("loadBytes", opts, [...LOAD_KEYS, "source"]);
  return loadStamped(bytes, opts);
}

/**
 * @internal `loadBytes`, first handing the header's stamp (see `saveChunks`) to `accept`,
 * which may throw before any array is made.
 */
export function loadStamped(
  bytes: Uint8Array,
  opts: LoadOptions & { source?: string },
  accept?: (stamp: bigint) => void,
): NDArray[] | Record<string, NDArray> {
  const source = opts.source ?? "bytes";
  const { arrays, names, stamp } = decodeNDArrayList(bytes, source, {
    maxDecodedBytes: opts.maxDecodedBytes,
  });
  accept?.(stamp);
  const ctx = opts.ctx ?? cpu();
  const loaded = arrays.map((r) => fromRaw(r, ctx, source));
  if (names.length === 0) return loaded;
  return Object.fromEntries(names.map((n, i) => [n, loaded[i]]));
}

/**
 * Loads a file written by `save` or by Apache MXNet (V2, V1 and legacy formats): a list,
 * or a dict when the file has names. Bad files throw FormatError with the byte offset; a
 * missing file throws FileNotFoundError.
 */
export async function load(
  path: string,
  opts: LoadOptions = {},
): Promise<NDArray[] | Record<string, NDArray>> {
  checkOptions("load", opts, LOAD_KEYS);
  return loadBytes(await readFileChecked(path, "load"), { ...opts, source: path });
}

/** One array as bytes (MXNet's single-NDArray format, as its pickling uses). CPU arrays. */
export function serialize(a: NDArray): Uint8Array {
  return encodeNDArray(toRaw(a, a.dataSync()));
}

/** The array `serialize` wrote (`maxDecodedBytes` as for `load`). */
export function deserialize(bytes: Uint8Array, opts: LoadOptions = {}): NDArray {
  checkOptions("deserialize", opts, LOAD_KEYS);
  const raw = decodeNDArray(bytes, "bytes", { maxDecodedBytes: opts.maxDecodedBytes });
  return fromRaw(raw, opts.ctx ?? cpu(), "bytes");
}
