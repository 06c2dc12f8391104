/**
 * Helpers for the webgpu tests: registration that is ignored, with a printed reason,
 * when this runtime has no WebGPU adapter, and a runner comparing gpu(0) with the TS
 * reference backend on cpu(0).
 * @module
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { ADAPTER } from "../../backends/webgpu/mod.ts";

/** Why webgpu tests are skipped here, or null when they run. */
export const SKIP_REASON: string | null = ADAPTER
  ? null
  : "no WebGPU adapter in this runtime (on Debian: apt-get install mesa-vulkan-drivers)";

if (SKIP_REASON) console.log(`webgpu tests ignored: ${SKIP_REASON}`);

/** Registers a webgpu test; it must leave no live buffer on any device it touched. */
export function gpuTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `webgpu: ${name}`,
    ignore: SKIP_REASON !== null,
    async fn() {
      await mx.nd.waitAll();
      const ctxs = [mx.cpu(), ...[0, 1, 2, 3].map((i) => mx.gpu(i))];
      const before = ctxs.map((c) => mx.nd.memoryInfo(c).count);
      await mx.nd.scope(fn);
      await mx.nd.waitAll();
      const after = ctxs.map((c) => mx.nd.memoryInfo(c).count);
      assert.deepEqual(after, before, `${name}: buffers left alive per context`);
    },
  });
}

/** Runs `f` on cpu(0) (TS backend) and on gpu(0) and returns both results' values. */
export async function onBoth(
  f: (ctx: mx.Context) => mx.NDArray,
): Promise<{ cpu: number[]; gpu: number[]; dtype: string; shape: readonly number[] }> {
  const c = mx.withContext(mx.cpu(), () => f(mx.cpu()));
  const g = mx.withContext(mx.gpu(0), () => f(mx.gpu(0)));
  assert.equal(g.dtype, c.dtype);
  assert.deepEqual(g.shape, c.shape);
  assert.ok(g.context.equals(mx.gpu(0)), `result is on ${g.context}, not gpu(0)`);
  const cpu = Array.from(await c.data() as ArrayLike<number>, Number);
  const gpu = Array.from(await g.data() as ArrayLike<number>, Number);
  return { cpu, gpu, dtype: g.dtype, shape: g.shape };
}
