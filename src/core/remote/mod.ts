/**
 * Remote files: every saver and loader in the library takes a URI as well as a local path
 * (`s3://bucket/key`, `hdfs://namenode:port/path`, `hdfs:///path`, `http(s)://...` for
 * reading, `file:///path`). `src/core/files.ts` sends a URI here; each scheme is one
 * {@link RemoteStore} in its own file, loaded only when a URI of that scheme is used.
 *
 * The local guarantee (a save is atomic) becomes: the object appears complete or not at
 * all. S3 stages a save as a multipart upload that is completed on commit (and aborted on
 * failure); HDFS writes a temporary file and renames it.
 * @module
 */
import { MXNetError } from "../errors.ts";

/** Content to write: bytes, or chunks produced one at a time (never all in memory). */
export type FileContent = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** A write staged on a store: `commit` makes it visible, `discard` drops it. */
export interface RemoteStaged {
  /** Makes the staged content the file's content (atomically where the store can). */
  commit(): Promise<void>;
  /** Drops the staged content (best effort). */
  discard(): Promise<void>;
}

/** One URI scheme's file operations. */
export interface RemoteStore {
  /**
   * The bytes at `uri`.
   * @throws FileNotFoundError when there is no such file; MXNetError naming the failure.
   */
  read(uri: string, where: string): Promise<Uint8Array<ArrayBuffer>>;
  /** Uploads `content` without making it visible yet. */
  stage(uri: string, content: FileContent, where: string): Promise<RemoteStaged>;
}

/** True for a path that names a remote file by URI (a scheme other than `file:`). */
export function isRemote(path: string): boolean {
  return /^(s3|hdfs|https?):\/\//i.test(path);
}

/** A `file://` URI as the local path it names; any other path unchanged. */
export function localPath(path: string): string {
  if (!/^file:\/\//i.test(path)) return path;
  const u = new URL(path);
  if (u.host && u.host !== "localhost") {
    throw new MXNetError(`${path}: a file:// URI names a local file; got host ${u.host}`);
  }
  return decodeURIComponent(u.pathname);
}

const stores = new Map<string, Promise<RemoteStore>>();

/** The store for `uri`'s scheme, loaded on first use. */
export function storeFor(uri: string): Promise<RemoteStore> {
  const scheme = uri.slice(0, uri.indexOf(":")).toLowerCase();
  let s = stores.get(scheme);
  if (!s) {
    s = scheme === "s3"
      ? import("./s3.ts").then((m) => m.s3Store())
      : scheme === "hdfs"
      ? import("./webhdfs.ts").then((m) => m.webhdfsStore())
      : import("./http.ts").then((m) => m.httpStore());
    stores.set(scheme, s);
  }
  return s;
}

/**
 * Forgets the loaded stores, so the next URI re-reads the environment (tests that change
 * credentials or endpoints).
 * @ignore
 */
export function _resetRemoteStores(): void {
  stores.clear();
}

/**
 * The content as parts of at least `partSize` bytes (the last may be smaller), read one
 * at a time: what S3's multipart upload and streaming writes need.
 */
export async function* partsOf(
  content: FileContent,
  partSize: number,
): AsyncGenerator<Uint8Array> {
  if (content instanceof Uint8Array) {
    for (let at = 0; at < content.length; at += partSize) {
      yield content.subarray(at, Math.min(at + partSize, content.length));
    }
    if (content.length === 0) yield content;
    return;
  }
  let pending: Uint8Array[] = [], size = 0, any = false;
  const flush = () => {
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of pending) out.set(p, (at += p.length) - p.length);
    pending = [];
    size = 0;
    return out;
  };
  for await (const chunk of content as AsyncIterable<Uint8Array>) {
    pending.push(chunk);
    size += chunk.length;
    if (size >= partSize) {
      any = true;
      yield flush();
    }
  }
  if (size > 0 || !any) yield flush();
}
