/**
 * End-to-end browser tests: build the ESM bundle (tools/bundle.ts), serve it with a page on
 * 127.0.0.1 WITHOUT cross-origin isolation (no COOP/COEP headers, so no SharedArrayBuffer:
 * an ordinary page), and run in headless Chromium:
 * - NDArray ops, Philox sampling and a Symbol MLP forward pass on mx.gpu() (WebGPU through
 *   SwiftShader), checked against mx.cpu() in the page and against known numbers;
 * - on mx.cpu(): arrays from typed arrays, a large product, Module.fit, mx.nd.saveBytes and
 *   load from a Blob, the error for file paths, and no message naming an environment
 *   variable.
 * Needs Debian's `chromium`; ignored with a printed reason when it is missing.
 */
import assert from "node:assert/strict";
import { bundle } from "../../tools/bundle.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--enable-unsafe-webgpu",
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

const missing = (() => {
  try {
    Deno.statSync(CHROMIUM);
    return null;
  } catch {
    return `${CHROMIUM} not found (apt-get install -y chromium)`;
  }
})();
if (missing) console.log(`browser test ignored: ${missing}`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>mxts</title>
<script type="module">
import * as mx from "./mxts.js";
const out = {};
try {
  const adapter = await navigator.gpu?.requestAdapter();
  out.adapter = adapter ? (adapter.info?.description || adapter.info?.vendor || "yes") : null;
  const g = mx.gpu(0);
  const a = mx.nd.array([[1, 2], [3, 4]], { ctx: g });
  out.arith = await a.add(1).mul(2).array();
  out.dot = await mx.nd.dot(a, a.transpose()).array();
  out.sum = await a.sum({ axis: 1 }).array();
  out.softmax = Array.from(await a.softmax().data());
  out.softmaxCpu = Array.from(await a.copyTo(mx.cpu()).softmax().data());
  mx.random.seed(42);
  out.uniform = Array.from(await mx.random.uniform(0, 1, [6], { ctx: g }).data());
  mx.random.seed(42);
  out.uniformCpu = Array.from(await mx.random.uniform(0, 1, [6]).data());
  // A small MLP through the Symbol API, bound on the GPU.
  const data = mx.sym.Variable("data");
  const fc1 = mx.sym.FullyConnected({ data, name: "fc1", numHidden: 3 });
  const act = mx.sym.Activation({ data: fc1, name: "relu1", actType: "relu" });
  const net = mx.sym.FullyConnected({ data: act, name: "fc2", numHidden: 2 });
  const args = (ctx) => ({
    data: mx.nd.array([[1, -1, 2, 0.5], [0, 3, -2, 1]], { ctx }),
    fc1_weight: mx.nd.array([[0.1, 0.2, 0.3, 0.4], [-0.5, 0.6, -0.7, 0.8], [0.9, -1, 1.1, -1.2]], { ctx }),
    fc1_bias: mx.nd.array([0.1, -0.2, 0.3], { ctx }),
    fc2_weight: mx.nd.array([[1, -1, 0.5], [0.25, 2, -1]], { ctx }),
    fc2_bias: mx.nd.array([0, 1], { ctx }),
  });
  const exG = net.bind(g, args(g));
  exG.forward();
  out.mlp = Array.from(await exG.outputs[0].data());
  const exC = net.bind(mx.cpu(), args(mx.cpu()));
  exC.forward();
  out.mlpCpu = Array.from(await exC.outputs[0].data());
  out.gpuOf = String(exG.outputs[0].context);
} catch (e) {
  out.error = String(e?.stack ?? e);
}
window.__result = out;
</script>`;

/** What a page leaves in `__result` (JSON values), plus its console lines as `logs`. */
// deno-lint-ignore no-explicit-any
type PageResult = Record<string, any>;

/** Serves `page` and the bundle (no COOP/COEP headers), returns the page's `__result`. */
async function runPage(page: string): Promise<PageResult> {
  const dir = await Deno.makeTempDir({ prefix: "mxts_browser_" });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/" || path === "/index.html") {
      return new Response(page, { headers: { "content-type": "text/html" } });
    }
    if (path === "/mxts.js") {
      return new Response(await Deno.readFile(`${dir}/mxts.js`), {
        headers: { "content-type": "text/javascript" },
      });
    }
    return new Response("not found", { status: 404 });
  });
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  try {
    await bundle(`${dir}/mxts.js`);
    const tab = await browser.newPage();
    const logs: string[] = [];
    tab.on("console", (m) => logs.push(m.text()));
    tab.on("pageerror", (e) => logs.push(String(e)));
    await tab.goto(`http://127.0.0.1:${server.addr.port}/`);
    await tab.waitForFunction(() => "__result" in globalThis, null, { timeout: 120_000 });
    // deno-lint-ignore no-explicit-any
    const r = await tab.evaluate(() => (globalThis as any).__result);
    assert.equal(r.error, undefined, `page failed: ${r.error}\n${logs.join("\n")}`);
    return { ...r, logs };
  } finally {
    await browser.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "browser: the bundle runs NDArray ops and a Symbol MLP on mx.gpu() in Chromium",
  ignore: missing !== null,
  async fn() {
    const r = await runPage(PAGE);
    assert.ok(r.adapter, "Chromium exposed no WebGPU adapter");
    assert.deepEqual(r.arith, [[4, 6], [8, 10]]);
    assert.deepEqual(r.dot, [[5, 11], [11, 25]]);
    assert.deepEqual(r.sum, [3, 7]);
    r.softmax.forEach((v: number, i: number) => assert.ok(Math.abs(v - r.softmaxCpu[i]) < 1e-6));
    assert.deepEqual(r.uniform, r.uniformCpu, "Philox uniform is bit-exact on WebGPU");
    assert.equal(r.gpuOf, "gpu(0)");
    assert.equal(r.mlp.length, 4);
    r.mlp.forEach((v: number, i: number) => assert.ok(Math.abs(v - r.mlpCpu[i]) < 1e-5));
  },
});

