/**
 * dist_sync where worker 1 is killed (SIGKILL) after a few rounds while the others keep
 * pushing: the job must end with an error instead of hanging.
 * @module
 */
import * as mx from "../../mod.ts";

const kv = mx.kv.create("dist_sync");
kv.init(0, mx.nd.zeros([1000]));
for (let i = 0;; i++) {
  if (kv.rank === 1 && i === 3) Deno.kill(Deno.pid, "SIGKILL");
  kv.push(0, mx.nd.ones([1000]));
  const o = mx.nd.zeros([1000]);
  kv.pull(0, { out: o });
  await o.data();
  o.dispose();
}
