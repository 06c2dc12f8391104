/**
 * NDArrayIter inside mx.nd.scope: the batches handed out inside a scope are freed with it,
 * while what the iterator keeps (its arrays made from host values, a roll_over remainder)
 * outlives the scope it was made in.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

const live = () => mx.nd.memoryInfo().count;

Deno.test("scope frees the batches an NDArrayIter hands out inside it, every last-batch rule", async () => {
  const X = mx.nd.arange(0, 20).reshape([10, 2]);
  const Y = mx.nd.arange(0, 10);
  try {
    for (const lastBatchHandle of ["pad", "discard", "roll_over"] as const) {
      for (const shuffle of [false, true]) {
        const it = new mx.io.NDArrayIter({
          data: X,
          label: Y,
          batchSize: 3,
          lastBatchHandle,
          shuffle,
        });
        const before = live();
        for (let epoch = 0; epoch < 3; epoch++) {
          const seen = await mx.nd.scope(async () => {
            let n = 0;
            for await (const b of it) {
              assert.equal(b.data[0].shape[0], 3);
              await b.label[0].data();
              n++;
            }
            return n;
          });
          assert.ok(seen >= 3, `${lastBatchHandle}: ${seen} batches`);
          // Only a roll_over remainder (a data and a label array, when one is left) outlives
          // the epoch.
          const kept = live() - before;
          if (lastBatchHandle === "roll_over") assert.ok(kept === 0 || kept === 2, `${kept}`);
          else assert.equal(kept, 0, lastBatchHandle);
          it.reset();
        }
        it.dispose();
        assert.equal(live(), before, `${lastBatchHandle}: dispose frees the remainder`);
      }
    }
  } finally {
    X.dispose();
    Y.dispose();
  }
});

Deno.test("roll_over: the remainder made in one epoch's scope starts the next epoch", async () => {
  const it = new mx.io.NDArrayIter({
    data: mx.nd.arange(0, 5).reshape([5, 1]),
    batchSize: 2,
    lastBatchHandle: "roll_over",
  });
  const epoch = () =>
    mx.nd.scope(async () => {
      const out: number[][] = [];
      for await (const b of it) out.push(Array.from(await b.data[0].data() as Float32Array));
      return out;
    });
  assert.deepEqual(await epoch(), [[0, 1], [2, 3]]);
  it.reset();
  // MXNet: the cached sample 4 comes first, then the next epoch's samples.
  assert.deepEqual(await epoch(), [[4, 0], [1, 2], [3, 4]]);
  it.dispose();
});

Deno.test("an NDArrayIter built inside a scope from host values outlives it", async () => {
  const before = live();
  const it = mx.nd.scope(() =>
    new mx.io.NDArrayIter({ data: [[1, 2], [3, 4], [5, 6]], label: [0, 1, 0], batchSize: 2 })
  );
  const b = (await it.next())!;
  assert.deepEqual(await b.data[0].array(), [[1, 2], [3, 4]]);
  assert.deepEqual(await b.label[0].array(), [0, 1]);
  b.dispose();
  it.dispose();
  // At most `before`: the collector may free earlier tests' unreferenced arrays meanwhile.
  assert.ok(live() <= before, `dispose frees the arrays the iterator made (${live()} > ${before})`);
});
