/** #19: mx.profiler records the engine's operations as a Chrome trace and MXNet's table. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

interface Ev {
  name: string;
  cat?: string;
  ph: string;
  ts?: number;
  pid: number;
  tid: number;
  args?: { name: string };
}

Deno.test("profiler: dump writes a Chrome trace of the operations run while running", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const filename = `${dir}/profile.json`;
    mx.profiler.setConfig({ filename, profileAll: true, aggregateStats: true });
    const a = mx.nd.ones([16, 16], { ctx: mx.cpu(0) });
    await a.data();
    mx.profiler.setState("run");
    assert.equal(mx.profiler.getState(), "run");
    const b = mx.nd.dot(a, a);
    const c = b.relu().mul(2);
    await c.data();
    mx.profiler.setState("stop");
    // Stopped: not recorded.
    const d = c.exp();
    await d.data();
    mx.profiler.dump();
    const trace = JSON.parse(await Deno.readTextFile(filename)) as { traceEvents: Ev[] };
    // Operators; host work without a device (readbacks, frees) is under "engine".
    const ops = trace.traceEvents.filter((e) => e.ph === "B" && e.cat === "operator")
      .map((e) => e.name);
    assert.deepEqual(ops, [
      "dot",
      "relu",
      "_mul_scalar",
    ]);
    // Each begin has its end on the same device and lane, later or at the same time.
    for (const begin of trace.traceEvents.filter((e) => e.ph === "B")) {
      const end = trace.traceEvents.find((e) =>
        e.ph === "E" && e.name === begin.name && e.pid === begin.pid && e.tid === begin.tid &&
        e.ts! >= begin.ts!
      );
      assert.ok(end, `no end for ${begin.name}`);
    }
    // The operators' device is named by a process_name metadata event.
    const dot = trace.traceEvents.find((e) => e.name === "dot" && e.ph === "B")!;
    assert.equal(dot.cat, "operator");
    const meta = trace.traceEvents.find((e) => e.ph === "M" && e.pid === dot.pid)!;
    assert.deepEqual(meta.args, { name: "cpu(0)" });
    // The timestamps are microseconds of this process's clock.
    assert.ok(dot.ts! > 0 && dot.ts! <= performance.now() * 1000);

    // dumps: MXNet's aggregate table and JSON, one row per operator.
    const tableText = mx.profiler.dumps();
    assert.match(tableText, /Profile Statistics:/);
    assert.match(tableText, /\noperator\n=================\nName {26}Total Count/);
    assert.match(tableText, /\ndot {22}\s+1\s+\d+\.\d{4}/);
    assert.ok(!tableText.includes("exp"));
    const stats = JSON.parse(mx.profiler.dumps({ format: "json", reset: true }));
    assert.equal(stats.Time.operator.dot.Count, 1);
    assert.equal(stats.Time.operator.relu.Count, 1);
    assert.equal(stats.Unit.Time, "ms");
    // reset cleared them.
    assert.equal(JSON.parse(mx.profiler.dumps({ format: "json" })).Time.operator, undefined);
    for (const x of [a, b, c, d]) x.dispose();
  } finally {
    mx.profiler.setState("stop");
    mx.profiler.setConfig({});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("profiler: pause/resume, aggregate order and bad options", async () => {
  mx.profiler.setConfig({ aggregateStats: true });
  mx.profiler.setState("run");
  const x = mx.nd.ones([4]);
  const y = x.add(1).add(1).add(1); // three _plus_scalar
  await y.data();
  // Pausing skips the operations that run meanwhile (on an asynchronous device: that
  // finish meanwhile, hence the waits).
  mx.profiler.pause();
  const z = y.sqrt(); // not recorded
  await z.data();
  mx.profiler.resume();
  const w = z.square();
  await w.data();
  mx.profiler.setState("stop");
  const stats = JSON.parse(mx.profiler.dumps({ format: "json", sortBy: "count", reset: true }));
  const names = Object.keys(stats.Time.operator);
  assert.equal(names[0], "_plus_scalar"); // sorted by count, largest first
  assert.equal(stats.Time.operator._plus_scalar.Count, 3);
  assert.ok(!names.includes("sqrt"));
  assert.ok(names.includes("square"));
  for (const a of [x, y, z, w]) a.dispose();
  mx.profiler.setConfig({});
  assert.throws(() => mx.profiler.setConfig({ profile_all: true } as never), /profileAll/);
  assert.throws(
    () => mx.profiler.setConfig({ filename: 3 } as never),
    /setConfig: filename expects a string, got/,
  );
  assert.throws(() => mx.profiler.setState("go" as never), /state expects "run" or "stop"/);
  assert.throws(() => mx.profiler.dumps({ sortBy: "median" as never }), /sortBy expects one of/);
});
