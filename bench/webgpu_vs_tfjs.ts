/**
 * Section "webgpu": this library's WebGPU backend on gpu(0) against
 * @tensorflow/tfjs-backend-webgpu on the same adapter, in the same process, samples
 * interleaved. GEMM, elementwise bandwidth, dispatch overhead, an MLP training step, and
 * first-call (shader compile) latency. On a fallback adapter (llvmpipe, SwiftShader) the
 * section title says "software": those numbers measure a CPU emulating a GPU.
 * @module
 */
import * as mx from "../mod.ts";
import { ADAPTER } from "../backends/webgpu/mod.ts";
import { type Contender, interleave, progress, randomF32, type Row } from "./_util.ts";

type Tf = typeof import("@tensorflow/tfjs-core");

const OURS = "mxts-webgpu";
const THEIRS = "tfjs-webgpu";
const g = mx.gpu(0);
let section = "webgpu";

async function loadTf(): Promise<Tf> {
  const tf = await import("@tensorflow/tfjs-core");
  // Until deno.json maps "@tensorflow/tfjs-backend-webgpu" (requested from the lead).
  await import("@tensorflow/tfjs-backend-webgpu");
  tf.enableProdMode();
  // tfjs-webgpu computes small ops on the CPU by default; measure its GPU path, like ours.
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs: setBackend('webgpu') failed");
  await tf.ready();
  return tf;
}

function row(workload: string, ours: number, theirs: number, sense: Row["sense"]): Row {
  return {
    section,
    workload,
    ours,
    theirs,
    sense,
    target: 1,
    oursName: OURS,
    theirsName: THEIRS,
  };
}

/**
 * A contender whose sample runs `body(iters)` (which must finish its GPU work, i.e. end
 * in a readback) and returns seconds per iteration; `iters` is calibrated so a sample
 * takes about `sampleS` (the ~11 ms software readback is then amortised).
 */
function calibrated(name: string, body: (iters: number) => Promise<void>, sampleS: number) {
  let iters = 1;
  const run = async (n: number) => {
    const t0 = performance.now();
    await body(n);
    return (performance.now() - t0) / 1e3;
  };
  return {
    name,
    async calibrate(): Promise<number> {
      await run(1);
      const t = await run(1);
      iters = Math.max(1, Math.round(sampleS / Math.max(t, 1e-7)));
      return t;
    },
    async sample(): Promise<number> {
      return (await run(iters)) / iters;
    },
  } satisfies Contender & { calibrate(): Promise<number> };
}

async function compare(
  a: ReturnType<typeof calibrated>,
  b: ReturnType<typeof calibrated>,
): Promise<number[]> {
  const slowest = Math.max(await a.calibrate(), await b.calibrate());
  const [warmup, reps] = slowest > 0.5 ? [0, 3] : slowest > 0.1 ? [1, 3] : [2, 7];
  return await interleave([a, b], { warmup, reps });
}

async function gemm(tf: Tf, n: number): Promise<Row> {
  const x = randomF32(n * n, 5), y = randomF32(n * n, 6);
  const ma = mx.nd.array(x, { shape: [n, n], ctx: g }),
    mb = mx.nd.array(y, { shape: [n, n], ctx: g });
  const ta = tf.tensor2d(x, [n, n]), tb = tf.tensor2d(y, [n, n]);
  const ours = calibrated(OURS, async (k) => {
    for (let i = 0; i < k - 1; i++) mx.nd.dot(ma, mb).dispose();
    const last = mx.nd.dot(ma, mb);
    await last.data();
    last.dispose();
  }, 0.5);
  const theirs = calibrated(THEIRS, async (k) => {
    for (let i = 0; i < k - 1; i++) tf.matMul(ta, tb).dispose();
    const last = tf.matMul(ta, tb);
    await last.data();
    last.dispose();
  }, 0.5);
  const [a, b] = await compare(ours, theirs);
  ma.dispose(), mb.dispose(), ta.dispose(), tb.dispose();
  const gf = (s: number) => (2 * n ** 3) / s / 1e9;
  return row(`GEMM ${n}x${n}, GFLOP/s`, gf(a), gf(b), "throughput");
}

