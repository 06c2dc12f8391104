/**
 * The idx file format of MNIST and Fashion-MNIST (plain or gzip): a big-endian header
 * `0, 0, type, ndim`, `ndim` u32 sizes, then the values.
 * @module
 */
import { FormatError, MXNetError } from "../core/errors.ts";

/** A decoded idx file (unsigned-byte data, the only type MNIST uses). */
export interface IdxArray {
  /** Sizes per axis. */
  readonly shape: number[];
  /** The values. */
  readonly data: Uint8Array;
}

/** Reads a whole file, gunzipping when it starts with the gzip magic. */
async function readMaybeGzip(path: string): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    raw = await Deno.readFile(path);
  } catch (e) {
    throw new MXNetError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    const stream = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    );
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new FormatError(`${path}: corrupt or truncated gzip data (${(e as Error).message})`, -1, {
      cause: e,
    });
  }
}

/** Decodes idx bytes; `source` names the file in errors. */
export function decodeIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) {
    throw new FormatError(`${source}: truncated idx header (${bytes.length} bytes)`, 0);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(
      `${source}: not an idx file (magic ${Array.from(bytes.subarray(0, 4))})`,
      0,
    );
  }
  if (bytes[2] !== 0x08) {
    throw new FormatError(
      `${source}: idx element type 0x${bytes[2].toString(16)} is not unsigned byte (0x08)`,
      2,
    );
  }
  const ndim = bytes[3];
  const dataStart = 4 + 4 * ndim;
  if (ndim === 0 || bytes.length < dataStart) {
    throw new FormatError(
      `${source}: truncated idx header (${ndim} dimensions, ${bytes.length} bytes)`,
      3,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - dataStart < size) {
    throw new FormatError(
      `${source}: truncated idx file: shape [${shape}] needs ${size} data bytes, found ${
        bytes.length - dataStart
      }`,
      bytes.length,
    );
  }
  return { shape, data: bytes.subarray(dataStart, dataStart + size) };
}

/** Reads and decodes an idx file (plain or .gz). */
export async function readIdx(path: string): Promise<IdxArray> {
  return decodeIdx(await readMaybeGzip(path), path);
}

/** Encodes unsigned bytes as an idx file (for tests and tools). */
export function encodeIdx(shape: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  out.set([0, 0, 0x08, shape.length]);
  const view = new DataView(out.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
