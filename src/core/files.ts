/**
 * Reading and writing files the way every saver and loader here must: a missing file is a
 * {@link FileNotFoundError}, and a save is atomic — the bytes go to a temporary file in
 * the same directory, which is flushed to disk (`fsync`) and then renamed over the target,
 * and the directory is flushed too, so a crash or `kill -9` at any moment leaves either
 * the old file or the new one, never a mix. Temporary files are named
 * `<file>.<pid>-<random>.tmp`; the next save of the same path removes those whose process
 * is gone (a save killed half-way), so they never pile up.
 *
 * Every function here also takes a URI: `file:///path`, and remote files
 * (`s3://bucket/key`, `hdfs://namenode:port/path`, `http(s)://` for reading), which
 * `src/core/remote/` serves with the same guarantees (a save appears complete or not at
 * all).
 * @module
 */
import { FileNotFoundError, MXNetError } from "./errors.ts";
import {
  type FileContent,
  isRemote,
  localPath,
  type RemoteStaged,
  storeFor,
} from "./remote/mod.ts";

export type { FileContent };

/** Turns a failed read into FileNotFoundError or an MXNetError naming `where` and `path`. */
function readError(where: string, path: string, e: unknown): MXNetError {
  if (e instanceof Deno.errors.NotFound) return new FileNotFoundError(where, path, { cause: e });
  return new MXNetError(`${where}: cannot read ${path}: ${(e as Error).message}`, { cause: e });
}

/**
 * The bytes of `path`.
 * @throws FileNotFoundError when it does not exist; MXNetError for other failures.
 */
export async function readFileChecked(
  path: string,
  where: string,
): Promise<Uint8Array<ArrayBuffer>> {
  if (isRemote(path)) return (await storeFor(path)).read(path, where);
  try {
    return await Deno.readFile(localPath(path));
  } catch (e) {
    throw readError(where, path, e);
  }
}

/**
 * The bytes of `path`, read synchronously (for loaders that must not await).
 * @throws FileNotFoundError when it does not exist; MXNetError for other failures.
 */
export function readFileSyncChecked(path: string, where: string): Uint8Array<ArrayBuffer> {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    throw readError(where, path, e);
  }
}

/**
 * The text of `path` (UTF-8).
 * @throws FileNotFoundError when it does not exist; MXNetError for other failures.
 */
export async function readTextFileChecked(path: string, where: string): Promise<string> {
  if (isRemote(path)) return new TextDecoder().decode(await readFileChecked(path, where));
  try {
    return await Deno.readTextFile(localPath(path));
  } catch (e) {
    throw readError(where, path, e);
  }
}

/** Temporary files this process is writing now (a save in flight is not stale). */
const inFlight = new Set<string>();

function split(path: string): { dir: string; base: string } {
  const i = path.lastIndexOf("/");
  return i < 0
    ? { dir: ".", base: path }
    : { dir: path.slice(0, i) || "/", base: path.slice(i + 1) };
}

function tempName(path: string): string {
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(16).padStart(8, "0");
  return `${path}.${Deno.pid}-${rand}.tmp`;
}

/** True when process `pid` may still be running (unknown platforms: assume it is). */
function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    // Without /proc (macOS, Windows) a temp of another process is left alone.
    return !(e instanceof Deno.errors.NotFound) || !procAvailable();
  }
}

let hasProc: boolean | undefined;
function procAvailable(): boolean {
  if (hasProc === undefined) {
    try {
      hasProc = Deno.statSync("/proc/self").isDirectory;
    } catch {
      hasProc = false;
    }
  }
  return hasProc;
}

/**
 * Removes temporaries of `path` that a killed save left: those of a process that is gone,
 * and this process's own ones that no save is writing (a previous incarnation with the
 * same pid, as in a restarted container). Best effort: failures are ignored.
 */
