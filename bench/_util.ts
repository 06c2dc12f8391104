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
  /** How the row was measured (threads, kernels...), printed once under its table. */
  note?: string;
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

/** Renders rows as markdown tables, one per (section, column names) group; notes follow. */
export function renderTable(rows: readonly Row[]): string {
  const out: string[] = [];
  let key = "";
  let notes: string[] = [];
  // A table's notes, each said once (rows measured alike share one).
  const flushNotes = () => {
    if (notes.length) out.push("", ...new Set(notes).values().map((n) => `- ${n}`));
    notes = [];
  };
  for (const r of rows) {
    const k = `${r.section}|${r.oursName}|${r.theirsName}`;
    if (k !== key) {
      flushNotes();
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
    if (r.note) notes.push(r.note);
  }
  flushNotes();
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

/** Environment variable naming the Python interpreter that runs the numpy/torch peers. */
export const PYTHON_ENV = "MXTS_BENCH_PYTHON";

/**
 * Interpreters tried when {@link PYTHON_ENV} is unset: an activated venv's or pyenv's
 * `python3` is first on PATH; Debian's python3-torch and python3-numpy are only seen by
 * /usr/bin/python3.
 */
const PYTHON_CANDIDATES = ["python3", "/usr/bin/python3", "python"];

/** A Python interpreter for the peers and the versions of what it imports. */
export interface PeerPython {
  /** The interpreter, as passed to `Deno.Command`. */
  readonly python: string;
  /** `torch.__version__`, or undefined when torch does not import. */
  readonly torch?: string;
  /** `numpy.__version__`, or undefined when numpy does not import. */
  readonly numpy?: string;
}

const PROBE_PY = String.raw`
import json
r = {}
for m in ("numpy", "torch"):
    try:
        r[m] = __import__(m).__version__
    except Exception:
        pass
print(json.dumps(r))
`;

/** What `python` imports, or undefined when it does not run. */
async function probePython(python: string): Promise<PeerPython | undefined> {
  try {
    const out = await new Deno.Command(python, {
      args: ["-c", PROBE_PY],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return undefined;
    const v = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<string, string>;
    return { python, torch: v.torch, numpy: v.numpy };
  } catch {
    return undefined;
  }
}

/** Negative, zero or positive as version `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  // "2.13.0+cpu" -> [2, 13, 0]; a local tag after "+" does not order versions.
  const parts = (v: string) => v.split("+")[0].split(".").map((x) => parseInt(x, 10) || 0);
  const pa = parts(a), pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

let peerPythonOnce: Promise<PeerPython | string> | undefined;

/**
 * The interpreter every section runs its Python peers (numpy, torch) with: `$MXTS_BENCH_PYTHON`
 * when set, else, of {@link PYTHON_CANDIDATES}, the one with the newest torch, else the first
 * with numpy, else the first that runs. A string says why there is none. Probed once per run
 * and printed, so every row's peer version is on record.
 */
export function peerPython(): Promise<PeerPython | string> {
  peerPythonOnce ??= (async () => {
    let chosen: PeerPython | string;
    const forced = Deno.env.get(PYTHON_ENV);
    if (forced) {
      chosen = await probePython(forced) ?? `${PYTHON_ENV}=${forced} does not run`;
    } else {
      const found: PeerPython[] = [];
      for (const py of PYTHON_CANDIDATES) {
        const p = await probePython(py);
        if (p) found.push(p);
      }
      const withTorch = found.filter((p) => p.torch)
        .sort((a, b) => compareVersions(b.torch!, a.torch!));
      chosen = withTorch[0] ?? found.find((p) => p.numpy) ?? found[0] ??
        `no Python interpreter runs (tried ${PYTHON_CANDIDATES.join(", ")}; set ${PYTHON_ENV})`;
    }
    progress(
      typeof chosen === "string"
        ? `python peers: none: ${chosen}`
        : `python peers: ${chosen.python} (torch ${chosen.torch ?? "not installed"}, numpy ${
          chosen.numpy ?? "not installed"
        })${forced ? ` from ${PYTHON_ENV}` : ""}`,
    );
    return chosen;
  })();
  return peerPythonOnce;
}

/**
 * Interpreters to try in order for a peer that may need more than `peerPython`'s choice
 * has (torch built with CUDA): only `$MXTS_BENCH_PYTHON` when set, else that choice first,
 * then the other candidates.
 */
export async function peerPythons(): Promise<string[]> {
  const forced = Deno.env.get(PYTHON_ENV);
  if (forced) return [forced];
  const p = await peerPython();
  const first = typeof p === "string" ? [] : [p.python];
  return [...first, ...PYTHON_CANDIDATES.filter((c) => !first.includes(c))];
}

/** The peer name of a torch column, with the version compared against ("torch 2.13.0"). */
export function torchName(p: PeerPython, detail?: string): string {
  return `torch ${p.torch ?? "?"}${detail ? ` (${detail})` : ""}`;
}

/**
 * The peers' interpreter when it imports `module`, else why that peer cannot run (printed
 * by the sections as the reason for a skipped row).
 */
export async function peerWith(module: "torch" | "numpy"): Promise<PeerPython | string> {
  const p = await peerPython();
  if (typeof p === "string" || p[module]) return p;
  return `${p.python} has no ${module} (set ${PYTHON_ENV} to an interpreter that has it${
    module === "torch" ? ", or apt-get install python3-torch" : ""
  })`;
}
