/**
 * Byte-level codec for MXNet's binary NDArray formats: single arrays (what pickling and
 * `MXNDArraySaveRawBytes` produce) and list files (`mx.nd.save`, `*.params`).
 *
 * Layout (little-endian), after apache/mxnet 1.x `src/ndarray/ndarray.cc`:
 *
 * ```
 * list:  u64 0x112 | u64 reserved | u64 N | N x array | u64 K (0 or N) | K x (u64 len | utf-8)
 * V2:    u32 0xF993FAC9 | i32 stype | [sparse: storage TShape] | TShape | ctx | i32 type_flag
 *        | [sparse: per aux (i32 type | TShape)] | data | [sparse: aux data]
 * V3:    as V2 with magic 0xF993FACA, dense only, numpy shape semantics (ndim 0 = scalar)
 * V1:    u32 0xF993FAC8 | TShape | ctx | i32 type_flag | data
 * v0:    u32 ndim | ndim x u32 dims | ctx | i32 type_flag | data
 * TShape = i32 ndim | ndim x i64;  ctx = i32 dev_type | i32 dev_id
 * ```
 *
 * Nothing here knows about the NDArray class: arrays travel as {@link RawArray}s holding
 * raw element bytes. Every malformed input is reported as a {@link FormatError} carrying
 * the byte offset; lengths are checked against the remaining bytes before anything is
 * allocated, so a corrupt length can neither exhaust memory nor hang the decoder.
 * @module
 */
import { DTypeError, FormatError, ParamError, UnsupportedError } from "../core/errors.ts";
import { type DType, dtypeFromFlag, ITEM_SIZE, TYPE_FLAG } from "../core/dtype.ts";

/** One array as stored in MXNet's binary format, with its elements as raw bytes. */
export interface RawArray {
  /** Logical shape; `[]` is a 0-d scalar, or MXNet's "none" array when `isNone` is set. */
  shape: number[];
  /** Element type. */
  dtype: DType;
  /** Little-endian element bytes, dense row-major; length = prod(shape) * ITEM_SIZE. */
  data: Uint8Array;
  /** Device type as stored: 1 cpu, 2 gpu, 3 cpu_pinned, 5 cpu_shared. */
  devType: number;
  /** Device id as stored. */
  devId: number;
  /** True for MXNet's "none" array (an NDArray handle without storage). */
  isNone?: boolean;
  /** Written as V3 (numpy shape semantics), as MXNet writes arrays while `npx.set_np()` is on. */
  npShape?: boolean;
}

/** `kMXAPINDArrayListMagic`, the first u64 of a list file. */
const LIST_MAGIC = 0x112;
/** Per-array magics; anything else in that position is a legacy v0 ndim. */
const V1_MAGIC = 0xf993fac8;
const V2_MAGIC = 0xf993fac9;
const V3_MAGIC = 0xf993faca;

/** Storage types (`NDArrayStorageType`). */
const STYPE_DEFAULT = 0;
const STYPE_ROW_SPARSE = 1;
const STYPE_CSR = 2;

/**
 * MXNet type flags that are real mshadow types but have no DType here. They are reported
 * as unsupported rather than malformed, since MXNet itself can write them.
 */
const KNOWN_UNSUPPORTED_FLAGS: Readonly<Record<number, string>> = {
  8: "int16",
  9: "uint16",
  10: "uint32",
  11: "uint64",
  12: "bfloat16",
};

/**
 * Largest dense form a sparse array may expand to. Dense data is bounded by the input
 * length, but a sparse array's logical shape is not, so without a cap a few corrupt bytes
 * could request terabytes.
 */
const MAX_SPARSE_DENSE_BYTES = 2 ** 30;

/** Metadata of a none array; MXNet stores no dtype or context for it. */
function noneArray(): RawArray {
  return {
    shape: [],
    dtype: "float32",
    data: new Uint8Array(0),
    devType: 1,
    devId: 0,
    isNone: true,
  };
}

/** Bounds-checked little-endian cursor; every failure becomes a FormatError. */
class Reader {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  readonly #source: string | undefined;
  pos = 0;
  /** Prefix for messages, e.g. "array 3: ", so errors say which array is broken. */
  context = "";

  constructor(bytes: Uint8Array, source?: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#source = source;
  }

