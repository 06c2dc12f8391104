/**
 * Host-memory bookkeeping shared by the `ts` and `native` backends: a size-bucketed pool
 * of freed buffers (allocating and zeroing a fresh large array costs about half the
 * bandwidth of an elementwise op, and for tiny arrays allocation and GC pressure dominate
 * an operation: PERF_NOTES) and live-buffer accounting for leak checks.
 * @module
 */
import type { DType } from "../src/core/dtype.ts";
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
