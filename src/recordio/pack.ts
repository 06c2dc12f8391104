/**
 * The header MXNet puts before each image in a `.rec` file (`IRHeader`, Python struct
 * format `IfQQ`, 24 bytes little-endian): `u32 flag`, `f32 label`, `u64 id`, `u64 id2`.
 * When `flag > 0` the label is not the f32 field but `flag` float32 values following the
 * header, before the payload.
 * @module
 */
import { FormatError, ParamError } from "../core/errors.ts";

/** Size of the packed header in bytes. */
export const IR_HEADER_BYTES = 24;

/** MXNet's `IRHeader(flag, label, id, id2)`. */
export interface IRHeader {
  /** 0 for a single label; otherwise the number of float32 labels (set by {@link pack}). */
  flag: number;
  /** One label, or several (packed after the header). */
  label: number | Float32Array | readonly number[];
  /** The record's id (an image index in im2rec's output). */
  id: number;
  /** A second id (0 in im2rec's output). */
  id2: number;
}

/** The header as read back: `label` is a number when `flag` is 0, else a Float32Array. */
export interface UnpackedIRHeader extends IRHeader {
  /** The label, or the labels when `flag > 0`. */
  label: number | Float32Array;
}

function checkU64(v: unknown, what: string): bigint {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new ParamError(`pack: header.${what} must be a non-negative safe integer, got ${v}`);
  }
  return BigInt(v);
}

/**
 * `header` and `payload` as one record (MXNet's `mx.recordio.pack`): a numeric label goes in
 * the header with flag 0; an array of labels sets flag to its length and follows the header.
 */
export function pack(header: IRHeader, payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) {
    throw new ParamError(`pack: payload must be a Uint8Array, got ${typeof payload}`);
  }
  const labels = typeof header.label === "number" ? null : Float32Array.from(header.label);
  const extra = labels === null ? 0 : 4 * labels.length;
  const out = new Uint8Array(IR_HEADER_BYTES + extra + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, labels === null ? 0 : labels.length, true);
  view.setFloat32(4, labels === null ? (header.label as number) : 0, true);
  view.setBigUint64(8, checkU64(header.id, "id"), true);
  view.setBigUint64(16, checkU64(header.id2, "id2"), true);
  labels?.forEach((v, i) => view.setFloat32(IR_HEADER_BYTES + 4 * i, v, true));
  out.set(payload, IR_HEADER_BYTES + extra);
  return out;
}

function readU64(view: DataView, at: number, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FormatError(`unpack: header ${what} ${v} does not fit a JavaScript number`, at);
  }
  return Number(v);
}

/**
 * Splits a record into its header and payload (MXNet's `mx.recordio.unpack`). The payload
 * is a view into `record`.
 * @throws FormatError with the byte offset when the record is shorter than its header says.
 */
export function unpack(record: Uint8Array): [UnpackedIRHeader, Uint8Array] {
  if (record.length < IR_HEADER_BYTES) {
    throw new FormatError(
      `unpack: a record needs a ${IR_HEADER_BYTES}-byte IRHeader, got ${record.length} bytes`,
      record.length,
    );
  }
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const flag = view.getUint32(0, true);
  const header: UnpackedIRHeader = {
    flag,
    label: view.getFloat32(4, true),
    id: readU64(view, 8, "id"),
    id2: readU64(view, 16, "id2"),
  };
  let payload = record.subarray(IR_HEADER_BYTES);
  if (flag > 0) {
    if (payload.length / 4 < flag) {
      throw new FormatError(
        `unpack: header flag ${flag} announces ${flag} float32 labels, ` +
          `the record has ${payload.length} bytes after the header`,
        IR_HEADER_BYTES,
      );
    }
    header.label = Float32Array.from(
      { length: flag },
      (_, i) => view.getFloat32(IR_HEADER_BYTES + 4 * i, true),
    );
    payload = payload.subarray(4 * flag);
  }
  return [header, payload];
}
