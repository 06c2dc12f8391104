import assert from "node:assert/strict";
import {
  fillNormal,
  fillRandint,
  fillUint32,
  fillUniform,
  mulhi32,
  philox4x32,
  PHILOX_M0,
  PHILOX_M1,
  PHILOX_W0,
  PHILOX_W1,
  RandomState,
  shufflePermutation,
} from "../../src/core/philox.ts";
import { ParamError } from "../../src/core/errors.ts";

/** Random123 `kat_vectors`, philox4x32 10 lines: counter[4], key[2] -> output[4]. */
const KAT: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

function block(c0: number, c1: number, k0: number, k1: number): number[] {
  const o = new Uint32Array(4);
  philox4x32(c0, c1, 0, 0, k0, k1, o);
  return [...o];
}

function stats(x: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  return { mean, variance: v / x.length };
}

Deno.test("philox: round constants", () => {
  assert.equal(PHILOX_M0, 0xD2511F53);
  assert.equal(PHILOX_M1, 0xCD9E8D57);
  assert.equal(PHILOX_W0, 0x9E3779B9);
  assert.equal(PHILOX_W1, 0xBB67AE85);
});

Deno.test("philox: Random123 known-answer vectors", () => {
  const out = new Uint32Array(4);
  for (const [c, k, want] of KAT) {
    philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], out);
    assert.deepEqual([...out], want);
  }
});

Deno.test("philox: mulhi32 is exact", () => {
  const edge = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
  const rs = new Uint32Array(2000);
  fillUint32(rs, 99, 0);
  const vals = [...edge, ...rs];
  for (let i = 0; i < vals.length; i++) {
    const a = vals[i];
    const b = vals[(i * 7 + 3) % vals.length];
    assert.equal(mulhi32(a, b), Number((BigInt(a) * BigInt(b)) >> 32n), `${a} * ${b}`);
  }
  assert.equal(mulhi32(0xffffffff, 2 ** 32), 0xffffffff);
  assert.equal(mulhi32(12345, 2 ** 32), 12345);
});

Deno.test("philox: stream layout (key split, block/lane, 64-bit counter carry)", () => {
  const u = new Uint32Array(8);
  fillUint32(u, 0, 0);
  assert.deepEqual([...u.subarray(0, 4)], KAT[0][2]);
  assert.deepEqual([...u.subarray(4)], block(1, 0, 0, 0));

  // seed -> [lo32, hi32]; negative seeds are 64-bit two's complement.
  const s = 2 ** 32 * 3 + 5;
  fillUint32(u, s, 0);
  assert.deepEqual([...u.subarray(0, 4)], block(0, 0, 5, 3));
  fillUint32(u, -1, 0);
  assert.deepEqual([...u.subarray(0, 4)], block(0, 0, 0xffffffff, 0xffffffff));
  fillUint32(u, -(2 ** 32), 0);
  assert.deepEqual([...u.subarray(0, 4)], block(0, 0, 0, 0xffffffff));
  fillUint32(u, Number.MAX_SAFE_INTEGER, 0);
  assert.deepEqual([...u.subarray(0, 4)], block(0, 0, 0xffffffff, 0x1fffff));

  // Block 2^32 - 1 then block 2^32 (low word wraps, high word carries); start at lane 2.
  const off = 4 * (2 ** 32 - 1) + 2;
  const w = new Uint32Array(7);
  fillUint32(w, 7, off);
  const b0 = block(0xffffffff, 0, 7, 0);
  const b1 = block(0, 1, 7, 0);
  const b2 = block(1, 1, 7, 0);
  assert.deepEqual([...w], [b0[2], b0[3], ...b1, b2[0]]);

  // The last block below 2^53: block 2^51 - 1 = [0xffffffff, 0x7ffff].
  const t = new Uint32Array(4);
  fillUint32(t, 1, 2 ** 53 - 4);
  assert.deepEqual([...t], block(0xffffffff, 0x7ffff, 1, 0));
});

Deno.test("philox: uniform formula is exact (float32 and float64)", () => {
  const n = 1001;
  const u = new Uint32Array(n);
  fillUint32(u, 5, 3);
  const f = new Float32Array(n);
  const d = new Float64Array(n);
  fillUniform(f, -1.5, 2.25, 5, 3);
  fillUniform(d, -1.5, 2.25, 5, 3);
  const fr = Math.fround;
  const lo = fr(-1.5);
  const span = fr(fr(2.25) - lo);
  for (let i = 0; i < n; i++) {
    const u01 = (u[i] >>> 8) * 2 ** -24;
    assert.equal(f[i], fr(lo + fr(span * u01)));
    assert.equal(d[i], -1.5 + 3.75 * u01);
  }
  // The largest u01 is below 1 in float32 too.
  assert.ok(fr((0xffffffff >>> 8) * 2 ** -24) < 1);
});

