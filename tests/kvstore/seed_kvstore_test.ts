/**
 * The seed document's KVStore section (the MXNet notes this project started from), spelled as in
 * API.md, with the values it prints. gpu(0..3) become cpu(0..3) without a GPU backend.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as kvs from "../../src/kvstore/mod.ts";
import { backendTest } from "../_harness.ts";

const dev = (i: number) => (mx.numGpus() > 0 ? mx.gpu(i) : mx.cpu(i));
const filled = (v: number) => [[v, v, v], [v, v, v]];

backendTest("seed: KVStore sections 1-6", async () => {
  // 1. create, init, pull
  const kv = kvs.create("local");
  const shape = [2, 3];
  kv.init(3, mx.nd.ones(shape).mul(2));
  const a = mx.nd.zeros(shape);
  kv.pull(3, { out: a });
  assert.deepEqual(await a.array(), filled(2));

  // 2. push a new value for an initialised key
  kv.push(3, mx.nd.ones(shape).mul(8));
  kv.pull(3, { out: a });
  assert.deepEqual(await a.array(), filled(8));

  // 3. values on several devices are summed
  const gpus = [0, 1, 2, 3].map(dev);
  let b: mx.NDArray[] = gpus.map((g) => mx.nd.ones(shape, g));
  kv.push(3, b);
  kv.pull(3, { out: a });
  assert.deepEqual(await a.array(), filled(4));

  // 4. a custom updater replaces ASSIGN
  const printed: string[] = [];
  kv.setUpdater((key, input, stored) => {
    printed.push(`update on key: ${key}`);
    stored.addInPlace(input.mul(2));
  });
  kv.pull(3, { out: a });
  assert.deepEqual(await a.array(), filled(4));
  kv.push(3, mx.nd.ones(shape));
  assert.deepEqual(printed, ["update on key: 3"]);
  kv.pull(3, { out: a });
  assert.deepEqual(await a.array(), filled(6));

  // 5. pull to several devices at once
  b = gpus.map((g) => mx.nd.ones(shape, g));
  kv.pull(3, { out: b });
  assert.deepEqual(await b[1].array(), filled(6));
  assert.ok(b[1].context.equals(dev(1)));

  // 6. lists of keys, one device
  printed.length = 0;
  const keys = [5, 7, 9];
  const one = mx.nd.ones(shape);
  kv.init(keys, keys.map(() => one));
  kv.push(keys, keys.map(() => one));
  assert.deepEqual(printed, ["update on key: 5", "update on key: 7", "update on key: 9"]);
  const z = mx.nd.zeros(shape);
  const bs = keys.map(() => z); // Python's [x] * 3: one array three times
  kv.pull(keys, { out: bs });
  assert.deepEqual(await bs[1].array(), filled(3));

  // ... and several devices
  printed.length = 0;
  const perDevice = gpus.map((g) => mx.nd.ones(shape, g));
  const bb = keys.map(() => perDevice); // [[...]] * 3
  kv.push(keys, bb);
  assert.deepEqual(printed, ["update on key: 5", "update on key: 7", "update on key: 9"]);
  kv.pull(keys, { out: bb });
  assert.deepEqual(await bb[1][1].array(), filled(11));
  kv.dispose();
});
