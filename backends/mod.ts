/**
 * Which backend serves which context. `cpu` -> native when loadable, else ts (today: ts).
 * `gpu` -> cuda or webgpu when present. `MXTS_CPU_BACKEND` / `MXTS_GPU_BACKEND`
 * force a choice so the test suite can run once per backend.
 * @module
 */
import type { Context } from "../src/core/context.ts";
import { ContextError } from "../src/core/errors.ts";
import type { Backend } from "./backend.ts";
import { createTSBackend } from "./ts/mod.ts";

export type { Backend } from "./backend.ts";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no env permission or not running in Deno
  }
}

let ts: Backend | undefined;

/** The TS reference backend (one instance serves every cpu(i)). */
export function tsBackend(): Backend {
  return (ts ??= createTSBackend());
}

/** Every backend the test harness knows, the reference ("ts") first. */
export const BACKEND_NAMES: readonly string[] = ["ts", "native", "webgpu"];

/** Names of the backends that can run in this process now. */
export function availableBackends(): string[] {
  return ["ts"];
}

/** The backend named `name`; throws a ContextError naming what is available. */
export function backendByName(name: string): Backend {
  if (name === "ts") return tsBackend();
  throw new ContextError(
    `no backend named ${JSON.stringify(name)} is available; available: ${
      availableBackends().join(", ")
    }`,
  );
}

let cpuOverride: Backend | undefined;
// Resolved once: reading the environment costs microseconds, an op must not.
let defaultCpu: Backend | undefined;

/**
 * Makes every cpu context use `backend` until reset with `undefined`. The test harness
 * uses this to run the same tests once per backend.
 */
export function setCpuBackend(backend: Backend | undefined): void {
  cpuOverride = backend;
}

/** The backend serving `ctx`. */
export function backendFor(ctx: Context): Backend {
  if (ctx.deviceType === "cpu") {
    if (cpuOverride) return cpuOverride;
    return (defaultCpu ??= backendByName(env("MXTS_CPU_BACKEND") ?? "ts"));
  }
  throw new ContextError(
    `${ctx}: no GPU backend is available in this build (CUDA and WebGPU arrive with later ` +
      `backends); use mx.cpu() or check mx.numGpus() first`,
  );
}

/** Number of GPUs a backend can serve (0 until a GPU backend is present). */
export function numGpus(): number {
  return 0;
}
