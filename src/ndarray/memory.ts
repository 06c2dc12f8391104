/**
 * `mx.nd.memoryInfo()`: live device memory per context.
 * @module
 */
import type { MemoryInfo } from "../../backends/backend.ts";
import { backendFor } from "../../backends/mod.ts";
import { type Context, cpu } from "../core/context.ts";

/** Live buffers and bytes on `ctx` (cpu(0) by default). */
export function memoryInfo(ctx: Context = cpu()): MemoryInfo {
  return backendFor(ctx).memoryInfo(ctx.deviceId);
}
