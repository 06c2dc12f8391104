/**
 * `mx.recordio.MXRecordIO` and `MXIndexedRecordIO`: sequential and indexed access to
 * RecordIO (`.rec`) files, synchronous like MXNet's Python classes.
 * @module
 */
import { FileNotFoundError, FormatError, MXNetError, ParamError } from "../core/errors.ts";
import { encodeRecord, readRecord } from "./format.ts";
import { FileSource, openFile } from "./file.ts";

/** How a RecordIO file is opened: `"r"` to read, `"w"` to write (truncating). */
export type RecordIOFlag = "r" | "w";

function checkFlag(flag: unknown, where: string): RecordIOFlag {
  if (flag !== "r" && flag !== "w") {
    throw new ParamError(`${where}: flag must be "r" or "w", got ${JSON.stringify(flag)}`);
  }
  return flag;
}

/**
 * Reads or writes a RecordIO file record by record (MXNet's `mx.recordio.MXRecordIO`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".rec" });
 * const w = new mx.recordio.MXRecordIO(path, "w");
 * for (let i = 0; i < 5; i++) w.write(new TextEncoder().encode(`record_${i}`));
 * console.log(w.tell()); // 80
 * w.close();
 * const r = new mx.recordio.MXRecordIO(path, "r");
 * console.log(new TextDecoder().decode(r.read()!)); // record_0
 * r.close();
 * Deno.removeSync(path);
 * ```
 */
export class MXRecordIO {
  /** The `.rec` file's path. */
  readonly uri: string;
  /** `"r"` or `"w"`. */
  readonly flag: RecordIOFlag;
  private file: Deno.FsFile | null = null;
  private source: FileSource | null = null;
  /** Reading: offset of the next record. Writing: bytes written so far. */
  private position = 0;

  /** Opens `uri` for reading (`"r"`) or writing (`"w"`, truncating it). */
  constructor(uri: string, flag: RecordIOFlag) {
    this.flag = checkFlag(flag, new.target.name);
    this.uri = uri;
    // Not this.open(): a subclass's fields are not set yet while this constructor runs.
    this.openRecordFile();
  }

  /** True when opened for writing. */
  get writable(): boolean {
    return this.flag === "w";
  }

  /** True until {@link close}. */
  get isOpen(): boolean {
    return this.file !== null;
  }

  /** Opens the file (again) after {@link close}. Writing truncates it. */
  open(): void {
    this.close();
    this.openRecordFile();
  }

  /** Opens the record file in this object's mode and rewinds. */
  private openRecordFile(): void {
    this.file = openFile(this.uri, this.flag, this.constructor.name);
    this.source = this.flag === "r" ? new FileSource(this.file, this.uri) : null;
    this.position = 0;
  }

  /** Closes the file; a second close does nothing. */
  close(): void {
    this.file?.close();
    this.file = null;
    this.source = null;
  }

  /**
   * Goes back to the first record: closes and reopens the file, so in `"w"` mode the file
   * is truncated to empty, as in MXNet.
   */
  reset(): void {
    this.close();
    this.open();
  }

  /** Reading: the offset of the next record. Writing: the bytes written so far. */
  tell(): number {
    this.checkOpen("tell");
    return this.position;
  }

  /** Appends one record. */
  write(buf: Uint8Array): void {
    const file = this.checkOpen("write");
    if (!this.writable) throw new MXNetError(`${this.name}.write: ${this.uri} is open for reading`);
    if (!(buf instanceof Uint8Array)) {
      throw new ParamError(`${this.name}.write: buf must be a Uint8Array, got ${typeof buf}`);
    }
    const bytes = encodeRecord(buf, `${this.name}.write`);
    for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
    this.position += bytes.length;
  }

  /**
   * The next record, or null at the end of the file.
   * @throws FormatError with the byte offset when the file is truncated or corrupt.
   */
  read(): Uint8Array | null {
    this.checkOpen("read");
    if (this.writable) throw new MXNetError(`${this.name}.read: ${this.uri} is open for writing`);
    const rec = readRecord(this.source!, this.position, `${this.name}.read: ${this.uri}`);
    if (rec === null) return null;
    this.position = rec.next;
    return rec.data;
  }

  /** Moves the read position to byte `offset` (the start of a record). */
  protected seekTo(offset: number): void {
    this.position = offset;
  }

  /** The class name, for messages. */
  protected get name(): string {
    return this.constructor.name;
  }

  /** The open file; `what` names the method in the error when it is closed. */
  private checkOpen(what: string): Deno.FsFile {
    if (this.file === null) throw new MXNetError(`${this.name}.${what}: ${this.uri} is closed`);
    return this.file;
  }
}

/** Options of {@link MXIndexedRecordIO}. */
export interface IndexedRecordIOOptions<K> {
  /** Turns a key's text in the `.idx` file into a key (default: an integer). */
  keyType?: (text: string) => K;
}

/** Parses an integer key the way Python's `int()` does for the `.idx` file. */
function intKey(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`not an integer: ${JSON.stringify(text)}`);
  return Number(text);
}

