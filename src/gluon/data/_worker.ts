/**
 * A DataLoader worker (a Web Worker): rebuilds the dataset from its spec once, then for
 * each batch reads the samples, runs the transforms and (with the default batchify)
 * stacks them, and posts the typed arrays back, transferred rather than copied.
 *
 * Messages in: `{ type: "init", spec, stack }`, then `{ type: "batch", id, indices, seed, k }`.
 * Out: `{ type: "batch", id, batch, stacked }` or `{ type: "error", id, message }`.
 * @module
 */
import { buildCore, type Core, type DatasetSpec } from "./_core.ts";
import { batchifyHost, toWire } from "./_host.ts";
import { useBatchStream } from "./_rng.ts";

interface WorkerScope {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
let core: Promise<Core> | undefined;
let stack = true;
// Batches run one at a time, in arrival order: a batch's random stream stays set across
// the awaits of reading it.
let queue: Promise<void> = Promise.resolve();

/** The samples of one batch, with the batch's random stream. */
async function samples(c: Core, indices: readonly number[], seed: number, k: number) {
  const restore = useBatchStream(seed, k);
  try {
    const out: unknown[] = [];
    for (const i of indices) {
      const v = c.item(i);
      out.push(v instanceof Promise ? await v : v);
    }
    return out;
  } finally {
    restore();
  }
}

async function batch(m: { id: number; indices: number[]; seed: number; k: number }) {
  try {
    if (!core) throw new Error("the worker received a batch before its dataset");
    const items = await samples(await core, m.indices, m.seed, m.k);
    const stacked = stack ? batchifyHost(items, "DataLoader") : undefined;
    const transfer: ArrayBuffer[] = [];
    const wire = toWire(stacked ?? items, transfer, "DataLoader");
    scope.postMessage(
      { type: "batch", id: m.id, batch: wire, stacked: stacked !== undefined },
      transfer,
    );
  } catch (e) {
    const err = e as Error;
    scope.postMessage({ type: "error", id: m.id, message: `${err.name}: ${err.message}` });
  }
}

scope.onmessage = (e: MessageEvent) => {
  const m = e.data;
  if (m.type === "init") {
    stack = m.stack;
    core = buildCore(m.spec as DatasetSpec);
    core.catch(() => {}); // reported with the first batch
  } else if (m.type === "batch") {
    queue = queue.then(() => batch(m));
  }
};
