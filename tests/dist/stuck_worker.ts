/**
 * Worker 0 pushes key 5 once more than worker 1, then both call barrier(): worker 0 waits
 * in a collective worker 1 never joins. The job must end naming the key and the ranks.
 * @module
 */
import * as mx from "../../mod.ts";

const kv = mx.kv.create("dist_sync");
kv.init([3, 5], [mx.nd.zeros([4]), mx.nd.zeros([4])]);
for (const k of kv.rank === 0 ? [3, 5, 5] : [3, 5]) kv.push(k, mx.nd.ones([4]));
await kv.barrier();
console.log(`rank ${kv.rank}: barrier passed`);
