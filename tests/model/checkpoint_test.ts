/**
 * Checkpoints: the symbol and parameter files are replaced as a pair, stamped so that a
 * pair that does not belong together is refused, and MXNet's files (unstamped) load as
 * before while MXNet reads ours unchanged.
 * @module
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { decodeNDArrayList } from "../../src/ndarray/format.ts";
import { symbolStamp } from "../../src/model/checkpoint.ts";
import { fixtureBytes, fixturePath } from "../fixtures/mod.ts";

function mlp(hidden: number): mx.sym.Symbol {
  const data = mx.sym.Variable("data");
  const fc1 = mx.sym.FullyConnected({ data, numHidden: hidden, name: "fc1" });
  const bn = mx.sym.BatchNorm({ data: fc1, name: "bn" });
  return mx.sym.FullyConnected({ data: bn, numHidden: 2, name: "fc2" });
}

function params(hidden: number, scale: number) {
  return {
    args: {
      fc1_weight: mx.nd.ones([hidden, 3]).mul(scale),
      fc1_bias: mx.nd.zeros([hidden]),
      bn_gamma: mx.nd.ones([hidden]),
      bn_beta: mx.nd.zeros([hidden]),
      fc2_weight: mx.nd.ones([2, hidden]),
      fc2_bias: mx.nd.zeros([2]),
    },
    aux: { bn_moving_mean: mx.nd.zeros([hidden]), bn_moving_var: mx.nd.ones([hidden]) },
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function disposeAll(...groups: Record<string, mx.NDArray>[]): void {
  for (const g of groups) for (const a of Object.values(g)) a.dispose();
}

Deno.test("saveCheckpoint stamps the params with the symbol; the pair loads back", async () => {
  await withDir(async (dir) => {
    const prefix = `${dir}/net`;
    const { args, aux } = params(4, 0.5);
    await mx.model.saveCheckpoint(prefix, 3, mlp(4), args, aux);
    const text = await Deno.readTextFile(`${prefix}-symbol.json`);
    const bytes = await Deno.readFile(`${prefix}-0003.params`);
    assert.equal(decodeNDArrayList(bytes).stamp, await symbolStamp(text));
    // Apart from the reserved word (MXNet writes 0 and never reads it), the file is what
    // mx.nd.save writes, so Apache MXNet and Gluon load it unchanged.
    const plain = `${dir}/plain.params`;
    const all: Record<string, mx.NDArray> = {};
    for (const [k, v] of Object.entries(args)) all[`arg:${k}`] = v;
    for (const [k, v] of Object.entries(aux)) all[`aux:${k}`] = v;
    await mx.nd.save(plain, all);
    const ref = await Deno.readFile(plain);
    assert.deepEqual(bytes.subarray(0, 8), ref.subarray(0, 8));
    assert.deepEqual(bytes.subarray(16), ref.subarray(16));
    const back = await mx.model.loadCheckpoint(prefix, 3);
    assert.deepEqual(back.symbol.listArguments(), mlp(4).listArguments());
    assert.deepEqual(Object.keys(back.argParams), Object.keys(args));
    assert.deepEqual(Object.keys(back.auxParams), ["bn_moving_mean", "bn_moving_var"]);
    assert.deepEqual(await back.argParams.fc1_weight.array(), Array(4).fill([0.5, 0.5, 0.5]));
    disposeAll(args, aux, back.argParams, back.auxParams);
  });
});

Deno.test("loadCheckpoint refuses params saved with another symbol (a torn pair)", async () => {
  await withDir(async (dir) => {
    const prefix = `${dir}/net`;
    const a = params(4, 1);
    await mx.model.saveCheckpoint(prefix, 1, mlp(4), a.args, a.aux);
    // What a save killed between its two renames leaves: the other network's symbol file
    // beside these parameters (here written directly).
    await mlp(8).save(`${prefix}-symbol.json`);
    await assert.rejects(() => mx.model.loadCheckpoint(prefix, 1), (e: unknown) => {
      assert.ok(e instanceof mx.MXNetError, String(e));
      assert.match(
        e.message,
        /^loadCheckpoint: .*net-0001\.params was not saved with this .*net-symbol\.json: the parameters carry the stamp 0x[0-9a-f]{16}/,
      );
      assert.match(e.message, /interrupted between writing the two files/);
      return true;
    });
    // Putting the right symbol back makes the pair whole again.
    await mlp(4).save(`${prefix}-symbol.json`);
    const back = await mx.model.loadCheckpoint(prefix, 1);
    disposeAll(a.args, a.aux, back.argParams, back.auxParams);
  });
});

Deno.test("epochs of one network share the symbol file, which is not rewritten", async () => {
  await withDir(async (dir) => {
    const prefix = `${dir}/net`;
    const a = params(4, 1), b = params(4, 2);
    await mx.model.saveCheckpoint(prefix, 1, mlp(4), a.args, a.aux);
    const ino = (await Deno.stat(`${prefix}-symbol.json`)).ino;
    await mx.model.saveCheckpoint(prefix, 2, mlp(4), b.args, b.aux);
    // Unchanged: not replaced, so no window in which the pair could tear.
    assert.equal((await Deno.stat(`${prefix}-symbol.json`)).ino, ino);
    const one = await mx.model.loadCheckpoint(prefix, 1);
    const two = await mx.model.loadCheckpoint(prefix, 2);
    assert.equal(await one.argParams.fc1_weight.sum().asScalar(), 12);
    assert.equal(await two.argParams.fc1_weight.sum().asScalar(), 24);
    // A killed save's temporaries (of a process that is gone) go with the next save,
    // the symbol file's too although it is not rewritten.
    for (const f of ["net-symbol.json", "net-0002.params"]) {
      await Deno.writeFile(`${dir}/${f}.999999999-0badcafe.tmp`, new Uint8Array(3));
    }
    await mx.model.saveCheckpoint(prefix, 2, mlp(4), b.args, b.aux);
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
    assert.deepEqual(names, ["net-0001.params", "net-0002.params", "net-symbol.json"]);
    disposeAll(a.args, a.aux, b.args, b.aux, one.argParams, one.auxParams, two.argParams);
    disposeAll(two.auxParams);
  });
});

Deno.test("Apache MXNet's checkpoints (no stamp) still load", async () => {
  for (const [prefix, epoch] of [["sagemaker-linreg/model", 0], ["gluon/net", 1]] as const) {
    const bytes = fixtureBytes(`${prefix}-${String(epoch).padStart(4, "0")}.params`);
    assert.equal(decodeNDArrayList(bytes).stamp, 0n);
    const { argParams, auxParams } = await mx.model.loadCheckpoint(fixturePath(prefix), epoch);
    assert.ok(Object.keys(argParams).length > 0);
    disposeAll(argParams, auxParams);
  }
});

Deno.test("a parameter named __proto__ is a key, not the prototype", async () => {
  await withDir(async (dir) => {
    const w = mx.nd.ones([2]);
    const args: Record<string, mx.NDArray> = Object.fromEntries([["__proto__", w]]);
    await mx.model.saveCheckpoint(`${dir}/p`, 0, mx.sym.Variable("__proto__"), args);
    const back = await mx.model.loadCheckpoint(`${dir}/p`, 0);
    assert.deepEqual(Object.keys(back.argParams), ["__proto__"]);
    assert.equal(Object.getPrototypeOf(back.argParams), Object.prototype);
    w.dispose();
    disposeAll(back.argParams);
  });
});

Deno.test("loadCheckpoint checks its options", async () => {
  await assert.rejects(
    () => mx.model.loadCheckpoint("x", 0, { maxDecodedByte: 1 } as never),
    mx.ParamError,
  );
});
