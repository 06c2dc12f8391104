/**
 * Device contexts: `mx.cpu(i)`, `mx.gpu(i)` and the current-context scope.
 * @module
 */
import { ContextError } from "./errors.ts";

/** The kind of device a context names. */
export type DeviceType = "cpu" | "gpu";

/** A device: its type and index. Equal contexts compare equal with `equals`. */
export class Context {
  /** `"cpu"` or `"gpu"`. */
  readonly deviceType: DeviceType;
  /** The device index. */
  readonly deviceId: number;

  /** Creates a context; prefer `mx.cpu(i)` / `mx.gpu(i)`. */
  constructor(deviceType: DeviceType, deviceId = 0) {
    if (deviceType !== "cpu" && deviceType !== "gpu") {
      throw new ContextError(`Context: unknown device type ${JSON.stringify(deviceType)}`);
    }
    if (!Number.isInteger(deviceId) || deviceId < 0) {
      throw new ContextError(`Context: device id must be a non-negative integer, got ${deviceId}`);
    }
    this.deviceType = deviceType;
    this.deviceId = deviceId;
  }

  /** MXNet's device type code as stored in `.params` files (1 cpu, 2 gpu). */
  get deviceTypeId(): number {
    return this.deviceType === "cpu" ? 1 : 2;
  }

  /** True when both name the same device. */
  equals(other: Context): boolean {
    return this.deviceType === other.deviceType && this.deviceId === other.deviceId;
  }

  /** `"cpu(0)"`, `"gpu(2)"`. */
  toString(): string {
    return `${this.deviceType}(${this.deviceId})`;
  }
}

/**
 * The CPU context `cpu(i)`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * console.log(String(mx.cpu())); // "cpu(0)"
 * ```
 */
export function cpu(deviceId = 0): Context {
  return cached(cpus, "cpu", deviceId);
}

/** The GPU context `gpu(i)`. */
export function gpu(deviceId = 0): Context {
  return cached(gpus, "gpu", deviceId);
}

// Contexts are immutable: hot paths (every kvstore push asks for cpu()) share one per device.
const cpus: Context[] = [], gpus: Context[] = [];
function cached(list: Context[], type: DeviceType, id: number): Context {
  if (Number.isInteger(id) && id >= 0 && id < 1024) return (list[id] ??= new Context(type, id));
  return new Context(type, id); // throws the usual ContextError
}

const contextStack: Context[] = [];

/** The context arrays are created on when none is given (`cpu(0)` by default). */
export function currentContext(): Context {
  return contextStack.at(-1) ?? cpu(0);
}

/**
 * Runs `fn` with `ctx` as the current context, like Python's `with mx.gpu(1):`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * mx.withContext(mx.cpu(1), () => console.log(String(mx.currentContext()))); // cpu(1)
 * ```
 */
export function withContext<T>(ctx: Context, fn: () => T): T {
  contextStack.push(ctx);
  let popNow = true;
  try {
    const result = fn();
    if (result instanceof Promise) {
      popNow = false;
      return result.finally(() => popContext(ctx)) as T;
    }
    return result;
  } finally {
    if (popNow) popContext(ctx);
  }
}

function popContext(ctx: Context): void {
  const i = contextStack.lastIndexOf(ctx);
  if (i >= 0) contextStack.splice(i, 1);
}
