/**
 * `mx.monitor`: watch the statistics of a network's intermediate outputs, arguments and
 * auxiliary states while it trains (MXNet's `mx.monitor.Monitor`).
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { keep, scope } from "../ndarray/scope.ts";
import type { Executor } from "../symbol/executor.ts";

/** Computes the statistic of one array (an array: MXNet's stat functions return NDArrays). */
export type StatFunc = (x: NDArray) => NDArray;

/** One result line of `toc`: `[step, name, statistic as text]`, as MXNet's tuples. */
export type MonitorStat = [number, string, string];

/** MXNet's default statistic: `norm(x) / sqrt(x.size)` (the root mean square). */
export function defaultStat(x: NDArray): NDArray {
  return x.norm().div(Math.sqrt(x.size));
}

/**
 * Collects a statistic of every tensor whose name matches `pattern` on every `interval`-th
 * batch: the outputs of each operator node during forward (through
 * `Executor.setMonitorCallback`) and, at `toc`, the arguments and auxiliary states.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const net = mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 2, name: "fc" });
 * const ex = net.simpleBind(mx.cpu(), { data: [1, 3] });
 * const mon = new mx.monitor.Monitor(1, undefined, "fc_output");
 * mon.install(ex);
 * mon.tic();
 * ex.forward({ data: mx.nd.ones([1, 3]) });
 * console.log(await mon.toc()); // [[1, "fc_output", "0.0\t"]]
 * ```
 */
export class Monitor {
  /** Batches between collections. */
  readonly interval: number;
  /** The statistic computed per tensor. */
  readonly statFunc: StatFunc;
  /** Sort the results by name. */
  readonly sort: boolean;
  /** Also watch each node's inputs, not only its outputs. */
  readonly monitorAll: boolean;
  /** Batches seen (`tic` calls). */
  step = 0;
  #pattern: RegExp;
  #activated = false;
  #queue: { step: number; name: string; stat: NDArray }[] = [];
  #executors: Executor[] = [];

  /**
   * `statFunc` defaults to `defaultStat`; `pattern` is a regular expression matched at the
   * start of each name (Python's `re.match`), e.g. `".*weight|.*output"`.
   */
  constructor(
    interval: number,
    statFunc?: StatFunc | null,
    pattern = ".*",
    sort = false,
    monitorAll = false,
  ) {
    if (!Number.isInteger(interval) || interval < 1) {
      throw new MXNetError(`Monitor: interval must be a positive integer, got ${interval}`);
    }
    this.interval = interval;
    this.statFunc = statFunc ?? defaultStat;
    this.sort = sort;
    this.monitorAll = monitorAll;
    try {
      this.#pattern = new RegExp(`^(?:${pattern})`);
    } catch (e) {
      throw new MXNetError(`Monitor: pattern ${pattern} is not a valid regular expression`, {
        cause: e,
      });
    }
  }

  /** Installs the monitor's callback on `executor` (several executors may share one). */
  install(executor: Executor): void {
    executor.setMonitorCallback((name, array) => {
      if (this.#activated && this.#pattern.test(name)) this.#push(name, array);
    }, this.monitorAll);
    this.#executors.push(executor);
  }

  /**
   * Removes the callback from `executor` and stops reading its arrays (an mxts addition:
   * `Module.reshape` replaces its executors and moves the monitor to the new ones).
   */
  uninstall(executor: Executor): void {
    const i = this.#executors.indexOf(executor);
    if (i < 0) return;
    executor.setMonitorCallback(null);
    this.#executors.splice(i, 1);
  }

  /** Starts collecting for the coming batch when it is an `interval`-th one; call before forward. */
  tic(): void {
    if (this.step % this.interval === 0) {
      this.#clearQueue();
      this.#activated = true;
    }
    this.step++;
  }

  /**
   * Ends collecting: adds the matching arguments and auxiliary states, and returns every
   * statistic as `[step, name, text]` (the text is each value followed by a tab, as
   * MXNet's). Empty when this batch was not collected.
   */
  async toc(): Promise<MonitorStat[]> {
    if (!this.#activated) return [];
    for (const ex of this.#executors) {
      for (const name of ex.symbol.listArguments()) {
        if (this.#pattern.test(name)) this.#push(name, ex.argDict[name]);
      }
      for (const name of ex.symbol.listAuxiliaryStates()) {
        if (this.#pattern.test(name)) this.#push(name, ex.auxDict[name]);
      }
    }
    this.#activated = false;
    const queue = this.#queue;
    this.#queue = [];
    if (this.sort) queue.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    try {
      const res: MonitorStat[] = [];
      for (const { step, name, stat } of queue) res.push([step, name, await statText(stat)]);
      return res;
    } finally {
      for (const { stat } of queue) stat.dispose();
    }
  }

  /** `toc`, writing each line as MXNet's `toc_print` logs it (default console.log). */
  async tocPrint(logger: (line: string) => void = console.log): Promise<void> {
    for (const [step, name, text] of await this.toc()) {
      logger(`Batch: ${String(step).padStart(7)} ${name.padEnd(30)} ${text}`);
    }
  }

  /** Computes the statistic now (the array may be an intermediate freed after forward). */
  #push(name: string, array: NDArray): void {
    const stat = keep(scope(() => this.statFunc(array)));
    this.#queue.push({ step: this.step, name, stat });
  }

  #clearQueue(): void {
    for (const { stat } of this.#queue) stat.dispose();
    this.#queue = [];
  }
}

/** MXNet's text of a statistic: a shape-[1] array as its scalar, else the array; then a tab. */
async function statText(stat: NDArray): Promise<string> {
  const values = Array.from(await stat.data() as ArrayLike<number | bigint>, Number);
  const single = stat.dtype === "float32" || stat.dtype === "float16";
  const text = values.map((v) => pyFloat(v, single));
  return (stat.shape.length === 1 && stat.shape[0] === 1 ? text[0] : `[${text.join(" ")}]`) +
    "\t";
}

/**
 * A number as Python prints a NumPy float: the shortest digits that read back to the same
 * value (in float32 for float32 arrays), positional for magnitudes from 1e-4 up to 1e16
 * with a `.0` on whole numbers, scientific (`1e-05`) outside.
 */
function pyFloat(v: number, float32 = true): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const same = (s: string) => (float32 ? Math.fround(Number(s)) === v : Number(s) === v);
  let digits = 1;
  while (digits < 17 && !same(v.toPrecision(digits))) digits++;
  const [mantissa, expText] = v.toExponential(digits - 1).split("e");
  const exp = Number(expText);
  // NumPy switches on the value itself: float32 0.0001 (9.99999975e-05) prints as 1e-04.
  if (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e16) {
    return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const positional = Number(v.toPrecision(digits)).toString();
  return positional.includes(".") ? positional : `${positional}.0`;
}
