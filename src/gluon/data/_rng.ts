/**
 * Random numbers for samplers and augmentations, drawn from `mx.random`'s Philox stream so
 * that `mx.random.seed` fixes them.
 *
 * A DataLoader draws one seed per epoch and gives batch `k` its own sub-stream of that
 * seed ({@link withBatchStream}): a batch's augmentations are then the same whether a
 * worker or the main thread computes it, and whatever else the training loop draws from
 * the global stream in between.
 * @module
 */
import { fillUint32, mulhi32 } from "../../core/philox.ts";
import { takeRng } from "../../ndarray/random_state.ts";

/** Numbers reserved per batch sub-stream (a batch never draws nearly this many). */
const BATCH_STRIDE = 2 ** 28;

let local: { seed: number; offset: number } | null = null;

/** `n` raw 32-bit numbers from the current stream. */
export function drawU32(n: number): Uint32Array {
  const out = new Uint32Array(n);
  if (local) {
    fillUint32(out, local.seed, local.offset);
    local.offset += Math.ceil(n / 4) * 4;
  } else {
    const { seed, offset } = takeRng(n);
    fillUint32(out, seed, offset);
  }
  return out;
}

/** Runs `fn` with draws taken from sub-stream `k` of `seed`; restores the previous stream. */
export function withBatchStream<T>(seed: number, k: number, fn: () => T): T {
  const saved = local;
  local = { seed, offset: k * BATCH_STRIDE };
  try {
    return fn();
  } finally {
    local = saved;
  }
}

/**
 * Switches draws to sub-stream `k` of `seed` until the returned function is called: for a
 * worker, which computes one batch at a time, across the awaits of reading a batch back.
 */
export function useBatchStream(seed: number, k: number): () => void {
  const saved = local;
  local = { seed, offset: k * BATCH_STRIDE };
  return () => {
    local = saved;
  };
}

/** A fresh 32-bit seed from the global stream (an epoch's seed). */
export function drawSeed(): number {
  const { seed, offset } = takeRng(1);
  const u = new Uint32Array(1);
  fillUint32(u, seed, offset);
  return u[0];
}

/** The draws a transform makes; each call consumes the current stream. */
export const rng = {
  /** Uniform in [0, 1) with 53 random bits (Python's `random.random()`). */
  random(): number {
    const u = drawU32(2);
    return ((u[0] >>> 5) * 67108864 + (u[1] >>> 6)) / 9007199254740992;
  },
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * rng.random();
  },
  /** An integer in [lo, hi], both ends included (Python's `random.randint`). */
  randint(lo: number, hi: number): number {
    return lo + mulhi32(drawU32(1)[0], hi - lo + 1);
  },
  /** A normal sample (Box-Muller on two uniforms). */
  normal(mean: number, std: number): number {
    const u1 = 1 - rng.random(), u2 = rng.random();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  },
  /** True with probability 1/2. */
  coin(): boolean {
    return (drawU32(1)[0] & 1) === 1;
  },
  /** A uniformly random permutation of 0 .. n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const a = new Uint32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    if (n < 2) return a;
    const u = drawU32(n - 1);
    for (let k = 0; k < n - 1; k++) {
      const i = n - 1 - k;
      const j = mulhi32(u[k], i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  },
};
