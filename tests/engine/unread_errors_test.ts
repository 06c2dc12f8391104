/**
 * Failures nobody reads: `waitAll` reports every one (each failed operation once, as an
 * `EngineErrors` when there are several), and holds a bounded list of them.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

const { push, Var, waitForVar, waitAll } = mx.engine;

function fail(name: string, v = new Var(), reads: InstanceType<typeof Var>[] = []) {
  push(
    name,
    () => {
      throw new Error(`${name} broke`);
    },
    reads,
    [v],
  );
  return v;
}

Deno.test("waitAll throws every unread failure, each failed operation once", async () => {
  const a = fail("first_op");
  fail("second_op");
  push("third_op", () => Promise.reject(new Error("async broke")), [], [new Var()]);
  // Operations that inherit a failure from their input do not fail on their own.
  push("reads_a", () => {}, [a], [new Var()]);
  push("reads_a_too", () => {}, [a], [new Var()]);
  const e = await waitAll().then(() => null, (e) => e);
  assert.ok(e instanceof mx.EngineErrors, `got ${e}`);
  assert.ok(e instanceof mx.EngineError && e instanceof mx.MXNetError);
  assert.deepEqual(e.errors.map((x: mx.EngineError) => x.op), [
    "first_op",
    "second_op",
    "third_op",
  ]);
  assert.equal(e.omitted, 0);
  assert.match(e.message, /3 operations failed \(first_op, second_op, third_op\)/);
  assert.match(e.message, /first_op: first_op broke/);
  await waitAll(); // reported: nothing left
});

Deno.test("a failure read where it was waited for is not reported again", async () => {
  const a = fail("read_one");
  fail("unread_one");
  await assert.rejects(waitForVar(a), /read_one broke/);
  await assert.rejects(waitAll(), (e: unknown) => {
    assert.ok(!(e instanceof mx.EngineErrors), "one unread failure is thrown as itself");
    assert.equal((e as mx.EngineError).op, "unread_one");
    return true;
  });
  await waitAll();
});

Deno.test("unread failures are bounded: the first 100 kept, the rest counted", async () => {
  const n = 20_000;
  const vars = [];
  for (let i = 0; i < n; i++) {
    const v = fail(i % 2 ? "odd_op" : "even_op");
    if (i >= n - 2) vars.push(v);
  }
  const e = await waitAll().then(() => null, (e) => e);
  assert.ok(e instanceof mx.EngineErrors);
  assert.equal(e.errors.length, 100);
  assert.equal(e.omitted, n - 100);
  assert.match(e.message, /20000 operations failed \(even_op x50, odd_op x50; the first 100/);
  // Reading a counted failure after waitAll reported it neither throws twice nor skews
  // the count of later ones.
  await assert.rejects(waitForVar(vars[0]), /even_op broke/);
  await waitAll();
  fail("later_a");
  fail("later_b");
  await assert.rejects(waitAll(), (e: unknown) => {
    assert.ok(e instanceof mx.EngineErrors);
    assert.equal(e.errors.length + e.omitted, 2);
    return true;
  });
  // A counted failure read before waitAll leaves the count.
  const late = [];
  for (let i = 0; i < 101; i++) late.push(fail(`op${i}`));
  await assert.rejects(waitForVar(late[100]), /op100 broke/);
  await assert.rejects(waitAll(), (e: unknown) => {
    assert.ok(e instanceof mx.EngineErrors);
    assert.equal(e.errors.length, 100);
    assert.equal(e.omitted, 0);
    return true;
  });
});
