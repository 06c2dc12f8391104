/**
 * Worker side of the `ts` backend's thread pool (see `parallel.ts`): receives matrix-product
 * jobs whose arrays live on SharedArrayBuffer, computes the parts it manages to claim, and
 * replies with the job's id (or the error that stopped it). Started by `parallel.ts` only, as a
 * `node:worker_threads` worker under Deno.
 * @module
 */
import { parentPort } from "node:worker_threads";
import { type GemmWire, jobFromWire, runGemmParts } from "./parallel.ts";

const port = parentPort;
if (port) {
  port.on("message", (job: GemmWire) => {
    try {
      runGemmParts(jobFromWire(job));
      port.postMessage({ id: job.id });
    } catch (e) {
      port.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
  port.postMessage({ id: 0, ready: true });
}
