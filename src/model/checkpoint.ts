/**
 * Checkpoints in MXNet's layout: `prefix-symbol.json` and `prefix-0001.params` with
 * `arg:`/`aux:` keys.
 *
 * A checkpoint is two files, and no file system replaces two files at once. So both are
 * written to temporary files and flushed first, then renamed (the parameters first, the
 * symbol last; an unchanged symbol file is not rewritten), and the pair carries a stamp:
 * the `.params` header's reserved word (which MXNet writes as 0 and never reads) holds a
 * hash of the symbol file's text. `loadCheckpoint` recomputes it and refuses a pair that
 * does not belong together (a save killed between its renames, or one file replaced)
 * instead of running a network with someone else's weights. Files without a stamp (all of
 * Apache MXNet's) load as before, and MXNet loads ours unchanged.
 * @module
 */
import { FormatError, MXNetError } from "../core/errors.ts";
import {
  commitStaged,
  discardStaged,
  readFileChecked,
  readTextFileChecked,
  removeStaleTemps,
  type StagedFile,
  stageFile,
} from "../core/files.ts";
import { checkOptions } from "../core/options.ts";
import { type LoadOptions, loadStamped, saveChunks } from "../ndarray/io.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { loadJSON } from "../symbol/json.ts";
import type { Symbol } from "../symbol/symbol.ts";

/** `prefix-0007.params`. */
export function paramsPath(prefix: string, epoch: number): string {
  return `${prefix}-${String(epoch).padStart(4, "0")}.params`;
}

/** `prefix-symbol.json`. */
function symbolPath(prefix: string): string {
  return `${prefix}-symbol.json`;
}

/**
 * The stamp of a symbol file's text: the first 8 bytes of its SHA-256, never 0 (0 is
 * what MXNet writes: no stamp).
 */
export async function symbolStamp(text: string): Promise<bigint> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const v = new DataView(digest).getBigUint64(0, true);
  return v === 0n ? 1n : v;
}

/** The text of `path`, or null when it cannot be read (it is then simply rewritten). */
async function currentText(path: string): Promise<string | null> {
  try {
    return await readTextFileChecked(path, "saveCheckpoint");
  } catch {
    return null;
  }
}

/**
 * Saves a symbol and its parameters (MXNet's `save_checkpoint`), atomically per file and
 * stamped as a pair (see the module docs). With `symbol` null only the parameters are
 * written, unstamped.
 */
export async function saveCheckpoint(
  prefix: string,
  epoch: number,
  symbol: Symbol | null,
  argParams: Record<string, NDArray>,
  auxParams: Record<string, NDArray> = {},
): Promise<void> {
  const where = "saveCheckpoint";
  const all = Object.fromEntries([
    ...Object.entries(argParams).map(([k, v]) => [`arg:${k}`, v] as const),
    ...Object.entries(auxParams).map(([k, v]) => [`aux:${k}`, v] as const),
  ]);
  const staged: StagedFile[] = [];
  try {
    let stamp = 0n;
    if (symbol) {
      const text = symbol.toJSON();
      stamp = await symbolStamp(text);
      const path = symbolPath(prefix);
      // The usual case, the same network every epoch: nothing to replace, no window (a
      // killed save's temporary symbol file is still cleaned up).
      if (await currentText(path) !== text) {
        staged.push(await stageFile(path, new TextEncoder().encode(text), where));
      } else await removeStaleTemps(path);
    }
    const params = await stageFile(paramsPath(prefix, epoch), saveChunks(all, { stamp }), where);
    // Parameters first: until the symbol is renamed, older epochs still match it.
    staged.unshift(params);
  } catch (e) {
    await discardStaged(staged);
    throw e;
  }
  await commitStaged(staged, where);
}

/** Options of `loadCheckpoint`. */
export type LoadCheckpointOptions = LoadOptions;

/**
 * Loads what `saveCheckpoint` wrote (or MXNet did), stripping the `arg:`/`aux:` prefixes.
 * @throws FileNotFoundError when either file is missing.
 * @throws MXNetError when the parameters were saved with a different symbol file (their
 * stamp does not match it).
 */
export async function loadCheckpoint(
  prefix: string,
  epoch: number,
  opts: LoadCheckpointOptions = {},
): Promise<{
  symbol: Symbol;
  argParams: Record<string, NDArray>;
  auxParams: Record<string, NDArray>;
}> {
  const where = "loadCheckpoint";
  checkOptions(where, opts, ["ctx", "maxDecodedBytes"]);
  const symFile = symbolPath(prefix);
  const text = await readTextFileChecked(symFile, where);
  const symbol = loadJSON(text, symFile);
  const file = paramsPath(prefix, epoch);
  const bytes = await readFileChecked(file, where);
  const expected = await symbolStamp(text);
  const loaded = loadStamped(bytes, { ...opts, source: file }, (stamp) => {
    if (stamp === 0n || stamp === expected) return;
    throw new MXNetError(
      `${where}: ${file} was not saved with this ${symFile}: the parameters carry the stamp ` +
        `${hex(stamp)} of the symbol they were saved with, the symbol file's is ` +
        `${hex(expected)}. A save was interrupted between writing the two files, or one of ` +
        `them was replaced since; load the pair from an intact checkpoint (or, if you know ` +
        `they fit, load them separately with mx.sym.load and mx.nd.load)`,
    );
  });
  if (Array.isArray(loaded)) {
    for (const a of loaded) a.dispose();
    throw new FormatError(
      `${file}: a checkpoint needs named arrays (arg:/aux:), found a plain list`,
    );
  }
  const args: [string, NDArray][] = [], aux: [string, NDArray][] = [];
  for (const [k, v] of Object.entries(loaded)) {
    if (k.startsWith("arg:")) args.push([k.slice(4), v]);
    else if (k.startsWith("aux:")) aux.push([k.slice(4), v]);
    else args.push([k, v]);
  }
  // fromEntries: a name such as "__proto__" stays a key, never the object's prototype.
  return { symbol, argParams: Object.fromEntries(args), auxParams: Object.fromEntries(aux) };
}

function hex(v: bigint): string {
  return `0x${v.toString(16).padStart(16, "0")}`;
}
