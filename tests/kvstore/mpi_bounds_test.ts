/**
 * The MPI binding's allreduce takes addresses: before any reaches libmpi or the native
 * library, the range it reads and writes is checked to lie inside the array it comes from
 * (ffi/src/mpi.rs then checks the block against the byte counts passed with it; its Rust
 * test covers that side).
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { addressOf, bytesFrom } from "../../src/kvstore/mpi/p2p.ts";

Deno.test("MPI allreduce: a data or source range outside its array is refused, named", () => {
  const a = new Float32Array(16), at = addressOf(a);
  // Inside: the bytes from the address to the array's end.
  assert.equal(bytesFrom(at, 64, a, "data"), 64);
  assert.equal(bytesFrom(at + 8, 16, a, "data"), 56);
  const part = a.subarray(4, 8);
  assert.equal(bytesFrom(addressOf(part), 16, part, "source"), 16);
  const refused = (fn: () => unknown, what: RegExp) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof mx.MXNetError, `${e}`);
      assert.match(e.message, what);
      return true;
    });
  refused(
    () => bytesFrom(at, 68, a, "data"),
    /^allreduce: 68 bytes of data at \d+ are not inside its array \(64 bytes at \d+\)$/,
  );
  refused(() => bytesFrom(at + 60, 8, a, "data"), /8 bytes of data/);
  refused(() => bytesFrom(at - 4, 4, a, "source"), /4 bytes of source/);
  refused(() => bytesFrom(addressOf(part), 20, part, "source"), /\(16 bytes at/);
  refused(
    () => bytesFrom(at, 4, undefined, "source"),
    /source at \d+ are not inside its array \(none given\)/,
  );
});
