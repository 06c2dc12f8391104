/**
 * Shared benchmark helpers: timing, medians, interleaved A/B measurement and the
 * markdown result table every section appends to.
 * @module
 */

/** Median of `xs` (NaN for an empty list). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall-clock seconds of one call of `fn` (awaited when it returns a promise). */
export async function timeOnce(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  const r = fn();
  if (r instanceof Promise) await r;
  return (performance.now() - t0) / 1e3;
}

/** One side of an A/B comparison: a name and one timed "sample" (returns seconds). */
export interface Contender {
  readonly name: string;
  /** Runs one sample (which may loop internally) and returns its seconds per unit. */
  readonly sample: () => Promise<number>;
}

/** Options for {@link interleave}. */
export interface InterleaveOptions {
  /** Untimed samples of each contender first (JIT, pools, caches). */
  warmup?: number;
  /** Timed samples of each contender; the median is reported. */
  reps?: number;
}

/**
 * Runs the contenders' samples alternately (A B, B A, A B, ...) so that machine noise
 * and thermal drift hit both equally, and returns each one's median seconds per unit.
 */
export async function interleave(
  contenders: readonly Contender[],
  opts: InterleaveOptions = {},
): Promise<number[]> {
  const warmup = opts.warmup ?? 2, reps = opts.reps ?? 7;
  for (let w = 0; w < warmup; w++) for (const c of contenders) await c.sample();
  const times = contenders.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    // Alternate the order each round so neither side always runs right after the other.
    const order = contenders.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) times[i].push(await contenders[i].sample());
  }
  return times.map(median);
}

/** Whether a larger or smaller measured value is better. */
export type Sense = "throughput" | "latency";

/** One row of the result table. */
export interface Row {
  /** Section the row belongs to (e.g. "core: mxts-ts vs tfjs-cpu"). */
  section: string;
  /** Workload description, including the unit. */
  workload: string;
  /** Our measured value (in the row's unit). */
  ours: number;
  /** The peer's measured value (in the row's unit). */
  theirs: number;
  sense: Sense;
  /** Minimum ratio (>1 means ours is better) to pass. */
  target: number;
  /** Column names for ours / theirs (e.g. "mxts-ts", "tfjs-cpu"). */
  oursName: string;
  theirsName: string;
}

/** ours/theirs for throughput, theirs/ours for latency: > 1 always means ours is better. */
export function ratio(r: Row): number {
  return r.sense === "throughput" ? r.ours / r.theirs : r.theirs / r.ours;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "-";
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

/** Renders rows as markdown tables, one per (section, column names) group. */
export function renderTable(rows: readonly Row[]): string {
  const out: string[] = [];
  let key = "";
  for (const r of rows) {
    const k = `${r.section}|${r.oursName}|${r.theirsName}`;
    if (k !== key) {
      key = k;
      if (out.length) out.push("");
      out.push(`### ${r.section}`, "");
      out.push(`| workload | ${r.oursName} | ${r.theirsName} | ratio | target | result |`);
      out.push("|---|---:|---:|---:|---:|:---:|");
    }
    const q = ratio(r);
    const ok = Number.isFinite(q) && q >= r.target;
    out.push(
      `| ${r.workload} | ${fmt(r.ours)} | ${fmt(r.theirs)} | ${fmt(q)}x | >= ${r.target} | ${
        ok ? "PASS" : "MISS"
      } |`,
    );
  }
  return out.join("\n");
}

/** Deterministic pseudo-random float32 data in [-0.5, 0.5) (xorshift32). */
export function randomF32(n: number, seed = 1): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    x[i] = s / 4294967296 - 0.5;
  }
  return x;
}

/** Prints a progress line to stderr so stdout holds only the table. */
export function progress(msg: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(msg + "\n"));
}
