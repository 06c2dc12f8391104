/**
 * Failures inside the library come back as status codes plus a message and surface as
 * MXNetError naming the kernel; through the engine, as EngineError naming the operator.
 * Sync (small) and nonblocking (large) calls report the same way.
 */
import assert from "node:assert/strict";
import { push, Var, waitForVar } from "../../src/engine/engine.ts";
import { loadNative, nativeBackend, nativeLoadFailure } from "../../backends/native/mod.ts";
import { EngineError, MXNetError } from "../../src/core/errors.ts";

const native = nativeBackend();
const ignore = native === undefined;
if (ignore) console.log(`native tests skipped: ${nativeLoadFailure()}`);

Deno.test({
  name: "a native kernel error is an MXNetError naming the kernel (sync and nonblocking)",
  ignore,
  async fn() {
    for (const size of [6, 1 << 21]) {
      const x = native!.alloc("float32", size, 0), out = native!.alloc("float32", 1, 0);
      // Axes out of range: the library rejects the call.
      const call = () => native!.kernels.reduce("sum", x, [2, size / 2], [0, 5], out);
      const check = (e: unknown) =>
        e instanceof MXNetError && /native reduce\(sum\): reduce: axes \[0, 5\]/.test(e.message);
      if (size < 1024) assert.throws(call, check);
      else await assert.rejects(async () => await call(), check);
      native!.free(x), native!.free(out);
    }
  },
});

Deno.test({
  name: "through the engine the failure names the operator and keeps the native message",
  ignore,
  async fn() {
    const x = native!.alloc("float32", 6, 0), out = native!.alloc("float32", 1, 0);
    const v = new Var();
    push("my_reduce", () => native!.kernels.reduce("max", x, [2, 3], [3], out), [], [v]);
    await assert.rejects(() => waitForVar(v), (e: unknown) => {
      assert.ok(e instanceof EngineError && e instanceof MXNetError);
      assert.match(e.message, /my_reduce/);
      assert.match(e.message, /native reduce\(max\)/);
      return true;
    });
    native!.free(x), native!.free(out);
  },
});

Deno.test({
  name: "a malformed argument block is reported, not a crash",
  ignore,
  fn() {
    const lib = loadNative()!.lib;
    const meta = new Float64Array(new ArrayBuffer(64));
    meta.set([4, 0, 99, 1]); // arange: a dtype code that does not exist
    const status = lib.symbols.mx_arange(meta);
    assert.ok(status > 0);
    const text = new Uint8Array(256);
    const n = lib.symbols.mx_take_error(status, text, text.length);
    assert.match(new TextDecoder().decode(text.subarray(0, n)), /unknown dtype code 99/);
    assert.equal(lib.symbols.mx_take_error(status, text, text.length), -1, "taken once");
  },
});
