/**
 * The DataLoader's workers. Under Deno they are `node:worker_threads` workers (reached
 * without a static `node:` import, as the ts backend's matmul pool does) that stay up
 * between epochs, holding the dataset, and are `unref`'d while no epoch waits for them: an
 * idle pool never keeps a process alive or trips Deno's test sanitizers. Elsewhere (a
 * browser) they are Web Workers, which cannot be unref'd, so they are stopped at the end
 * of each epoch.
 * @module
 */
import { MXNetError } from "../../core/errors.ts";
import type { DatasetSpec } from "./_core.ts";
import type { WireSample } from "./_host.ts";

/** A batch as a worker returns it. */
export interface WorkerBatch {
  readonly batch: WireSample;
  /** True when the worker stacked it (the default batchify); else the samples. */
  readonly stacked: boolean;
}

interface Job {
  readonly resolve: (b: WorkerBatch) => void;
  readonly reject: (e: Error) => void;
  readonly worker: number;
}

type Reply = { type: string; id: number; batch?: WireSample; stacked?: boolean; message?: string };

/** One worker, whichever kind. */
interface Port {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  ref(): void;
  unref(): void;
  terminate(): void;
}

interface NodeWorker {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(ev: "message", fn: (m: Reply) => void): void;
  on(ev: "error", fn: (e: unknown) => void): void;
  on(ev: "exit", fn: (code: number) => void): void;
  ref(): void;
  unref(): void;
  terminate(): unknown;
}

/** node:worker_threads' Worker under Deno, else undefined. */
function nodeWorkerClass(): (new (url: URL) => NodeWorker) | undefined {
  try {
    const g = globalThis as {
      Deno?: unknown;
      process?: { getBuiltinModule?: (id: string) => { Worker?: new (url: URL) => NodeWorker } };
    };
    return g.Deno ? g.process?.getBuiltinModule?.("node:worker_threads")?.Worker : undefined;
  } catch {
    return undefined;
  }
}

/** Why a worker's module cannot be loaded without a permission prompt (else undefined). */
function unreadable(url: URL): string | undefined {
  if (url.protocol !== "file:") return undefined;
  try {
    const d = (globalThis as { Deno?: typeof Deno }).Deno;
    const q = d?.permissions.querySync?.({ name: "read", path: url });
    return q && q.state !== "granted" ? `no read permission for ${url.pathname}` : undefined;
  } catch {
    return undefined;
  }
}

/** Why no worker can start here, or undefined. */
export function workersUnavailable(): string | undefined {
  if (!nodeWorkerClass() && typeof Worker === "undefined") return "this runtime has no workers";
  return unreadable(new URL("./_worker.ts", import.meta.url));
}

/** N workers holding one dataset. */
export class WorkerPool {
  readonly #ports: Port[] = [];
  readonly #busy: number[] = [];
  readonly #jobs = new Map<number, Job>();
  #next = 0;
  #users = 0;
  /** Batch buffers the loader has copied out, to send back for reuse. */
  #spare: ArrayBuffer[] = [];
  #closed = false;
  /** True when the workers may stay up between epochs (they can be unref'd). */
  readonly persistent: boolean;

  /** Starts `n` workers for `spec`; `stack` asks them to batchify by default. */
  constructor(n: number, spec: DatasetSpec, stack: boolean) {
    const url = new URL("./_worker.ts", import.meta.url);
    const NodeW = nodeWorkerClass();
    this.persistent = NodeW !== undefined;
    try {
      for (let w = 0; w < n; w++) {
        const port = NodeW ? this.#node(NodeW, url, w) : this.#web(url, w);
        port.unref();
        port.post({ type: "init", spec, stack });
        this.#ports.push(port);
        this.#busy.push(0);
      }
    } catch (e) {
      this.terminate();
      throw e;
    }
  }

  #node(W: new (url: URL) => NodeWorker, url: URL, w: number): Port {
    const worker = new W(url);
    worker.on("message", (m) => this.#receive(w, m));
    worker.on("error", (e) => this.#fail(w, e instanceof Error ? e.message : String(e)));
    worker.on("exit", (code) => {
      if (!this.#closed) this.#fail(w, `it exited with code ${code}`);
    });
    return {
      post: (m, t) => worker.postMessage(m, t),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      terminate: () => {
        worker.unref();
        worker.terminate();
      },
    };
  }

  #web(url: URL, w: number): Port {
    const worker = new Worker(url, { type: "module" });
    worker.onmessage = (e) => this.#receive(w, e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#fail(w, e.message);
    };
    worker.onmessageerror = () => this.#fail(w, "a message could not be decoded");
    return {
      post: (m, t) => worker.postMessage(m, t ?? []),
      ref: () => {},
      unref: () => {},
      terminate: () => worker.terminate(),
    };
  }

  /** An epoch starts using the pool: its workers keep the process alive meanwhile. */
  acquire(): void {
    if (this.#users++ === 0 && !this.#closed) { for (const p of this.#ports) p.ref(); }
  }

  /** An epoch is done with the pool. */
  release(): void {
    if (--this.#users === 0 && !this.#closed) { for (const p of this.#ports) p.unref(); }
  }

  /** True once terminated (or broken by a failed worker). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Computes one batch on the least busy worker. */
  run(indices: readonly number[], seed: number, k: number): Promise<WorkerBatch> {
    if (this.#closed) return Promise.reject(new MXNetError("DataLoader: the workers are closed"));
    let w = 0;
    for (let i = 1; i < this.#busy.length; i++) if (this.#busy[i] < this.#busy[w]) w = i;
    const id = this.#next++;
    this.#busy[w]++;
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject, worker: w });
      // A raw buffer: arrays of numbers, like typed-array views, cross slowly (see _host.ts).
      const ints = new Int32Array(indices.length);
      for (let i = 0; i < ints.length; i++) ints[i] = indices[i];
      const buf = ints.buffer;
      const recycle = this.#spare.splice(0, 4);
      this.#ports[w].post({ type: "batch", id, indices: buf, seed, k, recycle }, [buf, ...recycle]);
    });
  }

  /** Takes back the buffers of a batch whose data has been copied out. */
  recycle(buffers: readonly ArrayBuffer[]): void {
    if (this.#spare.length < 16) this.#spare.push(...buffers);
  }

  #receive(w: number, m: Reply) {
    const job = this.#jobs.get(m.id);
    if (!job) return;
    this.#jobs.delete(m.id);
    this.#busy[w]--;
    if (m.type === "batch") job.resolve({ batch: m.batch!, stacked: !!m.stacked });
    else job.reject(new MXNetError(`DataLoader worker ${w}: ${m.message}`));
  }

  /** A worker died: the pool stops, and every batch still pending fails with the reason. */
  #fail(w: number, why: string) {
    this.terminate(`DataLoader worker ${w} failed: ${why}`);
  }

  /** Stops every worker; batches still pending fail with `why`. */
  terminate(why = "DataLoader: the workers were stopped"): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#ports) p.terminate();
    for (const job of this.#jobs.values()) job.reject(new MXNetError(why));
    this.#jobs.clear();
  }
}