  get remaining(): number {
    return this.#bytes.length - this.pos;
  }

  /** A FormatError naming the source and current array; `at` defaults to the cursor. */
  error(message: string, at: number = this.pos): FormatError {
    const where = this.#source !== undefined ? `${this.#source}: ` : "";
    return new FormatError(`${where}${this.context}${message}`, at);
  }

  /** An UnsupportedError worded like {@link error}, for valid data this library lacks. */
  unsupported(message: string, at: number): UnsupportedError {
    const where = this.#source !== undefined ? `${this.#source}: ` : "";
    return new UnsupportedError(`${where}${this.context}${message} (at byte offset ${at})`);
  }

  /** Throws unless `n` more bytes exist; `what` names the field for the message. */
  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw this.error(
        `truncated: ${what} needs ${n} bytes but only ${this.remaining} remain`,
      );
    }
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.#view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.#view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a u64 that must fit in a safe integer (it is a count or a length). */
  u64(what: string): number {
    this.need(8, what);
    const at = this.pos;
    const v = this.#view.getBigUint64(at, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error(`${what} ${v} is too large`, at);
    return Number(v);
  }

  /** Reads a raw i64 (shape dims and sparse indices are signed in MXNet). */
  i64(what: string): bigint {
    this.need(8, what);
    const v = this.#view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Copies `n` bytes out, so the result never aliases the caller's buffer. */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.#bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** A shape as read from the stream; `ndim` keeps the stored value (-1 = unknown in V3). */
interface ReadShape {
  ndim: number;
  dims: number[];
  /** True when some dim is -1 (V3's "unknown"); only legal in V3. */
  unknownDim: boolean;
  at: number;
}

/**
 * Reads a TShape (i32 ndim, i64 dims). `allowUnknown` admits V3's -1 markers, which mean
 * "none array" there; everywhere else a negative value is corruption.
 */
function readTShape(r: Reader, what: string, allowUnknown: boolean): ReadShape {
  const at = r.pos;
  const ndim = r.i32(`${what} ndim`);
  // V2 also accepts ndim -1: MXNet >= 1.5 defaults TShape to ndim -1, so its none arrays
  // are written with -1 even outside numpy semantics.
  if (ndim < -1) throw r.error(`${what} has negative ndim ${ndim}`, at);
  if (ndim === -1) return { ndim, dims: [], unknownDim: false, at };
  // Check before allocating the dims array: a corrupt ndim must not cost memory.
  r.need(ndim * 8, `${what} dims (ndim ${ndim})`);
  const dims: number[] = [];
  let unknownDim = false;
  for (let i = 0; i < ndim; i++) {
    const dimAt = r.pos;
    const d = r.i64(`${what} dim ${i}`);
    if (d === -1n && allowUnknown) {
      unknownDim = true;
      dims.push(-1);
    } else if (d < 0n) {
      throw r.error(`${what} dim ${i} is negative (${d})`, dimAt);
    } else if (d > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw r.error(`${what} dim ${i} is too large (${d})`, dimAt);
    } else {
      dims.push(Number(d));
    }
  }
  return { ndim, dims, unknownDim, at };
}

/** Reads v0's shape: the magic slot held ndim, and dims are u32. */
function readLegacyShape(r: Reader, ndim: number, magicAt: number): ReadShape {
  if (ndim * 4 > r.remaining) {
    throw r.error(
      `unknown NDArray magic 0x${ndim.toString(16)}: not V1/V2/V3, and as a legacy v0 ndim ` +
        `it would need ${ndim * 4} bytes of dims but only ${r.remaining} remain`,
      magicAt,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(r.u32(`shape dim ${i}`));
  return { ndim, dims, unknownDim: false, at: magicAt };
}

/**
 * Byte size of `dims` elements of `itemSize` bytes, or Infinity once it passes 2^53.
 * Stops multiplying at that point, so huge dims can never round into a false "fits"; a
 * zero dim anywhere makes the size zero whatever the others are.
 */
function byteSize(dims: number[], itemSize: number): number {
  if (dims.includes(0)) return 0;
  let size = itemSize;
  for (const d of dims) {
    size *= d;
    if (size > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return size;
}

/** Reads `dims` elements of `dtype`, naming the shape when the bytes are not there. */
function takeElements(r: Reader, dims: number[], dtype: DType, what: string): Uint8Array {
  const n = byteSize(dims, ITEM_SIZE[dtype]);
  if (n > r.remaining) {
    const need = Number.isFinite(n) ? `${n}` : "more than 2^53";
    throw r.error(
      `truncated: ${what} of shape [${dims}] ${dtype} needs ${need} bytes ` +
        `but only ${r.remaining} remain`,
    );
  }
  return r.take(n, what);
}

/** Maps a stored type flag to a DType; known-but-absent MXNet types are unsupported. */
function readDType(r: Reader, what: string): DType {
  const at = r.pos;
  const flag = r.i32(what);
  const dtype = dtypeFromFlag(flag);
  if (dtype !== undefined && flag >= 0) return dtype;
  const name = KNOWN_UNSUPPORTED_FLAGS[flag];
  if (name !== undefined) throw r.unsupported(`${what} ${flag} (${name}) is not supported`, at);
  throw r.error(`unknown ${what} ${flag}`, at);
}

/** Reads one array at the cursor, dispatching on its magic. */
function readArray(r: Reader): RawArray {
  const magicAt = r.pos;
  const magic = r.u32("NDArray magic");
  if (magic === V2_MAGIC || magic === V3_MAGIC) return readV2(r, magic === V3_MAGIC);
  let shape: ReadShape;
  if (magic === V1_MAGIC) {
    shape = readTShape(r, "shape", false);
    if (shape.ndim === -1) throw r.error("shape has negative ndim -1", shape.at);
  } else {
    shape = readLegacyShape(r, magic, magicAt);
  }
  // V1 and v0 were written before 0-d arrays existed: ndim 0 is the none array.
  if (shape.ndim === 0) return noneArray();
  return readDenseBody(r, shape.dims);
}

/** Reads ctx, type flag and dense data after a shape. */
function readDenseBody(r: Reader, dims: number[]): RawArray {
  const devType = r.i32("dev_type");
  const devId = r.i32("dev_id");
  const dtype = readDType(r, "type flag");
  const data = takeElements(r, dims, dtype, "data");
  return { shape: dims, dtype, data, devType, devId };
}

/** Reads a V2 (or V3) array after its magic. */
function readV2(r: Reader, v3: boolean): RawArray {
  const stypeAt = r.pos;
  const stype = r.i32("storage type");
  if (stype !== STYPE_DEFAULT && stype !== STYPE_ROW_SPARSE && stype !== STYPE_CSR) {
    throw r.error(`unknown storage type ${stype}`, stypeAt);
  }
  if (v3 && stype !== STYPE_DEFAULT) {
    // MXNet refuses to save sparse arrays under numpy shape semantics.
    throw r.error(`V3 array with sparse storage type ${stype}`, stypeAt);
  }
  if (stype !== STYPE_DEFAULT) return readSparse(r, stype);
  const shape = readTShape(r, "shape", v3);
  if (v3) {
    // Numpy semantics: ndim -1 or a -1 dim is "unknown" and nothing follows; ndim 0 is
    // a scalar with one element.
    if (shape.ndim === -1 || shape.unknownDim) return noneArray();
  } else if (shape.ndim <= 0) {
    return noneArray();
  }
  return readDenseBody(r, shape.dims);
}

/** An integer index array (sparse aux data) read through a DataView. */
interface IndexArray {
  get(i: number): bigint;
  length: number;
}

/** Reads a sparse aux index array of `count` elements with type flag int32 or int64. */
function readIndices(r: Reader, flag: number, count: number, what: string): IndexArray {
  const size = flag === TYPE_FLAG.int64 ? 8 : 4;
  const bytes = r.take(count * size, what);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    length: count,
    get: size === 8
      ? (i: number) => view.getBigInt64(i * 8, true)
      : (i: number) => BigInt(view.getInt32(i * 4, true)),
  };
}

/**
 * Reads a row_sparse or csr V2 array and expands it to its dense logical shape, checking
 * that storage, aux shapes and indices agree so the expansion never writes out of bounds.
 */
function readSparse(r: Reader, stype: number): RawArray {
  const kind = stype === STYPE_CSR ? "csr" : "row_sparse";
  const sshape = readTShape(r, "storage shape", false);
  if (sshape.ndim < 1) throw r.error(`${kind} storage shape has ndim ${sshape.ndim}`, sshape.at);
  const shape = readTShape(r, "shape", false);
  if (shape.ndim <= 0) return noneArray();
  const devType = r.i32("dev_type");
  const devId = r.i32("dev_id");
  const dtype = readDType(r, "type flag");
  const nAux = stype === STYPE_CSR ? 2 : 1;
  const auxFlags: number[] = [];
  const auxShapes: ReadShape[] = [];
  for (let i = 0; i < nAux; i++) {
    const flagAt = r.pos;
    const flag = r.i32(`aux ${i} type flag`);
    if (flag !== TYPE_FLAG.int64 && flag !== TYPE_FLAG.int32) {
      throw r.error(`${kind} aux ${i} type flag ${flag} is not int32 or int64`, flagAt);
    }
    auxFlags.push(flag);
    const aux = readTShape(r, `aux ${i} shape`, false);
    if (aux.ndim !== 1) throw r.error(`${kind} aux ${i} shape must be 1-d`, aux.at);
    auxShapes.push(aux);
  }

  const item = ITEM_SIZE[dtype];
  const values = takeElements(r, sshape.dims, dtype, "sparse values");
  const nValues = values.length;
  const denseBytes = byteSize(shape.dims, item);
  if (denseBytes > MAX_SPARSE_DENSE_BYTES) {
    throw r.error(
      `${kind} shape [${shape.dims}] ${dtype} would expand to more than ` +
        `${MAX_SPARSE_DENSE_BYTES} dense bytes`,
      shape.at,
    );
  }

  if (stype === STYPE_ROW_SPARSE) {
    // Storage holds whole rows: [nnzRows, ...shape[1:]], indexed by aux 0.
    const same = sshape.ndim === shape.ndim &&
      sshape.dims.every((d, i) => i === 0 || d === shape.dims[i]);
    if (!same) {
      throw r.error(
        `row_sparse storage shape [${sshape.dims}] does not match shape [${shape.dims}]`,
        sshape.at,
      );
    }
    const nRows = sshape.dims[0];
    if (auxShapes[0].dims[0] !== nRows) {
      throw r.error(
        `row_sparse has ${nRows} rows but ${auxShapes[0].dims[0]} indices`,
        auxShapes[0].at,
      );
    }
    const idxAt = r.pos;
    const idx = readIndices(r, auxFlags[0], nRows, "row_sparse indices");
    const rowBytes = nRows === 0 ? 0 : nValues / nRows;
    const out = new Uint8Array(denseBytes);
    for (let i = 0; i < nRows; i++) {
      const row = idx.get(i);
      if (row < 0n || row >= BigInt(shape.dims[0])) {
        throw r.error(`row_sparse index ${i} is ${row}, outside [0, ${shape.dims[0]})`, idxAt);
      }
      out.set(values.subarray(i * rowBytes, (i + 1) * rowBytes), Number(row) * rowBytes);
    }
    return { shape: shape.dims, dtype, data: out, devType, devId };
  }

  // csr: values [nnz], aux 0 = indptr [rows + 1], aux 1 = column indices [nnz].
  if (shape.ndim !== 2) throw r.error(`csr shape must be 2-d, got [${shape.dims}]`, shape.at);
  if (sshape.ndim !== 1) throw r.error(`csr storage shape must be 1-d`, sshape.at);
  const [rows, cols] = shape.dims;
  const nnz = sshape.dims[0];
  const ptrLen = auxShapes[0].dims[0];
  // An uninitialised csr (all zeros) is saved with an empty indptr.
  if (ptrLen !== rows + 1 && !(ptrLen === 0 && nnz === 0)) {
    throw r.error(`csr indptr has ${ptrLen} entries, expected ${rows + 1}`, auxShapes[0].at);
  }
  if (auxShapes[1].dims[0] !== nnz) {
    throw r.error(
      `csr has ${nnz} values but ${auxShapes[1].dims[0]} column indices`,
      auxShapes[1].at,
    );
  }
  const ptrAt = r.pos;
  const indptr = readIndices(r, auxFlags[0], ptrLen, "csr indptr");
  const colAt = r.pos;
  const colIdx = readIndices(r, auxFlags[1], nnz, "csr column indices");
  const out = new Uint8Array(denseBytes);
  if (ptrLen === 0) return { shape: shape.dims, dtype, data: out, devType, devId };
  if (indptr.get(0) !== 0n || indptr.get(rows) !== BigInt(nnz)) {
    throw r.error(`csr indptr must run from 0 to ${nnz}`, ptrAt);
  }
  for (let row = 0; row < rows; row++) {
    const start = indptr.get(row);
    const end = indptr.get(row + 1);
    if (end < start || end > BigInt(nnz)) {
      throw r.error(`csr indptr is not non-decreasing within [0, ${nnz}] at row ${row}`, ptrAt);
    }
    for (let j = Number(start); j < Number(end); j++) {
      const col = colIdx.get(j);
      if (col < 0n || col >= BigInt(cols)) {
        throw r.error(`csr column index ${j} is ${col}, outside [0, ${cols})`, colAt);
      }
      out.set(values.subarray(j * item, (j + 1) * item), (row * cols + Number(col)) * item);
    }
  }
  return { shape: shape.dims, dtype, data: out, devType, devId };
}

/**
 * Decodes one NDArray (V2, V3, V1 or legacy v0) that fills `bytes` exactly.
 * Sparse V2 arrays come back dense. `source` (a file name) is quoted in errors.
 * @throws FormatError on malformed input, with the byte offset.
 * @throws UnsupportedError for real MXNet dtypes absent here (int16, ..., bfloat16).
 */
export function decodeNDArray(bytes: Uint8Array, source?: string): RawArray {
  const r = new Reader(bytes, source);
  if (bytes.length >= 8) {
    const head = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    // 0x112 would otherwise read as a v0 ndim of 274 and give a baffling message.
    if (head === BigInt(LIST_MAGIC)) {
      throw r.error("this is an NDArray list file (magic 0x112); use decodeNDArrayList", 0);
    }
  }
  const a = readArray(r);
  if (r.remaining !== 0) throw r.error(`${r.remaining} trailing bytes after the array`);
  return a;
}

/**
 * Decodes an NDArray list file (`mx.nd.save` / `*.params`). Names are `[]` when the file
 * has none, otherwise one per array (checkpoints use `arg:NAME` / `aux:NAME`).
 * @throws FormatError on malformed input (wrong magic, truncation, bad counts, trailing bytes).
 * @throws UnsupportedError for real MXNet dtypes absent here (int16, ..., bfloat16).
 */
export function decodeNDArrayList(
  bytes: Uint8Array,
  source?: string,
): { arrays: RawArray[]; names: string[] } {
  const r = new Reader(bytes, source);
  const magic = r.u64("list magic");
  if (magic !== LIST_MAGIC) {
    throw r.error(`bad list magic 0x${magic.toString(16)}, expected 0x112`, 0);
  }
  // MXNet never checks the reserved word, so neither do we.
  r.u64("reserved field");
  const countAt = r.pos;
  const n = r.u64("array count");
  // The smallest array (a v0 none array) is 4 bytes; a larger count cannot be genuine.
  if (n * 4 > r.remaining) {
    throw r.error(`array count ${n} cannot fit in the ${r.remaining} remaining bytes`, countAt);
  }
  const arrays: RawArray[] = [];
  for (let i = 0; i < n; i++) {
    r.context = `array ${i}: `;
    arrays.push(readArray(r));
  }
  r.context = "";
  const keysAt = r.pos;
  const k = r.u64("name count");
  if (k !== 0 && k !== n) throw r.error(`name count ${k} is neither 0 nor ${n}`, keysAt);
  const decoder = new TextDecoder();
  const names: string[] = [];
  for (let i = 0; i < k; i++) {
    r.context = `name ${i}: `;
    const len = r.u64("length");
    names.push(decoder.decode(r.take(len, "name bytes")));
  }
  r.context = "";
  if (r.remaining !== 0) throw r.error(`${r.remaining} trailing bytes after the list`);
  return { arrays, names };
}

/** Checks a RawArray before encoding, so a bad one fails loudly instead of writing junk. */
function validate(a: RawArray, where: string): void {
  if (a.isNone) {
    if (a.shape.length !== 0 || a.data.length !== 0) {
      throw new ParamError(`${where}: a none array must have shape [] and no data`);
    }
    return;
  }
  const flag = TYPE_FLAG[a.dtype];
  if (flag === undefined) {
    throw new DTypeError(`${where}: unknown dtype ${JSON.stringify(a.dtype)}`);
  }
  let n = ITEM_SIZE[a.dtype];
  for (const d of a.shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ParamError(`${where}: shape [${a.shape}] has an invalid dim ${d}`);
    }
    n *= d;
  }
  if (n !== a.data.length) {
    throw new ParamError(
      `${where}: shape [${a.shape}] of ${a.dtype} needs ${n} bytes, data has ${a.data.length}`,
    );
  }
  for (const [field, v] of [["devType", a.devType], ["devId", a.devId]] as const) {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
      throw new ParamError(`${where}: ${field} ${v} is not an int32`);
    }
  }
}

/** Encoded size of one array. */
function arraySize(a: RawArray): number {
  if (a.isNone) return 12;
  return 4 + 4 + 4 + 8 * a.shape.length + 8 + 4 + a.data.length;
}

/**
 * Writes one dense array at `pos`. A 0-d array is written as V3, because V2 reads ndim 0
 * as "none": MXNet only has 0-d arrays under numpy shape semantics, where it writes V3.
 */
function writeArray(out: Uint8Array, view: DataView, pos: number, a: RawArray): number {
  if (a.isNone) {
    view.setUint32(pos, V2_MAGIC, true);
    view.setInt32(pos + 4, STYPE_DEFAULT, true);
    view.setInt32(pos + 8, 0, true);
    return pos + 12;
  }
  view.setUint32(pos, a.shape.length === 0 || a.npShape ? V3_MAGIC : V2_MAGIC, true);
  view.setInt32(pos + 4, STYPE_DEFAULT, true);
  view.setInt32(pos + 8, a.shape.length, true);
  pos += 12;
  for (const d of a.shape) {
    view.setBigInt64(pos, BigInt(d), true);
    pos += 8;
  }
  view.setInt32(pos, a.devType, true);
  view.setInt32(pos + 4, a.devId, true);
  view.setInt32(pos + 8, TYPE_FLAG[a.dtype], true);
  pos += 12;
  out.set(a.data, pos);
  return pos + a.data.length;
}

/**
 * Encodes one array as MXNet 1.x does for pickling / `MXNDArraySaveRawBytes`: V2, dense
 * storage, the context as given. A 0-d (shape `[]`, not none) array is written as V3.
 * @throws ParamError / DTypeError when the RawArray is inconsistent.
 */
export function encodeNDArray(a: RawArray): Uint8Array {
  validate(a, "encodeNDArray");
  const out = new Uint8Array(arraySize(a));
  writeArray(out, new DataView(out.buffer), 0, a);
  return out;
}

/**
 * Encodes a list file byte-for-byte as MXNet 1.x `mx.nd.save` does: u64 0x112, u64 0,
 * u64 N, the arrays (V2), u64 K, then each name as u64 length + UTF-8 bytes.
 * @param names `[]` (or omitted) for an unnamed list, else exactly one per array.
 * @throws ParamError / DTypeError when an array is inconsistent or the name count is wrong.
 */
export function encodeNDArrayList(arrays: RawArray[], names: string[] = []): Uint8Array {
  if (names.length !== 0 && names.length !== arrays.length) {
    throw new ParamError(
      `encodeNDArrayList: ${names.length} names for ${arrays.length} arrays; give none or one each`,
    );
  }
  arrays.forEach((a, i) => validate(a, `encodeNDArrayList: array ${i}`));
  const encoder = new TextEncoder();
  const nameBytes = names.map((s) => encoder.encode(s));
  let size = 24 + 8;
  for (const a of arrays) size += arraySize(a);
  for (const b of nameBytes) size += 8 + b.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(LIST_MAGIC), true);
  view.setBigUint64(8, 0n, true);
  view.setBigUint64(16, BigInt(arrays.length), true);
  let pos = 24;
  for (const a of arrays) pos = writeArray(out, view, pos, a);
  view.setBigUint64(pos, BigInt(nameBytes.length), true);
  pos += 8;
  for (const b of nameBytes) {
    view.setBigUint64(pos, BigInt(b.length), true);
    out.set(b, pos + 8);
    pos += 8 + b.length;
  }
  return out;
}
