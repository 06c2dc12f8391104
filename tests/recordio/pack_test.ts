import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

Deno.test("pack/unpack: IfQQ header, a numeric label sets flag 0", () => {
  const payload = Uint8Array.from([5, 6, 7]);
  const rec = mx.recordio.pack({ flag: 9, label: 2.5, id: 2 ** 40 + 3, id2: 11 }, payload);
  assert.equal(rec.length, 27);
  const v = new DataView(rec.buffer);
  assert.deepEqual(
    [
      v.getUint32(0, true),
      v.getFloat32(4, true),
      v.getBigUint64(8, true),
      v.getBigUint64(16, true),
    ],
    [0, 2.5, 2n ** 40n + 3n, 11n],
  );
  const [header, back] = mx.recordio.unpack(rec);
  assert.deepEqual(header, { flag: 0, label: 2.5, id: 2 ** 40 + 3, id2: 11 });
  assert.deepEqual(back, payload);
});

Deno.test("pack/unpack: an array label sets flag to its length and follows the header", () => {
  const rec = mx.recordio.pack(
    { flag: 0, label: [1, -0.5, 3], id: 4, id2: 0 },
    Uint8Array.from([1]),
  );
  assert.equal(rec.length, 24 + 12 + 1);
  const v = new DataView(rec.buffer);
  assert.deepEqual([v.getUint32(0, true), v.getFloat32(4, true), v.getFloat32(28, true)], [
    3,
    0,
    -0.5,
  ]);
  const [header, payload] = mx.recordio.unpack(rec);
  assert.equal(header.flag, 3);
  assert.deepEqual(header.label, Float32Array.from([1, -0.5, 3]));
  assert.deepEqual(payload, Uint8Array.from([1]));
  assert.throws(
    () => mx.recordio.pack({ flag: 0, label: 1, id: -1, id2: 0 }, new Uint8Array(0)),
    (e: Error) => e instanceof mx.ParamError && /header.id must be a non-negative/.test(e.message),
  );
});
