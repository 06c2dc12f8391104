/**
 * `mx.profiler`: MXNet's profiler over the dependency engine. While the state is "run",
 * the engine reports every operation it runs (name, device, start, end); `dump` writes
 * them as a Chrome trace (`chrome://tracing`, Perfetto) and `dumps` prints MXNet's
 * aggregate table. Stopped, the engine pays one null check per operation.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkOptions, describe, keysOf } from "../core/options.ts";
import { setOpObserver } from "../engine/engine.ts";

/** The options of `setConfig` (MXNet's `set_config` keywords, in camelCase). */
export interface ProfilerConfig {
  /** Where `dump` writes the trace (default "profile.json"). */
  filename?: string;
  /** Profile everything (default false). */
  profileAll?: boolean;
  /** Profile operators run by executors (default true). */
  profileSymbolic?: boolean;
  /** Profile operators run on NDArrays (default true). */
  profileImperative?: boolean;
  /** Accepted for MXNet's scripts; memory use is not recorded here (default true). */
  profileMemory?: boolean;
  /** Accepted for MXNet's scripts; there is no C API to profile (default true). */
  profileApi?: boolean;
  /** Accepted for MXNet's scripts; `dump` writes when called (default true). */
  continuousDump?: boolean;
  /** Accepted for MXNet's scripts (seconds; default 1). */
  dumpPeriod?: number;
  /** Keep per-operator totals for `dumps` (default false, as MXNet). */
  aggregateStats?: boolean;
  /** "worker" (the only process here; MXNet's "server" profiles a kvstore server). */
  profileProcess?: "worker";
}

const CONFIG_KEYS = keysOf<ProfilerConfig>({
  filename: true,
  profileAll: true,
  profileSymbolic: true,
  profileImperative: true,
  profileMemory: true,
  profileApi: true,
  continuousDump: true,
  dumpPeriod: true,
  aggregateStats: true,
  profileProcess: true,
});

const DEFAULTS: Required<ProfilerConfig> = {
  filename: "profile.json",
  profileAll: false,
  profileSymbolic: true,
  profileImperative: true,
  profileMemory: true,
  profileApi: true,
  continuousDump: true,
  dumpPeriod: 1,
  aggregateStats: false,
  profileProcess: "worker",
};

/** One operation the engine ran. */
interface OpEvent {
  readonly name: string;
  /** `cpu(0)`, `gpu(1)`; "engine" for host work pushed without a device (copies, frees). */
  readonly device: string;
  /** performance.now() milliseconds. */
  readonly start: number;
  readonly end: number;
}

/** Count, total, min and max of one operator's durations (milliseconds). */
interface Stat {
  count: number;
  total: number;
  min: number;
  max: number;
}

let config: Required<ProfilerConfig> = { ...DEFAULTS };
let running = false;
let paused = false;
let events: OpEvent[] = [];
/** Per category ("operator", "engine"), per name. */
let stats = new Map<string, Map<string, Stat>>();

function categoryOf(device: string | undefined): string {
  return device === undefined ? "engine" : "operator";
}

function observe(name: string, device: string | undefined, start: number, end: number): void {
  if (paused) return;
  events.push({ name, device: device ?? "engine", start, end });
  if (!config.aggregateStats) return;
  const cat = categoryOf(device);
  let byName = stats.get(cat);
  if (!byName) stats.set(cat, byName = new Map());
  const d = end - start;
  const s = byName.get(name);
  if (!s) byName.set(name, { count: 1, total: d, min: d, max: d });
  else {
    s.count++;
    s.total += d;
    s.min = Math.min(s.min, d);
    s.max = Math.max(s.max, d);
  }
}

/** True when operators are to be recorded under the current configuration. */
function recordsOperators(): boolean {
  return config.profileAll || config.profileSymbolic || config.profileImperative;
}

/**
 * Configures the profiler (MXNet's `profiler.set_config`); options left out keep
 * MXNet's defaults. Executors and NDArray operations share one engine here, so
 * `profileSymbolic` and `profileImperative` both turn on the same operator records.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * mx.profiler.setConfig({ profileAll: true, aggregateStats: true, filename: "/tmp/p.json" });
 * ```
 */
