/**
 * Options objects are checked, never trusted: a misspelt key (`numEpochs` for `numEpoch`,
 * Python's `num_epoch`) must not be silently ignored, as Python would raise a TypeError
 * for an unknown keyword argument.
 * @module
 */
import { ParamError } from "./errors.ts";

/** The edit distance between two strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/** `num_epoch` -> `numEpoch`. */
function camelOf(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The known key closest to `key` (case-insensitive, snake_case read as camelCase). */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const k = camelOf(key).toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of known) {
    const d = distance(k, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  // Suggest only what looks like a misspelling, not any key at all.
  return best !== undefined && bestD <= Math.max(2, Math.floor(k.length / 3)) ? best : undefined;
}

/**
 * Throws a ParamError when `opts` has a key outside `known`, naming `where`, the key and
 * the nearest known key. Keys whose value is `undefined` count as given (a typo is a typo).
 * @example
 * ```ts
 * import { checkOptions } from "./options.ts";
 * checkOptions("fit", { numEpoch: 2 }, ["numEpoch", "batchSize"]); // fine
 * try {
 *   checkOptions("fit", { numEpochs: 2 }, ["numEpoch", "batchSize"]);
 * } catch (e) {
 *   console.log((e as Error).message); // fit: unknown option numEpochs; did you mean numEpoch? ...
 * }
 * ```
 */
export function checkOptions(
  where: string,
  opts: object | null | undefined,
  known: readonly string[],
): void {
  if (opts === null || opts === undefined) return;
  if (typeof opts !== "object" || Array.isArray(opts)) {
    throw new ParamError(`${where}: options must be an object, got ${describe(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (known.includes(key)) continue;
    const near = nearestKey(key, known);
    const hint = near ? `did you mean ${near}? ` : "";
    throw new ParamError(
      `${where}: unknown option ${key}; ${hint}known options: ${[...known].sort().join(", ")}`,
    );
  }
}

/** A short description of a value for messages: its type, and its value when small. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array ${JSON.stringify(v).slice(0, 40)}`;
  if (typeof v === "object") return (v as object).constructor?.name ?? "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * The names of an options type, for `checkOptions`: written once as an object with every
 * key of `T` set to true, so the compiler fails when a key is missing or not one of `T`'s
 * (a list kept beside an interface by hand drifts).
 * @example
 * ```ts
 * import { keysOf } from "./options.ts";
 * interface FitOptions { numEpoch: number; batchSize?: number }
 * const keys = keysOf<FitOptions>({ numEpoch: true, batchSize: true });
 * console.log(keys); // ["numEpoch", "batchSize"]
 * ```
 */
export function keysOf<T extends object>(
  keys: { readonly [K in keyof Required<T>]: true },
): string[] {
  return Object.keys(keys);
}
