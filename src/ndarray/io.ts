/**
 * `mx.nd.save` / `mx.nd.load` in MXNet's binary NDArray-list format, and
 * `serialize` / `deserialize` of one array (what MXNet's pickling stores). Files need Deno;
 * bytes (`saveBytes`, `loadBytes`, `load` of a Uint8Array or Blob) work in browsers too.
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { type DType, ITEM_SIZE, type TypedArray } from "../core/dtype.ts";
import { FormatError, MXNetError, UnsupportedError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import {
  decodeNDArray,
  decodeNDArrayList,
  encodeNDArray,
  encodeNDArrayList,
  type RawArray,
} from "./format.ts";
import { array } from "./creation.ts";
import type { NDArray } from "./ndarray.ts";

/** Throws, saying what works instead, where there is no Deno file API (a browser). */
function requireFiles(where: string, path: string): void {
  if (typeof (globalThis as { Deno?: typeof Deno }).Deno?.readFile !== "function") {
    throw new UnsupportedError(
      `${where}: cannot use the path ${JSON.stringify(path)}: files need Deno; elsewhere ` +
        `(a browser) use mx.nd.saveBytes(data) for the bytes and mx.nd.load(bytes or Blob)`,
    );
  }
}

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
  requireFiles("save", path);
  const bytes = await saveBytes(data);
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new MXNetError(`save: cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Arrays (a list, or a dict written with names) as the bytes of an MXNet NDArray-list
 * file: what `save` writes, for places without files (a browser: `new Blob([bytes])`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const bytes = await mx.nd.saveBytes([mx.nd.ones([2])]);
 * console.log((await mx.nd.loadList(bytes))[0].shape); // [2]
 * ```
 */
export async function saveBytes(
  data: NDArray[] | Record<string, NDArray>,
): Promise<Uint8Array<ArrayBuffer>> {
  const names = Array.isArray(data) ? [] : Object.keys(data);
  const arrays = Array.isArray(data) ? data : Object.values(data);
  const raws = await Promise.all(arrays.map(async (a) => toRaw(a, await a.data())));
  // A fresh array over its own ArrayBuffer (what Blob and fetch bodies take).
  return encodeNDArrayList(raws, names) as Uint8Array<ArrayBuffer>;
}

/** Options of `load`, `loadList`, `loadDict` and `loadBytes`. */
export interface LoadOptions {
  /** Device of the loaded arrays (cpu(0) by default). */
  ctx?: Context;
}

/** What `load` reads: a file path (Deno), or the file's bytes (anywhere, browsers too). */
export type LoadSource = string | Uint8Array | ArrayBuffer | Blob;

/** Decodes an NDArray-list file's bytes into arrays on `ctx` (cpu(0) by default). */
export function loadBytes(
  bytes: Uint8Array,
  opts: LoadOptions & { source?: string } = {},
): NDArray[] | Record<string, NDArray> {
  checkOptions("loadBytes", opts, ["ctx", "source"]);
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
 * `source` is a path, or the file's bytes (a Uint8Array, ArrayBuffer or Blob: browsers).
 * When you know which kind the file is, `loadList` / `loadDict` return it typed.
 */
export async function load(
  source: LoadSource,
  opts: LoadOptions = {},
): Promise<NDArray[] | Record<string, NDArray>> {
  checkOptions("load", opts, ["ctx"]);
  if (typeof source === "string") {
    requireFiles("load", source);
    return loadBytes(await Deno.readFile(source), { ...opts, source });
  }
  const bytes = source instanceof Uint8Array
    ? source
    : new Uint8Array(source instanceof ArrayBuffer ? source : await source.arrayBuffer());
  return loadBytes(bytes, opts);
}

/**
 * Loads a file saved from a list (`save(f, [a, b])`, MXNet's `nd.save(f, [a, b])`) as
 * `NDArray[]`; a file with names throws a FormatError saying to use `loadDict`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const f = await Deno.makeTempFile();
 * await mx.nd.save(f, [mx.nd.ones([2]), mx.nd.zeros([3])]);
 * const [a, b] = await mx.nd.loadList(f);
 * console.log(a.shape, b.shape); // [2] [3]
 * await Deno.remove(f);
 * ```
 */
export async function loadList(source: LoadSource, opts: LoadOptions = {}): Promise<NDArray[]> {
  const r = await load(source, opts);
  if (Array.isArray(r)) return r;
  for (const a of Object.values(r)) a.dispose();
  throw new FormatError(
    `loadList: ${nameOf(source)} is a dict of named arrays (${
      Object.keys(r).slice(0, 5).join(", ")
    }); load it with loadDict`,
    -1,
  );
}

/**
 * Loads a file saved from a dict (`.params` files, `save(f, { a, b })`) as a record of
 * arrays by name; a file without names (a list) throws a FormatError saying to use
 * `loadList` (an empty file is an empty record).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const bytes = await mx.nd.saveBytes({ w: mx.nd.ones([2]) });
 * const { w } = await mx.nd.loadDict(bytes);
 * console.log(w.shape); // [2]
 * ```
 */
export async function loadDict(
  source: LoadSource,
  opts: LoadOptions = {},
): Promise<Record<string, NDArray>> {
  const r = await load(source, opts);
  if (!Array.isArray(r)) return r;
  if (r.length === 0) return {};
  for (const a of r) a.dispose();
  throw new FormatError(
    `loadDict: ${nameOf(source)} is a list of ${r.length} arrays without names; ` +
      `load it with loadList`,
    -1,
  );
}

function nameOf(source: LoadSource): string {
  return typeof source === "string" ? source : "the data";
}

/** One array as bytes (MXNet's single-NDArray format, as its pickling uses). CPU arrays. */
export function serialize(a: NDArray): Uint8Array {
  return encodeNDArray(toRaw(a, a.dataSync()));
}

/** The array `serialize` wrote. */
export function deserialize(bytes: Uint8Array, opts: { ctx?: Context } = {}): NDArray {
  checkOptions("deserialize", opts, ["ctx"]);
  return fromRaw(decodeNDArray(bytes, "bytes"), opts.ctx ?? cpu(), "bytes");
}
