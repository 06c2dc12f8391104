/**
 * dist_async with a learning-rate schedule: SGD (rate 1, no momentum) with
 * FactorScheduler(step 2, factor 0.5) goes to the server, each of the n workers pushes a
 * gradient of ones PUSHES times. The server counts its own updates (n * PUSHES in all),
 * so the weight must be 1 - sum_{u=1}^{n*PUSHES} 0.5^floor((u-1)/2), computed by hand
 * below. Prints "OK rank r ... value v" on success.
 * @module
 */
import * as mx from "../../mod.ts";
import { FactorScheduler } from "../../src/optimizer/lr_scheduler.ts";

const pushes = Number(Deno.env.get("PUSHES") ?? 3);
const shape = [2, 3];
const kv = mx.kv.create("dist_async");
const n = kv.numWorkers, r = kv.rank;
kv.init(7, mx.nd.ones(shape));
const sched = new FactorScheduler({ step: 2, factor: 0.5 });
kv.setOptimizer(new mx.optimizer.SGD({ learningRate: 1, lrScheduler: sched }));
for (let i = 0; i < pushes; i++) kv.push(7, mx.nd.ones(shape));
await kv.barrier();
// By hand: updates 1,2 at rate 1; 3,4 at 0.5; 5,6 at 0.25; ...
const table = [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125];
let expected = 1;
for (let u = 0; u < n * pushes; u++) expected -= table[u];
const o = mx.nd.zeros(shape);
kv.pull(7, { out: o });
const d = await o.data();
if (!d.every((x) => x === expected)) {
  console.error(`FAIL rank ${r}: ${d[0]} != ${expected}`);
  Deno.exit(1);
}
console.log(`OK rank ${r} of ${n} (${kv.type}, value ${expected})`);
