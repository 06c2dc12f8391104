/**
 * The distributed kvstores on MPI: `dist_sync` and `dist_device_sync` (collectives among
 * workers, identical updates everywhere) and `dist_async` (server ranks hold the weights
 * and apply each push as it arrives). Start processes with `mpirun -np N deno run -A
 * script.ts` or `deno run -A tools/launch.ts -n WORKERS -s SERVERS -- script.ts`.
 * @module
 */
import { MXNetError } from "../../core/errors.ts";
import { KVStore } from "../kvstore.ts";
import { defineDistAsync } from "./async.ts";
import { defineDistSync, type SyncType } from "./sync.ts";
import { session } from "./session.ts";

export { type Role, Session, session } from "./session.ts";
export { bigArrayBound, type SyncType } from "./sync.ts";
export { runServer } from "./server.ts";
export { decodeOptimizer, encodeOptimizer } from "./optimizer_wire.ts";

/** The distributed store types. */
export type DistType = SyncType | "dist_async";

/** True for `dist_sync`, `dist_device_sync` and `dist_async`. */
export function isDistType(type: string): type is DistType {
  return type === "dist_sync" || type === "dist_device_sync" || type === "dist_async";
}

let classes: {
  Sync: ReturnType<typeof defineDistSync>;
  Async: ReturnType<typeof defineDistAsync>;
} | null = null;

/**
 * Creates a distributed store; the first call joins the MPI job (a singleton without
 * mpirun: rank 0 of 1 worker).
 * @example
 * ```ts ignore
 * import * as mx from "../../../mod.ts";
 * const kv = mx.kv.create("dist_sync"); // mpirun -np 2 deno run -A this.ts
 * kv.init(3, mx.nd.ones([2]));
 * kv.push(3, mx.nd.ones([2]).mul(kv.rank + 1));
 * const out = mx.nd.zeros([2]);
 * kv.pull(3, { out });
 * console.log(await out.data()); // with 2 workers: Float32Array [3, 3]
 * ```
 */
export function createDist(type: DistType): KVStore {
  let role: string | undefined;
  try {
    role = Deno.env.get("DMLC_ROLE");
  } catch {
    role = undefined;
  }
  if (role !== undefined && role !== "worker") {
    throw new MXNetError(
      `kvstore.create: DMLC_ROLE is ${JSON.stringify(role)}; servers run ` +
        `src/kvstore/dist/server_main.ts (tools/launch.ts starts them), not the training script`,
    );
  }
  const s = session("worker");
  classes ??= { Sync: defineDistSync(KVStore), Async: defineDistAsync(KVStore) };
  if (type === "dist_async") return new classes.Async(s);
  return new classes.Sync(type, s);
}
