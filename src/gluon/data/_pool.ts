/**
 * The DataLoader's Web Workers: started for an epoch, given the dataset's spec, handed
 * batches (to the least busy worker), terminated when the epoch ends or is abandoned so
 * no idle worker keeps the process alive.
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

/** N workers holding one dataset. */
export class WorkerPool {
  readonly #workers: Worker[] = [];
  readonly #busy: number[] = [];
  readonly #jobs = new Map<number, Job>();
  #next = 0;
  #closed = false;

  /** Starts `n` workers for `spec`; `stack` asks them to batchify by default. */
  constructor(n: number, spec: DatasetSpec, stack: boolean) {
    const url = new URL("./_worker.ts", import.meta.url);
    for (let w = 0; w < n; w++) {
      const worker = new Worker(url, { type: "module" });
      worker.onmessage = (e) => this.#receive(w, e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        this.#fail(w, `${e.message}`);
      };
      worker.onmessageerror = () => this.#fail(w, "a message could not be decoded");
      worker.postMessage({ type: "init", spec, stack });
      this.#workers.push(worker);
      this.#busy.push(0);
    }
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
      this.#workers[w].postMessage({ type: "batch", id, indices: [...indices], seed, k });
    });
  }

  #receive(
    w: number,
    m: { type: string; id: number; batch?: WireSample; stacked?: boolean; message?: string },
  ) {
    const job = this.#jobs.get(m.id);
    if (!job) return;
    this.#jobs.delete(m.id);
    this.#busy[w]--;
    if (m.type === "batch") job.resolve({ batch: m.batch!, stacked: !!m.stacked });
    else job.reject(new MXNetError(`DataLoader worker ${w}: ${m.message}`));
  }

  #fail(w: number, why: string) {
    for (const [id, job] of this.#jobs) {
      if (job.worker !== w) continue;
      this.#jobs.delete(id);
      job.reject(new MXNetError(`DataLoader worker ${w} failed: ${why}`));
    }
  }

  /** Stops every worker; pending batches are dropped. */
  terminate(): void {
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#jobs.clear();
  }
}
