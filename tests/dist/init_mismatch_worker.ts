/**
 * Workers that initialise a key differently (MISMATCH=dtype: float32 on rank 0, int32 on
 * the others; shape: [2,3] against [3,2]; key: key 3 against key 5). kv.init must throw
 * on every worker naming the key, the ranks, shapes and dtypes: prints the message and
 * exits 3. With MISMATCH unset every worker agrees and it prints "OK rank r".
 * @module
 */
import * as mx from "../../mod.ts";

const kv = mx.kv.create(Deno.env.get("KV_TYPE") ?? "dist_sync");
const mode = Deno.env.get("MISMATCH") ?? "";
const odd = kv.rank !== 0;
const dtype = mode === "dtype" && odd ? "int32" : "float32";
const shape = mode === "shape" && odd ? [3, 2] : [2, 3];
const key = mode === "key" && odd ? 5 : 3;
try {
  kv.init(key, mx.nd.zeros(shape, { dtype }));
} catch (e) {
  console.log(`rank ${kv.rank}: ${(e as Error).name}: ${(e as Error).message}`);
  Deno.exit(3);
}
// dist_async applies pushes on its servers, with an optimizer: w - 1 * grad.
if (kv.type === "dist_async") kv.setOptimizer(new mx.optimizer.SGD({ learningRate: 1 }));
kv.push(key, mx.nd.ones(shape, { dtype }));
// Both pushes applied (dist_async: each worker's own, counted after the barrier).
await kv.barrier();
const out = mx.nd.zeros(shape, { dtype });
kv.pull(key, { out });
console.log(`OK rank ${kv.rank}: ${(await out.data())[0]}`);
