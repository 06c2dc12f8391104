/**
 * The dependency engine's ordering, overlap and error semantics, proved with
 * deliberately slow asynchronous operations.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

const { push, Var, waitForVar, waitAll } = mx.engine;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

Deno.test("read after write: a reader waits for the slow writer", async () => {
  const v = new Var();
  const log: string[] = [];
  push(
    "slow-write",
    async () => {
      await sleep(50);
      log.push("write");
    },
    [],
    [v],
  );
  push(
    "read",
    () => {
      log.push("read");
    },
    [v],
    [],
  );
  await waitAll();
  assert.deepEqual(log, ["write", "read"]);
});

Deno.test("write after read: a writer waits for slow readers, readers overlap", async () => {
  const v = new Var();
  const log: string[] = [];
  const t0 = performance.now();
  for (const name of ["r1", "r2"]) {
    push(
      name,
      async () => {
        await sleep(60);
        log.push(name);
      },
      [v],
      [],
    );
  }
  push(
    "write",
    () => {
      log.push("write");
    },
    [],
    [v],
  );
  await waitAll();
  assert.deepEqual(log.slice(-1), ["write"]);
  assert.deepEqual(new Set(log.slice(0, 2)), new Set(["r1", "r2"]));
  assert.ok(performance.now() - t0 < 110, "the two reads ran concurrently");
});

Deno.test("write after write: writes to one var keep their order", async () => {
  const v = new Var();
  const log: number[] = [];
  push(
    "w1",
    async () => {
      await sleep(40);
      log.push(1);
    },
    [],
    [v],
  );
  push(
    "w2",
    async () => {
      await sleep(5);
      log.push(2);
    },
    [],
    [v],
  );
  push(
    "w3",
    () => {
      log.push(3);
    },
    [],
    [v],
  );
  await waitForVar(v);
  assert.deepEqual(log, [1, 2, 3]);
});

Deno.test("independent slow operations overlap (two 200 ms kernels in well under 400 ms)", async () => {
  const a = new Var(), b = new Var();
  const t0 = performance.now();
  push("slow-a", () => sleep(200), [], [a]);
  push("slow-b", () => sleep(200), [], [b]);
  await waitAll();
  const ms = performance.now() - t0;
  assert.ok(ms < 300, `took ${ms.toFixed(0)} ms`);
});

Deno.test("a kernel error surfaces at the next wait with the operator's name", async () => {
  const v = new Var();
  push(
    "exploding_op",
    () => {
      throw new Error("boom");
    },
    [],
    [v],
  );
  await assert.rejects(() => waitForVar(v), (e: unknown) => {
    assert.ok(e instanceof mx.EngineError);
    assert.match((e as Error).message, /exploding_op: boom/);
    return true;
  });
  // waitAll does not swallow failures either.
  push(
    "async_failure",
    async () => {
      await sleep(1);
      throw new Error("late");
    },
    [],
    [new Var()],
  );
  await assert.rejects(() => waitAll(), /async_failure: late/);
});

Deno.test("an error propagates to operations that read the failed output", async () => {
  const a = new Var(), b = new Var();
  let ran = false;
  push(
    "bad_producer",
    () => {
      throw new Error("no data");
    },
    [],
    [a],
  );
  push(
    "consumer",
    () => {
      ran = true;
    },
    [a],
    [b],
  );
  await assert.rejects(() => waitForVar(b), /bad_producer: no data/);
  assert.equal(ran, false);
  await waitAll().catch(() => {});
});

Deno.test("NDArray operations chain through the engine after an async write", async () => {
  const a = mx.nd.zeros([3]);
  const v = a as unknown as { _storage(w: string): { var: InstanceType<typeof Var> } };
  // A slow asynchronous writer on a's variable: later NDArray ops must wait for it.
  let written = false;
  push(
    "slow_write",
    async () => {
      await sleep(30);
      written = true;
    },
    [],
    [v._storage("test").var],
  );
  const b = a.add(5);
  assert.equal(written, false, "add returned before the slow write finished");
  assert.deepEqual(Array.from(await b.data() as Float32Array), [5, 5, 5]);
  assert.equal(written, true);
  a.dispose();
  b.dispose();
});

Deno.test("beforeWrite runs once, before the next write is ordered, and before a free", async () => {
  const v = new Var(), saved = new Var();
  const log: string[] = [];
  v.beforeWrite = () => {
    log.push("hook");
    // The save reads v: the engine must order it before the write that fired the hook.
    push(
      "save",
      async () => {
        await sleep(30);
        log.push("save");
      },
      [v],
      [saved],
    );
  };
  push("read", () => void log.push("read"), [v], []);
  assert.deepEqual(log, ["read"], "a read does not fire it");
  push("write", () => void log.push("write"), [], [v]);
  push("write2", () => void log.push("write2"), [], [v]);
  await waitForVar(v);
  assert.deepEqual(log, ["read", "hook", "save", "write", "write2"]);
  // Freeing an array's memory fires it too (its value is about to be lost).
  const a = mx.nd.ones([4]);
  let fired = 0;
  a._storage("test").var.beforeWrite = () => void fired++;
  a.dispose();
  assert.equal(fired, 1);
  await waitAll();
});

Deno.test("runNow: runs at once when nothing is pending, else runs nothing", async () => {
  const { runNow, isReady } = await import("../../src/engine/engine.ts");
  const a = new Var(), b = new Var();
  const log: string[] = [];
  assert.equal(runNow("now", () => void log.push("now"), [a], [b]), true);
  assert.deepEqual(log, ["now"], "ran inside the call");
  // A pending write to an input, or a pending read of the output: nothing runs.
  push("slow", () => sleep(30), [], [a]);
  assert.equal(runNow("late", () => void log.push("late"), [a], [b]), false);
  push("slow-read", () => sleep(30), [b], []);
  assert.equal(runNow("late2", () => void log.push("late2"), [], [b]), false);
  await waitAll();
  assert.deepEqual(log, ["now"]);
  // The beforeWrite hook fires first, and its own read of the output is waited for.
  let hooked = 0;
  b.beforeWrite = () => {
    hooked++;
    push("save", () => sleep(20), [b], []);
  };
  assert.equal(runNow("after-save", () => void log.push("x"), [], [b]), false);
  assert.equal(hooked, 1);
  await waitAll();
  // An operation that has to wait is tracked: readers wait for it.
  let done = false;
  assert.equal(
    runNow(
      "async",
      async () => {
        await sleep(30);
        done = true;
      },
      [],
      [b],
    ),
    true,
  );
  assert.equal(isReady(b), false);
  await waitForVar(b);
  assert.equal(done, true);
  // A throw is stored on the output, as push stores it, naming the operation.
  assert.equal(
    runNow(
      "boom",
      () => {
        throw new Error("bad");
      },
      [],
      [a],
    ),
    true,
  );
  await assert.rejects(waitForVar(a), /boom/);
  // An output holding a failure is left to push.
  assert.equal(runNow("over-failure", () => {}, [], [a]), false);
  await waitAll(); // the failure was reported by waitForVar above
});
