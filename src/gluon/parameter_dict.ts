/**
 * `ParameterDict`: parameters by full name (`dense0_weight`), as `collectParams()`
 * returns them; initializes, saves, loads and sets attributes on all of them at once.
 * @module
 */
import type { Context } from "../core/context.ts";
import { MXNetError, ParamError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { load as loadArrays, save as saveArrays } from "../ndarray/io.ts";
import {
  Constant,
  type InitLike,
  Parameter,
  type ParameterOptions,
  untraced,
} from "./parameter.ts";
import type { ArrayLikeInput } from "../ndarray/input.ts";

/** Options of `ParameterDict.initialize` and `Block.initialize`. */
export interface InitializeOptions {
  /** One context or several (one copy of each parameter per context). */
  ctx?: Context | readonly Context[];
  /** Print what is initialized. */
  verbose?: boolean;
  /** Re-initialize parameters that already hold data. */
  forceReinit?: boolean;
}

/** Options of `ParameterDict.load` / `loadDict`. */
export interface LoadOptions {
  /** Context(s) to create the loaded parameters on. */
  ctx?: Context | readonly Context[];
  /** Leave parameters the file lacks as they are instead of failing. */
  allowMissing?: boolean;
  /** Skip arrays of the file that match no parameter instead of failing. */
  ignoreExtra?: boolean;
  /** Prepended to the file's names before matching. */
  restorePrefix?: string;
  /** Convert the loaded arrays to the parameters' dtype (or the reverse, see dtypeSource). */
  castDtype?: boolean;
  /** With castDtype: keep the parameters' dtype ("current") or take the file's ("saved"). */
  dtypeSource?: "current" | "saved";
}

const LOAD_OPTIONS = [
  "ctx",
  "allowMissing",
  "ignoreExtra",
  "restorePrefix",
  "castDtype",
  "dtypeSource",
];

/** At most a few names, for messages. */
export function briefList(names: Iterable<string>, limit = 6): string {
  const all = [...names];
  if (all.length === 0) return "none";
  const shown = all.slice(0, limit).join(", ");
  return all.length > limit ? `${shown}, ... (${all.length} in all)` : shown;
}

/**
 * Parameters by full name. `get` creates or retrieves `prefix + name`; `at` looks a name
 * up as it is.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const d = new mx.gluon.ParameterDict("net_");
 * d.get("weight", { shape: [2] });
 * console.log([...d.keys()]); // ["net_weight"]
 * ```
 */
export class ParameterDict {
  readonly #prefix: string;
  readonly #params = new Map<string, Parameter>();
  readonly #shared: ParameterDict | null;

  /** A dict whose `get` prefixes names with `prefix`, looking first in `shared`. */
  constructor(prefix = "", shared: ParameterDict | null = null) {
    this.#prefix = prefix;
    this.#shared = shared;
  }

  /** The prefix `get` prepends. */
  get prefix(): string {
    return this.#prefix;
  }

  /** @internal The dict `get` falls back to (parameter sharing). */
  get _shared(): ParameterDict | null {
    return this.#shared;
  }

  /** Number of parameters. */
  get size(): number {
    return this.#params.size;
  }

  /** Full names, in insertion order. */
  keys(): IterableIterator<string> {
    return this.#params.keys();
  }
  /** Parameters, in insertion order. */
  values(): IterableIterator<Parameter> {
    return this.#params.values();
  }
  /** `[name, parameter]` pairs (MXNet's `items()`). */
  items(): IterableIterator<[string, Parameter]> {
    return this.#params.entries();
  }
  /** `[name, parameter]` pairs. */
  entries(): IterableIterator<[string, Parameter]> {
    return this.#params.entries();
  }
  /** Iterates `[name, parameter]` pairs. */
  [Symbol.iterator](): IterableIterator<[string, Parameter]> {
    return this.#params.entries();
  }
  /** True when `name` (a full name) is here. */
  has(name: string): boolean {
    return this.#params.has(name);
  }

  /** The parameter with full name `name` (Python's `params[name]`); throws when absent. */
  at(name: string): Parameter {
    const p = this.#params.get(name);
    if (!p) {
      throw new MXNetError(
        `ParameterDict: no parameter named ${name}; it holds ${briefList(this.#params.keys())}`,
      );
    }
    return p;
  }

  /** @internal Adds `p` under its name (the caller checked for clashes). */
  _add(p: Parameter): void {
    this.#params.set(p.name, p);
  }

  #lookup(name: string): Parameter | undefined {
    const own = this.#params.get(name);
    if (own) return own;
    const shared = this.#shared ? this.#shared.#params.get(name) : undefined;
    if (shared) this.#params.set(name, shared);
    return shared;
  }

  /**
   * Retrieves `prefix + name` (here or in the shared dict), or creates it with `opts`.
   * An existing parameter must agree with the given options (unknown sizes are filled).
   */
  get(name: string, opts: ParameterOptions = {}): Parameter {
    const full = this.#prefix + name;
    // `collectParams().get("dense0_weight")` (Python's `params['dense0_weight']`): a full
    // name asked without options is that parameter, not a new shapeless one.
    const exact = Object.keys(opts).length === 0 && !this.#params.has(full)
      ? this.#params.get(name)
      : undefined;
    if (exact) return exact;
    const found = this.#lookup(full);
    if (!found) {
      const p = new Parameter(full, opts);
      p._named = true;
      this.#params.set(full, p);
      return p;
    }
    for (const [k, v] of Object.entries(opts)) {
      if (v === undefined || v === null) continue;
      if (k === "shape") {
        found.shape = typeof v === "number" ? [v] : v as number[];
        continue;
      }
      const cur = (found as unknown as Record<string, unknown>)[k];
      if (cur === undefined || cur === null) {
        (found as unknown as Record<string, unknown>)[k] = v;
      } else if (cur !== v && k !== "allowDeferredInit" && k !== "differentiable") {
        throw new ParamError(
          `ParameterDict.get: cannot retrieve parameter ${full}: ${k} is ${
            JSON.stringify(cur)
          }, asked for ${JSON.stringify(v)}`,
        );
      }
    }
    return found;
  }

  /** Retrieves or creates the Constant `prefix + name`. */
  getConstant(name: string, value?: NDArray | ArrayLikeInput): Constant {
    const full = this.#prefix + name;
    const found = this.#lookup(full);
    if (!found) {
      if (value === undefined) {
        throw new MXNetError(
          `ParameterDict.getConstant: no constant named ${full}; give a value to create it`,
        );
      }
      const c = new Constant(full, value);
      c._named = true;
      this.#params.set(full, c);
      return c;
    }
    if (!(found instanceof Constant)) {
      throw new MXNetError(`ParameterDict.getConstant: ${full} exists but is not a Constant`);
    }
    return found;
  }

  /** Adds every parameter of `other`; a different parameter under the same name throws. */
  update(other: ParameterDict | Iterable<[string, Parameter]>): void {
    const pairs = [...(other instanceof ParameterDict ? other.items() : other)];
    for (const [k, v] of pairs) {
      const mine = this.#params.get(k);
      if (mine && mine !== v) {
        throw new MXNetError(
          `ParameterDict.update: two different parameters are named ${k}; give the blocks ` +
            `distinct prefixes, or share the parameter itself`,
        );
      }
    }
    for (const [k, v] of pairs) this.#params.set(k, v);
  }

  /**
   * Initializes every parameter: its own initializer, else `init` (default Uniform).
   * @example
   * ```ts
   * import * as mx from "../../mod.ts";
   * const d = new mx.gluon.ParameterDict();
   * d.get("w_weight", { shape: [2] });
   * d.initialize(new mx.init.One());
   * console.log(await d.at("w_weight").data().array()); // [1, 1]
   * ```
   */
  initialize(init?: InitLike, opts: InitializeOptions = {}): void {
    checkOptions("initialize", opts, ["ctx", "verbose", "forceReinit"]);
    for (const p of this.#params.values()) {
      if (opts.verbose) console.log(`initialize ${p.name}`);
      p.initialize(null, { ctx: opts.ctx, defaultInit: init, forceReinit: opts.forceReinit });
    }
  }

  /** Sets every gradient to 0. */
  zeroGrad(): void {
    for (const p of this.#params.values()) p.zeroGrad();
  }

  /** Moves every parameter to `ctx`. */
  resetCtx(ctx: Context | readonly Context[]): void {
    for (const p of this.#params.values()) p.resetCtx(ctx);
  }

  /** Every context some parameter lives on. */
  listCtx(): Context[] {
    const out: Context[] = [];
    for (const p of this.#params.values()) {
      for (const c of p.listCtx()) if (!out.some((o) => o.equals(c))) out.push(c);
    }
    return out;
  }

  /**
   * Sets attribute `name` on every parameter: `setattr("gradReq", "null")`,
   * `setattr("lrMult", 0.5)` (MXNet's snake_case names are accepted too).
   */
  setattr(name: string, value: unknown): void {
    const key = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const allowed = ["gradReq", "lrMult", "wdMult", "init", "dtype"];
    if (!allowed.includes(key)) {
      throw new ParamError(
        `ParameterDict.setattr: unknown attribute ${name}; settable: ${allowed.join(", ")}`,
      );
    }
    for (const p of this.#params.values()) {
      (p as unknown as Record<string, unknown>)[key] = value;
    }
  }

  /** Writes every parameter (averaged over contexts) under its name minus `stripPrefix`. */
  async save(filename: string, stripPrefix = ""): Promise<void> {
    const arrays: Record<string, NDArray> = {};
    for (const p of this.#params.values()) {
      if (!p.name.startsWith(stripPrefix)) {
        throw new MXNetError(
          `ParameterDict.save: prefix ${stripPrefix} is to be stripped, but parameter ` +
            `${p.name} does not start with it`,
        );
      }
      arrays[p.name.slice(stripPrefix.length)] = p._reduce();
    }
    try {
      await saveArrays(filename, arrays);
    } finally {
      for (const a of Object.values(arrays)) a.dispose();
    }
  }

  /** Loads a file written by `save`, `export` or MXNet (`arg:`/`aux:` prefixes stripped). */
  async load(filename: string, opts: LoadOptions = {}): Promise<void> {
    checkOptions("ParameterDict.load", opts, LOAD_OPTIONS);
    const restore = opts.restorePrefix ?? "";
    if (restore) {
      for (const name of this.#params.keys()) {
        if (!name.startsWith(restore)) {
          throw new MXNetError(
            `ParameterDict.load: restorePrefix is ${restore} but parameter ${name} does not ` +
              `start with it`,
          );
        }
      }
    }
    const loaded = await loadArrays(filename);
    if (Array.isArray(loaded)) {
      for (const a of loaded) a.dispose();
      throw new MXNetError(
        `ParameterDict.load: ${filename} holds unnamed arrays; a parameter file names each one`,
      );
    }
    try {
      this.loadDict(loaded, { ...opts, source: filename } as LoadOptions);
    } finally {
      for (const a of Object.values(loaded)) a.dispose();
    }
  }

  /** Loads named arrays (`arg:`/`aux:` prefixes stripped) into the parameters. */
  loadDict(dict: Record<string, NDArray>, opts: LoadOptions & { source?: string } = {}): void {
    checkOptions("ParameterDict.loadDict", opts, [...LOAD_OPTIONS, "source"]);
    const restore = opts.restorePrefix ?? "";
    const source = opts.source ? `file ${opts.source}` : "the given arrays";
    const arrays = new Map<string, NDArray>();
    for (const [k, v] of Object.entries(dict)) {
      arrays.set(restore + (k.startsWith("arg:") || k.startsWith("aux:") ? k.slice(4) : k), v);
    }
    if (!opts.allowMissing) {
      const missing = [...this.#params.keys()].filter((n) => !arrays.has(n));
      if (missing.length) {
        throw new MXNetError(
          `load: parameter(s) ${
            briefList(missing.map((n) => n.slice(restore.length)))
          } missing in ${source}, which holds ${
            briefList(arrays.keys())
          }; make sure the networks have the same prefixes, or set allowMissing: true`,
        );
      }
    }
    for (const [name, value] of arrays) {
      const p = this.#params.get(name);
      if (!p) {
        if (opts.ignoreExtra) continue;
        throw new MXNetError(
          `load: parameter ${
            name.slice(restore.length)
          } from ${source} is not in the network, which holds ${
            briefList(this.#params.keys())
          }; set ignoreExtra: true to skip it`,
        );
      }
      untraced(() =>
        p._loadInit(value, opts.ctx, {
          castDtype: opts.castDtype,
          dtypeSource: opts.dtypeSource,
          source,
        })
      );
    }
  }

  /** Frees every parameter's arrays. */
  dispose(): void {
    for (const p of this.#params.values()) p.dispose();
  }

  /** `prefix (Parameter ..., ...)`, like MXNet's repr. */
  toString(): string {
    const lines = [...this.#params.values()].map((p) => `  ${p}`);
    return `${this.#prefix ? this.#prefix + " " : ""}(\n${lines.join("\n")}\n)`;
  }
}
