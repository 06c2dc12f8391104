/**
 * Worker <-> server messages of `dist_async` on the job-wide communicator. A request is
 * one MPI message tagged TAG_REQUEST: a 32-byte header, optional JSON, then raw array
 * bytes. The reply (an empty ack, or a pulled array) comes back tagged with the request's
 * own reply tag, so a worker may have many requests in flight.
 * @module
 */

/** Tag of requests to servers. */
export const TAG_REQUEST = 7;
/** First reply tag; reply tags cycle below TAG_REPLY_END (MPI guarantees >= 32767). */
export const TAG_REPLY = 100;
/** One past the last reply tag. */
export const TAG_REPLY_END = 32000;

/** Request kinds. */
export const Op = { INIT: 1, PUSH: 2, PULL: 3, SET_OPTIMIZER: 4, FINISH: 5 } as const;

/** Header fields (int32 each). */
export interface Header {
  op: number;
  storeId: number;
  keyIdx: number;
  /** Element offset of this part in the key's flattened array. */
  offset: number;
  /** Elements in this part. */
  length: number;
  /** Tag the reply must carry. */
  replyTag: number;
}

const HEADER_BYTES = 32;

/** Builds a request: header, JSON (`json`), then `data`'s bytes (8-byte aligned). */
export function encode(h: Header, json = "", data?: ArrayBufferView): Uint8Array {
  const j = new TextEncoder().encode(json);
  const jPad = (j.length + 7) & ~7;
  const n = data ? data.byteLength : 0;
  const out = new Uint8Array(new ArrayBuffer(HEADER_BYTES + jPad + n));
  new Int32Array(out.buffer, 0, 8).set([
    h.op,
    h.storeId,
    h.keyIdx,
    h.offset,
    h.length,
    h.replyTag,
    j.length,
    0,
  ]);
  out.set(j, HEADER_BYTES);
  if (data) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), HEADER_BYTES + jPad);
  }
  return out;
}

/** Splits a request into header, JSON text and the data bytes. */
export function decode(msg: Uint8Array): { h: Header; json: string; data: Uint8Array } {
  const i = new Int32Array(msg.buffer, msg.byteOffset, 8);
  const jLen = i[6], jPad = (jLen + 7) & ~7;
  return {
    h: { op: i[0], storeId: i[1], keyIdx: i[2], offset: i[3], length: i[4], replyTag: i[5] },
    json: new TextDecoder().decode(msg.subarray(HEADER_BYTES, HEADER_BYTES + jLen)),
    data: msg.subarray(HEADER_BYTES + jPad),
  };
}

/** How a key of `size` elements is split over `servers`: [server index, offset, length]. */
export function placement(
  keyIdx: number,
  size: number,
  servers: number,
  bound: number,
): [number, number, number][] {
  if (size < bound || servers === 1) return [[keyIdx % servers, 0, size]];
  return Array.from({ length: servers }, (_, i) => {
    const lo = Math.floor((size * i) / servers), hi = Math.floor((size * (i + 1)) / servers);
    return [i, lo, hi - lo] as [number, number, number];
  });
}