/** The CPU paths an ordinary (not cross-origin isolated) page takes. */
const PLAIN_PAGE = `<!doctype html><meta charset="utf-8"><title>mxts</title>
<script type="module">
import * as mx from "./mxts.js";
const out = {};
try {
  out.isolated = globalThis.crossOriginIsolated;
  out.sab = typeof SharedArrayBuffer;
  // From a typed array (the path that named SharedArrayBuffer unguarded).
  const a = mx.nd.array(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
  out.typed = await a.mul(2).array();
  out.int32 = Array.from(await mx.nd.array(new Int32Array([7, 8])).data());
  // Large enough for the TS backend's threaded paths in Deno: one thread here.
  const big = mx.nd.ones([256, 256]);
  out.dotSum = await mx.nd.dot(big, big).sum().asScalar();
  // Training with Module.fit: y = 3x + 1.
  mx.random.seed(7);
  const net = mx.sym.LinearRegressionOutput({
    data: mx.sym.FullyConnected({ data: mx.sym.Variable("data"), numHidden: 1, name: "fc" }),
    label: mx.sym.Variable("softmax_label"),
    name: "lro",
  });
  const xs = new Float32Array(64).map((_, i) => i / 64);
  const ys = xs.map((x) => 3 * x + 1);
  const it = new mx.io.NDArrayIter({
    data: mx.nd.array(xs, { shape: [64, 1] }),
    label: mx.nd.array(ys),
    batchSize: 8,
    shuffle: true,
  });
  const mod = new mx.mod.Module({ symbol: net });
  await mod.fit(it, {
    numEpoch: 40,
    optimizerParams: { learningRate: 0.5 },
    evalMetric: "mse",
    logger: null,
  });
  const { argParams } = mod.getParams();
  out.w = await argParams.fc_weight.asScalar();
  out.b = await argParams.fc_bias.asScalar();
  // Save to bytes, load back from a Blob (what a download or an upload gives).
  const bytes = await mx.nd.saveBytes({ a, w: argParams.fc_weight });
  const back = await mx.nd.loadDict(new Blob([bytes]));
  out.names = Object.keys(back);
  out.back = await back.a.array();
  out.list = (await mx.nd.loadList(await mx.nd.saveBytes([a]))).length;
  for (const [k, f] of [["save", () => mx.nd.save("w.params", [a])], ["load", () => mx.nd.load("w.params")]]) {
    try {
      await f();
    } catch (e) {
      out[k + "Error"] = (e instanceof mx.MXNetError ? "MXNetError " : "") + e.name + ": " + e.message;
    }
  }
  try {
    mx.nd.zeros([2], mx.gpu(5)).dispose();
    mx.nd.zeros([2], { ctx: mx.gpu(0), dtype: "float64" });
  } catch (e) {
    out.gpuError = e.message;
  }
} catch (e) {
  out.error = String(e?.stack ?? e);
}
window.__result = out;
</script>`;

Deno.test({
  name: "browser: without cross-origin isolation, typed arrays, Module.fit and save/load bytes",
  ignore: missing !== null,
  async fn() {
    const r = await runPage(PLAIN_PAGE);
    assert.equal(r.isolated, false, "the page must not be cross-origin isolated");
    assert.equal(r.sab, "undefined", "an ordinary page has no SharedArrayBuffer");
    assert.deepEqual(r.typed, [[2, 4, 6], [8, 10, 12]]);
    assert.deepEqual(r.int32, [7, 8]);
    assert.equal(r.dotSum, 256 ** 3);
    assert.ok(Math.abs(r.w - 3) < 1e-2 && Math.abs(r.b - 1) < 1e-2, `w ${r.w} b ${r.b}`);
    assert.deepEqual(r.names, ["a", "w"]);
    assert.deepEqual(r.back, [[1, 2, 3], [4, 5, 6]]);
    assert.equal(r.list, 1);
    assert.match(r.saveError, /^MXNetError UnsupportedError: save: .*files need Deno/);
    assert.match(r.saveError, /mx\.nd\.saveBytes/);
    assert.match(r.loadError, /^MXNetError UnsupportedError: load: .*files need Deno/);
    // Nothing the page printed or threw tells a browser user to set an environment variable.
    const said = [...r.logs, r.saveError, r.loadError, r.gpuError ?? ""].join("\n");
    assert.doesNotMatch(said, /MXTS_|MXNET_|DENO_|XDG_|environment variable/i);
  },
});