export async function removeStaleTemps(path: string): Promise<void> {
  // Remote stores leave no temporaries a later save must clean (an S3 upload that is never
  // completed is not an object; HDFS temporaries are deleted when a save fails).
  if (isRemote(path)) return;
  path = localPath(path);
  const { dir, base } = split(path);
  const pattern = /^\.(\d+)-[0-9a-f]{8}\.tmp$/;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.startsWith(base) || !entry.isFile) continue;
      const m = pattern.exec(entry.name.slice(base.length));
      if (!m) continue;
      const full = dir === "." ? entry.name : `${dir === "/" ? "" : dir}/${entry.name}`;
      const pid = Number(m[1]);
      const stale = pid === Deno.pid ? !inFlight.has(full) : !alive(pid);
      if (stale) await Deno.remove(full).catch(() => {});
    }
  } catch {
    // An unreadable directory: the save itself will report the problem.
  }
}

/** Writes all of `buf` (a write may take only part of it). */
async function writeAll(file: Deno.FsFile, buf: Uint8Array): Promise<void> {
  for (let at = 0; at < buf.length;) at += await file.write(buf.subarray(at));
}

/** Flushes a directory's entries (the rename) to disk; not possible everywhere. */
async function syncDir(dir: string): Promise<void> {
  let d: Deno.FsFile | undefined;
  try {
    d = await Deno.open(dir, { read: true });
    await d.sync();
  } catch {
    // Windows cannot open a directory; its rename is durable on its own terms.
  } finally {
    d?.close();
  }
}

/** A temporary file written and flushed, waiting to be renamed over its target. */
export interface StagedFile {
  /** The target path. */
  readonly path: string;
  /** The temporary file holding the new content. */
  readonly temp: string;
  /** For a remote target, the store's staged upload instead of a temporary file. */
  readonly remote?: RemoteStaged;
}

/**
 * Writes `content` to a fresh temporary file beside `path` and flushes it to disk;
 * `commitStaged` then puts it in place. On failure the temporary file is removed.
 * @throws MXNetError naming `where` and `path`.
 */
export async function stageFile(
  path: string,
  content: FileContent,
  where: string,
): Promise<StagedFile> {
  if (isRemote(path)) {
    const remote = await (await storeFor(path)).stage(path, content, where);
    return { path, temp: "", remote };
  }
  path = localPath(path);
  await removeStaleTemps(path);
  const temp = tempName(path);
  inFlight.add(temp);
  try {
    const file = await Deno.open(temp, { write: true, createNew: true });
    try {
      if (content instanceof Uint8Array) await writeAll(file, content);
      else for await (const chunk of content) await writeAll(file, chunk);
      await file.sync();
    } finally {
      file.close();
    }
    return { path, temp };
  } catch (e) {
    inFlight.delete(temp);
    await Deno.remove(temp).catch(() => {});
    if (e instanceof MXNetError) throw e;
    throw new MXNetError(`${where}: cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Renames staged files over their targets, in order, then flushes their directories.
 * Each rename is atomic; several files are replaced one after the other (a crash between
 * two renames leaves some old and some new: a checkpoint's stamp detects that).
 * @throws MXNetError naming `where`; temporaries not yet renamed are removed.
 */
export async function commitStaged(staged: readonly StagedFile[], where: string): Promise<void> {
  let i = 0;
  try {
    for (; i < staged.length; i++) {
      const s = staged[i];
      if (s.remote) await s.remote.commit();
      else await Deno.rename(s.temp, s.path);
      inFlight.delete(s.temp);
    }
  } catch (e) {
    await discardStaged(staged.slice(i));
    if (e instanceof MXNetError) throw e; // a remote store's error names the file already
    const p = staged[i]?.path ?? "";
    throw new MXNetError(`${where}: cannot write ${p}: ${(e as Error).message}`, { cause: e });
  }
  const local = staged.filter((s) => !s.remote);
  for (const dir of new Set(local.map((s) => split(s.path).dir))) await syncDir(dir);
}

/** Removes staged temporaries that will not be committed. */
export async function discardStaged(staged: readonly StagedFile[]): Promise<void> {
  for (const s of staged) {
    if (s.remote) {
      await s.remote.discard();
      continue;
    }
    inFlight.delete(s.temp);
    await Deno.remove(s.temp).catch(() => {});
  }
}

/**
 * Replaces `path` with `content` atomically (see the module docs): a failure or a crash at
 * any point leaves the old file, if any, intact.
 * @throws MXNetError naming `where` and `path`.
 */
export async function writeFileAtomic(
  path: string,
  content: FileContent,
  where: string,
): Promise<void> {
  await commitStaged([await stageFile(path, content, where)], where);
}
