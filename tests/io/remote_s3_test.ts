/**
 * Saving and loading on `s3://` against a real S3 protocol implementation started here:
 * s3rver (npm), on 127.0.0.1 on a free port, storing in a temporary directory. The seed's
 * two lines, every saver/loader entry point, a 200 MB multipart round trip, and the
 * failures (missing bucket, bad credentials, connection refused, missing key, a server
 * that stops mid-upload: no partial object).
 *
 * The server runs in this process and the S3 client keeps connections alive between
 * calls, so Deno's per-test resource and op sanitizers are off for these tests.
 */
import assert from "node:assert/strict";
import S3rver from "s3rver";
import * as mx from "../../mod.ts";
import { readFileChecked, writeFileAtomic } from "../../src/core/files.ts";
import { _resetRemoteStores } from "../../src/core/remote/mod.ts";

const BUCKET = "mybucket";
const dir = await Deno.makeTempDir({ prefix: "mxts-s3-" });
let server: S3rver | null = null;
let port = 0;

async function start(): Promise<void> {
  server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const info = await server.run();
  port = info.port;
}

async function stop(): Promise<void> {
  await server?.close();
  server = null;
}

/** Points the library's S3 client at the local server with the given credentials. */
function useCredentials(key = "S3RVER", secret = "S3RVER"): void {
  Deno.env.set("S3_ENDPOINT", `http://127.0.0.1:${port}`);
  Deno.env.set("AWS_ACCESS_KEY_ID", key);
  Deno.env.set("AWS_SECRET_ACCESS_KEY", secret);
  Deno.env.set("AWS_REGION", "us-east-1");
  _resetRemoteStores();
}

const s3Test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `s3: ${name}`, sanitizeOps: false, sanitizeResources: false, fn });

s3Test("start the local S3 server", async () => {
  await start();
  useCredentials();
});

