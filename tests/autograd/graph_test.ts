/**
 * Graph ownership: each recorded result owns the part of the graph it was computed by,
 * backward walks only that part and frees it, and nothing global keeps a graph alive.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest, values } from "../_harness.ts";

backendTest(
  "two recorded results keep their own graphs: backward of one leaves the other",
  async () => {
    const x = mx.nd.array([1, 1]);
    x.attachGrad();
    const y1 = mx.autograd.record(() => x.mul(2).sum());
    const y2 = mx.autograd.record(() => x.mul(3).sum());
    y1.backward();
    assert.deepEqual(await values(x.grad!), [2, 2]);
    y2.backward();
    assert.deepEqual(await values(x.grad!), [3, 3]);
    // In the other order, and accumulating.
    const z = mx.nd.array([1, 2]);
    z.attachGrad("add");
    const a = mx.autograd.record(() => z.mul(z).sum());
    const b = mx.autograd.record(() => z.mul(5).sum());
    b.backward();
    a.backward();
    assert.deepEqual(await values(z.grad!), [7, 9]);
  },
);

backendTest("backward frees the graph: a second backward throws unless retainGraph", async () => {
  const x = mx.nd.array([1, 2]);
  x.attachGrad();
  const y = mx.autograd.record(() => x.mul(x).sum());
  y.backward();
  assert.throws(() => y.backward(), (e: unknown) => {
    assert.ok(e instanceof mx.MXNetError);
    assert.match((e as Error).message, /backward: .*freed.*retainGraph/);
    return true;
  });
  // With retainGraph the same graph runs again, then is freed by the last backward.
  const y2 = mx.autograd.record(() => x.mul(x).sum());
  y2.backward(null, { retainGraph: true });
  y2.backward(null, { retainGraph: true });
  y2.backward();
  assert.deepEqual(await values(x.grad!), [2, 4]);
  assert.throws(() => y2.backward(), /freed/);
  // A graph shared with a freed one: backward through the freed part throws too.
  const h = mx.autograd.record(() => x.mul(2));
  const s1 = mx.autograd.record(() => h.sum());
  const s2 = mx.autograd.record(() => h.mean());
  s1.backward();
  assert.throws(() => s2.backward(), /freed.*retainGraph/);
  assert.throws(() => mx.autograd.grad(s1, [x]), /grad: .*freed/);
});

backendTest("backward of an array outside any graph throws, naming autograd.record", () => {
  const x = mx.nd.array([1, 2]);
  const notRecorded = x.mul(2).sum();
  const check = (e: unknown) => {
    assert.ok(e instanceof mx.MXNetError);
    assert.match((e as Error).message, /not in a computational graph.*autograd\.record/);
    return true;
  };
  assert.throws(() => notRecorded.backward(), check);
  // Recorded, but from no variable: no graph either (MXNet raises the same).
  const constant = mx.autograd.record(() => x.mul(2).sum());
  assert.throws(() => constant.backward(), check);
  assert.throws(() => mx.autograd.backward([notRecorded, constant]), check);
  // A marked variable is a graph of its own: its gradient is the head gradient.
  x.attachGrad();
  x.backward(mx.nd.array([5, 6]));
  return values(x.grad!).then((g) => assert.deepEqual(g, [5, 6]));
});

backendTest("an array whose graph was freed is a constant in later recordings", async () => {
  const x = mx.nd.array([1, 2]), w = mx.nd.array([3, 4]);
  x.attachGrad();
  w.attachGrad();
  const h = mx.autograd.record(() => x.mul(2));
  h.backward();
  assert.deepEqual(await values(x.grad!), [2, 2]);
  const z = mx.autograd.record(() => h.mul(w).sum());
  z.backward();
  assert.deepEqual(await values(w.grad!), [2, 4]);
  assert.deepEqual(await values(x.grad!), [2, 2], "no gradient flows into the freed graph");
});

Deno.test("backward walks a graph 20,000 operations deep", async () => {
  const x = mx.nd.array([1]);
  x.attachGrad();
  await mx.nd.scope(async () => {
    const y = mx.autograd.record(() => {
      let h: mx.NDArray = x;
      for (let i = 0; i < 20_000; i++) h = h.add(1);
      return h;
    });
    y.backward();
    assert.deepEqual(await values(x.grad!), [1]);
  });
  x.grad!.dispose();
  x.dispose();
});

Deno.test("record() without backward holds no memory: heap flat over 30,000 steps", async () => {
  // A child process, so the heap can be measured after a forced full GC.
  const script = `
    const mx = await import(${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)});
    const x = mx.nd.array([1, 2, 3, 4]);
    x.attachGrad();
    const step = () => mx.nd.scope(() => {
      mx.autograd.record(() => x.mul(2).add(1).tanh().sum());
    });
    const heap = async () => {
      for (let i = 0; i < 3; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 0));
      }
      return Deno.memoryUsage().heapUsed;
    };
    for (let i = 0; i < 1000; i++) step();
    const before = await heap();
    for (let i = 0; i < 30000; i++) step();
    console.log(JSON.stringify({ grownBytes: (await heap()) - before }));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", "--v8-flags=--expose-gc", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { MXTS_CPU_BACKEND: "ts" },
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(script));
  await w.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const { grownBytes } = JSON.parse(text.trim().split("\n").at(-1)!);
  // 120,000 recorded operations: a global tape held ~94 MB here; a graph nothing
  // references is garbage. The bound leaves room for V8's own bookkeeping.
  assert.ok(grownBytes < 8 * 2 ** 20, `heap grew ${(grownBytes / 2 ** 20).toFixed(1)} MB`);
});