Deno.test("philox: uniform range, mean and variance", () => {
  for (const arr of [new Float32Array(100_000), new Float64Array(100_000)]) {
    fillUniform(arr, 0, 1, 1234, 0);
    let min = Infinity;
    let max = -Infinity;
    for (const v of arr) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.ok(min >= 0 && max < 1, `range [${min}, ${max}]`);
    const { mean, variance } = stats(arr);
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 0.005, `variance ${variance}`);
  }
  const g = new Float32Array(100_000);
  fillUniform(g, -2, 3, 1, 0);
  const { mean, variance } = stats(g);
  assert.ok(g.every((v) => v >= -2 && v < 3));
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(variance - 25 / 12) < 0.05, `variance ${variance}`);
});

Deno.test("philox: normal mean and std", () => {
  for (const arr of [new Float32Array(100_000), new Float64Array(100_000)]) {
    fillNormal(arr, 0, 1, 2024, 0);
    assert.ok(arr.every(Number.isFinite));
    const { mean, variance } = stats(arr);
    assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(variance) - 1) < 0.02, `std ${Math.sqrt(variance)}`);
    // Fraction inside one sigma is about 0.6827.
    const inside = arr.filter((v) => Math.abs(v) < 1).length / arr.length;
    assert.ok(Math.abs(inside - 0.6827) < 0.01, `within 1 sigma ${inside}`);
  }
  const s = new Float64Array(100_000);
  fillNormal(s, 3, 2, 8, 0);
  const { mean, variance } = stats(s);
  assert.ok(Math.abs(mean - 3) < 0.04, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(variance) - 2) < 0.04, `std ${Math.sqrt(variance)}`);
});

Deno.test("philox: normal follows the Box-Muller pair definition", () => {
  const u = new Uint32Array(12);
  fillUint32(u, 77, 0);
  const z = new Float64Array(12);
  fillNormal(z, 0, 1, 77, 0);
  for (let j = 0; j < 12; j++) {
    const p = j - (j % 2);
    const u1 = ((u[p] >>> 8) + 1) * 2 ** -24;
    const u2 = (u[p + 1] >>> 8) * 2 ** -24;
    const r = Math.sqrt(-2 * Math.log(u1));
    const want = j % 2 === 0 ? r * Math.cos(2 * Math.PI * u2) : r * Math.sin(2 * Math.PI * u2);
    assert.equal(z[j], want);
  }
});

Deno.test("philox: randint bounds, every value hit, exact formula", () => {
  const a = new Int32Array(20_000);
  fillRandint(a, -3, 4, 11, 0);
  const seen = new Set<number>();
  for (const v of a) {
    assert.ok(v >= -3 && v < 4 && Number.isInteger(v));
    seen.add(v);
  }
  assert.equal(seen.size, 7);

  const u = new Uint32Array(a.length);
  fillUint32(u, 11, 0);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i], -3 + Number((BigInt(u[i]) * 7n) >> 32n));
  }

  const b = new Uint8Array(50_000);
  fillRandint(b, 0, 256, 12, 0);
  assert.equal(new Set(b).size, 256);

  const c = new Int8Array(50_000);
  fillRandint(c, -128, 128, 13, 0);
  assert.equal(new Set(c).size, 256);

  const d = new Float64Array(10_000);
  fillRandint(d, -(2 ** 40), -(2 ** 40) + 2 ** 32, 14, 5);
  fillUint32(u.subarray(0, d.length), 14, 5);
  for (let i = 0; i < d.length; i++) assert.equal(d[i], -(2 ** 40) + u[i]);

  const one = new Int32Array(10);
  fillRandint(one, 9, 10, 0, 0);
  assert.ok(one.every((v) => v === 9));

  assert.throws(() => fillRandint(new Uint8Array(1), 0, 257, 0, 0), ParamError);
  assert.throws(() => fillRandint(new Int8Array(1), -129, 0, 0, 0), ParamError);
  assert.throws(() => fillRandint(new Int32Array(1), 5, 5, 0, 0), ParamError);
  assert.throws(() => fillRandint(new Float64Array(1), 0, 2 ** 32 + 1, 0, 0), ParamError);
  assert.throws(() => fillRandint(new Int32Array(1), 0.5, 3, 0, 0), ParamError);
});

Deno.test("philox: shuffle is a deterministic permutation", () => {
  for (const n of [0, 1, 2, 3, 10, 1000]) {
    const p = shufflePermutation(n, 42, 0);
    assert.equal(p.length, n);
    assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
    assert.deepEqual(shufflePermutation(n, 42, 0), p);
  }
  assert.notDeepEqual(shufflePermutation(1000, 42, 0), shufflePermutation(1000, 43, 0));
  assert.notDeepEqual(shufflePermutation(1000, 42, 0), shufflePermutation(1000, 42, 1000));

  // Follows the documented Fisher-Yates definition.
  const n = 50;
  const u = new Uint32Array(n - 1);
  fillUint32(u, 9, 8);
  const want = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < n - 1; k++) {
    const i = n - 1 - k;
    const s = Number((BigInt(u[k]) * BigInt(i + 1)) >> 32n);
    [want[i], want[s]] = [want[s], want[i]];
  }
  assert.deepEqual([...shufflePermutation(n, 9, 8)], want);

  // All 6 orders of 3 items are about equally likely.
  const counts = new Map<string, number>();
  const rs = new RandomState(5);
  for (let t = 0; t < 6000; t++) {
    const { seed, offset } = rs.next(3);
    const key = shufflePermutation(3, seed, offset).join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  for (const c of counts.values()) assert.ok(Math.abs(c - 1000) < 150, `count ${c}`);
});

