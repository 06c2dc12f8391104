/** mx.nd.save / mx.nd.load against files written by Apache MXNet, and atomic saving. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";
import { fixturePath } from "../fixtures/mod.ts";

backendTest("load legacy_ndarray.v0: six copies of arange(128)", async () => {
  const arrays = await mx.nd.load(fixturePath("apache-mxnet/legacy_ndarray.v0"));
  assert.ok(Array.isArray(arrays));
  assert.equal(arrays.length, 6);
  const expected = await values(mx.nd.arange(128));
  for (const a of arrays) {
    assert.deepEqual(a.shape, [128]);
    assert.deepEqual(await values(a), expected);
  }
});

backendTest("load a v0 checkpoint with names (go-mxnet-predictor)", async () => {
  const d = await mx.nd.load(fixturePath("go-mxnet-predictor/go_test-0001.params"));
  assert.ok(!Array.isArray(d));
  assert.deepEqual(Object.keys(d).sort(), ["arg:pred_bias", "arg:pred_weight"]);
  assert.deepEqual(await values(d["arg:pred_bias"]), new Array(10).fill(0));
  const w = d["arg:pred_weight"];
  assert.deepEqual(w.shape, [10, 1]);
  assertClose((await values(w)).slice(0, 4), [0.00097627, 0.00185689, 0.00430379, 0.00688531], {
    rtol: 1e-5,
  });
  assertClose([await w.sum().asScalar()], [0.0320235], { rtol: 1e-5 });
});

backendTest("load a V1 checkpoint and predict like SageMaker's test", async () => {
  const d = await mx.nd.load(fixturePath("sagemaker-linreg/model-0000.params")) as Record<
    string,
    mx.NDArray
  >;
  const x = mx.nd.array([[1, 2]]);
  const y = x.dot(d["arg:fc1_weight"], { transposeB: true }).add(d["arg:fc1_bias"]);
  assert.equal(await y.asScalar(), 4.9999918937683105);
});

backendTest("load a V2 checkpoint: MNIST MLP predicts 7 on 07.csv", async () => {
  const d = await mx.nd.load(fixturePath("sagemaker-mnist/model-0000.params")) as Record<
    string,
    mx.NDArray
  >;
  assert.deepEqual(d["arg:fullyconnected0_weight"].shape, [128, 784]);
  const row = (await Deno.readTextFile(fixturePath("sagemaker-mnist/07.csv"))).split("\n")[0];
  let h = mx.nd.array([row.split(",").map(Number)]);
  for (let i = 0; i < 3; i++) {
    h = h.dot(d[`arg:fullyconnected${i}_weight`], { transposeB: true })
      .add(d[`arg:fullyconnected${i}_bias`]);
    if (i < 2) h = h.relu();
  }
  assert.equal(await h.argmax({ axis: 1 }).asScalar(), 7);
});

backendTest("save and load round trip, list and dict, every dtype", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/data.bin`;
    const a = mx.nd.ones([2, 3]).mul(2), b = mx.nd.ones([2, 3]).mul(3);
    await mx.nd.save(f, [a, b]);
    const list = await mx.nd.load(f) as mx.NDArray[];
    assert.deepEqual(await list[0].array(), [[2, 2, 2], [2, 2, 2]]);
    assert.deepEqual(await list[1].array(), [[3, 3, 3], [3, 3, 3]]);
    await mx.nd.save(f, { a, b });
    const dict = await mx.nd.load(f) as Record<string, mx.NDArray>;
    assert.deepEqual(await dict.b.array(), [[3, 3, 3], [3, 3, 3]]);
    const dtypes = [
      "float32",
      "float64",
      "float16",
      "uint8",
      "int32",
      "int8",
      "int64",
      "bool",
    ] as const;
    const arrays = dtypes.map((dtype) => mx.nd.array([0, 1, 2, 1], { dtype, shape: [2, 2] }));
    await mx.nd.save(f, arrays);
    const back = await mx.nd.load(f) as mx.NDArray[];
    for (let i = 0; i < dtypes.length; i++) {
      assert.equal(back[i].dtype, dtypes[i]);
      const expected = dtypes[i] === "bool" ? [0, 1, 1, 1] : [0, 1, 2, 1];
      assert.deepEqual(await values(back[i]), expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { dtypes: ["float64", "int64"] });

backendTest("a failed save leaves the old file intact; bad files throw FormatError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/keep.params`;
    await mx.nd.save(f, [mx.nd.ones([2])]);
    const before = await Deno.readFile(f);
    await assert.rejects(
      () => mx.nd.save(`${dir}/missing/x.params`, [mx.nd.ones([2])]),
      mx.MXNetError,
    );
    assert.deepEqual(await Deno.readFile(f), before);
    await Deno.writeFile(f, before.slice(0, before.length - 3));
    await assert.rejects(() => mx.nd.load(f), (e: unknown) => {
      assert.ok(e instanceof mx.FormatError);
      assert.ok((e as mx.FormatError).offset >= 0);
      return true;
    });
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    assert.deepEqual(names, ["keep.params"], "no temporary file left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
