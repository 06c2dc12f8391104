/**
 * `kvstore.init` on a distributed store first checks that every worker initialises the
 * same key with the same shape and dtype: one small allgather per key, on a communicator
 * used for nothing else (so it never interleaves with the queued collectives), answered
 * before init returns. A disagreement — float32 on one rank and int32 on another, or
 * another shape — would otherwise run to the end with different weights per rank, or die
 * inside MPI with MPI_ERR_TRUNCATE; here every worker throws the same MXNetError naming
 * the key, the ranks, their shapes and dtypes.
 * @module
 */
import { DTYPES } from "../../core/dtype.ts";
import { MXNetError } from "../../core/errors.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import type { Key } from "../kvstore.ts";
import type { Session } from "./session.ts";

const MAGIC = 0x6b76696e;
/** Dims carried in full; a longer shape is compared by hash and shown cut short. */
const MAX_DIMS = 12;
/** Bytes of the key's text carried (for naming another rank's key). */
const KEY_BYTES = 32;
const WORDS = 8 + KEY_BYTES / 4 + 2 * MAX_DIMS;

/** FNV-1a over 32-bit words. */
function hash(words: Iterable<number>): number {
  let h = 0x811c9dc5;
  for (const w of words) h = Math.imul(h ^ (w | 0), 0x01000193);
  return h | 0;
}

/** One worker's record of what it initialises. */
function describe(storeId: number, key: Key, value: NDArray): Int32Array {
  const text = new TextEncoder().encode(JSON.stringify(key));
  const msg = new Int32Array(WORDS);
  const dims = value.shape;
  msg.set([
    MAGIC,
    storeId,
    hash(text),
    text.length,
    DTYPES.indexOf(value.dtype),
    dims.length,
    hash(dims.flatMap((d) => [d % 2 ** 32, Math.floor(d / 2 ** 32)])),
  ]);
  new Uint8Array(msg.buffer, 32, KEY_BYTES).set(text.subarray(0, KEY_BYTES));
  dims.slice(0, MAX_DIMS).forEach((d, i) => {
    msg[8 + KEY_BYTES / 4 + 2 * i] = d % 2 ** 32;
    msg[9 + KEY_BYTES / 4 + 2 * i] = Math.floor(d / 2 ** 32);
  });
  return msg;
}

/** A record as text: `key 3: float32 [2,3]`, or `float32 [2,3]` without `withKey`. */
function show(rec: Int32Array, withKey: boolean): string {
  const len = rec[3];
  const text = new TextDecoder().decode(
    new Uint8Array(rec.buffer, rec.byteOffset + 32, Math.min(len, KEY_BYTES)),
  );
  const key = len > KEY_BYTES ? `${text}...` : text;
  const dims: number[] = [];
  for (let i = 0; i < Math.min(rec[5], MAX_DIMS); i++) {
    const lo = rec[8 + KEY_BYTES / 4 + 2 * i] >>> 0, hi = rec[9 + KEY_BYTES / 4 + 2 * i];
    dims.push(hi * 2 ** 32 + lo);
  }
  const more = rec[5] > MAX_DIMS ? `,... (${rec[5]} dims)` : "";
  const store = rec[1] === 0 ? "" : ` (store ${rec[1]})`;
  const what = `${DTYPES[rec[4]] ?? "?"} [${dims}${more}]`;
  return withKey ? `key ${key}${store}: ${what}` : what;
}

/** The record without what only naming needs (the key's text is covered by its hash). */
function identity(rec: Int32Array): string {
  return Array.from(rec.subarray(0, 8)).join(",") + "|" +
    Array.from(rec.subarray(8 + KEY_BYTES / 4)).join(",");
}

/**
 * Checks that every worker initialises `key` of store `storeId` like `value` does.
 * Returns at once on a single worker.
 * @throws MXNetError on every worker when they disagree, naming each rank's key, dtype
 * and shape.
 */
export function agreeOnInit(s: Session, storeId: number, key: Key, value: NDArray): void {
  if (s.numWorkers === 1) return;
  const mine = describe(storeId, key, value);
  const n = s.agreements + 1;
  const what = `kvstore.init(${JSON.stringify(key)})`;
  const all = s.mpi.allgatherPolled(mine, s.initComm, {
    what: `${what}: the check that every worker initialises it alike`,
    poll: () => {
      s.takeDepartures();
      const why = s.agreementBlockedBy(n);
      if (why) s.mpi.abort(`${what}: ${why}`);
    },
  });
  s.agreements = n;
  const recs = Array.from(
    { length: s.numWorkers },
    (_, r) => all.subarray(r * WORDS, (r + 1) * WORDS),
  );
  if (recs.every((r) => identity(r) === identity(mine))) return;
  const sameKey = recs.every((r) => r[1] === mine[1] && r[2] === mine[2] && r[3] === mine[3]);
  // Ranks grouped by what they hold, in rank order.
  const groups = new Map<string, number[]>();
  recs.forEach((r, rank) => {
    const k = show(r, !sameKey);
    groups.set(k, [...(groups.get(k) ?? []), rank]);
  });
  const list = [...groups].map(([k, ranks]) =>
    `rank${ranks.length > 1 ? "s" : ""} ${ranks.join(", ")}: ${k}`
  );
  throw new MXNetError(
    `kvstore.init: the workers ${
      sameKey ? `disagree on key ${JSON.stringify(key)}` : "initialise different keys here"
    }: ${list.join("; ")}. Every worker must initialise the same keys, in the same order, ` +
      `with the same shapes and dtypes`,
  );
}