s3Test("the seed's lines: nd.save then nd.load on s3:// round-trip byte for byte", async () => {
  const a = mx.nd.array([[1, 2, 3], [4, 5, 6]]);
  const b = mx.nd.arange(0, 5, 1, { dtype: "int32" });
  await mx.nd.save(`s3://${BUCKET}/mydata.bin`, [a, b]);
  const [a2, b2] = await mx.nd.load(`s3://${BUCKET}/mydata.bin`) as mx.NDArray[];
  assert.deepEqual(await a2.array(), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(b2.dtype, "int32");
  assert.deepEqual(await b2.array(), [0, 1, 2, 3, 4]);
  // The object's bytes are exactly what a local save writes.
  const local = `${dir}/local.bin`;
  await mx.nd.save(local, [a, b]);
  assert.deepEqual(
    await readFileChecked(`s3://${BUCKET}/mydata.bin`, "test"),
    await Deno.readFile(local),
  );
  const dict = { w: a, "arg:b": b };
  await mx.nd.save(`s3://${BUCKET}/dir/dict.params`, dict);
  const back = await mx.nd.loadDict(`s3://${BUCKET}/dir/dict.params`);
  assert.deepEqual(Object.keys(back).sort(), ["arg:b", "w"]);
});

s3Test("every saver and loader takes an s3:// URI", async () => {
  const uri = (name: string) => `s3://${BUCKET}/entry/${name}`;
  // Symbol.save / mx.sym.load
  const x = mx.sym.Variable("data");
  const net = mx.sym.SoftmaxOutput({
    data: mx.sym.FullyConnected({ data: x, numHidden: 3, name: "fc" }),
    name: "softmax",
  });
  await net.save(uri("net.json"));
  assert.deepEqual((await mx.sym.load(uri("net.json"))).listArguments(), net.listArguments());
  // saveCheckpoint / loadCheckpoint
  const w = mx.nd.ones([3, 4]), bias = mx.nd.zeros([3]);
  await mx.model.saveCheckpoint(uri("ck"), 2, net, { fc_weight: w, fc_bias: bias });
  const ck = await mx.model.loadCheckpoint(uri("ck"), 2);
  assert.deepEqual(await ck.argParams.fc_weight.array(), await w.array());
  // Gluon saveParameters / loadParameters, export / SymbolBlock.imports
  const dense = new mx.gluon.nn.Dense(2, { inUnits: 3 });
  dense.initialize();
  const input = mx.nd.array([[1, 2, 3]]);
  const want = await dense.forward(input).array();
  await dense.saveParameters(uri("dense.params"));
  const dense2 = new mx.gluon.nn.Dense(2, { inUnits: 3 });
  await dense2.loadParameters(uri("dense.params"));
  assert.deepEqual(await dense2.forward(input).array(), want);
  const hyb = new mx.gluon.nn.HybridSequential();
  hyb.add(new mx.gluon.nn.Dense(2, { inUnits: 3 }));
  hyb.initialize();
  hyb.hybridize();
  const hWant = await hyb.forward(input).array();
  await hyb.export(uri("hyb"), 1);
  const imported = await mx.gluon.SymbolBlock.imports(
    uri("hyb-symbol.json"),
    ["data"],
    uri("hyb-0001.params"),
  );
  assert.deepEqual(await imported.forward(input).array(), hWant);
  // Optimizer states: Trainer.saveStates / loadStates
  const trainer = new mx.gluon.Trainer(dense.collectParams(), "sgd", {
    learningRate: 0.1,
    momentum: 0.9,
  });
  mx.autograd.record(() => dense.forward(input).sum()).backward();
  trainer.step(1);
  await trainer.saveStates(uri("trainer.states"));
  await trainer.loadStates(uri("trainer.states"));
  // Module: saveCheckpoint with optimizer states, loadOptimizerStates
  const mod = new mx.mod.Module({ symbol: net, context: mx.cpu() });
  mod.bind({ dataShapes: [["data", [2, 4]]], labelShapes: [["softmax_label", [2]]] });
  mod.initParams();
  mod.initOptimizer({ optimizer: "sgd", optimizerParams: { momentum: 0.9 } });
  await mod.saveCheckpoint(uri("mod"), 3, true);
  await mod.loadOptimizerStates(uri("mod-0003.states"));
  assert.deepEqual(
    Object.keys((await mx.model.loadCheckpoint(uri("mod"), 3)).argParams).sort(),
    ["fc_bias", "fc_weight"],
  );
  // npx.save / npx.load
  await mx.npx.save(uri("np.npx"), [mx.np.array([1, 2])]);
  assert.deepEqual(await (await mx.npx.load(uri("np.npx")) as mx.NDArray[])[0].array(), [1, 2]);
  // CSVIter and MNISTIter read their files from S3 too.
  await writeFileAtomic(uri("data.csv"), new TextEncoder().encode("1,2\n3,4\n5,6\n"), "test");
  const csv = await new mx.io.CSVIter({ dataCsv: uri("data.csv"), dataShape: [2], batchSize: 3 })
    .load();
  const first = await csv.next();
  assert.deepEqual(await first!.data[0].array(), [[1, 2], [3, 4], [5, 6]]);
  const images = mx.io.encodeIdx([2, 2, 2], Uint8Array.of(0, 0, 0, 0, 255, 255, 255, 255));
  await writeFileAtomic(uri("img.idx"), images, "test");
  await writeFileAtomic(uri("lab.idx"), mx.io.encodeIdx([2], Uint8Array.of(3, 7)), "test");
  const mnist = new mx.io.MNISTIter({
    image: uri("img.idx"),
    label: uri("lab.idx"),
    batchSize: 2,
    shuffle: false,
    imageSize: [2, 2],
  });
  const batch = await mnist.next();
  assert.deepEqual(await batch!.label[0].array(), [3, 7]);
});

s3Test("a 200 MB array list round-trips through a multipart upload", async () => {
  const n = 50 * 1024 * 1024; // 50M float32 = 200 MiB, in 8 MiB parts
  const big = mx.nd.arange(0, n, 1);
  await mx.nd.save(`s3://${BUCKET}/big.params`, [big]);
  const [back] = await mx.nd.load(`s3://${BUCKET}/big.params`) as mx.NDArray[];
  assert.deepEqual(back.shape, [n]);
  const v = await back.data() as Float32Array;
  for (const i of [0, 1, 8 * 1024 * 1024 / 4, n / 2 + 3, n - 1]) assert.equal(v[i], Math.fround(i));
  assert.equal(await back.sum().asScalar(), await big.sum().asScalar());
  big.dispose();
  back.dispose();
});

s3Test(
  "failures name the bucket, key and HTTP status; a missing key is FileNotFoundError",
  async () => {
    await assert.rejects(
      mx.nd.load(`s3://${BUCKET}/no/such/key.bin`),
      (e: unknown) => e instanceof mx.FileNotFoundError && /no\/such\/key\.bin/.test(String(e)),
    );
    await assert.rejects(
      mx.nd.save("s3://nobucket/x.bin", [mx.nd.ones([2])]),
      (e: unknown) =>
        e instanceof mx.MXNetError && /bucket nobucket/.test(String(e)) &&
        /NoSuchBucket \(HTTP 404\)/.test(String(e)),
    );
    useCredentials("WRONG", "WRONG");
    await assert.rejects(
      mx.nd.load(`s3://${BUCKET}/mydata.bin`),
      (e: unknown) =>
        e instanceof mx.MXNetError && /InvalidAccessKeyId \(HTTP 403\)/.test(String(e)) &&
        /key mydata\.bin/.test(String(e)),
    );
    useCredentials();
    assert.ok(await mx.nd.load(`s3://${BUCKET}/mydata.bin`));
  },
);

s3Test("a server that stops mid-upload leaves no object; a stopped one is named", async () => {
  const key = `s3://${BUCKET}/interrupted.bin`;
  // The content's third 8 MiB part is produced only after the server has stopped.
  async function* content(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(8 << 20).fill(1);
    yield new Uint8Array(8 << 20).fill(2);
    await stop();
    yield new Uint8Array(8 << 20).fill(3);
  }
  await assert.rejects(
    writeFileAtomic(key, content(), "test"),
    (e: unknown) => e instanceof mx.MXNetError && /interrupted\.bin/.test(String(e)),
  );
  // Connection refused while the server is down: an MXNetError naming the endpoint.
  await assert.rejects(
    mx.nd.load(key),
    (e: unknown) =>
      e instanceof mx.MXNetError && /cannot reach http:\/\/127\.0\.0\.1/.test(String(e)),
  );
  await start(); // same port and directory
  useCredentials();
  await assert.rejects(mx.nd.load(key), mx.FileNotFoundError);
  // The earlier objects are still there.
  assert.equal((await mx.nd.load(`s3://${BUCKET}/mydata.bin`) as mx.NDArray[]).length, 2);
});

s3Test("stop the local S3 server", async () => {
  await stop();
  for (const k of ["S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) {
    Deno.env.delete(k);
  }
  _resetRemoteStores();
  await Deno.remove(dir, { recursive: true });
});
