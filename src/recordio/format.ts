/**
 * dmlc-core's RecordIO byte format, the container of MXNet's `.rec` files.
 *
 * Each record is one or more chunks `u32 magic 0xced7230a`, `u32 lrec`, data, zero padding
 * to a multiple of 4 bytes (all little-endian). `lrec = cflag << 29 | length`. A reader
 * finds record boundaries by scanning for the magic at 4-byte-aligned offsets, so a record
 * whose data holds the magic at such an offset is cut there: the magic is dropped and the
 * pieces go out as chunks with cflag 1 (first), 2 (middle), 3 (last); cflag 0 is a whole
 * record. Reading joins the pieces with the magic put back.
 * @module
 */
import { FormatError, ParamError } from "../core/errors.ts";

/** The magic number that starts every chunk. */
export const RECORDIO_MAGIC = 0xced7230a;

/** Records must be shorter than 2^29 bytes: the length has 29 bits in `lrec`. */
export const MAX_RECORD_BYTES = 2 ** 29 - 1;

const LENGTH_MASK = (1 << 29) - 1;

/** `n` rounded up to a multiple of 4. */
function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The bytes `data` is written as (chunks, split at the magic, and padding). */
export function encodeRecord(data: Uint8Array, where = "MXRecordIO.write"): Uint8Array {
  if (data.length > MAX_RECORD_BYTES) {
    throw new ParamError(
      `${where}: a record must be shorter than 2^29 bytes, got ${data.length} bytes`,
    );
  }
  // Positions (multiples of 4, as a reader only looks there) where the data holds the magic.
  const cuts: number[] = [];
  for (let i = 0; i + 4 <= data.length; i += 4) {
    if (
      data[i] === 0x0a && data[i + 1] === 0x23 && data[i + 2] === 0xd7 && data[i + 3] === 0xce
    ) cuts.push(i);
  }
  // Each cut removes 4 bytes of data and adds an 8-byte chunk header.
  const out = new Uint8Array(8 + align4(data.length) + 4 * cuts.length);
  const view = new DataView(out.buffer);
  let at = 0;
  let from = 0;
  const chunk = (cflag: number, end: number): void => {
    view.setUint32(at, RECORDIO_MAGIC, true);
    view.setUint32(at + 4, ((cflag << 29) | (end - from)) >>> 0, true);
    out.set(data.subarray(from, end), at + 8);
    at += 8 + align4(end - from);
  };
  cuts.forEach((cut, k) => {
    chunk(k === 0 ? 1 : 2, cut);
    from = cut + 4;
  });
  chunk(cuts.length > 0 ? 3 : 0, data.length);
  return out;
}

/**
 * Random access to bytes: a file, or a buffer in memory. `read` is only called for ranges
 * inside `size`, so a corrupt length can never make it allocate more than the source holds.
 */
export interface ByteSource {
  /** Total number of bytes. */
  readonly size: number;
  /** The `length` bytes starting at `offset` (within `size`). */
  read(offset: number, length: number): Uint8Array;
}

/** A {@link ByteSource} over bytes already in memory. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** One record read back: its data and the offset of the next record. */
export interface ReadRecord {
  /** The record's bytes, pieces joined. */
  readonly data: Uint8Array;
  /** Where the next record starts. */
  readonly next: number;
}

/**
 * Reads the record starting at `offset` of `source`; null when `offset` is the end.
 * @throws FormatError with the byte offset for a bad magic, an out-of-order cflag, or a
 * chunk that runs past the end.
 */
export function readRecord(source: ByteSource, offset: number, where: string): ReadRecord | null {
  if (offset === source.size) return null;
  if (offset > source.size || offset < 0 || !Number.isInteger(offset)) {
    throw new FormatError(
      `${where}: record offset ${offset} is outside the file (${source.size} bytes)`,
      offset,
    );
  }
  const pieces: Uint8Array[] = [];
  let pos = offset;
  for (;;) {
    if (source.size - pos < 8) {
      throw new FormatError(
        `${where}: truncated record header: ${source.size - pos} of 8 bytes`,
        pos,
      );
    }
    const head = source.read(pos, 8);
    const view = new DataView(head.buffer, head.byteOffset, 8);
    const magic = view.getUint32(0, true);
    if (magic !== RECORDIO_MAGIC) {
      throw new FormatError(
        `${where}: not a RecordIO chunk: magic 0x${hex(magic)}, expected 0x${hex(RECORDIO_MAGIC)}`,
        pos,
      );
    }
    const lrec = view.getUint32(4, true);
    const cflag = lrec >>> 29;
    const length = lrec & LENGTH_MASK;
    const first = pieces.length === 0;
    // A record is a whole chunk (0) or a first (1), any middles (2) and a last (3).
    if (first ? cflag > 1 : cflag < 2 || cflag > 3) {
      const expected = first ? "0 (whole) or 1 (first piece)" : "2 (middle) or 3 (last piece)";
      throw new FormatError(`${where}: chunk flag ${cflag}, expected ${expected}`, pos + 4);
    }
    const padded = align4(length);
    if (source.size - pos - 8 < padded) {
      throw new FormatError(
        `${where}: truncated record: chunk of ${length} bytes (${padded} padded), ` +
          `${source.size - pos - 8} left in the file`,
        pos + 8,
      );
    }
    pieces.push(source.read(pos + 8, length));
    pos += 8 + padded;
    if (cflag === 0 || cflag === 3) break;
  }
  return { data: joinPieces(pieces), next: pos };
}

/** The pieces of a split record with the magic put back between them. */
function joinPieces(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0].slice();
  const total = pieces.reduce((n, p) => n + p.length, 0) + 4 * (pieces.length - 1);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  pieces.forEach((p, i) => {
    if (i > 0) {
      view.setUint32(at, RECORDIO_MAGIC, true);
      at += 4;
    }
    out.set(p, at);
    at += p.length;
  });
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