Deno.test("philox: determinism per seed and offset", () => {
  const a = new Float32Array(1000);
  const b = new Float32Array(1000);
  fillUniform(a, 0, 1, 31337, 40);
  fillUniform(b, 0, 1, 31337, 40);
  assert.deepEqual(a, b);
  fillUniform(b, 0, 1, 31338, 40);
  assert.notDeepEqual(a, b);
  const n1 = new Float64Array(999);
  const n2 = new Float64Array(999);
  fillNormal(n1, 1, 2, 3, 4);
  fillNormal(n2, 1, 2, 3, 4);
  assert.deepEqual(n1, n2);
});

Deno.test("philox: stream property (offset k equals elements k.. of offset 0)", () => {
  const n = 103;
  const fu = new Float32Array(n + 16);
  const du = new Float64Array(n + 16);
  const dn = new Float64Array(n + 16);
  const fn = new Float32Array(n + 16);
  const ri = new Int32Array(n + 16);
  const u32 = new Uint32Array(n + 16);
  fillUniform(fu, -1, 1, 6, 0);
  fillUniform(du, -1, 1, 6, 0);
  fillNormal(dn, 0, 1, 6, 0);
  fillNormal(fn, 0, 1, 6, 0);
  fillRandint(ri, 0, 1000, 6, 0);
  fillUint32(u32, 6, 0);
  for (let k = 0; k < 16; k++) {
    const f = new Float32Array(n);
    fillUniform(f, -1, 1, 6, k);
    assert.deepEqual(f, fu.slice(k, k + n), `uniform f32 k=${k}`);
    const d = new Float64Array(n);
    fillUniform(d, -1, 1, 6, k);
    assert.deepEqual(d, du.slice(k, k + n), `uniform f64 k=${k}`);
    fillNormal(d, 0, 1, 6, k);
    assert.deepEqual(d, dn.slice(k, k + n), `normal f64 k=${k}`);
    fillNormal(f, 0, 1, 6, k);
    assert.deepEqual(f, fn.slice(k, k + n), `normal f32 k=${k}`);
    const r = new Int32Array(n);
    fillRandint(r, 0, 1000, 6, k);
    assert.deepEqual(r, ri.slice(k, k + n), `randint k=${k}`);
    const u = new Uint32Array(n);
    fillUint32(u, 6, k);
    assert.deepEqual(u, u32.slice(k, k + n), `uint32 k=${k}`);
  }
  // Short requests that start and end inside one block.
  for (let k = 0; k < 4; k++) {
    for (let len = 0; len <= 4 - k; len++) {
      const d = new Float64Array(len);
      fillNormal(d, 0, 1, 6, k);
      assert.deepEqual(d, dn.slice(k, k + len));
    }
  }
});

Deno.test("philox: RandomState reserves block-aligned positions", () => {
  const rs = new RandomState(42);
  assert.deepEqual(rs.next(10), { seed: 42, offset: 0 });
  assert.deepEqual(rs.next(4), { seed: 42, offset: 12 });
  assert.deepEqual(rs.next(1), { seed: 42, offset: 16 });
  assert.deepEqual(rs.next(0), { seed: 42, offset: 20 });
  assert.deepEqual(rs.next(3), { seed: 42, offset: 20 });
  rs.seed(7);
  assert.deepEqual(rs.next(5), { seed: 7, offset: 0 });
  assert.deepEqual(new RandomState().next(1), { seed: 0, offset: 0 });

  // Consecutive requests give fresh numbers that equal slices of one long stream.
  const r2 = new RandomState(3);
  const x = new Float32Array(6);
  const y = new Float32Array(6);
  let p = r2.next(x.length);
  fillUniform(x, 0, 1, p.seed, p.offset);
  p = r2.next(y.length);
  fillUniform(y, 0, 1, p.seed, p.offset);
  const all = new Float32Array(14);
  fillUniform(all, 0, 1, 3, 0);
  assert.deepEqual(x, all.slice(0, 6));
  assert.deepEqual(y, all.slice(8, 14));

  assert.throws(() => rs.next(-1), ParamError);
  assert.throws(() => rs.next(1.5), ParamError);
  assert.throws(() => rs.seed(0.5), ParamError);
  assert.throws(() => new RandomState(2 ** 53), ParamError);
});

Deno.test("philox: argument validation", () => {
  assert.throws(() => fillUniform(new Float32Array(1), 0, 1, 1.5, 0), ParamError);
  assert.throws(() => fillUniform(new Float32Array(1), 0, 1, 0, -1), ParamError);
  assert.throws(() => fillUniform(new Float32Array(2), 0, 1, 0, 2 ** 53 - 1), ParamError);
  assert.throws(() => fillUint32(new Uint32Array(1), 0, 0.5), ParamError);
  assert.throws(() => shufflePermutation(-1, 0, 0), ParamError);
  fillUint32(new Uint32Array(1), 0, 2 ** 53 - 1); // the last position is usable
});
