/**
 * OpenBLAS's thread count for our side of the training rows, so that ours is measured at 1
 * and N threads like torch (the faster kept): on a loaded machine a pool of N threads can be
 * several times slower than one, for either side. The native library links the system's
 * libopenblas.so.0 dynamically; opening it again here returns that same loaded copy, whose
 * `openblas_set_num_threads` then governs the native backend's GEMMs.
 * @module
 */
import type { Trainer } from "./_torch_trainer.ts";

interface BlasThreads {
  /** Sets the pool's thread count (a no-op when it is already `n`). */
  set(n: number): void;
}

let opened: BlasThreads | null | undefined;

/** The loaded OpenBLAS's thread control, or null when it cannot be reached. */
export function blasThreads(): BlasThreads | null {
  if (opened !== undefined) return opened;
  try {
    const lib = Deno.dlopen("libopenblas.so.0", {
      openblas_set_num_threads: { parameters: ["i32"], result: "void" },
      openblas_get_num_threads: { parameters: [], result: "i32" },
    });
    opened = {
      set(n) {
        if (lib.symbols.openblas_get_num_threads() !== n) lib.symbols.openblas_set_num_threads(n);
      },
    };
  } catch {
    opened = null;
  }
  return opened;
}

/**
 * `t` with OpenBLAS at `threads` threads during its steps, named after them; `t` itself
 * when the thread count cannot be set.
 */
export function withBlasThreads(t: Trainer, threads: number): Trainer {
  const blas = blasThreads();
  if (!blas) return t;
  return {
    name: `${t.name}, ${threads} BLAS thread(s)`,
    info: t.info,
    step() {
      blas.set(threads);
      return t.step();
    },
    sync: () => t.sync(),
    accuracy: () => t.accuracy(),
    dispose: () => t.dispose(),
  };
}

/**
 * The OpenBLAS thread counts our side is measured at: the configured count and 1 (the
 * faster kept, as for torch), or only the configured one when it cannot be changed here.
 */
export function blasCounts(configured: number): number[] {
  return blasThreads() ? [...new Set([configured, 1])] : [configured];
}

/** Puts OpenBLAS back to `configured` threads after a measurement. */
export function restoreBlas(configured: number): void {
  blasThreads()?.set(configured);
}
