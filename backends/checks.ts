/**
 * Checks the backends make on what the engine hands them, before any memory is touched:
 * a host write must fill the buffer exactly, and an alias must lie inside its buffer. A
 * typed array would clamp a bad range silently (and the libraries in ffi/ trust a
 * buffer's element count), so an unchecked mistake here would read or write past an
 * allocation instead of failing with an MXNetError naming the call.
 * @module
 */
import { MXNetError } from "../src/core/errors.ts";
import type { DeviceBuffer } from "./backend.ts";

/** Throws unless `data` has exactly `buf.size` elements (`where`: "native write"). */
export function checkWrite(where: string, buf: DeviceBuffer, data: ArrayLike<unknown>): void {
  if (data.length !== buf.size) {
    throw new MXNetError(
      `${where}: got ${data.length} elements for a buffer of ${buf.size} ${buf.dtype} ` +
        `(they must be equal)`,
    );
  }
}

/**
 * Throws unless elements [offset, offset + size) lie inside `buf`, with both whole numbers
 * (`where`: "native alias").
 */
export function checkAlias(where: string, buf: DeviceBuffer, offset: number, size: number): void {
  if (
    !Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 ||
    offset + size > buf.size
  ) {
    throw new MXNetError(
      `${where}: elements [${offset}, ${offset} + ${size}) are not inside a buffer of ` +
        `${buf.size} ${buf.dtype}`,
    );
  }
}
