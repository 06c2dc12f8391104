/**
 * End-to-end browser test: builds the ESM bundle (tools/bundle.ts), serves it with a page
 * on 127.0.0.1, and runs NDArray ops, Philox sampling and a Symbol MLP forward pass on
 * mx.gpu() in headless Chromium (WebGPU through SwiftShader), checking the values against
 * the same computations on mx.cpu() in the page and against known numbers.
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

Deno.test({
  name: "browser: the bundle runs NDArray ops and a Symbol MLP on mx.gpu() in Chromium",
  ignore: missing !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "mxts_browser_" });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/" || path === "/index.html") {
        return new Response(PAGE, { headers: { "content-type": "text/html" } });
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
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on("console", (m) => logs.push(m.text()));
      page.on("pageerror", (e) => logs.push(String(e)));
      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      await page.waitForFunction(() => "__result" in globalThis, null, { timeout: 60_000 });
      // deno-lint-ignore no-explicit-any
      const r = await page.evaluate(() => (globalThis as any).__result);
      assert.equal(r.error, undefined, `page failed: ${r.error}\n${logs.join("\n")}`);
      assert.ok(r.adapter, "Chromium exposed no WebGPU adapter");
      assert.deepEqual(r.arith, [[4, 6], [8, 10]]);
      assert.deepEqual(r.dot, [[5, 11], [11, 25]]);
      assert.deepEqual(r.sum, [3, 7]);
      r.softmax.forEach((v: number, i: number) => assert.ok(Math.abs(v - r.softmaxCpu[i]) < 1e-6));
      assert.deepEqual(r.uniform, r.uniformCpu, "Philox uniform is bit-exact on WebGPU");
      assert.equal(r.gpuOf, "gpu(0)");
      assert.equal(r.mlp.length, 4);
      r.mlp.forEach((v: number, i: number) => assert.ok(Math.abs(v - r.mlpCpu[i]) < 1e-5));
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
