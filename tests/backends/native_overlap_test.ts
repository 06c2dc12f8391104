/**
 * Large native kernels are nonblocking FFI calls, so the engine runs independent ones at
 * the same time. The library counts kernels in flight; two independent sorts pushed
 * back to back must have been running together.
 */
import assert from "node:assert/strict";
import { backendByName, setCpuBackend } from "../../backends/mod.ts";
import { loadNative, nativeLoadFailure } from "../../backends/native/mod.ts";
import * as mx from "../../mod.ts";

const native = loadNative();
const ignore = native === undefined;
if (ignore) console.log(`native tests skipped: ${nativeLoadFailure()}`);

Deno.test({
  name: "two large independent native kernels overlap in time",
  ignore,
  async fn() {
    setCpuBackend(backendByName("native"));
    try {
      const n = 1 << 20; // sort is single-threaded: ~0.1 s each, far above the call latency
      const x = mx.random.uniform(0, 1, [n]), y = mx.random.uniform(0, 1, [n]);
      await mx.nd.waitAll();
      native!.lib.symbols.mx_peak_concurrency(); // reset the high-water mark
      const t0 = performance.now();
      const a = mx.nd.sort(x), b = mx.nd.sort(y);
      // Both calls returned at once: the JS thread is free while they run.
      const pushed = performance.now() - t0;
      await Promise.all([a.waitToRead(), b.waitToRead()]);
      const total = performance.now() - t0;
      // At least 2: test files running in parallel share the library and may add more.
      const peak = native!.lib.symbols.mx_peak_concurrency();
      assert.ok(peak >= 2, "the sorts ran one after another");
      assert.ok(pushed < total / 4, `pushing took ${pushed} ms of ${total} ms`);
      const [va, vb] = [await a.data(), await b.data()];
      for (let i = 1; i < n; i += 4099) assert.ok(va[i - 1] <= va[i] && vb[i - 1] <= vb[i]);
      for (const t of [x, y, a, b]) t.dispose();
    } finally {
      setCpuBackend(undefined);
    }
  },
});
