/**
 * Worker 1 leaves the job normally (its script ends, or Deno.exit(0) with EXIT=1) while
 * worker 0 goes on: LEAVE=init: before initialising the key worker 0 initialises;
 * LEAVE=push (default): after init, without pushing; LEAVE=barrier: after the pushes,
 * before the barrier worker 0 calls. Worker 0 must fail fast naming worker 1 instead of
 * waiting out MXTS_KVSTORE_TIMEOUT. Errors it can throw (the barrier's) are printed, exit 3.
 * @module
 */
import * as mx from "../../mod.ts";

const kv = mx.kv.create("dist_sync");
const at = Deno.env.get("LEAVE") ?? "push";
const leaving = kv.rank === 1;
const leave = () => {
  console.log(`rank ${kv.rank}: leaving`);
  if (Deno.env.get("EXIT")) Deno.exit(0);
};
try {
  if (!(leaving && at === "init")) {
    kv.init(3, mx.nd.zeros([4]));
    if (!(leaving && at === "push")) {
      for (let i = 0; i < 3; i++) kv.push(3, mx.nd.ones([4]));
      const out = mx.nd.zeros([4]);
      kv.pull(3, { out });
      console.log(`rank ${kv.rank}: pulled ${(await out.data())[0]}`);
      if (!(leaving && at === "barrier")) await kv.barrier();
    }
  }
  if (leaving) leave();
  else console.log(`rank ${kv.rank}: done`);
} catch (e) {
  console.log(`rank ${kv.rank}: ${(e as Error).message}`);
  Deno.exit(3);
}
