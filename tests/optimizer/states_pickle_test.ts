/**
 * MXNet's optimizer-state files (Python pickles from `Module.save_optimizer_states` and
 * `gluon.Trainer.save_states`, MXNet 0.11.1; see tests/fixtures/README.md) load into an
 * updater and a Module, through a reader that refuses any other Python global (#19).
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { getUpdater, SGD } from "../../src/optimizer/mod.ts";
import { fixturePath } from "../fixtures/mod.ts";
import { values } from "../_harness.ts";

const read = (name: string) => Deno.readFile(fixturePath(`states/${name}`));

Deno.test("states pickle: Trainer.save_states (states + pickled SGD) restores states and counters", async () => {
  const u = getUpdater(new SGD({ learningRate: 1, momentum: 0.5 }));
  u.setStates(await read("test.states"), "test.states");
  assert.deepEqual([...u.states.keys()], ["0"]);
  const mom = u.states.get("0") as mx.NDArray;
  assert.deepEqual(mom.shape, [10]);
  assert.deepEqual(await values(mom), Array(10).fill(-2));
  const c = u.optimizer.counters();
  assert.equal(c.numUpdate, 2);
  assert.deepEqual(c.indexUpdateCount, { "0": 2 });
  // The next step uses the loaded momentum: mom = 0.5 * -2 - 1 * 1 = -2; w = 1 + mom.
  const w = mx.nd.ones([10]);
  u(0, mx.nd.ones([10]), w);
  assert.deepEqual(await values(w), Array(10).fill(-1));
  u.dispose();
  // Another optimizer's states are refused, naming both.
  const adam = getUpdater(mx.optimizer.create("adam"));
  assert.throws(
    () => adam.setStates(new Uint8Array(0)),
    /not an mxts optimizer-states file .* nor an MXNet states pickle/,
  );
  await assert.rejects(
    async () => adam.setStates(await read("test.states"), "test.states"),
    /saved with MXNet's SGD optimizer; this updater's is Adam/,
  );
});

Deno.test("states pickle: Module.load_optimizer_states files (by name; None states)", async () => {
  const net = mx.sym.FullyConnected({
    data: mx.sym.Variable("data"),
    numHidden: 100,
    name: "fullyconnected3",
  });
  const mod = new mx.mod.Module({ symbol: net, labelNames: [] });
  mod.bind({ dataShapes: [["data", [1, 10]]], forTraining: true });
  mod.initParams();
  mod.initOptimizer({ optimizerParams: { momentum: 0.9 } });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/m.states`, await read("test-0000.states"));
    await mod.loadOptimizerStates(`${dir}/m.states`);
    // Saved under names on MXNet's kvstore; here the module's parameter indices.
    const again = `${dir}/again.states`;
    await mod.saveOptimizerStates(again, { format: "mxnet" });
    const u = getUpdater(new SGD({ momentum: 0.9 }));
    u.setStates(await Deno.readFile(again), again);
    const byIndex = mod.paramNames.map((n) => u.states.get(String(mod.paramNames.indexOf(n))));
    assert.deepEqual(byIndex.map((s) => (s as mx.NDArray).shape), [[100, 10], [100]]);
    for (const s of byIndex) assert.ok((await values(s as mx.NDArray)).every((v) => v === 0));
    u.dispose();
  } finally {
    mod.dispose();
    await Deno.remove(dir, { recursive: true });
  }
  const plain = getUpdater(new SGD());
  plain.setStates(await read("test-0100.states"), "test-0100.states");
  assert.deepEqual([...plain.states.entries()], [0, 1, 2, 3, 4, 5].map((k) => [String(k), null]));
});

Deno.test("states pickle: round trip in MXNet's form; other globals and versions refused", async () => {
  const u = getUpdater(mx.optimizer.create("adam"));
  const w = mx.nd.array([1, 2, 3]);
  u(3, mx.nd.array([0.5, -1, 2]), w);
  const pickle = await u.getStates({ format: "mxnet" });
  assert.equal(pickle[0], 0x80, "a pickle");
  const v = getUpdater(mx.optimizer.create("adam"));
  v.setStates(pickle, "adam.states");
  const [m0, v0] = u.states.get("3") as mx.NDArray[];
  const [m1, v1] = v.states.get("3") as mx.NDArray[];
  assert.deepEqual(await values(m1), await values(m0));
  assert.deepEqual(await values(v1), await values(v0));
  // A pickle naming any other global is refused before anything runs.
  const evil = new Uint8Array([
    0x80,
    0x03,
    0x63,
    ...new TextEncoder().encode("os\nsystem\n"),
    0x58,
    2,
    0,
    0,
    0,
    0x6c,
    0x73,
    0x85,
    0x52,
    0x2e,
  ]);
  assert.throws(() => v.setStates(evil, "evil.states"), (e: unknown) => {
    assert.ok(e instanceof mx.FormatError, String(e));
    assert.match(e.message, /evil\.states: .*refusing global os system/);
    return true;
  });
  // mxts's own format keeps loading; an unknown version of it is named.
  const own = await u.getStates();
  v.setStates(own, "own.states");
  assert.equal(v.optimizer.counters().numUpdate, 1);
  const future = own.slice();
  future[7] = "9".charCodeAt(0);
  assert.throws(
    () => v.setStates(future, "future.states"),
    /future\.states: mxts optimizer-states format version 9 is not known to this version of mxts, which reads version 1/,
  );
  u.dispose();
  v.dispose();
});
