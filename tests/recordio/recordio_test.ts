import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { fixturePath } from "../fixtures/mod.ts";
import { MAGIC, trickyRecords } from "./_records.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null): string => new TextDecoder().decode(b!);

/** The fixture's .lst: id -> [label, relative image path]. */
function readLst(): Map<number, [number, string]> {
  const text = Deno.readTextFileSync(fixturePath("recordio/train.lst"));
  const out = new Map<number, [number, string]>();
  for (const line of text.trim().split("\n")) {
    const [id, label, path] = line.split("\t");
    out.set(Number(id), [Number(label), path]);
  }
  return out;
}

/** The fixture's .idx, in file order. */
function readIdxFile(): [number, number][] {
  const text = Deno.readTextFileSync(fixturePath("recordio/train.idx"));
  return text.trim().split("\n").map((l) => l.split("\t").map(Number) as [number, number]);
}

Deno.test("MXNet's im2rec output reads back in sequence: ids, labels, payloads equal the JPEGs", () => {
  const lst = readLst();
  const idx = readIdxFile();
  const r = new mx.recordio.MXRecordIO(fixturePath("recordio/train.rec"), "r");
  try {
    const seen: number[] = [];
    for (;;) {
      const offset = r.tell();
      const rec = r.read();
      if (rec === null) break;
      const [header, payload] = mx.recordio.unpack(rec);
      // Records are in .idx order, each at the offset the .idx gives.
      assert.deepEqual([header.id, offset], idx[seen.length]);
      assert.equal(header.flag, 0);
      assert.equal(header.id2, 0);
      const [label, path] = lst.get(header.id)!;
      assert.equal(header.label, label);
      assert.deepEqual(payload, Deno.readFileSync(fixturePath(`recordio/images/${path}`)));
      seen.push(header.id);
    }
    assert.equal(seen.length, 8);
    assert.equal(r.tell(), Deno.statSync(fixturePath("recordio/train.rec")).size);
    assert.equal(r.read(), null); // stays at the end
    r.reset();
    assert.equal(mx.recordio.unpack(r.read()!)[0].id, seen[0]);
  } finally {
    r.close();
  }
});

Deno.test("MXIndexedRecordIO reads the fixture by key, in any order", () => {
  const lst = readLst();
  const r = new mx.recordio.MXIndexedRecordIO(
    fixturePath("recordio/train.idx"),
    fixturePath("recordio/train.rec"),
    "r",
  );
  try {
    assert.deepEqual(r.keys, readIdxFile().map(([k]) => k));
    assert.deepEqual([...r.idx.values()], [0, 5500, 11228, 16648, 21660, 26504, 33296, 38568]);
    for (const key of [...r.keys].sort((a, b) => b - a)) {
      const [header, payload] = mx.recordio.unpack(r.readIdx(key)!);
      assert.equal(header.id, key);
      const [label, path] = lst.get(key)!;
      assert.equal(header.label, label);
      assert.deepEqual(payload, Deno.readFileSync(fixturePath(`recordio/images/${path}`)));
    }
    assert.throws(
      () => r.readIdx(99),
      (e: Error) => e instanceof mx.MXNetError && /no key 99/.test(e.message),
    );
  } finally {
    r.close();
  }
});

