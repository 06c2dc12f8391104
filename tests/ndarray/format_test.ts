import assert from "node:assert/strict";
import {
  decodeNDArray,
  decodeNDArrayList,
  encodeNDArray,
  encodeNDArrayList,
  type RawArray,
} from "../../src/ndarray/format.ts";
import { FormatError, ParamError, UnsupportedError } from "../../src/core/errors.ts";
import { type DType, DTYPES, ITEM_SIZE, TYPE_FLAG } from "../../src/core/dtype.ts";
import { fixtureBytes } from "../fixtures/mod.ts";

function f32(a: RawArray): Float32Array {
  assert.equal(a.dtype, "float32");
  return new Float32Array(a.data.slice().buffer);
}

function close(actual: number, expected: number, tol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

/** Asserts `fn` throws a FormatError whose message matches every pattern. */
function throwsFormat(fn: () => unknown, ...patterns: RegExp[]): FormatError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${e}`);
    for (const p of patterns) assert.match(e.message, p);
    return e;
  }
  assert.fail("expected a FormatError");
}

Deno.test("legacy_ndarray.v0: six float32 arange(128) arrays, no names", () => {
  const { arrays, names } = decodeNDArrayList(fixtureBytes("apache-mxnet/legacy_ndarray.v0"));
  assert.equal(arrays.length, 6);
  assert.deepEqual(names, []);
  const expected = Float32Array.from({ length: 128 }, (_, i) => i);
  for (const a of arrays) {
    assert.deepEqual(a.shape, [128]);
    assert.equal(a.devType, 1);
    assert.equal(a.devId, 0);
    assert.deepEqual(f32(a), expected);
  }
});

Deno.test("go_test-0001.params: legacy v0 arrays with names", () => {
  const { arrays, names } = decodeNDArrayList(
    fixtureBytes("go-mxnet-predictor/go_test-0001.params"),
  );
  assert.deepEqual(names, ["arg:pred_bias", "arg:pred_weight"]);
  assert.deepEqual(arrays[0].shape, [10]);
  assert.deepEqual(f32(arrays[0]), new Float32Array(10));
  assert.deepEqual(arrays[1].shape, [10, 1]);
  const w = f32(arrays[1]);
  [0.00097627, 0.00185689, 0.00430379, 0.00688531].forEach((v, i) => close(w[i], v, 1e-8));
  close(w.reduce((s, v) => s + v, 0), 0.0320235, 1e-7);
});

Deno.test("sagemaker-linreg model-0000.params: V1 arrays reproduce the upstream prediction", () => {
  const { arrays, names } = decodeNDArrayList(fixtureBytes("sagemaker-linreg/model-0000.params"));
  assert.deepEqual(names, ["arg:fc1_weight", "arg:fc1_bias"]);
  assert.deepEqual(arrays[0].shape, [1, 2]);
  assert.deepEqual(arrays[1].shape, [1]);
  const w = f32(arrays[0]);
  const b = f32(arrays[1]);
  assert.equal(w[0], 1.0);
  close(w[1], 1.99999487, 1e-7);
  close(b[0], 2.4798819e-6, 1e-12);
  const fr = Math.fround;
  const y = fr(fr(fr(1 * w[0]) + fr(2 * w[1])) + b[0]);
  assert.equal(y, 4.9999918937683105);
});

Deno.test("sagemaker-mnist model-0000.params: V2 shapes and a byte-exact re-encode", () => {
  const bytes = fixtureBytes("sagemaker-mnist/model-0000.params");
  const { arrays, names } = decodeNDArrayList(bytes, "model-0000.params");
  const layers = [[128, 784], [128], [64, 128], [64], [10, 64], [10]];
  assert.deepEqual(arrays.map((a) => a.shape), layers);
  assert.deepEqual(
    names,
    [0, 1, 2].flatMap((i) => [`arg:fullyconnected${i}_weight`, `arg:fullyconnected${i}_bias`]),
  );
  for (const a of arrays) assert.deepEqual([a.dtype, a.devType, a.devId], ["float32", 1, 0]);
  assert.deepEqual(encodeNDArrayList(arrays, names), bytes);
});

/** Deterministic bytes so every dtype's round trip compares real content. */
function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 3) & 0xff);
}

function makeArray(dtype: DType, shape: number[], seed = 1): RawArray {
  const n = shape.reduce((p, d) => p * d, 1) * ITEM_SIZE[dtype];
  return { shape, dtype, data: pattern(n, seed), devType: 1, devId: 0 };
}

Deno.test("round trips every dtype and shape, single and in lists", () => {
  const shapes = [[], [0], [3], [2, 3, 4]];
  const all: RawArray[] = [];
  for (const dtype of DTYPES) {
    for (const shape of shapes) {
      const a = makeArray(dtype, shape, all.length);
      all.push(a);
      assert.deepEqual(decodeNDArray(encodeNDArray(a)), a, `${dtype} [${shape}]`);
    }
  }
  const none: RawArray = {
    shape: [],
    dtype: "float32",
    data: new Uint8Array(0),
    devType: 1,
    devId: 0,
    isNone: true,
  };
  assert.deepEqual(decodeNDArray(encodeNDArray(none)), none);
  all.push(none, { ...makeArray("int8", [2]), devType: 2, devId: 3 });
  const names = all.map((_, i) => `arg:p${i}_ü`);
  const stamp = 0n;
  assert.deepEqual(decodeNDArrayList(encodeNDArrayList(all, names)), { arrays: all, names, stamp });
  assert.deepEqual(decodeNDArrayList(encodeNDArrayList(all)), { arrays: all, names: [], stamp });
  assert.deepEqual(decodeNDArrayList(encodeNDArrayList([])), { arrays: [], names: [], stamp });
  // The stamp travels in the reserved word, which MXNet writes as 0 and never reads.
  const stamped = encodeNDArrayList(all, names, { stamp: 2n ** 64n - 5n });
  assert.equal(decodeNDArrayList(stamped).stamp, 2n ** 64n - 5n);
  assert.deepEqual(stamped.subarray(16), encodeNDArrayList(all, names).subarray(16));
});

Deno.test("encodeNDArray writes MXNet's V2 layout byte for byte", () => {
  const a: RawArray = {
    shape: [2],
    dtype: "int32",
    data: new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]),
    devType: 1,
    devId: 0,
  };
  const expected = [
    [0xc9, 0xfa, 0x93, 0xf9], // magic V2
    [0, 0, 0, 0], // stype dense
    [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0], // ndim 1, dim 2 (i64)
    [1, 0, 0, 0, 0, 0, 0, 0], // cpu(0)
    [4, 0, 0, 0], // int32
    [1, 0, 0, 0, 2, 0, 0, 0],
  ].flat();
  assert.deepEqual(encodeNDArray(a), Uint8Array.from(expected));
  // 0-d arrays only exist under numpy semantics, which MXNet saves as V3.
  const scalar = encodeNDArray(makeArray("float32", []));
  assert.deepEqual([...scalar.subarray(0, 4)], [0xca, 0xfa, 0x93, 0xf9]);
});

/** Little-endian byte builder for hand-made inputs, independent of the encoder. */
class Bytes {
  parts: number[] = [];
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.parts.push(...b);
    return this;
  }
  i32(v: number): this {
    return this.u32(v | 0);
  }
  i64(v: number | bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
    this.parts.push(...b);
    return this;
  }
  shape(dims: number[]): this {
    this.i32(dims.length);
    for (const d of dims) this.i64(d);
    return this;
  }
  f32(values: number[]): this {
    this.parts.push(...new Uint8Array(Float32Array.from(values).buffer));
    return this;
  }
  i64s(values: number[]): this {
    for (const v of values) this.i64(v);
    return this;
  }
  i32s(values: number[]): this {
    for (const v of values) this.i32(v);
    return this;
  }
  get(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const V2 = 0xf993fac9;

/** row_sparse [4,3]: rows 0 and 2 stored. */
function rowSparse(idx: number[] = [0, 2]): Uint8Array {
  return new Bytes().u32(V2).i32(1).shape([2, 3]).shape([4, 3]).i32(1).i32(0).i32(0)
    .i32(TYPE_FLAG.int64).shape([2])
    .f32([1, 2, 3, 4, 5, 6]).i64s(idx).get();
}

/** csr [3,4] with int32 or int64 aux arrays. */
function csr(indptr = [0, 2, 2, 3], cols = [1, 3, 0], auxFlag = TYPE_FLAG.int64): Uint8Array {
  const b = new Bytes().u32(V2).i32(2).shape([3]).shape([3, 4]).i32(1).i32(0).i32(0)
    .i32(auxFlag).shape([indptr.length]).i32(auxFlag).shape([cols.length]).f32([10, 20, 30]);
  return auxFlag === TYPE_FLAG.int64
    ? b.i64s(indptr).i64s(cols).get()
    : b.i32s(indptr).i32s(cols).get();
}

Deno.test("row_sparse and csr V2 arrays decode to dense", () => {
  const rs = decodeNDArray(rowSparse());
  assert.deepEqual(rs.shape, [4, 3]);
  assert.deepEqual([...f32(rs)], [1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0, 0]);
  const dense = [0, 10, 0, 20, 0, 0, 0, 0, 30, 0, 0, 0];
  for (const flag of [TYPE_FLAG.int64, TYPE_FLAG.int32]) {
    const c = decodeNDArray(csr(undefined, undefined, flag));
    assert.deepEqual(c.shape, [3, 4]);
    assert.deepEqual([...f32(c)], dense);
  }
  throwsFormat(() => decodeNDArray(rowSparse([0, 4]), "rs.bin"), /rs\.bin/, /row_sparse index/);
  throwsFormat(() => decodeNDArray(csr([0, 2, 2, 3], [1, 4, 0])), /csr column index/);
  throwsFormat(() => decodeNDArray(csr([0, 3, 2, 3])), /indptr/);
});

Deno.test("malformed inputs throw FormatError with offset, reason and source", () => {
  const good = fixtureBytes("sagemaker-linreg/model-0000.params");
  const src = "model-0000.params";
  const e = throwsFormat(() => decodeNDArrayList(good.slice(0, 60), src), /model-0000/, /truncat/);
  assert.ok(e.offset >= 0 && e.offset <= 60);
  const badMagic = good.slice();
  badMagic[0] = 0x13;
  throwsFormat(() => decodeNDArrayList(badMagic, src), /list magic/, /offset 0/);
  throwsFormat(() => decodeNDArrayList(new Uint8Array([...good, 0]), src), /trailing/);
  const hugeCount = good.slice();
  new DataView(hugeCount.buffer).setBigUint64(16, 2n ** 40n, true);
  throwsFormat(() => decodeNDArrayList(hugeCount), /array count/, /offset 16/);
  const tooHuge = good.slice();
  new DataView(tooHuge.buffer).setBigUint64(16, 2n ** 63n, true);
  throwsFormat(() => decodeNDArrayList(tooHuge), /too large/);
  // Name count 1 for 2 arrays (the key count sits at offset 0x64).
  const names = good.slice();
  new DataView(names.buffer).setBigUint64(0x64, 1n, true);
  throwsFormat(() => decodeNDArrayList(names), /name count 1 is neither 0 nor 2/);
  // Negative and huge dims in the first V1 array (ndim at 0x1c, dims at 0x20 and 0x28).
  const neg = good.slice();
  new DataView(neg.buffer).setBigInt64(0x20, -5n, true);
  throwsFormat(() => decodeNDArrayList(neg, src), /array 0: /, /negative/, /offset 32/);
  const big = good.slice();
  new DataView(big.buffer).setBigInt64(0x20, 2n ** 40n, true);
  new DataView(big.buffer).setBigInt64(0x28, 2n ** 40n, true);
  throwsFormat(
    () => decodeNDArrayList(big),
    /data of shape \[1099511627776,1099511627776\] float32 needs more than 2\^53/,
  );
  const ndim = good.slice();
  new DataView(ndim.buffer).setInt32(0x1c, 0x7fffffff, true);
  throwsFormat(() => decodeNDArrayList(ndim), /truncated/);
  // Single arrays: bad magic and trailing bytes.
  const one = encodeNDArray(makeArray("float32", [2]));
  throwsFormat(() => decodeNDArray(one.subarray(0, 10), "x.nd"), /x\.nd/, /truncated/);
  throwsFormat(() => decodeNDArray(new Uint8Array([...one, 1])), /trailing/);
  throwsFormat(() => decodeNDArray(new Uint8Array([0xff, 0xff, 0, 0])), /unknown NDArray magic/);
  throwsFormat(() => decodeNDArray(good), /list file/);
  throwsFormat(() => decodeNDArray(new Uint8Array(0)), /truncated/);
});

Deno.test("type flags: bf16 is unsupported, unknown flags are malformed", () => {
  const a = encodeNDArray(makeArray("float32", [1]));
  const flagAt = 4 + 4 + 4 + 8 + 8;
  const bf16 = a.slice();
  new DataView(bf16.buffer).setInt32(flagAt, 12, true);
  assert.throws(() => decodeNDArray(bf16, "w.nd"), (e: unknown) => {
    return e instanceof UnsupportedError && /12 \(bfloat16\)/.test(e.message) &&
      /w\.nd/.test(e.message);
  });
  for (const flag of [13, 99, -1]) {
    const bad = a.slice();
    new DataView(bad.buffer).setInt32(flagAt, flag, true);
    throwsFormat(() => decodeNDArray(bad), new RegExp(`unknown type flag ${flag}`));
  }
});

/** A list file of pre-encoded arrays (any kind, sparse included) and names. */
function listOf(arrays: Uint8Array[], names: string[] = []): Uint8Array {
  const b = new Bytes().i64(0x112).i64(0).i64(arrays.length);
  for (const a of arrays) b.parts.push(...a);
  b.i64(names.length);
  for (const n of names) {
    const u = new TextEncoder().encode(n);
    b.i64(u.length);
    b.parts.push(...u);
  }
  return b.get();
}

/** An all-zero csr of shape [rows, cols] (empty indptr): a header that asks for rows x cols. */
function csrBomb(rows: number, cols: number): Uint8Array {
  return new Bytes().u32(V2).i32(2).shape([0]).shape([rows, cols]).i32(1).i32(0).i32(0)
    .i32(TYPE_FLAG.int64).shape([0]).i32(TYPE_FLAG.int64).shape([0]).get();
}

/** A row_sparse [rows, 1] with no stored rows. */
function rowSparseBomb(rows: number): Uint8Array {
  return new Bytes().u32(V2).i32(1).shape([0, 1]).shape([rows, 1]).i32(1).i32(0).i32(0)
    .i32(TYPE_FLAG.int64).shape([0]).get();
}

Deno.test("sparse bombs: what a file decodes to is capped by its size, naming the array", () => {
  // 1 GiB from a 116-byte header (the reproducer): refused before any allocation.
  const bomb = rowSparseBomb(2 ** 28);
  assert.ok(bomb.length < 120, `${bomb.length} bytes`);
  throwsFormat(
    () => decodeNDArray(bomb, "bomb.nd"),
    /bomb\.nd/,
    /row_sparse \[268435456,1\] float32 decodes to 1073741824 bytes/,
    /more than maxDecodedBytes 16777216 \(the default for a \d+-byte input: max\(16777216, 64 x its size\)\)/,
  );
  // Four 8 MiB csr arrays in a 400-byte list: each fits, together they do not; the
  // error names the array that passes the limit, by index and name.
  const names = ["arg:e0", "arg:e1", "arg:e2", "arg:e3"];
  const four = listOf(names.map(() => csrBomb(1024, 2048)), names);
  const e = throwsFormat(
    () => decodeNDArrayList(four, "four.params"),
    /four\.params: array 2 \("arg:e2"\): csr \[1024,2048\] float32 decodes to 8388608 bytes/,
    /the arrays up to it to 25165824 bytes/,
  );
  assert.ok(e.offset > 0 && e.offset < four.length);
  // The limit is an option: a trusted file decodes in full (zeros), a tighter limit also
  // binds dense data, and a bad limit is a ParamError.
  const { arrays } = decodeNDArrayList(four, "four.params", { maxDecodedBytes: Infinity });
  assert.deepEqual(arrays.map((a) => a.data.length), [8388608, 8388608, 8388608, 8388608]);
  assert.ok(arrays[3].data.every((b) => b === 0));
  const dense = fixtureBytes("sagemaker-mnist/model-0000.params");
  throwsFormat(
    () => decodeNDArrayList(dense, "m", { maxDecodedBytes: 1000 }),
    /array 0 \("arg:fullyconnected0_weight"\): \[128,784\] float32 decodes to 401408 bytes/,
    /maxDecodedBytes 1000 \(as set\)/,
  );
  assert.throws(() => decodeNDArray(bomb, "", { maxDecodedBytes: -1 }), ParamError);
  // The limit is inclusive.
  const edge = csrBomb(1, 1024);
  assert.equal(decodeNDArray(edge, "", { maxDecodedBytes: 4096 }).data.length, 4096);
  throwsFormat(() => decodeNDArray(edge, "", { maxDecodedBytes: 4095 }), /^csr \[1,1024\]/);
});

Deno.test("duplicate names in a list file are a FormatError naming both arrays", () => {
  const a = makeArray("float32", [2]);
  const bytes = encodeNDArrayList([a, a, a], ["arg:w", "arg:b", "arg:w"]);
  throwsFormat(
    () => decodeNDArrayList(bytes, "dup.params"),
    /dup\.params: name 2: "arg:w" is also the name of array 0/,
  );
});

/** xorshift32: a tiny seeded PRNG so fuzz failures are reproducible. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** One byte-level mutation of `bytes`: overwrites, truncation, insertion, edge values. */
function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const below = (n: number): number => rand() % Math.max(1, n);
  let m = bytes.slice();
  const head = Math.min(m.length, 256);
  switch (below(5)) {
    case 0: // random byte overwrites, mostly in the metadata-heavy head
      for (let k = 1 + below(4); k > 0; k--) m[below(head)] = rand() & 0xff;
      break;
    case 1: // truncation
      m = m.slice(0, below(m.length));
      break;
    case 2: { // insertion
      const at = below(head);
      const ins = Uint8Array.from({ length: 1 + below(8) }, () => rand() & 0xff);
      m = new Uint8Array([...m.subarray(0, at), ...ins, ...m.subarray(at)]);
      break;
    }
    case 3: { // a u64 overwritten with a huge value
      if (m.length < 8) break;
      const huge = [
        2n ** 64n - 1n,
        2n ** 63n - 1n,
        2n ** 63n,
        2n ** 53n,
        2n ** 32n + 3n,
        2n ** 31n,
      ];
      new DataView(m.buffer).setBigUint64(below(head - 7), huge[below(huge.length)], true);
      break;
    }
    default: { // an i32 (ndim, stype, flag, ctx) overwritten with an edge value
      if (m.length < 4) break;
      const edge = [-1, -2, 0, 1, 2, 3, 0x7fffffff, -0x80000000, 12, 64][below(10)];
      new DataView(m.buffer).setInt32(below(head - 3), edge, true);
    }
  }
  return m;
}

/**
 * A hostile array made from scratch: a sparse header whose dense shape is anywhere from
 * tiny to astronomic, with stored rows and indices that may or may not fit it.
 */
function hostileArray(rand: () => number): Uint8Array {
  const below = (n: number): number => rand() % Math.max(1, n);
  const big = () => [0, 1, 3, 1000, 2 ** 20, 2 ** 28, 2 ** 31, 2 ** 40, 2 ** 53][below(9)];
  if (below(2) === 0) return csrBomb(big(), big());
  const rows = big(), cols = 1 + below(3), nnz = below(3);
  const idx = Array.from({ length: nnz }, () => (below(4) === 0 ? big() : below(4)));
  return new Bytes().u32(V2).i32(1).shape([nnz, cols]).shape([rows, cols]).i32(1).i32(0).i32(0)
    .i32(TYPE_FLAG.int64).shape([nnz]).f32(Array(nnz * cols).fill(1)).i64s(idx).get();
}

/**
 * Decodes every input with `decode`: it must either decode within the default limit or
 * throw FormatError (or UnsupportedError for MXNet's real dtypes absent here, flags
 * 8-12). Returns how many were rejected.
 */
function fuzzDecode(inputs: Iterable<Uint8Array>, decode: (b: Uint8Array) => RawArray[]): number {
  let iter = 0, rejected = 0;
  for (const m of inputs) {
    try {
      const total = decode(m).reduce((n, a) => n + a.data.length, 0);
      assert.ok(total <= Math.max(16 * 2 ** 20, 64 * m.length), `iteration ${iter}: ${total}`);
    } catch (e) {
      const unsupported = e instanceof UnsupportedError &&
        /type flag (8|9|10|11|12) /.test(e.message);
      assert.ok(e instanceof FormatError || unsupported, `iteration ${iter}: ${e}`);
      rejected++;
    }
    iter++;
  }
  return rejected;
}

const FUZZ_ROUNDS = 2500;

Deno.test("fuzz: 2,500 mutated and hostile list files decode or throw FormatError", () => {
  const t0 = performance.now();
  const rand = xorshift(0x5eed1234);
  const below = (n: number): number => rand() % Math.max(1, n);
  const mixed = encodeNDArrayList(
    [...DTYPES.map((d, i) => makeArray(d, [2, 3], i)), makeArray("int64", [])],
    [...DTYPES.map((d) => `arg:${d}`), "aux:s"],
  );
  const bases = [
    fixtureBytes("sagemaker-linreg/model-0000.params"),
    fixtureBytes("go-mxnet-predictor/go_test-0001.params"),
    fixtureBytes("apache-mxnet/legacy_ndarray.v0"),
    fixtureBytes("sagemaker-mnist/model-0000.params"),
    mixed,
    listOf([rowSparse(), csr(), csr(undefined, undefined, TYPE_FLAG.int32)], ["a", "b", "c"]),
  ];
  function* inputs(): Generator<Uint8Array> {
    for (let iter = 0; iter < FUZZ_ROUNDS; iter++) {
      const kind = below(4);
      if (kind <= 1) {
        yield mutate(bases[iter % bases.length], rand);
      } else if (kind === 2) { // sparse bombs and bad sparse arrays among good ones
        const n = 1 + below(4);
        const arrays = Array.from({ length: n }, () => (below(3) ? hostileArray(rand) : csr()));
        yield listOf(arrays, below(2) ? arrays.map((_, i) => `arg:p${i}`) : []);
      } else { // duplicate (or clashing) names
        const n = 2 + below(3);
        const names = Array.from({ length: n }, () => ["arg:w", "aux:w", "w", ""][below(4)]);
        yield encodeNDArrayList(names.map((_, i) => makeArray("float32", [i])), names);
      }
    }
  }
  const rejected = fuzzDecode(inputs(), (b) => decodeNDArrayList(b, "fuzz").arrays);
  assert.ok(rejected > FUZZ_ROUNDS / 4, `only ${rejected} inputs were rejected`);
  console.log(
    `list fuzz: ${FUZZ_ROUNDS} inputs, ${rejected} rejected, ` +
      `${(performance.now() - t0).toFixed(0)} ms`,
  );
});

Deno.test("fuzz: 2,500 mutated and hostile single-array inputs decode or throw FormatError", () => {
  const t0 = performance.now();
  const rand = xorshift(0xa11ce);
  const below = (n: number): number => rand() % Math.max(1, n);
  const bases = [
    rowSparse(),
    csr(),
    csr(undefined, undefined, TYPE_FLAG.int32),
    encodeNDArray(makeArray("float64", [2, 2])),
    encodeNDArray(makeArray("int64", [])),
    encodeNDArray(makeArray("uint8", [3, 1, 2])),
    // A V1 array and a legacy v0 array, cut out of MXNet-written lists.
    fixtureBytes("sagemaker-linreg/model-0000.params").subarray(24, 24 + 44),
    fixtureBytes("apache-mxnet/legacy_ndarray.v0").subarray(24, 24 + 4 + 4 + 8 + 4 + 512),
  ];
  for (const b of bases.slice(-2)) decodeNDArray(b); // the cut-outs are whole arrays
  function* inputs(): Generator<Uint8Array> {
    for (let iter = 0; iter < FUZZ_ROUNDS; iter++) {
      yield below(3) ? mutate(bases[iter % bases.length], rand) : hostileArray(rand);
    }
  }
  const rejected = fuzzDecode(inputs(), (b) => [decodeNDArray(b, "fuzz")]);
  assert.ok(rejected > FUZZ_ROUNDS / 4, `only ${rejected} inputs were rejected`);
  console.log(
    `single-array fuzz: ${FUZZ_ROUNDS} inputs, ${rejected} rejected, ` +
      `${(performance.now() - t0).toFixed(0)} ms`,
  );
});
