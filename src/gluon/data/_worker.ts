/**
 * A DataLoader worker thread (node:worker_threads under Deno, else a Web Worker): rebuilds
 * the dataset from its spec once, then for each batch reads the samples, runs the
 * transforms and (with the default batchify) stacks them, and posts the arrays back as
 * transferred buffers.
 *
 * Messages in: `{ type: "init", spec, stack }`, then
 * `{ type: "batch", id, indices, seed, k, recycle }`.
 * Out: `{ type: "batch", id, batch, stacked }` or `{ type: "error", id, message }`.
 * @module
 */
import { buildCore, type Core, type DatasetSpec } from "./_core.ts";
import { batchifyHost, BufferRecycler, toWire } from "./_host.ts";
import { useBatchStream } from "./_rng.ts";

/** How this worker talks to the loader: node:worker_threads' parentPort, or a Web Worker's. */
interface Channel {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  listen(fn: (message: Record<string, unknown>) => void): void;
}

function channel(): Channel {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => { parentPort?: NodePort | null } | undefined };
  };
  const port = g.process?.getBuiltinModule?.("node:worker_threads")?.parentPort;
  if (port) {
    return { post: (m, t) => port.postMessage(m, t), listen: (fn) => port.on("message", fn) };
  }
  const self = globalThis as unknown as {
    postMessage(m: unknown, t?: ArrayBuffer[]): void;
    onmessage: ((e: MessageEvent) => void) | null;
  };
  return {
    post: (m, t) => self.postMessage(m, t),
    listen: (fn) => (self.onmessage = (e) => fn(e.data)),
  };
}

interface NodePort {
  postMessage(m: unknown, transfer?: ArrayBuffer[]): void;
  on(ev: "message", fn: (m: Record<string, unknown>) => void): void;
}

const chan = channel();
let core: Promise<Core> | undefined;
let stack = true;
const buffers = new BufferRecycler();
// Batches run one at a time, in arrival order: a batch's random stream stays set across
// the awaits of reading it.
let queue: Promise<void> = Promise.resolve();

/** The samples of one batch, with the batch's random stream. */
async function samples(c: Core, indices: Int32Array, seed: number, k: number) {
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

interface BatchJob {
  id: number;
  indices: ArrayBuffer;
  seed: number;
  k: number;
  /** Buffers of earlier batches, copied out by the loader, to fill again. */
  recycle: ArrayBuffer[];
}

async function batch(m: BatchJob) {
  try {
    if (!core) throw new Error("the worker received a batch before its dataset");
    const items = await samples(await core, new Int32Array(m.indices), m.seed, m.k);
    buffers.give(m.recycle);
    const stacked = stack ? batchifyHost(items, "DataLoader", buffers.alloc) : undefined;
    const transfer: ArrayBuffer[] = [];
    const wire = toWire(stacked ?? items, transfer, "DataLoader");
    chan.post(
      { type: "batch", id: m.id, batch: wire, stacked: stacked !== undefined },
      transfer,
    );
  } catch (e) {
    const err = e as Error;
    chan.post({ type: "error", id: m.id, message: `${err.name}: ${err.message}` });
  }
}

chan.listen((m) => {
  if (m.type === "init") {
    stack = m.stack as boolean;
    core = buildCore(m.spec as DatasetSpec);
    core.catch(() => {}); // reported with the first batch
  } else if (m.type === "batch") {
    const job = m as unknown as BatchJob;
    queue = queue.then(() => batch(job));
  }
});
