/**
 * RecordIO files on disk: opening them with clear errors, reading them as a
 * {@link ByteSource}, and reading many records at known offsets (the image iterators).
 * @module
 */
import { FileNotFoundError, FormatError, MXNetError } from "../core/errors.ts";
import { type ByteSource, readRecord } from "./format.ts";
import type { RecordIOFlag } from "./recordio.ts";

/** Opens `path` for reading or writing, naming `where` when that fails. */
export function openFile(path: string, flag: RecordIOFlag, where: string): Deno.FsFile {
  try {
    return flag === "r"
      ? Deno.openSync(path, { read: true })
      : Deno.openSync(path, { write: true, create: true, truncate: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new FileNotFoundError(where, path, { cause: e });
    throw new MXNetError(`${where}: cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * A file as a {@link ByteSource}; its size is taken once, when it is opened.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  constructor(private readonly file: Deno.FsFile, private readonly path: string) {
    this.size = file.statSync().size;
  }
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.file.seekSync(offset, Deno.SeekMode.Start);
    for (let got = 0; got < length;) {
      const n = this.file.readSync(out.subarray(got));
      if (n === null || n === 0) {
        throw new FormatError(`MXRecordIO: ${this.path} ended early (changed while open?)`, offset);
      }
      got += n;
    }
    return out;
  }
}

/** Calls `fn` with `path` opened as a {@link ByteSource}, closing it afterwards. */
export function withRecordFile<T>(path: string, where: string, fn: (src: ByteSource) => T): T {
  const file = openFile(path, "r", where);
  try {
    return fn(new FileSource(file, path));
  } finally {
    file.close();
  }
}

/** The offset of every record of a RecordIO source, in file order (one pass over it). */
export function scanRecordOffsets(source: ByteSource, where: string): number[] {
  const offsets: number[] = [];
  for (let pos = 0;;) {
    const rec = readRecord(source, pos, where);
    if (rec === null) return offsets;
    offsets.push(pos);
    pos = rec.next;
  }
}