async function elementwise(tf: Tf): Promise<Row> {
  const N = 1 << 22;
  const x = randomF32(N, 3), y = randomF32(N, 4);
  const ma = mx.nd.array(x, { shape: [N], ctx: g }), mb = mx.nd.array(y, { shape: [N], ctx: g });
  const ta = tf.tensor1d(x), tb = tf.tensor1d(y);
  const ours = calibrated(OURS, async (k) => {
    for (let i = 0; i < k - 1; i++) ma.add(mb).dispose();
    const last = ma.add(mb);
    await last.slice([0], [4]).data();
    last.dispose();
  }, 0.5);
  const theirs = calibrated(THEIRS, async (k) => {
    for (let i = 0; i < k - 1; i++) tf.add(ta, tb).dispose();
    const last = tf.add(ta, tb);
    const head = tf.slice(last, [0], [4]);
    await head.data();
    head.dispose(), last.dispose();
  }, 0.5);
  const [a, b] = await compare(ours, theirs);
  ma.dispose(), mb.dispose(), ta.dispose(), tb.dispose();
  const gbs = (s: number) => (N * 12) / s / 1e9;
  return row(`add 4M float32, GB/s (new output)`, gbs(a), gbs(b), "throughput");
}

async function dispatch(tf: Tf): Promise<Row> {
  const OPS = 1000;
  const ma = mx.nd.array(randomF32(4, 1), { ctx: g }),
    mb = mx.nd.array(randomF32(4, 2), { ctx: g });
  const ta = tf.tensor1d(randomF32(4, 1)), tb = tf.tensor1d(randomF32(4, 2));
  const ours: Contender = {
    name: OURS,
    async sample() {
      const t0 = performance.now();
      for (let i = 0; i < OPS - 1; i++) ma.add(mb).dispose();
      const last = ma.add(mb);
      await last.data();
      last.dispose();
      return (performance.now() - t0) / 1e3 / OPS;
    },
  };
  const theirs: Contender = {
    name: THEIRS,
    async sample() {
      const t0 = performance.now();
      for (let i = 0; i < OPS - 1; i++) tf.add(ta, tb).dispose();
      const last = tf.add(ta, tb);
      await last.data();
      last.dispose();
      return (performance.now() - t0) / 1e3 / OPS;
    },
  };
  const [a, b] = await interleave([ours, theirs], { warmup: 2, reps: 5 });
  ma.dispose(), mb.dispose(), ta.dispose(), tb.dispose();
  return row("dispatch: 1000 x add [4] + 1 readback, µs/op", a * 1e6, b * 1e6, "latency");
}

