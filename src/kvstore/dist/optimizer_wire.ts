/**
 * Sends an optimizer to the server ranks (MXNet pickles it): the registry name plus the
 * optimizer's public fields, rebuilt on the server with `mx.optimizer.create(name)`.
 * Custom optimizers must be registered (under their class name) in a module the servers
 * import too (`tools/launch.ts --server-import file.ts`).
 *
 * A learning-rate schedule travels with it when it is one of the built-in schedulers
 * (FactorScheduler, MultiFactorScheduler, PolyScheduler, CosineScheduler). As MXNet's
 * servers do, each server's optimizer then counts its own updates (every push of a key
 * from any worker is one update) from the optimizer's `numUpdate` at `setOptimizer` time,
 * and asks the schedule for the learning rate of that count.
 * @module
 */
import { MXNetError, UnsupportedError } from "../../core/errors.ts";
import { create as createOptimizer } from "../../optimizer/mod.ts";
import type { Optimizer } from "../../optimizer/optimizer.ts";
import {
  CosineScheduler,
  FactorScheduler,
  type LRScheduler,
  MultiFactorScheduler,
  PolyScheduler,
} from "../../optimizer/lr_scheduler.ts";

/** The schedulers that can be rebuilt on a server, by wire name. */
const SCHEDULERS = {
  factor: FactorScheduler,
  multifactor: MultiFactorScheduler,
  poly: PolyScheduler,
  cosine: CosineScheduler,
} as const;
type SchedKind = keyof typeof SCHEDULERS;

interface SchedWire {
  kind: SchedKind;
  /** Public fields (numbers, strings, number arrays), the current `baseLr` included. */
  fields: Record<string, unknown>;
  /** The update count the schedule's private position corresponds to. */
  at: number;
}

interface Wire {
  name: string;
  fields: Record<string, unknown>;
  maps: Record<string, [string, unknown][]>;
  sched?: SchedWire;
}

function encodeScheduler(s: LRScheduler, numUpdate: number): SchedWire {
  const kind = (Object.keys(SCHEDULERS) as SchedKind[]).find((k) =>
    s.constructor === SCHEDULERS[k]
  );
  if (!kind) {
    throw new UnsupportedError(
      `kvstore dist_async: cannot send lrScheduler ${s.constructor.name} to the servers: ` +
        `only FactorScheduler, MultiFactorScheduler, PolyScheduler and CosineScheduler ` +
        `(not subclasses) can be rebuilt there; use dist_sync (updates run on the workers), ` +
        `or set the learning rate with setLearningRate`,
    );
  }
  // Factor and MultiFactor keep a private position (how many steps they have passed).
  // Bring it to the optimizer's count (what reading `optimizer.learningRate` does; later
  // calls give the same as without it), so the server can rebuild it from that count.
  if (kind === "factor" || kind === "multifactor") s.call(numUpdate);
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === null || ["number", "string", "boolean"].includes(typeof v)) fields[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === "number")) fields[k] = [...v];
  }
  return { kind, fields, at: numUpdate };
}

function decodeScheduler(w: SchedWire): LRScheduler {
  const f = w.fields as Record<string, number>;
  // Construct with the options the constructor checks (the current baseLr may have been
  // reduced below warmupBeginLr), then restore every public field as sent.
  const base = { baseLr: f.warmupFinalLr, warmupSteps: f.warmupSteps };
  const cls = SCHEDULERS[w.kind];
  const given = Object.entries(w.fields).filter(([k]) => cls.optionNames.includes(k));
  const opts = { ...Object.fromEntries(given), ...base } as never;
  const s: LRScheduler = new cls(opts);
  const rec = s as unknown as Record<string, unknown>;
  Object.assign(rec, w.fields);
  if (w.kind === "factor" || w.kind === "multifactor") {
    // Move the private position to `at` without changing baseLr (already the sender's).
    const keep = { factor: rec.factor, stopFactorLr: rec.stopFactorLr };
    Object.assign(rec, { factor: 1, stopFactorLr: -Infinity });
    s.call(w.at);
    Object.assign(rec, keep);
    if (keep.stopFactorLr === undefined) delete rec.stopFactorLr;
  }
  return s;
}

/** The optimizer as JSON text. */
export function encodeOptimizer(o: Optimizer): string {
  const w: Wire = { name: o.constructor.name.toLowerCase(), fields: {}, maps: {} };
  if (o.lrScheduler) w.sched = encodeScheduler(o.lrScheduler, o.numUpdate);
  for (const [k, v] of Object.entries(o)) {
    if (v === null || ["number", "string", "boolean"].includes(typeof v)) w.fields[k] = v;
    else if (v instanceof Map) w.maps[k] = [...v];
  }
  delete w.fields.lrScheduler;
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
  o.lrScheduler = w.sched ? decodeScheduler(w.sched) : null;
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
