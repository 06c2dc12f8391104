/**
 * `gluon.data.RecordFileDataset`: the raw records of a RecordIO file, by position, through
 * its `.idx` index (the file name with `.idx` for its extension).
 * @module
 */
import { checkIndex } from "./_host.ts";
import { Dataset, type ModuleSpec } from "./dataset.ts";
import { FormatError } from "../../core/errors.ts";
import { withRecordFile } from "../../recordio/file.ts";
import { readRecord } from "../../recordio/format.ts";
import { MXIndexedRecordIO } from "../../recordio/recordio.ts";

/** `a/b.rec` -> `a/b.idx` (Python's `os.path.splitext(filename)[0] + '.idx'`). */
function idxPathOf(filename: string): string {
  const slash = filename.lastIndexOf("/");
  const dot = filename.lastIndexOf(".");
  return (dot > slash + 1 ? filename.slice(0, dot) : filename) + ".idx";
}

/**
 * The records of a `.rec` file as a dataset of byte arrays (MXNet's
 * `gluon.data.RecordFileDataset`): sample `i` is the record of the `i`-th key of the index.
 * The index is read once; each access opens the file, reads one record and closes it, so a
 * dataset holds no open file.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const dir = Deno.makeTempDirSync();
 * const w = new mx.recordio.MXIndexedRecordIO(`${dir}/a.idx`, `${dir}/a.rec`, "w");
 * for (let i = 0; i < 3; i++) w.writeIdx(i, Uint8Array.of(i, i));
 * w.close();
 * const ds = new mx.gluon.data.RecordFileDataset(`${dir}/a.rec`);
 * console.log(ds.length, ds.at(2)); // 3 Uint8Array(2) [ 2, 2 ]
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class RecordFileDataset extends Dataset<Uint8Array> {
  /** The `.rec` file. */
  readonly filename: string;
  /** Its index. */
  readonly idxFile: string;
  /** Record offsets, in index order. */
  readonly #offsets: number[];

  /** Reads the index of `filename` (its `.idx` beside it). */
  constructor(filename: string) {
    super();
    this.filename = filename;
    this.idxFile = idxPathOf(filename);
    const index = new MXIndexedRecordIO(this.idxFile, filename, "r");
    this.#offsets = index.keys.map((k) => index.idx.get(k)!);
    index.close();
  }

  /** Number of records. */
  get length(): number {
    return this.#offsets.length;
  }

  /** The bytes of record `i`. */
  at(i: number): Uint8Array {
    const j = checkIndex(i, this.length, `${this.constructor.name}.at`);
    const where = `${this.constructor.name}: ${this.filename}`;
    return withRecordFile(this.filename, where, (src) => {
      const rec = readRecord(src, this.#offsets[j], where);
      if (rec === null) {
        throw new FormatError(`${where}: the index points at the end of the file`, src.size);
      }
      return rec.data;
    });
  }

  /** DataLoader workers rebuild the dataset from its file name. */
  override workerSpec(): ModuleSpec | undefined {
    return { module: import.meta.url, export: "RecordFileDataset", args: [this.filename] };
  }
}
