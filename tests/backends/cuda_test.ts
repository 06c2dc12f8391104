/**
 * The CUDA backend. On a machine with a CUDA device (library built with nvcc) every
 * per-backend suite already runs on it as `[cuda]`; these tests add what is specific to
 * it. Without a device, the same kernels are checked through the host emulation build
 * (`deno task build:cuda-emu`): a child `deno test` loads that library and runs the
 * conformance, gradient and NDArray suites on `[cuda]` only.
 */
import assert from "node:assert/strict";
import { availableBackends, backendFor } from "../../backends/mod.ts";
import { cudaDevices } from "../../backends/native/cuda.ts";
import { loadNative, nativeLoadFailure } from "../../backends/native/mod.ts";
import * as mx from "../../mod.ts";

const native = loadNative();
const devices = native
  ? cudaDevices(native)
  : { reason: `no native library: ${nativeLoadFailure()}` };
const hasCuda = availableBackends().includes("cuda");
const cudaNote = hasCuda ? "" : "reason" in devices ? devices.reason : "no CUDA device";
if (!hasCuda) console.log(`cuda backend tests skipped: ${cudaNote}`);

Deno.test({
  name: "cuda: the library reports a device count or why there is no CUDA",
  ignore: !native,
  fn() {
    if ("reason" in devices) assert.match(devices.reason, /CUDA/);
    else assert.ok(Number.isInteger(devices.count) && devices.count >= 0);
  },
});

// gpu contexts reach CUDA with a real device, or with MXTS_GPU_BACKEND=cuda (the
// emulated run below sets it).
const gpuIsCuda = hasCuda && backendFor(mx.gpu(0)).name.startsWith("cuda");
const count = "count" in devices ? devices.count : 0;

Deno.test({
  name: "cuda: copies between devices, strided and converting, keep every value",
  ignore: !gpuIsCuda || count < 2,
  async fn() {
    const a = mx.nd.array([[1, 2, 3], [4, 5, 6]], { ctx: mx.gpu(0) });
    const t = a.transpose(); // a strided view
    const b = t.copyTo(mx.gpu(1));
    assert.equal(b.context.toString(), "gpu(1)");
    assert.deepEqual(Array.from(await b.data() as Float32Array), [1, 4, 2, 5, 3, 6]);
    const asInt = mx.nd.zeros([3, 2], { ctx: mx.gpu(1), dtype: "int32" });
    t.copyTo(asInt);
    assert.deepEqual(Array.from(await asInt.data() as Int32Array), [1, 4, 2, 5, 3, 6]);
    const back = b.copyTo(mx.cpu());
    assert.deepEqual(Array.from(await back.data() as Float32Array), [1, 4, 2, 5, 3, 6]);
    for (const x of [a, b, asInt, back]) x.dispose();
  },
});

Deno.test({
  name: "cuda: gpu(i) past the last device is a ContextError naming the count",
  ignore: !gpuIsCuda,
  fn() {
    assert.throws(
      () => mx.nd.zeros([2], { ctx: mx.gpu(count) }),
      (e: Error) => e instanceof mx.ContextError && e.message.includes(`${count} CUDA device`),
    );
  },
});

Deno.test({
  name: "cuda: 1,000 steps of ops on gpu(0) keep live buffers and bytes flat",
  ignore: !gpuIsCuda,
  async fn() {
    const g = mx.gpu(0);
    mx.random.seed(0);
    const w = mx.nd.zeros([32, 1], { ctx: g });
    const x = mx.random.uniform(-1, 1, [64, 32], { ctx: g });
    const y = mx.nd.dot(x, mx.random.uniform(-1, 1, [32, 1], { ctx: g }));
    const idx = mx.nd.array([0, 5, 9], { ctx: g });
    const seen: { count: number; bytes: number }[] = [];
    for (let step = 0; step < 1000; step++) {
      mx.nd.scope(() => {
        const err = mx.nd.dot(x, w).sub(y);
        const grad = mx.nd.dot(x, err, { transposeA: true }).mul(1 / 64);
        w.subInPlace(grad.mul(0.5));
        mx.random.uniform(0, 1, [16], { ctx: g }).take(idx).sort().sum();
      });
      if (step % 100 === 99) {
        await w.waitToRead();
        const m = mx.nd.memoryInfo(g);
        seen.push({ count: m.count, bytes: m.bytes });
      }
    }
    assert.ok(
      seen.every((s) => s.count === seen[0].count && s.bytes === seen[0].bytes),
      JSON.stringify(seen),
    );
    const loss = mx.nd.dot(x, w).sub(y).square().mean();
    assert.ok((await loss.asScalar()) < 1e-6, "the loop did real work: least squares converged");
    for (const a of [w, x, y, idx, loss]) a.dispose();
  },
});

