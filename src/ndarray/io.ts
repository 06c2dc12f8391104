/**
 * `mx.nd.save` / `mx.nd.load` in MXNet's binary NDArray-list format, and
 * `serialize` / `deserialize` of one array (what MXNet's pickling stores). Files need Deno;
 * bytes (`saveBytes`, `loadBytes`, `load` of a Uint8Array or Blob) work in browsers too.
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { type DType, ITEM_SIZE, type TypedArray } from "../core/dtype.ts";
import { FormatError, UnsupportedError } from "../core/errors.ts";
import { readFileChecked, writeFileAtomic } from "../core/files.ts";
import { checkOptions } from "../core/options.ts";
import {
  decodeNDArray,
  decodeNDArrayList,
  encodeNDArray,
  encodeNDArrayList,
  encodeNDArrayListChunks,
  type RawArray,
  type RawArrayHead,
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
    // mx.np arrays are saved as MXNet saves them under numpy semantics (V3).
    npShape: (a.constructor as typeof NDArray)._npShape,
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
 * @ignore
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
  requireFiles("save", path);
  await writeFileAtomic(path, saveChunks(data), "save");
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

/** Options of `load`, `loadList`, `loadDict`, `loadBytes` and `deserialize`. */
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

/** What `load` reads: a file path (Deno), or the file's bytes (anywhere, browsers too). */
export type LoadSource = string | Uint8Array | ArrayBuffer | Blob;

/** Decodes an NDArray-list file's bytes into arrays on `ctx` (cpu(0) by default). */
export function loadBytes(
  bytes: Uint8Array,
  opts: LoadOptions & { source?: string } = {},
): NDArray[] | Record<string, NDArray> {
  checkOptions("loadBytes", opts, [...LOAD_KEYS, "source"]);
  return loadStamped(bytes, opts);
}

/**
 * `loadBytes`, first handing the header's stamp (see `saveChunks`) to `accept`, which may
 * throw before any array is made.
 * @ignore
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
 * `source` is a path, or the file's bytes (a Uint8Array, ArrayBuffer or Blob: browsers).
 * When you know which kind the file is, `loadList` / `loadDict` return it typed.
 */
export async function load(
  source: LoadSource,
  opts: LoadOptions = {},
): Promise<NDArray[] | Record<string, NDArray>> {
  checkOptions("load", opts, LOAD_KEYS);
  if (typeof source === "string") {
    requireFiles("load", source);
    return loadBytes(await readFileChecked(source, "load"), { ...opts, source });
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

/** The array `serialize` wrote (`maxDecodedBytes` as for `load`). */
export function deserialize(bytes: Uint8Array, opts: LoadOptions = {}): NDArray {
  checkOptions("deserialize", opts, LOAD_KEYS);
  const raw = decodeNDArray(bytes, "bytes", { maxDecodedBytes: opts.maxDecodedBytes });
  return fromRaw(raw, opts.ctx ?? cpu(), "bytes");
}
