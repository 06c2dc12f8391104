/**
 * dist_sync pushPull in a loop, for the fault tests across hosts: prints `STEP i` every
 * 10 steps (so the test knows training is under way) and runs STEPS steps (default:
 * until stopped). Prints `RESULT {"rank":..,"hash":..}` with a hash of the final value.
 * @module
 */
import * as mx from "../../mod.ts";

const steps = Number(Deno.env.get("STEPS") ?? Infinity);
const kv = mx.kv.create("dist_sync");
const shape = [256, 256];
kv.init(0, mx.nd.zeros(shape));
const out = mx.nd.zeros(shape);
for (let i = 0; i < steps; i++) {
  // A different value every step and rank, so lost or repeated updates change the result.
  const g = mx.nd.full(shape, (kv.rank + 1) * 0.001 + i * 1e-6);
  kv.pushPull(0, g, { out });
  await out.data();
  g.dispose();
  if (i % 10 === 0) console.log(`STEP ${i} rank ${kv.rank}`);
}
const bytes = new Uint8Array((await out.data()).buffer);
let hash = 2166136261;
for (const v of bytes) hash = Math.imul(hash ^ v, 16777619) >>> 0;
console.log(`RESULT ${JSON.stringify({ rank: kv.rank, hash })}`);