Deno.test({
  name: "cuda: a read returns the value at the call, not what a later kernel writes",
  ignore: !gpuIsCuda,
  async fn() {
    const cuda = backendFor(mx.gpu(0));
    const buf = cuda.alloc("float32", 1 << 16, 0);
    try {
      await cuda.kernels.fill(buf, 1);
      const pending = cuda.read(buf);
      await cuda.kernels.fill(buf, 2); // queued after the read, before its download ran
      const first = await pending as Float32Array;
      assert.ok(first.every((v) => v === 1), "the read saw a later write");
      assert.ok((await cuda.read(buf) as Float32Array).every((v) => v === 2));
    } finally {
      cuda.free(buf);
    }
  },
});

Deno.test({
  name: "cuda: an allocation the device cannot hold fails naming the size, after a pool retry",
  ignore: !gpuIsCuda,
  async fn() {
    const cuda = backendFor(mx.gpu(0));
    const small = cuda.alloc("float32", 1024, 0);
    cuda.free(small); // pooled
    assert.ok(cuda.memoryInfo(0).pooledBytes > 0);
    assert.throws(
      () => cuda.alloc("float32", 2 ** 45, 0),
      (e: Error) =>
        e instanceof mx.MXNetError && /alloc of 140737488355328 bytes on gpu\(0\)/.test(e.message),
    );
    assert.equal(cuda.memoryInfo(0).pooledBytes, 0, "the retry gave the pool back");
    await mx.nd.waitAll();
  },
});

const EMU_LIB = new URL("../../ffi/target/cuda-emu/release/libmxts_native.so", import.meta.url)
  .pathname;
const emuBuilt = (() => {
  try {
    return Deno.statSync(EMU_LIB).isFile;
  } catch {
    return false;
  }
})();
if (!emuBuilt) {
  console.log(
    "cuda emulated-kernel suite skipped: ffi/target/cuda-emu is not built (deno task " +
      "build:cuda-emu; needs cargo and a C++ compiler)",
  );
}

/**
 * The per-backend suites, this file for the device tests above, and the seed document's
 * NDArray and KVStore examples, which use gpu(0)..gpu(3) when mx.numGpus() > 0.
 */
const SUITES = [
  "tests/ops/",
  "tests/ndarray/",
  "tests/autograd/",
  "tests/backends/cuda_test.ts",
  "tests/backends/kernel_bounds_test.ts",
  "tests/seed_ndarray_test.ts",
  "tests/kvstore/seed_kvstore_test.ts",
];

Deno.test({
  name: "cuda (emulated kernels): conformance, gradient and NDArray suites pass on [cuda]",
  // Inside the child run itself this test would recurse.
  ignore: !emuBuilt || Deno.env.get("MXTS_TEST_BACKENDS") === "cuda",
  async fn() {
    const root = new URL("../../", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--parallel", ...SUITES],
      cwd: root,
      env: {
        MXTS_NATIVE_LIB: EMU_LIB,
        MXTS_TEST_BACKENDS: "cuda",
        MXTS_GPU_BACKEND: "cuda",
        MXTS_CUDA_EMU_DEVICES: "4",
        NO_COLOR: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    const summary = text.match(/(ok|FAILED) \| (\d+) passed[^\n]*\| (\d+) failed/);
    assert.ok(out.success && summary, `the emulated CUDA run failed:\n${text.slice(-6000)}`);
    const passed = Number(summary[2]);
    console.log(`emulated CUDA kernels: ${passed} tests passed on [cuda]`);
    // Every per-backend test ran (a broken filter would pass vacuously).
    assert.ok(passed > 300, `only ${passed} tests ran on [cuda]`);
  },
});