export function setConfig(opts: ProfilerConfig = {}): void {
  checkOptions("profiler.setConfig", opts, CONFIG_KEYS);
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined) continue;
    const def = DEFAULTS[k as keyof ProfilerConfig];
    if (typeof v !== typeof def) {
      throw new ParamError(
        `profiler.setConfig: ${k} expects a ${typeof def}, got ${describe(v)}`,
      );
    }
  }
  if (opts.profileProcess !== undefined && opts.profileProcess !== "worker") {
    throw new ParamError(
      `profiler.setConfig: profileProcess expects "worker" (no kvstore server runs in this ` +
        `process), got ${describe(opts.profileProcess)}`,
    );
  }
  const filtered = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  config = { ...DEFAULTS, ...filtered };
  if (running) setOpObserver(recordsOperators() ? observe : null);
}

/** The profiler's state: "run" (recording) or "stop". */
export type ProfilerState = "run" | "stop";

/**
 * Starts ("run") or stops ("stop") recording (MXNet's `profiler.set_state`). Starting
 * keeps what earlier runs recorded; `dump` and `dumps({ reset: true })` clear it.
 */
export function setState(state: ProfilerState = "stop"): void {
  if (state !== "run" && state !== "stop") {
    throw new ParamError(
      `profiler.setState: state expects "run" or "stop", got ${describe(state)}`,
    );
  }
  running = state === "run";
  paused = false;
  setOpObserver(running && recordsOperators() ? observe : null);
}

/** The current state (`"run"` or `"stop"`). */
export function getState(): ProfilerState {
  return running ? "run" : "stop";
}

/**
 * Stops recording until `resume` without changing the state (MXNet's `profiler.pause`):
 * operations that finish meanwhile are left out (on an asynchronous device that can
 * include some pushed before the pause).
 */
export function pause(): void {
  paused = true;
}

/** Resumes recording after `pause` (MXNet's `profiler.resume`). */
export function resume(): void {
  paused = false;
}

/** One Chrome trace event (the Trace Event Format's fields). */
export interface TraceEvent {
  /** The operator name, or the metadata record's name. */
  name: string;
  /** "operator" or "engine"; absent on metadata. */
  cat?: string;
  /** "B" (begin), "E" (end) or "M" (metadata: a device's name). */
  ph: "B" | "E" | "M";
  /** Microseconds since the process started; absent on metadata. */
  ts?: number;
  /** The device, numbered in the order devices appear (named by a metadata event). */
  pid: number;
  /** The lane on that device: operations that overlap in time (async kernels) get their own. */
  tid: number;
  /** Metadata: `{ name: "cpu(0)" }`. */
  args?: { name: string };
}

/**
 * The recorded operations as a Chrome trace object (`{ traceEvents, displayTimeUnit }`),
 * the JSON `dump` writes: per device a process (its name in a metadata event) and, per
 * operation, a begin and an end event. Operations that overlap on one device (async
 * kernels) are put in separate lanes (tid) so every begin/end pair nests.
 */
export function traceObject(): { traceEvents: TraceEvent[]; displayTimeUnit: "ms" } {
  const pids = new Map<string, number>();
  const traceEvents: TraceEvent[] = [];
  for (const e of events) {
    if (!pids.has(e.device)) {
      const pid = pids.size;
      pids.set(e.device, pid);
      traceEvents.push({ name: "process_name", ph: "M", pid, tid: 0, args: { name: e.device } });
    }
  }
  const laneEnds = new Map<string, number[]>();
  const timed: TraceEvent[] = [];
  const sorted = [...events].sort((a, b) => a.start - b.start);
  for (const e of sorted) {
    let lanes = laneEnds.get(e.device);
    if (!lanes) laneEnds.set(e.device, lanes = []);
    let tid = lanes.findIndex((end) => end <= e.start);
    if (tid < 0) tid = lanes.push(e.end) - 1;
    else lanes[tid] = e.end;
    const base = { name: e.name, cat: categoryOf(e.device === "engine" ? undefined : e.device) };
    const pid = pids.get(e.device)!;
    timed.push({ ...base, ph: "B", ts: e.start * 1000, pid, tid });
    timed.push({ ...base, ph: "E", ts: e.end * 1000, pid, tid });
  }
  // In time order; at equal times an end comes before a begin (back-to-back operations).
  timed.sort((a, b) => a.ts! - b.ts! || (a.ph === "E" ? -1 : 0) - (b.ph === "E" ? -1 : 0));
  return { traceEvents: [...traceEvents, ...timed], displayTimeUnit: "ms" };
}

