/**
 * dist_async: worker r pushes r+1 on every key, (r+1)*PUSHES times (workers run at
 * different rates, no barrier between pushes). With the Test optimizer at rate 1 the
 * servers must end with 1 + sum_r (r+1)^2 * PUSHES on every key: no update lost.
 * Prints "OK rank r" on success.
 * @module
 */
import * as mx from "../../mod.ts";

const pushes = Number(Deno.env.get("PUSHES") ?? 5);
const shape = [3, 4];
const bigShape = [1100, 1000]; // split across servers
const kv = mx.kv.create("dist_async");
const n = kv.numWorkers, r = kv.rank;
kv.init([1, 2], [mx.nd.ones(shape), mx.nd.ones(bigShape)]);
kv.setOptimizer(new mx.optimizer.Test({ rescaleGrad: 1 }));
for (let i = 0; i < (r + 1) * pushes; i++) {
  kv.push([1, 2], [mx.nd.ones(shape).mul(r + 1), mx.nd.ones(bigShape).mul(r + 1)]);
  if (i % 3 === 0) {
    // Pulls in between see some value no older than this worker's own pushes.
    const o = mx.nd.zeros(shape);
    kv.pull(1, { out: o });
    const v = (await o.data())[0];
    if (!(v >= 1 + (r + 1) * (i + 1))) {
      throw new Error(`rank ${r}: pulled ${v} after ${i + 1} pushes`);
    }
    o.dispose();
  }
}
await kv.barrier();
let expected = 1;
for (let w = 0; w < n; w++) expected += (w + 1) * (w + 1) * pushes;
const a = mx.nd.zeros(shape), b = mx.nd.zeros(bigShape);
kv.pull([1, 2], { out: [a, b] });
const da = await a.data(), db = await b.data();
if (!da.every((x) => x === expected) || !db.every((x) => x === expected)) {
  console.error(`FAIL rank ${r}: ${da[0]} / ${db[0]} != ${expected}`);
  Deno.exit(1);
}
console.log(`OK rank ${r} of ${n} (${kv.type}, value ${expected})`);
