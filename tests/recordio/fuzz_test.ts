/**
 * Mutated and hostile RecordIO files either read or throw FormatError with a byte offset;
 * never another exception, never an allocation beyond what the file holds.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { bufferSource, encodeRecord, readRecord } from "../../src/recordio/format.ts";
import { fixtureBytes } from "../fixtures/mod.ts";
import { trickyRecords } from "./_records.ts";

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

const MAGIC_LE = [0x0a, 0x23, 0xd7, 0xce];

/** One mutation: byte overwrites, truncation, insertion, or a hostile chunk header. */
function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const below = (n: number): number => rand() % Math.max(1, n);
  let m = bytes.slice();
  switch (below(5)) {
    case 0: // overwrite a few bytes, often in a chunk header
      for (let k = 1 + below(4); k > 0; k--) {
        const at = below(2) ? below(m.length) : 4 * below(m.length / 4) + below(8);
        if (at < m.length) m[at] = rand() & 0xff;
      }
      break;
    case 1: // truncation
      m = m.slice(0, below(m.length));
      break;
    case 2: { // insertion
      const at = below(m.length);
      const ins = Uint8Array.from({ length: 1 + below(8) }, () => rand() & 0xff);
      m = new Uint8Array([...m.subarray(0, at), ...ins, ...m.subarray(at)]);
      break;
    }
    case 3: { // a chunk header with a huge length or any cflag, at an aligned offset
      if (m.length < 8) break;
      const at = 4 * below((m.length - 8) / 4);
      m.set(MAGIC_LE, at);
      new DataView(m.buffer).setUint32(at + 4, rand() | (below(2) ? 0x1fffffff : 0), true);
      break;
    }
    case 4: // the magic planted in data (a spurious split)
      if (m.length >= 4) m.set(MAGIC_LE, 4 * below(m.length / 4));
      break;
  }
  return m;
}

const ROUNDS = 2500;

Deno.test("fuzz: 2,500 mutated RecordIO files read or throw FormatError with an offset", () => {
  const t0 = performance.now();
  const rand = xorshift(0x5eed2718);
  const below = (n: number): number => rand() % Math.max(1, n);
  const small = trickyRecords().map((r) => encodeRecord(r));
  const concat = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const bases = [
    fixtureBytes("recordio/train.rec").slice(0, 11228), // two MXNet-written records
    concat(small),
    concat([...small].reverse()),
  ];
  let rejected = 0;
  for (let iter = 0; iter < ROUNDS; iter++) {
    const m = mutate(bases[iter % bases.length], rand);
    const source = bufferSource(m);
    let allocated = 0;
    try {
      let pos = below(3) === 0 ? 4 * below(m.length / 4) : 0;
      for (
        let rec = readRecord(source, pos, "fuzz");
        rec !== null;
        rec = readRecord(source, pos, "fuzz")
      ) {
        allocated += rec.data.length;
        assert.ok(rec.next > pos, `iteration ${iter}: no progress`);
        pos = rec.next;
        if (rec.data.length >= 24) mx.recordio.unpack(rec.data);
      }
      // Joined pieces add back at most the 4-byte magics the chunk headers replaced.
      assert.ok(allocated <= m.length, `iteration ${iter}: ${allocated} > ${m.length}`);
    } catch (e) {
      assert.ok(e instanceof mx.FormatError, `iteration ${iter}: ${e}`);
      assert.ok(e.offset >= 0 && e.offset <= m.length, `iteration ${iter}: offset ${e.offset}`);
      rejected++;
    }
  }
  const ms = performance.now() - t0;
  assert.ok(rejected > ROUNDS / 4, `only ${rejected} of ${ROUNDS} rejected`);
  assert.ok(
    rejected < ROUNDS,
    "every input rejected: the mutations are too hostile to test reading",
  );
  assert.ok(ms < 10_000, `fuzzing took ${ms.toFixed(0)} ms`);
});

Deno.test("a truncated or corrupt .rec file throws FormatError naming the byte offset", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const rec = fixtureBytes("recordio/train.rec");
    const cases: [Uint8Array, number, RegExp][] = [
      [rec.slice(0, 5500 + 3), 5500, /truncated record header: 3 of 8 bytes/],
      [rec.slice(0, 5500 + 100), 5508, /truncated record: chunk of 5719 bytes/],
      [
        (() => {
          const b = rec.slice(0, 11228);
          b[5500] ^= 0xff;
          return b;
        })(),
        5500,
        /magic 0xced723f5, expected 0xced7230a/,
      ],
      [
        (() => {
          const b = rec.slice(0, 11228);
          b[5507] = 0x40; // cflag 2 where a record starts
          return b;
        })(),
        5504,
        /chunk flag 2, expected 0 \(whole\) or 1/,
      ],
    ];
    for (const [bytes, offset, message] of cases) {
      Deno.writeFileSync(`${dir}/bad.rec`, bytes);
      const r = new mx.recordio.MXRecordIO(`${dir}/bad.rec`, "r");
      try {
        assert.equal(r.read()!.length, 5492);
        assert.throws(
          () => r.read(),
          (e: Error) =>
            e instanceof mx.FormatError && e.offset === offset && message.test(e.message),
        );
      } finally {
        r.close();
      }
    }
    // An index pointing past the end.
    Deno.writeFileSync(`${dir}/bad.rec`, rec.slice(0, 5500));
    Deno.writeTextFileSync(`${dir}/bad.idx`, "0\t0\n1\t99999\n");
    const ri = new mx.recordio.MXIndexedRecordIO(`${dir}/bad.idx`, `${dir}/bad.rec`, "r");
    try {
      assert.throws(
        () => ri.readIdx(1),
        (e: Error) => e instanceof mx.FormatError && /outside the file/.test(e.message),
      );
    } finally {
      ri.close();
    }
    // unpack: too short, and more labels announced than the record holds.
    assert.throws(() => mx.recordio.unpack(new Uint8Array(10)), mx.FormatError);
    const packed = mx.recordio.pack(
      { flag: 0, label: [1, 2, 3], id: 1, id2: 0 },
      new Uint8Array(0),
    );
    assert.throws(() => mx.recordio.unpack(packed.subarray(0, 32)), /announces 3 float32 labels/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
