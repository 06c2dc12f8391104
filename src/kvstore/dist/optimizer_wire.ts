/**
 * Sends an optimizer to the server ranks (MXNet pickles it): the registry name plus the
 * optimizer's public fields, rebuilt on the server with `mx.optimizer.create(name)`.
 * Custom optimizers must be registered (under their class name) in a module the servers
 * import too (`tools/launch.ts --server-import file.ts`).
 * @module
 */
import { MXNetError, UnsupportedError } from "../../core/errors.ts";
import { create as createOptimizer } from "../../optimizer/mod.ts";
import type { Optimizer } from "../../optimizer/optimizer.ts";

interface Wire {
  name: string;
  fields: Record<string, unknown>;
  maps: Record<string, [string, unknown][]>;
}

/** The optimizer as JSON text. */
export function encodeOptimizer(o: Optimizer): string {
  if (o.lrScheduler) {
    throw new UnsupportedError(
      `kvstore dist_async: optimizers with an lrScheduler cannot be sent to the servers yet; ` +
        `use dist_sync, or set the learning rate with setLearningRate`,
    );
  }
  const w: Wire = { name: o.constructor.name.toLowerCase(), fields: {}, maps: {} };
  for (const [k, v] of Object.entries(o)) {
    if (v === null || ["number", "string", "boolean"].includes(typeof v)) w.fields[k] = v;
    else if (v instanceof Map) w.maps[k] = [...v];
  }
  return JSON.stringify(w);
}

/** Rebuilds an optimizer from `encodeOptimizer`'s text. */
export function decodeOptimizer(text: string): Optimizer {
  const w = JSON.parse(text) as Wire;
  let o: Optimizer;
  try {
    o = createOptimizer(w.name, {});
  } catch (e) {
    throw new MXNetError(
      `kvstore server: cannot rebuild optimizer ${JSON.stringify(w.name)}: ${
        (e as Error).message
      }. Register it under its class name in a module the servers import ` +
        `(tools/launch.ts --server-import file.ts)`,
    );
  }
  Object.assign(o, w.fields);
  const rec = o as unknown as Record<string, unknown>;
  for (const [k, entries] of Object.entries(w.maps)) {
    const m = rec[k];
    if (m instanceof Map) {
      m.clear();
      for (const [mk, mv] of entries) m.set(mk, mv);
    }
  }
  return o;
}
