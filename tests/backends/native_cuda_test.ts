/**
 * The library's CUDA entry points: without the `cuda` feature they say so; with it and a
 * device, the kernels compute real results; without a device the test is skipped with
 * the reason printed.
 */
import assert from "node:assert/strict";
import { cudaDevices, cudaOps } from "../../backends/native/cuda.ts";
import { loadNative, nativeLoadFailure } from "../../backends/native/mod.ts";

const native = loadNative();
if (!native) console.log(`native tests skipped: ${nativeLoadFailure()}`);
const devices = native ? cudaDevices(native) : { reason: "no native library" };
const hasDevice = "count" in devices && devices.count > 0;
if (!hasDevice) {
  console.log(`CUDA kernel test skipped: ${"reason" in devices ? devices.reason : "no device"}`);
}

Deno.test({
  name: "native cuda: the device count is a count or a reason",
  ignore: !native,
  fn() {
    if ("reason" in devices) assert.match(devices.reason, /CUDA/);
    else assert.ok(Number.isInteger(devices.count) && devices.count >= 0);
  },
});

Deno.test({
  name: "native cuda: add and sgemm on the device match the host",
  ignore: !hasDevice,
  fn() {
    const cu = cudaOps(native!);
    const [m, n, k] = [19, 23, 29];
    const a = Float32Array.from({ length: m * k }, (_, i) => (i * 7) % 13 - 6);
    const b = Float32Array.from({ length: k * n }, (_, i) => (i * 5) % 11 - 5);
    const [da, db, dc] = [cu.alloc(a.byteLength), cu.alloc(b.byteLength), cu.alloc(4 * m * n)];
    try {
      cu.copy(a, da, true);
      cu.copy(b, db, true);
      cu.sgemm(m, n, k, da, db, dc);
      const c = new Float32Array(m * n);
      cu.copy(c, dc, false);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let want = 0;
          for (let p = 0; p < k; p++) want += a[i * k + p] * b[p * n + j];
          assert.equal(c[i * n + j], want);
        }
      }
      cu.addF32(da, da, da, m * k);
      const twice = new Float32Array(m * k);
      cu.copy(twice, da, false);
      assert.deepEqual(twice, a.map((v) => 2 * v));
    } finally {
      for (const p of [da, db, dc]) cu.free(p);
    }
  },
});