/**
 * Writes the operations recorded so far to the configured file as a Chrome trace
 * (MXNet's `profiler.dump`) and clears them; with `finished` (the default) the profiler
 * also stops, as MXNet's "dump profile and stop profiler". Operations still running on
 * an asynchronous device are not in it: call `await mx.nd.waitAll()` first.
 */
export function dump(finished = true): void {
  Deno.writeTextFileSync(config.filename, JSON.stringify(traceObject()));
  events = [];
  if (finished) setState("stop");
}

/** Options of `dumps`. */
export interface DumpsOptions {
  /** Clear the aggregate statistics afterwards (default false). */
  reset?: boolean;
  /** "table" (default) or "json". */
  format?: "table" | "json";
  /** Order of each category's rows (default "total"). */
  sortBy?: "total" | "avg" | "min" | "max" | "count";
  /** Ascending order (default false: largest first). */
  ascending?: boolean;
}

const SORT_KEYS: Record<NonNullable<DumpsOptions["sortBy"]>, (s: Stat) => number> = {
  total: (s) => s.total,
  avg: (s) => s.total / s.count,
  min: (s) => s.min,
  max: (s) => s.max,
  count: (s) => s.count,
};

/**
 * MXNet's aggregate statistics (`profiler.dumps`): per category, each operator's count
 * and total, minimum, maximum and average time in milliseconds, as MXNet's table or
 * JSON. Needs `aggregateStats: true` in `setConfig`, as in MXNet.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * mx.profiler.setConfig({ aggregateStats: true, filename: "/tmp/p.json" });
 * mx.profiler.setState("run");
 * await mx.nd.ones([4]).mul(2).data();
 * mx.profiler.setState("stop");
 * console.log(mx.profiler.dumps({ reset: true }).includes("_mul_scalar")); // true
 * ```
 */
export function dumps(opts: DumpsOptions = {}): string {
  checkOptions("profiler.dumps", opts, ["reset", "format", "sortBy", "ascending"]);
  const format = opts.format ?? "table", sortBy = opts.sortBy ?? "total";
  if (format !== "table" && format !== "json") {
    throw new ParamError(
      `profiler.dumps: format expects "table" or "json", got ${describe(format)}`,
    );
  }
  const key = SORT_KEYS[sortBy];
  if (!key) {
    throw new ParamError(
      `profiler.dumps: sortBy expects one of ${Object.keys(SORT_KEYS).join(", ")}, got ${
        describe(sortBy)
      }`,
    );
  }
  const sign = opts.ascending ? 1 : -1;
  const rows = [...stats].map(([cat, byName]) =>
    [cat, [...byName].sort((a, b) => sign * (key(a[1]) - key(b[1])))] as const
  );
  const out = format === "table" ? table(rows) : json(rows);
  if (opts.reset) stats = new Map();
  return out;
}

type Rows = readonly (readonly [string, [string, Stat][]])[];

const ms = (x: number) => x.toFixed(4).padStart(16);

function table(rows: Rows): string {
  const lines = [
    "",
    "Profile Statistics:",
    "\tNote the difference in units for different entries.",
  ];
  for (const [cat, entries] of rows) {
    lines.push(cat, "=================");
    const head = ["Total Count", "Time (ms)", "Min Time (ms)", "Max Time (ms)", "Avg Time (ms)"];
    const rule = ["-----------", "---------", "-------------", "-------------", "-------------"];
    lines.push("Name".padEnd(25) + head.map((h) => h.padStart(16)).join(" "));
    lines.push("----".padEnd(25) + rule.map((h) => h.padStart(16)).join(" "));
    for (const [name, s] of entries) {
      lines.push(
        name.padEnd(25) + String(s.count).padStart(16) + " " +
          [s.total, s.min, s.max, s.total / s.count].map(ms).join(" "),
      );
    }
    lines.push("");
  }
  return lines.join("\n") + "\n";
}

function json(rows: Rows): string {
  const time = Object.fromEntries(rows.map(([cat, entries]) => [
    cat,
    Object.fromEntries(entries.map(([name, s]) => [name, {
      Count: s.count,
      Total: s.total,
      Min: s.min,
      Max: s.max,
      Avg: s.total / s.count,
    }])),
  ]));
  return JSON.stringify({ Time: time, Memory: {}, Unit: { Time: "ms", Memory: "kB" } }, null, 4);
}
