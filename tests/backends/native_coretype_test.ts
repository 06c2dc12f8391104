/** OPENBLAS_CORETYPE is chosen from the CPU flags before OpenBLAS loads. */
import assert from "node:assert/strict";
import { coreTypeFor } from "../../backends/native/coretype.ts";
import { loadNative, nativeLoadFailure } from "../../backends/native/mod.ts";

const ignore = loadNative() === undefined;
if (ignore) console.log(`native tests skipped: ${nativeLoadFailure()}`);

const AVX512 = "flags\t\t: fpu sse2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl\n";

Deno.test("coreTypeFor reads the flags line: AVX-512 -> SkylakeX, AVX2+FMA -> Haswell", () => {
  assert.equal(coreTypeFor("processor\t: 0\n" + AVX512), "SkylakeX");
  assert.equal(coreTypeFor("flags\t\t: fpu sse2 avx fma avx2\n"), "Haswell");
  // Partial AVX-512 (no VL) cannot run the SkylakeX kernels.
  assert.equal(coreTypeFor("flags\t\t: avx2 fma avx512f avx512cd\n"), "Haswell");
  assert.equal(coreTypeFor("flags\t\t: fpu sse2 sse4_2\n"), undefined);
  assert.equal(coreTypeFor(""), undefined);
});

/** Runs a fresh process that loads the library; returns what OpenBLAS reports. */
async function loadedCore(env: Record<string, string>): Promise<string> {
  const code = `import { loadNative } from ${
    JSON.stringify(
      new URL("../../backends/native/mod.ts", import.meta.url).href,
    )
  }; const n = loadNative(); console.log(JSON.stringify([n?.blasCore, n?.blasThreads]));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env,
    clearEnv: true,
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test({
  name: "the loaded OpenBLAS uses the detected core type, unless the user set one",
  ignore,
  async fn() {
    const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
    const want = coreTypeFor(cpuinfo);
    const path = { PATH: Deno.env.get("PATH") ?? "" };
    const [core, threads] = JSON.parse(await loadedCore(path));
    if (want) assert.equal(String(core).toLowerCase(), want.toLowerCase());
    assert.equal(threads, navigator.hardwareConcurrency);
    const [forced] = JSON.parse(
      await loadedCore({ ...path, OPENBLAS_CORETYPE: "Haswell", OPENBLAS_NUM_THREADS: "1" }),
    );
    assert.equal(String(forced).toLowerCase(), "haswell");
  },
});
