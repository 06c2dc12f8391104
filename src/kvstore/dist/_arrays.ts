/**
 * Helpers shared by the distributed stores: key checks
 * and host access to CPU array memory for MPI.
 * @module
 */
import { cpu } from "../../core/context.ts";
import { MXNetError, ShapeError } from "../../core/errors.ts";
import { formatShape, shapeEqual } from "../../core/shape.ts";
import { NDArray } from "../../ndarray/ndarray.ts";
import type { Key } from "../kvstore.ts";
import type { MpiArray } from "../mpi/mod.ts";

/**
 * Checks a key's kind (integers or strings, one kind per store) and returns the key as
 * the store's map key: with one kind per store, 1 and "1" never meet.
 */
export function keyId(where: string, k: Key, kind: { value: "number" | "string" | null }): Key {
  const t = typeof k === "number" ? "number" : typeof k === "string" ? "string" : null;
  if (t === null || (t === "number" && !Number.isInteger(k))) {
    throw new MXNetError(`kvstore.${where}: keys are integers or strings, got ${String(k)}`);
  }
  if (kind.value && kind.value !== t) {
    throw new MXNetError(
      `kvstore.${where}: key ${JSON.stringify(k)} is a ${t} but this store uses ${kind.value} keys`,
    );
  }
  if (where === "init") kind.value = t;
  return k;
}

/** Throws a ShapeError when `v` is not shaped like `stored`. */
export function checkShape(where: string, k: Key, v: NDArray, stored: NDArray): void {
  if (!(v instanceof NDArray)) {
    throw new MXNetError(`kvstore.${where}: key ${JSON.stringify(k)}: expected an NDArray`);
  }
  if (!shapeEqual(v.shape, stored.shape)) {
    throw new ShapeError(
      `kvstore.${where}: key ${JSON.stringify(k)} holds shape ${formatShape(stored.shape)}, ` +
        `got ${formatShape(v.shape)}`,
    );
  }
}

/** The sum of `vs` on cpu: `vs[0]` itself when it is the only value and on cpu. */
export function sumOnCpu(vs: readonly NDArray[]): { sum: NDArray; temp: boolean } {
  if (vs.length === 1 && vs[0].context.equals(cpu())) return { sum: vs[0], temp: false };
  const buf = vs[0].copyTo(cpu());
  for (const v of vs.slice(1)) {
    if (v.context.equals(cpu())) buf.addInPlace(v);
    else {
      const moved = v.copyTo(cpu());
      buf.addInPlace(moved);
      moved.dispose();
    }
  }
  return { sum: buf, temp: true };
}

/** An array's storage, captured when an operation is pushed (the handle may be disposed later). */
export type StorageOf = ReturnType<NDArray["_storage"]>;

// Below this size a copy costs nothing and keeps MPI off memory the GC may move.
const STAGE_BELOW_BYTES = 4096;

/**
 * The array's memory as a typed array MPI can use in place (cpu backends keep a typed
 * array per buffer), or null when it must be copied through the backend.
 */
export function directView(s: StorageOf): MpiArray | null {
  const d = (s.buf as { data?: unknown }).data;
  if (
    (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array) &&
    d.length === s.buf.size && d.byteLength >= STAGE_BELOW_BYTES
  ) {
    return d;
  }
  return null;
}

/** Host memory of an array for MPI: the array's own, or a copy with `commit` to write back. */
export interface HostBuffer {
  /** The elements as MPI reduces them. */
  readonly data: MpiArray;
  /** Writes `data` back when it is a copy (no-op otherwise). */
  commit(): void;
}

// The array's own memory needs no write-back.
const noCommit = (): void => {};

/** Host access to storage `s` (inside an engine operation that holds its var). */
export async function hostBuffer(s: StorageOf): Promise<HostBuffer> {
  const direct = directView(s);
  if (direct) return { data: direct, commit: noCommit };
  const host = await s.backend.read(s.buf);
  const data = toMpi(host);
  return {
    data,
    commit() {
      s.backend.write(s.buf, data.constructor === host.constructor ? data : fromMpi(data, host));
    },
  };
}

/**
 * `hostBuffer` without waiting: the array's own memory, or a copy when the backend reads
 * synchronously; null when only an asynchronous read would do.
 */
export function hostBufferSync(s: StorageOf): HostBuffer | null {
  const direct = directView(s);
  if (direct) return { data: direct, commit: noCommit };
  if (!s.backend.readSync) return null;
  const host = s.backend.readSync(s.buf);
  const data = toMpi(host);
  return {
    data,
    commit() {
      s.backend.write(s.buf, data.constructor === host.constructor ? data : fromMpi(data, host));
    },
  };
}

/** Copies `host` into a fresh typed array on its own ArrayBuffer of an MPI-reducible type. */
function toMpi(host: ArrayLike<number> & { BYTES_PER_ELEMENT: number }): MpiArray {
  if (host instanceof Float32Array || host instanceof Float64Array || host instanceof Int32Array) {
    const C = host.constructor as new (b: ArrayBuffer) => MpiArray;
    const out = new C(new ArrayBuffer(host.length * host.BYTES_PER_ELEMENT));
    out.set(host);
    return out;
  }
  const out = new Float64Array(new ArrayBuffer(host.length * 8));
  for (let i = 0; i < host.length; i++) out[i] = host[i];
  return out;
}

function fromMpi(data: MpiArray, like: unknown): never {
  const C = (like as { constructor: new (n: number) => { set(a: ArrayLike<number>): void } })
    .constructor;
  const out = new C(data.length);
  out.set(data);
  return out as never;
}
