/**
 * dist_sync pushPull without an updater: one allreduce straight into the outputs, and
 * the store keeping its value where it landed until that memory is written or freed
 * (copy-on-write). Each case checks what a later pull returns after the output changed,
 * on a small key (the staged path) and on keys big enough for the fused path, one of
 * them reduced in chunks (MXNET_KVSTORE_BIGARRAY_BOUND). Prints "OK rank r".
 * @module
 */
import * as mx from "../../mod.ts";

const kv = mx.kv.create("dist_sync");
const n = kv.numWorkers, r = kv.rank;
const sum = (n * (n + 1)) / 2; // worker r contributes r + 1
const fail = (msg: string): never => {
  console.error(`FAIL rank ${r}: ${msg}`);
  Deno.exit(1);
};
async function expect(a: mx.NDArray, want: number, what: string) {
  const d = await a.data();
  const bad = d.findIndex((x) => x !== want);
  if (bad >= 0) fail(`${what}: element ${bad} is ${d[bad]}, expected ${want}`);
}
function pulled(key: number, shape: number[]) {
  const out = mx.nd.zeros(shape);
  kv.pull(key, { out });
  return out;
}

for (const [key, shape] of [[1, [3, 2]], [2, [64, 64]], [3, [1100, 1000]]] as const) {
  const s = [...shape];
  kv.init(key, mx.nd.zeros(s));
  const mine = () => mx.nd.ones(s).mul(r + 1);

  // In place; then the output is written: the pull still returns the sum.
  const a = mine();
  kv.pushPull(key, a);
  await expect(a, sum, `key ${key}: pushPull in place`);
  a.addInPlace(mx.nd.ones(s).mul(100));
  await expect(pulled(key, s), sum, `key ${key}: pull after the output was written`);
  await expect(a, sum + 100, `key ${key}: the output's own write`);

  // Into another array, which is then freed: the pull still returns the sum.
  const b = mx.nd.zeros(s);
  kv.pushPull(key, mine(), { out: b });
  b.dispose();
  await expect(pulled(key, s), sum, `key ${key}: pull after the output was freed`);

  // Two outputs (one per device); then a plain push replaces the value.
  const c0 = mx.nd.zeros(s), c1 = mx.nd.zeros(s);
  kv.pushPull(key, mine(), { out: [c0, c1] });
  await expect(c0, sum, `key ${key}: first of two outputs`);
  await expect(c1, sum, `key ${key}: second of two outputs`);
  kv.push(key, mx.nd.ones(s).mul(2 * (r + 1)));
  await expect(pulled(key, s), 2 * sum, `key ${key}: pull after a push`);
  c0.copyTo(c1); // writes after the push: nothing left to save
  await expect(pulled(key, s), 2 * sum, `key ${key}: pull after the old output changed`);

  // Twice into the same array, then a pull into that array itself.
  const d = mine();
  kv.pushPull(key, d);
  kv.pushPull(key, d);
  kv.pull(key, { out: d });
  await expect(d, sum * n, `key ${key}: two pushPulls in place`);
}

// Inside a scope that frees the pushed array: the store's value survives.
mx.nd.scope(() => kv.pushPull(3, mx.nd.ones([1100, 1000]).mul(r + 1)));
await expect(pulled(3, [1100, 1000]), sum, "pull after a scope freed the output");

// Collective order holds while an earlier key's input is still being written: key 4's
// array is ready at once, yet its allreduce must wait for key 2's (rank 0 writes key 2's
// input late; run out of order, the ranks would pair different keys' messages).
kv.init(4, mx.nd.zeros([32, 64]));
const late = mx.nd.ones([64, 64]).mul(r + 1), ready = mx.nd.ones([32, 64]).mul(r + 1);
const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
if (r === 0) mx.engine.push("late write", () => sleep(100), [], [late._storage("test").var]);
kv.pushPull(2, late);
kv.pushPull(4, ready);
await expect(ready, sum, "key 4 queued behind key 2");
await expect(late, sum, "key 2 with a late input");

// Training steps: the same gradient array, rewritten every step, pushed and pulled in
// place (the repeat skips the checks; the store's value follows each step's write).
const g = mx.nd.zeros([64, 64]), h = mx.nd.zeros([64, 64]);
for (let step = 1; step <= 3; step++) {
  mx.nd.ones([64, 64]).mul(step * (r + 1)).copyTo(g);
  kv.pushPull(2, g);
  await expect(g, step * sum, `training step ${step}`);
  await expect(pulled(2, [64, 64]), step * sum, `pull after training step ${step}`);
}
// Another array takes the key over, then the first comes back.
mx.nd.ones([64, 64]).mul(r + 1).copyTo(h);
kv.pushPull(2, h);
kv.pushPull(2, g);
await expect(g, 3 * sum * n, "the first array again after another");
await expect(h, sum, "the other array keeps its own sum");
await expect(pulled(2, [64, 64]), 3 * sum * n, "pull after the first array came back");

// An updater set after repeated pushPulls of one array: the next pushPull goes through it
// (value 3·sum·n before; the pushed sum of g is n·(3·sum·n)).
kv.setUpdater((_k, input, stored) => stored.addInPlace(input));
kv.pushPull(2, g);
await expect(g, 3 * sum * n * (1 + n), "pushPull after an updater was set");
kv.push(2, mx.nd.ones([64, 64]));
await expect(pulled(2, [64, 64]), 3 * sum * n * (1 + n) + n, "updater after pushPull");

await kv.barrier();
console.log(`OK rank ${r}`);
