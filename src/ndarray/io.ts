/**
 * `mx.nd.save` / `mx.nd.load` in MXNet's binary NDArray-list format, and
 * `serialize` / `deserialize` of one array (what MXNet's pickling stores).
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { type DType, ITEM_SIZE, type TypedArray } from "../core/dtype.ts";
import { FormatError, MXNetError } from "../core/errors.ts";
import {
  decodeNDArray,
  decodeNDArrayList,
  encodeNDArray,
  encodeNDArrayList,
  type RawArray,
} from "./format.ts";
import { array } from "./creation.ts";
import type { NDArray } from "./ndarray.ts";

function bytesOf(values: TypedArray): Uint8Array {
  // All supported platforms are little-endian, MXNet's on-disk order.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
}

function typedFrom(dtype: DType, bytes: Uint8Array): TypedArray {
  const buf = bytes.slice().buffer;
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

function toRaw(a: NDArray, values: TypedArray): RawArray {
  return {
    shape: [...a.shape],
    dtype: a.dtype,
    data: bytesOf(values),
    devType: a.context.deviceTypeId,
    devId: a.context.deviceId,
    // mx.np arrays are saved as MXNet saves them under numpy semantics (V3).
    npShape: (a.constructor as typeof NDArray)._npShape,
  };
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
 * Saves arrays (a list, or a dict written with names) to `path` in MXNet's format.
 * The file is written to a temporary name and renamed, so a failed save leaves any
 * existing file intact.
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
  const names = Array.isArray(data) ? [] : Object.keys(data);
  const arrays = Array.isArray(data) ? data : Object.values(data);
  const raws = await Promise.all(arrays.map(async (a) => toRaw(a, await a.data())));
  const bytes = encodeNDArrayList(raws, names);
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new MXNetError(`save: cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Decodes an NDArray-list file's bytes into arrays on `ctx` (cpu(0) by default). */
export function loadBytes(
  bytes: Uint8Array,
  opts: { ctx?: Context; source?: string } = {},
): NDArray[] | Record<string, NDArray> {
  const source = opts.source ?? "bytes";
  const { arrays, names } = decodeNDArrayList(bytes, source);
  const ctx = opts.ctx ?? cpu();
  const loaded = arrays.map((r) => fromRaw(r, ctx, source));
  if (names.length === 0) return loaded;
  return Object.fromEntries(names.map((n, i) => [n, loaded[i]]));
}

/**
 * Loads a file written by `save` or by Apache MXNet (V2, V1 and legacy formats): a list,
 * or a dict when the file has names. Bad files throw FormatError with the byte offset.
 */
export async function load(
  path: string,
  opts: { ctx?: Context } = {},
): Promise<NDArray[] | Record<string, NDArray>> {
  return loadBytes(await Deno.readFile(path), { ...opts, source: path });
}

/** One array as bytes (MXNet's single-NDArray format, as its pickling uses). CPU arrays. */
export function serialize(a: NDArray): Uint8Array {
  return encodeNDArray(toRaw(a, a.dataSync()));
}

/** The array `serialize` wrote. */
export function deserialize(bytes: Uint8Array, opts: { ctx?: Context } = {}): NDArray {
  return fromRaw(decodeNDArray(bytes, "bytes"), opts.ctx ?? cpu(), "bytes");
}
