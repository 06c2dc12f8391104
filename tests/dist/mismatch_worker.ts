/**
 * Workers that push keys different numbers of times (worker 0: key 3 twice and key 5
 * once; worker 1 the other way round). barrier() must fail on every worker with a message
 * naming the keys and the ranks. Prints the error message and exits 3. With STUCK=1
 * worker 1 never joins, for the collective timeout.
 * @module
 */
import * as mx from "../../mod.ts";

const kv = mx.kv.create("dist_sync");
kv.init([3, 5], [mx.nd.zeros([4]), mx.nd.zeros([4])]);
// STUCK=1: worker 1 stops answering (sleeps) so worker 0 waits until the timeout.
if (Deno.env.get("STUCK") && kv.rank === 1) await new Promise((r) => setTimeout(r, 30_000));
const order = kv.rank === 0 ? [3, 3, 5] : [3, 5, 5];
for (const k of order) kv.push(k, mx.nd.ones([4]));
try {
  await kv.barrier();
  console.log(`rank ${kv.rank}: barrier passed`);
} catch (e) {
  console.log(`rank ${kv.rank}: ${(e as Error).message}`);
  Deno.exit(3);
}