/**
 * A RecordIO file with an index (`.idx`, lines `key\toffset`) for random access by key
 * (MXNet's `mx.recordio.MXIndexedRecordIO`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const dir = Deno.makeTempDirSync();
 * const w = new mx.recordio.MXIndexedRecordIO(`${dir}/a.idx`, `${dir}/a.rec`, "w");
 * for (let i = 0; i < 3; i++) w.writeIdx(i, new TextEncoder().encode(`record_${i}`));
 * w.close();
 * const r = new mx.recordio.MXIndexedRecordIO(`${dir}/a.idx`, `${dir}/a.rec`, "r");
 * console.log(r.keys, new TextDecoder().decode(r.readIdx(2)!)); // [0, 1, 2] record_2
 * r.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class MXIndexedRecordIO<K extends string | number = number> extends MXRecordIO {
  /** The `.idx` file's path. */
  readonly idxPath: string;
  /** Key to record offset. */
  idx: Map<K, number> = new Map();
  /** The keys in file order. */
  keys: K[] = [];
  private readonly keyType: (text: string) => K;
  private fidx: Deno.FsFile | null = null;

  /** Opens `uri` and its index `idxPath` for reading (`"r"`) or writing (`"w"`). */
  constructor(
    idxPath: string,
    uri: string,
    flag: RecordIOFlag,
    opts: IndexedRecordIOOptions<K> = {},
  ) {
    super(uri, flag);
    this.idxPath = idxPath;
    this.keyType = opts.keyType ?? (intKey as unknown as (text: string) => K);
    // The base constructor opened the record file only; the index is this class's part.
    this.openIndex();
  }

  /** Opens the record file and the index; in `"r"` mode reads the whole index. */
  override open(): void {
    super.open();
    this.openIndex();
  }

  /** Opens the index: reads it whole in `"r"` mode, truncates it in `"w"` mode. */
  private openIndex(): void {
    this.fidx?.close();
    this.fidx = null;
    this.idx = new Map();
    this.keys = [];
    if (this.writable) {
      this.fidx = openFile(this.idxPath, "w", "MXIndexedRecordIO");
      return;
    }
    let text: string;
    try {
      text = Deno.readTextFileSync(this.idxPath);
    } catch (e) {
      super.close();
      if (e instanceof Deno.errors.NotFound) {
        throw new FileNotFoundError("MXIndexedRecordIO", this.idxPath, { cause: e });
      }
      throw new MXNetError(
        `MXIndexedRecordIO: cannot read ${this.idxPath}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    try {
      this.parseIndex(text, this.idxPath, this.keyType);
    } catch (e) {
      super.close();
      throw e;
    }
  }

  /** Fills `idx` and `keys` from the index text; a bad line is a FormatError at its offset. */
  private parseIndex(text: string, idxPath: string, keyType: (text: string) => K): void {
    const encoder = new TextEncoder();
    let byteOffset = 0;
    text.split("\n").forEach((raw, lineNo) => {
      const lineStart = byteOffset;
      byteOffset += encoder.encode(raw).length + 1;
      const line = raw.trim();
      if (line === "") return;
      const fields = line.split("\t");
      const bad = (why: string): FormatError =>
        new FormatError(
          `MXIndexedRecordIO: ${idxPath} line ${lineNo + 1}: ${why}, expected "key\\toffset", ` +
            `got ${JSON.stringify(line.slice(0, 60))}`,
          lineStart,
        );
      if (fields.length < 2) throw bad("no tab");
      let key: K;
      try {
        key = keyType(fields[0]);
      } catch (e) {
        throw bad(`bad key (${(e as Error).message})`);
      }
      if (!/^\d+$/.test(fields[1])) throw bad("the offset is not a non-negative integer");
      this.idx.set(key, Number(fields[1]));
      this.keys.push(key);
    });
  }

  /** Closes both files. */
  override close(): void {
    super.close();
    this.fidx?.close();
    this.fidx = null;
  }

  /** Moves to the record with key `idx`. */
  seek(idx: K): void {
    if (this.writable) {
      throw new MXNetError(`MXIndexedRecordIO.seek: ${this.uri} is open for writing`);
    }
    const offset = this.idx.get(idx);
    if (offset === undefined) {
      throw new MXNetError(
        `MXIndexedRecordIO.seek: no key ${JSON.stringify(idx)} in ${this.idxPath} ` +
          `(${this.keys.length} keys)`,
      );
    }
    this.seekTo(offset);
  }

  /** The record with key `idx`. */
  readIdx(idx: K): Uint8Array | null {
    this.seek(idx);
    return this.read();
  }

  /** Writes `buf` as the record with key `idx` and adds `idx\toffset` to the index. */
  writeIdx(idx: K, buf: Uint8Array): void {
    const pos = this.tell();
    this.write(buf);
    const line = new TextEncoder().encode(`${idx}\t${pos}\n`);
    for (let at = 0; at < line.length;) at += this.fidx!.writeSync(line.subarray(at));
    this.idx.set(idx, pos);
    this.keys.push(idx);
  }
}