/** One SGD step of a 784-256-10 MLP (batch 64) with softmax cross-entropy. */
async function mlp(tf: Tf): Promise<Row> {
  const B = 64, D = 784, H = 256, C = 10;
  const X = randomF32(B * D, 7);
  const labels = Array.from({ length: B }, (_, i) => (i * 7) % C);
  const W1 = randomF32(D * H, 8).map((v) => v * 0.1), W2 = randomF32(H * C, 9).map((v) => v * 0.1);
  const lr = 0.05;
  // mxts: autograd on gpu(0).
  const mxX = mx.nd.array(X, { shape: [B, D], ctx: g });
  const mxY = mx.nd.array(labels, { ctx: g });
  const w1 = mx.nd.array(W1, { shape: [D, H], ctx: g }),
    w2 = mx.nd.array(W2, { shape: [H, C], ctx: g });
  w1.attachGrad(), w2.attachGrad();
  const ourStep = () =>
    mx.nd.scope(() => {
      const loss = mx.autograd.record(() => {
        const h = mx.nd.dot(mxX, w1).relu();
        const logp = mx.nd.dot(h, w2).logSoftmax();
        return logp.pick(mxY, { axis: 1 }).mean().neg();
      });
      loss.backward();
      w1.subInPlace(w1.grad!.mul(lr));
      w2.subInPlace(w2.grad!.mul(lr));
    });
  // tfjs: the same step with the backward pass written out (tfjs-core alone registers no
  // gradients; hand-written is at least as fast as its tape).
  const tX = tf.tensor2d(X, [B, D]);
  const tY = tf.oneHot(tf.tensor1d(labels, "int32"), C);
  const v1 = tf.variable(tf.tensor2d(W1, [D, H])), v2 = tf.variable(tf.tensor2d(W2, [H, C]));
  const theirStep = () =>
    tf.tidy(() => {
      const hPre = tf.matMul(tX, v1);
      const h = tf.relu(hPre);
      const p = tf.softmax(tf.matMul(h, v2));
      const dLogits = tf.div(tf.sub(p, tY), B);
      const dW2 = tf.matMul(h, dLogits, true, false);
      const dH = tf.mul(tf.matMul(dLogits, v2, false, true), tf.step(hPre));
      const dW1 = tf.matMul(tX, dH, true, false);
      v1.assign(tf.sub(v1, tf.mul(dW1, lr)));
      v2.assign(tf.sub(v2, tf.mul(dW2, lr)));
    });
  const ours = calibrated(OURS, async (k) => {
    for (let i = 0; i < k; i++) ourStep();
    await w2.slice([0, 0], [1, 1]).data();
  }, 0.5);
  const theirs = calibrated(THEIRS, async (k) => {
    for (let i = 0; i < k; i++) theirStep();
    const head = tf.slice(v2, [0, 0], [1, 1]);
    await head.data();
    head.dispose();
  }, 0.5);
  const [a, b] = await compare(ours, theirs);
  for (const t of [mxX, mxY, w1, w2]) t.dispose();
  tX.dispose(), tY.dispose(), v1.dispose(), v2.dispose();
  return row("MLP 784-256-10 train step (batch 64), steps/s", 1 / a, 1 / b, "throughput");
}

/** First matmul on a fresh logical device (pipeline compile + first dispatch + readback). */
async function firstCall(tf: Tf): Promise<Row> {
  const fresh = mx.gpu(15);
  const x = randomF32(64 * 64, 1);
  const t0 = performance.now();
  const a = mx.nd.array(x, { shape: [64, 64], ctx: fresh });
  const c = mx.nd.dot(a, a).sigmoid();
  await c.data();
  const ours = (performance.now() - t0) / 1e3;
  a.dispose(), c.dispose();
  const t1 = performance.now();
  const ta = tf.tensor2d(x, [64, 64]);
  // A shape/op combination tfjs has not compiled yet in this process.
  const tc = tf.sigmoid(tf.matMul(ta, ta, false, true));
  await tc.data();
  const theirs = (performance.now() - t1) / 1e3;
  ta.dispose(), tc.dispose();
  return row(
    "first matmul+sigmoid incl. shader compile (mxts on a new logical device), ms",
    ours * 1e3,
    theirs * 1e3,
    "latency",
  );
}

/** Runs the section and returns its table rows. */
export async function run(): Promise<Row[]> {
  if (!ADAPTER) {
    progress("[webgpu] skipped: no WebGPU adapter in this runtime");
    return [];
  }
  section = `webgpu: mxts vs tfjs-backend-webgpu on ${ADAPTER.description}` +
    (ADAPTER.isFallback ? " — SOFTWARE adapter, not GPU speed" : "");
  const tf = await loadTf();
  const rows: Row[] = [];
  progress(`[webgpu] ${section}; first call...`);
  rows.push(await firstCall(tf));
  progress("[webgpu] dispatch...");
  rows.push(await dispatch(tf));
  progress("[webgpu] add...");
  rows.push(await elementwise(tf));
  for (const n of [256, 1024]) {
    progress(`[webgpu] GEMM ${n}...`);
    rows.push(await gemm(tf, n));
  }
  progress("[webgpu] MLP step...");
  rows.push(await mlp(tf));
  const leaked = tf.memory().numTensors;
  if (leaked > 2) progress(`[webgpu] note: ${leaked} tfjs tensors alive`);
  return rows;
}
