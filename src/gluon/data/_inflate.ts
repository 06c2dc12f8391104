/**
 * Synchronous gunzip (RFC 1952 around RFC 1951 deflate). Gluon's datasets read their files
 * in the constructor, as MXNet's do, so `length` and `at(i)` are synchronous; the web's
 * DecompressionStream is asynchronous only, and `node:zlib` would tie the library to a
 * Node compatibility layer that browsers lack.
 *
 * Table-driven: each Huffman code gets a lookup table indexed by its longest code length,
 * entries `symbol << 4 | length`.
 * @module
 */
import { FormatError } from "../../core/errors.ts";

const LEN_BASE = new Uint16Array([
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
]);
const LEN_EXTRA = new Uint8Array([
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
]);
const DIST_BASE = new Uint16Array([
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
]);
const DIST_EXTRA = new Uint8Array([
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
]);
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Codes of at most this many bits are decoded by one lookup; longer ones canonically. */
const FAST = 10;

/** Bit-reversed bytes, for reading a code most significant bit first. */
const REV8 = Uint8Array.from({ length: 256 }, (_, v) => {
  let r = 0;
  for (let b = 0; b < 8; b++) r |= ((v >> b) & 1) << (7 - b);
  return r;
});

/**
 * A canonical Huffman code: a lookup of the next FAST bits (`symbol << 4 | length`, 0 for
 * longer codes) and, per length, the first code, its place in `symbols` and the count.
 * Building costs 2^FAST + symbols per block instead of 2^15.
 */
interface Table {
  readonly fast: Uint16Array;
  readonly firstCode: Int32Array;
  readonly firstIndex: Int32Array;
  readonly count: Int32Array;
  readonly symbols: Uint16Array;
}

/** Builds the table of a canonical Huffman code from its code lengths. */
function buildTable(lengths: Uint8Array, where: string): Table {
  const count = new Int32Array(16);
  for (const l of lengths) count[l]++;
  count[0] = 0;
  const firstCode = new Int32Array(16), firstIndex = new Int32Array(16);
  for (let l = 1, code = 0, index = 0; l <= 15; l++) {
    firstCode[l] = code;
    firstIndex[l] = index;
    if (code + count[l] > 1 << l) throw new FormatError(`${where}: oversubscribed Huffman code`);
    code = (code + count[l]) << 1;
    index += count[l];
  }
  const symbols = new Uint16Array(lengths.length);
  const next = firstIndex.slice();
  const fast = new Uint16Array(1 << FAST);
  for (let sym = 0; sym < lengths.length; sym++) {
    const l = lengths[sym];
    if (l === 0) continue;
    const k = next[l]++;
    symbols[k] = sym;
    if (l > FAST) continue;
    // Codes are stored most significant bit first, the stream is read least first.
    const code = firstCode[l] + k - firstIndex[l];
    const rev = ((REV8[code & 255] << 8) | REV8[code >> 8]) >> (16 - l);
    const e = (sym << 4) | l;
    for (let i = rev; i < fast.length; i += 1 << l) fast[i] = e;
  }
  return { fast, firstCode, firstIndex, count, symbols };
}

let fixedLit: Table | undefined;
let fixedDist: Table | undefined;

function fixedTables(): [Table, Table] {
  if (!fixedLit || !fixedDist) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixedLit = buildTable(l, "fixed");
    fixedDist = buildTable(new Uint8Array(30).fill(5), "fixed");
  }
  return [fixedLit, fixedDist];
}

/**
 * Inflates the raw deflate stream starting at byte `start` of `src` into `out` (grown as
 * needed); returns the output and the byte just after the stream.
 */
