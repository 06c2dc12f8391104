/**
 * MXNet's tests/nightly/dist_sync_kvstore.py: with the Test optimizer at rate 2, worker r
 * pushes r+1 on every key each round; after round i every worker pulls
 * 1 + n(n+1)/2 * 2 * (i+1) on every key, including a big key reduced in chunks.
 * Run under mpirun; prints "OK rank r" on success.
 * @module
 */
import * as mx from "../../mod.ts";

const shape = [2, 3];
const bigShape = [1200, 1200]; // 1.44M elements > the 1e6 bound: chunked
const keys = [3, 5, 7];
const bigKey = 99;
const rounds = Number(Deno.env.get("ROUNDS") ?? 4);
const rate = 2;

const kv = mx.kv.create(Deno.env.get("KV_TYPE") ?? "dist_sync");
const n = kv.numWorkers, r = kv.rank;
kv.setOptimizer(new mx.optimizer.Test({ rescaleGrad: rate }));
kv.init(keys, keys.map(() => mx.nd.ones(shape)));
kv.init(bigKey, mx.nd.ones(bigShape));
const fail = (msg: string): never => {
  console.error(`FAIL rank ${r}: ${msg}`);
  Deno.exit(1);
};
for (let i = 0; i < rounds; i++) {
  const scale = r + 1;
  kv.push(keys, keys.map(() => mx.nd.ones(shape).mul(scale)));
  kv.push(bigKey, mx.nd.ones(bigShape).mul(scale));
  const expected = 1 + ((n * (n + 1)) / 2) * rate * (i + 1);
  const outs = keys.map(() => mx.nd.zeros(shape));
  kv.pull(keys, { out: outs });
  const big = mx.nd.zeros(bigShape);
  kv.pull(bigKey, { out: big });
  for (const [j, o] of outs.entries()) {
    const d = await o.data();
    if (!d.every((x) => x === expected)) fail(`key ${keys[j]} round ${i}: ${d[0]} != ${expected}`);
    o.dispose();
  }
  const bd = await big.data() as Float32Array;
  if (!bd.every((x) => x === expected)) fail(`big key round ${i}: ${bd[0]} != ${expected}`);
  big.dispose();
}
await kv.barrier();
console.log(`OK rank ${r} of ${n}`);
