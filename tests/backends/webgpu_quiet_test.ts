/**
 * Importing mxts prints nothing on stderr where XDG_RUNTIME_DIR is unset (CI, containers,
 * ssh): the WebGPU adapter probe gives the Vulkan loader a private runtime directory, so
 * Mesa does not print "error: XDG_RUNTIME_DIR is invalid or not set in the environment."
 */
import assert from "node:assert/strict";

const root = new URL("../..", import.meta.url).pathname;

Deno.test("a script prints nothing on stderr without XDG_RUNTIME_DIR", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import * as mx from "${root}mod.ts";\nconsole.log(await mx.nd.ones([2, 3]).sum().asScalar());\n`,
    );
    // The parent's environment minus XDG_RUNTIME_DIR (Deno's cache and PATH still found).
    const env = Deno.env.toObject();
    delete env.XDG_RUNTIME_DIR;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      env: { ...env, MXTS_CPU_BACKEND: "ts", NO_COLOR: "1" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "6");
    assert.equal(stderr, "", "the script printed on stderr");
  } finally {
    await Deno.remove(script);
  }
});
