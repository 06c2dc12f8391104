/** #19: mx.random.seed(s, ctx), MXNet's per-context seeding. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

const draw = async (ctx: mx.Context) =>
  Array.from(await mx.nd.random.uniform(0, 1, [6], { ctx }).data() as Float32Array);

Deno.test("random: seed(s, ctx) gives each seeded context the same sequence", async () => {
  mx.nd.random.seed(128, mx.cpu(1));
  const a = await draw(mx.cpu(1));
  mx.nd.random.seed(128, mx.cpu(2));
  const b = await draw(mx.cpu(2));
  assert.deepEqual(a, b);
  // The same sequence as the shared stream freshly seeded with 128.
  mx.random.seed(128);
  assert.deepEqual(await draw(mx.cpu(0)), a);
  mx.random.seed(0);
});

Deno.test("random: a context seeded on its own does not disturb the others", async () => {
  mx.random.seed(7);
  const first = await draw(mx.cpu(0));
  const second = await draw(mx.cpu(0));
  mx.random.seed(7);
  assert.deepEqual(await draw(mx.cpu(0)), first);
  mx.random.seed(3, mx.cpu(1));
  const own = await draw(mx.cpu(1)); // from cpu(1)'s stream, not the shared one
  assert.deepEqual(await draw(mx.cpu(0)), second);
  // seed(s) ("all") puts every context back on the shared stream.
  mx.random.seed(7, "all");
  assert.deepEqual(await draw(mx.cpu(1)), first);
  assert.notDeepEqual(own, first);
  assert.throws(
    () => mx.random.seed(1, "gpu0" as never),
    /random.seed: ctx expects a Context or "all", got/,
  );
  mx.random.seed(0);
});