Deno.test("MXNet's documented example: five records record_0..4 give tell() 16..80", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const w = new mx.recordio.MXRecordIO(`${dir}/a.rec`, "w");
    const tells: number[] = [];
    for (let i = 0; i < 5; i++) {
      w.write(enc(`record_${i}`));
      tells.push(w.tell());
    }
    w.close();
    assert.deepEqual(tells, [16, 32, 48, 64, 80]);
    const r = new mx.recordio.MXRecordIO(`${dir}/a.rec`, "r");
    const read: string[] = [];
    const readTells: number[] = [];
    for (let rec = r.read(); rec !== null; rec = r.read()) {
      read.push(dec(rec));
      readTells.push(r.tell());
    }
    r.close();
    assert.deepEqual(read, ["record_0", "record_1", "record_2", "record_3", "record_4"]);
    assert.deepEqual(readTells, [16, 32, 48, 64, 80]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("records holding the magic are split into flagged chunks and joined on read", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const w = new mx.recordio.MXRecordIO(`${dir}/m.rec`, "w");
    w.write(Uint8Array.from([1, 2, 3, 4, ...MAGIC, 5, 6, 7]));
    w.close();
    const bytes = Deno.readFileSync(`${dir}/m.rec`);
    const v = new DataView(bytes.buffer);
    // Chunk 1: cflag 1, 4 bytes; chunk 2: cflag 3, 3 bytes + 1 padding byte.
    assert.deepEqual(
      [v.getUint32(0, true), v.getUint32(4, true), v.getUint32(12, true), v.getUint32(16, true)],
      [0xced7230a, (1 << 29) | 4, 0xced7230a, ((3 << 29) | 3) >>> 0],
    );
    assert.deepEqual([...bytes.subarray(8, 12)], [1, 2, 3, 4]);
    assert.deepEqual([...bytes.subarray(20)], [5, 6, 7, 0]);

    const records = trickyRecords();
    const w2 = new mx.recordio.MXIndexedRecordIO(`${dir}/t.idx`, `${dir}/t.rec`, "w");
    records.forEach((rec, i) => w2.writeIdx(i, rec));
    w2.close();
    const r = new mx.recordio.MXRecordIO(`${dir}/t.rec`, "r");
    const back: Uint8Array[] = [];
    for (let rec = r.read(); rec !== null; rec = r.read()) back.push(rec);
    r.close();
    assert.deepEqual(back, records);
    const ri = new mx.recordio.MXIndexedRecordIO(`${dir}/t.idx`, `${dir}/t.rec`, "r");
    for (const i of [6, 2, 7, 0, 3]) assert.deepEqual(ri.readIdx(i), records[i]);
    ri.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("write-mode reset truncates, read-mode misuse and bad flags are MXNetErrors", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const w = new mx.recordio.MXRecordIO(`${dir}/a.rec`, "w");
    w.write(enc("abc"));
    w.reset();
    assert.equal(w.tell(), 0);
    w.write(enc("xy"));
    assert.throws(() => w.read(), /open for writing/);
    w.close();
    w.close();
    assert.equal(Deno.statSync(`${dir}/a.rec`).size, 12);
    assert.throws(() => w.write(enc("z")), /is closed/);
    const r = new mx.recordio.MXRecordIO(`${dir}/a.rec`, "r");
    assert.throws(() => r.write(enc("z")), /open for reading/);
    assert.equal(dec(r.read()), "xy");
    r.close();
    assert.throws(
      () => new mx.recordio.MXRecordIO(`${dir}/a.rec`, "a" as "r"),
      (e: Error) => e instanceof mx.ParamError && /flag must be "r" or "w"/.test(e.message),
    );
    assert.throws(
      () => new mx.recordio.MXRecordIO(`${dir}/missing.rec`, "r"),
      mx.FileNotFoundError,
    );
    Deno.writeTextFileSync(`${dir}/bad.idx`, "0\t0\nx\t16\n");
    assert.throws(
      () => new mx.recordio.MXIndexedRecordIO(`${dir}/bad.idx`, `${dir}/a.rec`, "r"),
      (e: Error) =>
        e instanceof mx.FormatError && e.offset === 4 && /line 2: bad key/.test(e.message),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("MXIndexedRecordIO with string keys", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const w = new mx.recordio.MXIndexedRecordIO<string>(`${dir}/s.idx`, `${dir}/s.rec`, "w", {
      keyType: (s) => s,
    });
    w.writeIdx("cat", enc("meow"));
    w.writeIdx("dog", enc("woof!"));
    w.close();
    assert.equal(Deno.readTextFileSync(`${dir}/s.idx`), "cat\t0\ndog\t12\n");
    const r = new mx.recordio.MXIndexedRecordIO<string>(`${dir}/s.idx`, `${dir}/s.rec`, "r", {
      keyType: (s) => s,
    });
    assert.deepEqual(r.keys, ["cat", "dog"]);
    assert.equal(dec(r.readIdx("dog")), "woof!");
    r.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
