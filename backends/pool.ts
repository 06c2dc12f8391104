/**
 * Host-memory bookkeeping shared by the `ts` and `native` backends: a size-bucketed pool
 * of freed buffers (allocating and zeroing a fresh large array costs about half the
 * bandwidth of an elementwise op, and for tiny arrays allocation and GC pressure dominate
 * an operation: PERF_NOTES) and live-buffer accounting for leak checks.
 * @module
 */
import { type DType, ITEM_SIZE } from "../src/core/dtype.ts";
import { MXNetError } from "../src/core/errors.ts";
import type { MemoryInfo } from "./backend.ts";

const POOL_MAX_BYTES = 256 * 1024 * 1024;
const POOL_MAX_PER_SIZE = 64;

/** Freed buffers by (dtype, element count), up to 256 MiB in all and 64 per size. */
export class BufferPool<T> {
  // Nested maps, not "dtype:size" strings: no string is built on the per-op path.
  readonly #lists = new Map<DType, Map<number, T[]>>();
  /** Bytes held. */
  bytes = 0;

  /** A pooled buffer of `size` elements of `dtype`, or undefined. */
  take(dtype: DType, size: number, bytes: number): T | undefined {
    const item = this.#lists.get(dtype)?.get(size)?.pop();
    if (item !== undefined) this.bytes -= bytes;
    return item;
  }

  /** Keeps a freed buffer for reuse, unless the pool is full; false when it was not kept. */
  give(dtype: DType, size: number, bytes: number, item: T): boolean {
    let bySize = this.#lists.get(dtype);
    if (!bySize) this.#lists.set(dtype, bySize = new Map());
    let list = bySize.get(size);
    if (!list) bySize.set(size, list = []);
    if (this.bytes + bytes <= POOL_MAX_BYTES && list.length < POOL_MAX_PER_SIZE) {
      list.push(item);
      this.bytes += bytes;
      return true;
    }
    return false;
  }

  /** Removes and returns every pooled buffer (device memory to give back). */
  drain(): T[] {
    const all: T[] = [];
    for (const bySize of this.#lists.values()) {
      for (const list of bySize.values()) all.push(...list.splice(0));
    }
    this.bytes = 0;
    return all;
  }
}

/** Live buffer counts and bytes per device. */
export class LiveBuffers {
  readonly #byDevice = new Map<number, { count: number; bytes: number }>();

  /** Adds `count` buffers of `bytes` in all (negative when freeing). */
  account(deviceId: number, count: number, bytes: number): void {
    let m = this.#byDevice.get(deviceId);
    if (!m) this.#byDevice.set(deviceId, m = { count: 0, bytes: 0 });
    m.count += count;
    m.bytes += bytes;
  }

  /** `Backend.memoryInfo` for one device, or all when `deviceId` is undefined. */
  info(deviceId: number | undefined, pooledBytes: number): MemoryInfo {
    let count = 0, bytes = 0;
    for (const [id, m] of this.#byDevice) {
      if (deviceId === undefined || id === deviceId) {
        count += m.count;
        bytes += m.bytes;
      }
    }
    return { count, bytes, pooledBytes };
  }
}

/**
 * The bytes of a buffer of `size` elements of `dtype`, after checking `size` is an element
 * count a buffer can have (a whole number, its bytes below 2^53); `where` names the device
 * in the MXNetError otherwise ("native cpu(0)").
 */
export function allocBytes(where: string, dtype: DType, size: number): number {
  const bytes = size * ITEM_SIZE[dtype];
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(bytes)) {
    throw new MXNetError(
      `${where}: cannot allocate ${size} elements of ${dtype} (${bytes} bytes): an array holds ` +
        `at most ${Number.MAX_SAFE_INTEGER} bytes`,
    );
  }
  return bytes;
}

/** "N bytes available of M" from the OS, when the process may ask (--allow-sys). */
export function hostMemoryText(): string {
  try {
    const sys = { name: "sys", kind: "systemMemoryInfo" } as const;
    if (Deno.permissions.querySync(sys).state !== "granted") {
      return "the memory available is unknown (run with --allow-sys to see it)";
    }
    const m = Deno.systemMemoryInfo();
    return `this machine has ${m.available} bytes of memory available of ${m.total}`;
  } catch {
    return "the memory available is unknown";
  }
}

/**
 * Runs `make`, which allocates host memory for `size` elements of `dtype` (`bytes` in
 * all); the JS engine's RangeError when the memory cannot be had becomes an MXNetError
 * saying what was asked and what the machine has.
 */
export function allocHost<T>(
  where: string,
  dtype: DType,
  size: number,
  bytes: number,
  make: () => T,
): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new MXNetError(
      `${where}: cannot allocate ${size} elements of ${dtype} (${bytes} bytes): ${e.message}; ` +
        `${hostMemoryText()}`,
    );
  }
}