function inflate(
  src: Uint8Array,
  start: number,
  sizeHint: number,
  where: string,
  alloc: (n: number) => Uint8Array,
): { out: Uint8Array; end: number } {
  let out = alloc(Math.max(sizeHint, 1024));
  let o = 0;
  let pos = start * 8; // bit position
  const limit = src.length * 8;
  const need = (n: number) => {
    if (o + n > out.length) {
      const grown = alloc(Math.max(out.length * 2, o + n));
      grown.set(out.subarray(0, o));
      out = grown;
    }
  };
  const bits = (n: number): number => {
    const p = pos >>> 3;
    const v = (src[p] | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24)) >>>
      (pos & 7);
    pos += n;
    return v & ((1 << n) - 1);
  };
  const decode = (t: Table): number => {
    const p = pos >>> 3;
    const v = (src[p] | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24)) >>>
      (pos & 7);
    const e = t.fast[v & ((1 << FAST) - 1)];
    if (e !== 0) {
      pos += e & 15;
      return e >>> 4;
    }
    // A code longer than FAST bits: read 16 bits most significant first, find its length.
    const msb = (REV8[v & 255] << 8) | REV8[(v >>> 8) & 255];
    for (let l = FAST + 1; l <= 15; l++) {
      const k = (msb >>> (16 - l)) - t.firstCode[l];
      if (k >= 0 && k < t.count[l]) {
        pos += l;
        return t.symbols[t.firstIndex[l] + k];
      }
    }
    throw new FormatError(`${where}: invalid Huffman code`, pos >>> 3);
  };
  let last = 0;
  while (!last) {
    if (pos >= limit) throw new FormatError(`${where}: truncated deflate data`, src.length);
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      pos = (pos + 7) & ~7;
      const p = pos >>> 3;
      const len = src[p] | (src[p + 1] << 8);
      const nlen = src[p + 2] | (src[p + 3] << 8);
      if ((len ^ 0xffff) !== nlen) {
        throw new FormatError(`${where}: corrupt stored block length`, p);
      }
      if (p + 4 + len > src.length) {
        throw new FormatError(`${where}: truncated stored block`, src.length);
      }
      need(len);
      out.set(src.subarray(p + 4, p + 4 + len), o);
      o += len;
      pos = (p + 4 + len) * 8;
      continue;
    }
    let lit: Table, dist: Table;
    if (type === 1) {
      [lit, dist] = fixedTables();
    } else if (type === 2) {
      const hlit = bits(5) + 257, hdist = bits(5) + 1, hclen = bits(4) + 4;
      const cl = new Uint8Array(19);
      for (let i = 0; i < hclen; i++) cl[CL_ORDER[i]] = bits(3);
      const clTable = buildTable(cl, where);
      const lengths = new Uint8Array(hlit + hdist);
      for (let i = 0; i < lengths.length;) {
        const sym = decode(clTable);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let rep: number, val = 0;
        if (sym === 16) {
          if (i === 0) throw new FormatError(`${where}: repeat with no previous length`, pos >>> 3);
          val = lengths[i - 1];
          rep = 3 + bits(2);
        } else if (sym === 17) rep = 3 + bits(3);
        else rep = 11 + bits(7);
        if (i + rep > lengths.length) {
          throw new FormatError(`${where}: code lengths overflow`, pos >>> 3);
        }
        lengths.fill(val, i, i + rep);
        i += rep;
      }
      lit = buildTable(lengths.subarray(0, hlit), where);
      dist = buildTable(lengths.subarray(hlit), where);
    } else {
      throw new FormatError(`${where}: invalid deflate block type 3`, pos >>> 3);
    }
    for (;;) {
      if (pos > limit) throw new FormatError(`${where}: truncated deflate data`, src.length);
      const sym = decode(lit);
      if (sym < 256) {
        if (o >= out.length) need(1);
        out[o++] = sym;
      } else if (sym === 256) {
        break;
      } else {
        const li = sym - 257;
        if (li >= 29) throw new FormatError(`${where}: invalid length code ${sym}`, pos >>> 3);
        const len = LEN_BASE[li] + bits(LEN_EXTRA[li]);
        const di = decode(dist);
        if (di >= 30) throw new FormatError(`${where}: invalid distance code ${di}`, pos >>> 3);
        const d = DIST_BASE[di] + bits(DIST_EXTRA[di]);
        if (d > o) {
          throw new FormatError(`${where}: distance ${d} before the output start`, pos >>> 3);
        }
        need(len);
        // A copy may overlap its own output (it then repeats the last `d` bytes): long runs
        // of one byte (image backgrounds) fill, long far copies move, the rest byte by byte.
        if (len >= 16 && d === 1) {
          out.fill(out[o - 1], o, o + len);
          o += len;
        } else if (len >= 16 && d >= len) {
          out.copyWithin(o, o - d, o - d + len);
          o += len;
        } else {
          for (let k = 0; k < len; k++, o++) out[o] = out[o - d];
        }
      }
    }
  }
  return { out: out.subarray(0, o), end: (pos + 7) >>> 3 };
}

/** True when `bytes` starts with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data (every member, concatenated). The length in each member's trailer
 * is checked; the CRC is not (inflating already rejects nearly every corruption). With
 * `shared`, a single member is inflated into a SharedArrayBuffer (where there is one).
 */
export function gunzipSync(bytes: Uint8Array, where = "gzip", shared = false): Uint8Array {
  const alloc = shared && typeof SharedArrayBuffer !== "undefined"
    ? (n: number) => new Uint8Array(new SharedArrayBuffer(n))
    : (n: number) => new Uint8Array(n);
  const parts: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length && isGzip(bytes.subarray(p))) {
    if (bytes[p + 2] !== 8) {
      throw new FormatError(`${where}: unknown gzip compression method`, p + 2);
    }
    const flags = bytes[p + 3];
    let q = p + 10;
    if (flags & 4) q += 2 + (bytes[q] | (bytes[q + 1] << 8)); // FEXTRA
    if (flags & 8) { while (q < bytes.length && bytes[q++] !== 0); // FNAME
     }
    if (flags & 16) { while (q < bytes.length && bytes[q++] !== 0); // FCOMMENT
     }
    if (flags & 2) q += 2; // FHCRC
    if (q >= bytes.length) throw new FormatError(`${where}: truncated gzip header`, bytes.length);
    // The trailer of a single-member file gives the size: one allocation in the usual case.
    const t = bytes.length - 4;
    const hint = p === 0
      ? (bytes[t] | (bytes[t + 1] << 8) | (bytes[t + 2] << 16)) +
        bytes[t + 3] * 2 ** 24
      : 0;
    const { out, end } = inflate(bytes, q, hint, where, alloc);
    if (end + 8 > bytes.length) throw new FormatError(`${where}: truncated gzip trailer`, end);
    const isize = (bytes[end + 4] | (bytes[end + 5] << 8) | (bytes[end + 6] << 16)) +
      bytes[end + 7] * 2 ** 24;
    if (isize !== out.length % 2 ** 32) {
      throw new FormatError(
        `${where}: gzip trailer says ${isize} bytes but ${out.length} were inflated`,
        end + 4,
      );
    }
    parts.push(out);
    p = end + 8;
  }
  if (parts.length === 0) throw new FormatError(`${where}: not gzip data`, 0);
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) all.set(x, o), o += x.length;
  return all;
}
