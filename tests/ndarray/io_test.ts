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
  let h: mx.NDArray = mx.nd.array([row.split(",").map(Number)]);
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

/** A small initialised Gluon layer, to load parameters and trainer states into. */
function gluonDense(): mx.gluon.nn.Dense {
  const net = new mx.gluon.nn.Dense(2, { inUnits: 3 });
  net.initialize();
  return net;
}

Deno.test("a missing file is a FileNotFoundError from every loader", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = `${dir}/nope`;
    const cases: [string, () => Promise<unknown>][] = [
      ["load", () => mx.nd.load(missing)],
      ["sym.load", () => mx.sym.load(missing)],
      ["loadCheckpoint", () => mx.model.loadCheckpoint(missing, 1)],
      ["readIdx", () => mx.io.readIdx(missing)],
      [
        "CSVIter",
        () => new mx.io.CSVIter({ dataCsv: missing, dataShape: [2], batchSize: 1 }).load(),
      ],
      ["load", () => gluonDense().loadParameters(missing)],
      ["sym.load", () => mx.gluon.SymbolBlock.imports(missing, ["data"], `${missing}.params`)],
      ["Trainer.loadStates", () =>
        new mx.gluon.Trainer(gluonDense().collectParams(), "sgd")
          .loadStates(missing)],
      ["checkSha1", () => mx.gluon.utils.checkSha1(missing, "00")],
    ];
    for (const [where, fn] of cases) {
      await assert.rejects(fn, (e: unknown) => {
        assert.ok(e instanceof mx.FileNotFoundError, `${where}: ${e}`);
        assert.ok(e instanceof mx.MXNetError);
        assert.match(e.message, new RegExp(`^${where}: cannot read ${dir}/nope.*: no such file$`));
        assert.ok(e.path.startsWith(missing));
        return true;
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load options: maxDecodedBytes caps sparse expansion, unknown keys throw", async () => {
  // An all-zero csr of [2048, 4096] float32 (32 MiB) from a 132-byte file.
  const b: number[] = [];
  const le = (v: number | bigint, n: 4 | 8) => {
    const x = new Uint8Array(n);
    if (n === 4) new DataView(x.buffer).setInt32(0, Number(v), true);
    else new DataView(x.buffer).setBigInt64(0, BigInt(v), true);
    b.push(...x);
  };
  le(0x112, 8), le(0, 8), le(1, 8);
  le(0xf993fac9 | 0, 4), le(2, 4), le(1, 4), le(0, 8), le(2, 4), le(2048, 8), le(4096, 8);
  le(1, 4), le(0, 4), le(0, 4), le(6, 4), le(1, 4), le(0, 8), le(6, 4), le(1, 4), le(0, 8);
  le(0, 8);
  const bomb = Uint8Array.from(b);
  assert.throws(() => mx.nd.loadBytes(bomb), /csr \[2048,4096\] float32 decodes to 33554432 bytes/);
  const [a] = mx.nd.loadBytes(bomb, { maxDecodedBytes: 2 ** 25 }) as mx.NDArray[];
  assert.deepEqual(a.shape, [2048, 4096]);
  a.dispose();
  assert.throws(() => mx.nd.loadBytes(bomb, { maxDecodedByte: 1 } as never), mx.ParamError);
  await assert.rejects(() => mx.nd.load("x", { ctxt: mx.cpu() } as never), /did you mean ctx/);
});

Deno.test("saving streams the same bytes MXNet's layout has, one array at a time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/s.params`;
    const arrays = { w: mx.nd.arange(12).reshape([3, 4]), b: mx.nd.ones([4], { dtype: "int32" }) };
    await mx.nd.save(f, arrays);
    const { encodeNDArrayList } = await import("../../src/ndarray/format.ts");
    const raw = async (a: mx.NDArray) => {
      const d = await a.data();
      return {
        shape: [...a.shape],
        dtype: a.dtype,
        data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
        devType: 1,
        devId: 0,
      };
    };
    const expected = encodeNDArrayList([await raw(arrays.w), await raw(arrays.b)], ["w", "b"]);
    assert.deepEqual(await Deno.readFile(f), expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a save killed mid-write leaves the old file; the next save removes its temporary",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const f = `${dir}/big.params`;
      await mx.nd.save(f, { w: mx.nd.ones([4]) });
      const before = await Deno.readFile(f);
      const mod = new URL("../../mod.ts", import.meta.url).href;
      // A child that saves 200 MB over and over, killed once its temporary file exists.
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `import * as mx from "${mod}";
           const w = mx.nd.zeros([50_000_000]);
           for (;;) await mx.nd.save(${JSON.stringify(f)}, { w });`,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      const temps = async () =>
        (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).filter((n) =>
          n !== "big.params"
        );
      const t0 = Date.now();
      while ((await temps()).length === 0 && Date.now() - t0 < 60_000) {
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill("SIGKILL");
      await child.status;
      const left = await temps();
      assert.equal(left.length, 1, `temporaries: ${left}`);
      assert.match(left[0], /^big\.params\.\d+-[0-9a-f]{8}\.tmp$/);
      // The target is the old file or a complete new one, never a torn mix.
      const now = await mx.nd.load(f) as Record<string, mx.NDArray>;
      const size = now.w.size;
      assert.ok(size === 4 || size === 50_000_000, `${size}`);
      if (size === 4) assert.deepEqual(await Deno.readFile(f), before);
      now.w.dispose();
      // A temporary of a live process (pid 1) is not touched; the killed one's goes.
      const live = `${f}.1-0000abcd.tmp`;
      await Deno.writeFile(live, new Uint8Array(1));
      await mx.nd.save(f, { w: mx.nd.ones([2]) });
      assert.deepEqual(await temps(), ["big.params.1-0000abcd.tmp"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
