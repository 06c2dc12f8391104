/** KVStore semantics beyond the seed: device merging, optimizers, errors, state files. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as kvs from "../../src/kvstore/mod.ts";
import * as opt from "../../src/optimizer/mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

backendTest("kvstore: type, rank, workers, string keys, pushPull and broadcast", async () => {
  for (const type of ["local", "device"]) {
    const kv = kvs.create(type);
    assert.equal(kv.type, type);
    assert.equal(kv.rank, 0);
    assert.equal(kv.numWorkers, 1);
    await kv.barrier();
    kv.init("w", mx.nd.zeros([2]));
    const g = [mx.nd.ones([2], mx.cpu(1)), mx.nd.ones([2], mx.cpu(2)).mul(2)];
    kv.pushPull("w", g); // no out: the pushed arrays receive the sum
    assert.deepEqual(await values(g[0]), [3, 3]);
    assert.deepEqual(await values(g[1]), [3, 3]);
    const outs = [mx.nd.zeros([2], mx.cpu(1)), mx.nd.zeros([2], mx.cpu(3))];
    kv.broadcast("b", mx.nd.array([4, 5]), { out: outs });
    assert.deepEqual(await values(outs[1]), [4, 5]);
    assert.ok(outs[1].context.equals(mx.cpu(3)));
    assert.throws(
      () => kv.init(1, mx.nd.zeros([2])),
      /is a number but this store uses string keys/,
    );
    kv.dispose();
  }
});

backendTest("kvstore: errors name the key", () => {
  const kv = kvs.create("local");
  assert.throws(
    () => kv.push(7, mx.nd.ones([2])),
    /key 7 has not been initialised; call kv.init\(7, value\)/,
  );
  assert.throws(
    () => kv.pull("fc1_weight", { out: mx.nd.ones([2]) }),
    /"fc1_weight" has not been initialised/,
  );
  kv.init(7, mx.nd.ones([2, 3]));
  assert.throws(() => kv.init(7, mx.nd.ones([2, 3])), /key 7 is already initialised/);
  assert.throws(
    () => kv.push(7, mx.nd.ones([3, 2])),
    (e: Error) =>
      e instanceof mx.ShapeError && /key 7 holds shape \[2,3\], got \[3,2\]/.test(e.message),
  );
  assert.throws(() => kv.pull(7, { out: mx.nd.ones([6]) }), /key 7 holds shape/);
  assert.throws(() => kv.push([1, 2], [mx.nd.ones([2])]), /2 keys but 1 values/);
  assert.throws(() => kvs.create("nccl2"), /unknown type "nccl2"/);
  kv.dispose();
});

backendTest("kvstore: setOptimizer applies the optimizer to summed gradients", async () => {
  for (const type of ["local", "device"]) {
    const kv = kvs.create(type);
    kv.setOptimizer(opt.create("sgd", { learningRate: 0.1, momentum: 0.9 }));
    const w0 = [1, 2, 3];
    kv.init(0, mx.nd.array(w0, { ctx: mx.cpu(1) }));
    let w = [...w0], m = [0, 0, 0];
    const out = [mx.nd.zeros([3], mx.cpu(1)), mx.nd.zeros([3], mx.cpu(2))];
    for (let step = 1; step <= 3; step++) {
      const grads = [mx.nd.full([3], step, mx.cpu(1)), mx.nd.full([3], 2 * step, mx.cpu(2))];
      kv.push(0, grads);
      kv.pull(0, { out });
      m = m.map((mi) => 0.9 * mi - 0.1 * 3 * step);
      w = w.map((wi, i) => wi + m[i]);
      assertClose(await values(out[0]), w);
      assertClose(await values(out[1]), w);
    }
    assert.equal(kv.updater?.optimizer.numUpdate, 3);
    kv.dispose();
  }
});

backendTest("kvstore: optimizer states save and load", async () => {
  const dir = await Deno.makeTempDir();
  const make = () => {
    const kv = kvs.create("local");
    kv.setOptimizer(new opt.Adam({ learningRate: 0.01 }));
    kv.init("w", mx.nd.array([1, -1, 0.5]));
    return kv;
  };
  const a = make();
  a.push("w", mx.nd.array([0.3, 0.2, -0.1]));
  await a.saveOptimizerStates(`${dir}/opt.states`);
  const b = make();
  const wa = mx.nd.zeros([3]);
  a.pull("w", { out: wa });
  b.init("w2", wa); // b continues from a's weight through its own key
  await b.loadOptimizerStates(`${dir}/opt.states`);
  b.updater!.states.set("w2", b.updater!.states.get("w")!);
  b.updater!.states.delete("w");
  b.updater!.optimizer.indexUpdateCount.set("w2", 1);
  a.push("w", mx.nd.array([0.1, 0.1, 0.1]));
  b.push("w2", mx.nd.array([0.1, 0.1, 0.1]));
  const wb = mx.nd.zeros([3]);
  a.pull("w", { out: wa });
  b.pull("w2", { out: wb });
  assertClose(await values(wb), await values(wa));
  await Deno.writeFile(`${dir}/bad.states`, new Uint8Array(4));
  await assert.rejects(() => b.loadOptimizerStates(`${dir}/bad.states`), /bad.states/);
  a.dispose();
  b.dispose();
  await Deno.remove(dir, { recursive: true });
});

backendTest("kvstore: push and pull return at once and keep their order", async () => {
  const kv = kvs.create("local");
  kv.init(0, mx.nd.zeros([4]));
  kv.setUpdater((_k, input, stored) => stored.addInPlace(input));
  const out = mx.nd.zeros([4]);
  for (let i = 1; i <= 10; i++) {
    kv.push(0, mx.nd.full([4], i));
    if (i === 5) kv.pull(0, { out });
  }
  assert.deepEqual(await values(out), [15, 15, 15, 15]);
  kv.pull(0, { out });
  assert.deepEqual(await values(out), [55, 55, 55, 55]);
  kv.dispose();
});

backendTest("kvstore: training steps inside mx.nd.scope keep memory flat", async () => {
  const kv = kvs.create("local");
  kv.init("w", mx.nd.ones([4]));
  kv.setOptimizer(new opt.Adam({ learningRate: 0.1 })); // states created here, outside the steps
  kv.init("b", mx.nd.zeros([4])); // and here for keys initialised later
  const out = [mx.nd.zeros([4], mx.cpu(1)), mx.nd.zeros([4], mx.cpu(2))];
  const step = () =>
    mx.nd.scope(() => {
      for (const k of ["w", "b"]) {
        kv.push(k, out.map((o) => o.add(1)));
        kv.pull(k, { out });
      }
    });
  const live = () => [0, 1, 2].map((i) => mx.nd.memoryInfo(mx.cpu(i)).count);
  step();
  await mx.nd.waitAll();
  const before = live();
  for (let i = 0; i < 10; i++) step();
  await mx.nd.waitAll();
  assert.deepEqual(live(), before);
  assert.equal(kv.updater!.optimizer.numUpdate, 11);
  kv.dispose();
});

backendTest("kvstore: a key whose value a scope freed is reported", () => {
  const kv = kvs.create("local");
  mx.nd.scope(() => kv.init(0, mx.nd.ones([2])));
  assert.throws(() => kv.push(0, mx.nd.ones([2])), /value of key 0 was freed.*outside any scope/);
  kv.dispose();
});
