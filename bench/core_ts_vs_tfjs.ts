/**
 * Section "core": this library's pure-TS backend against tfjs-core + tfjs-backend-cpu, in
 * the same process, samples interleaved. Dispatch latency, elementwise bandwidth, matmul.
 * @module
 */
import * as mx from "../mod.ts";
import { type Contender, interleave, progress, randomF32, type Row } from "./_util.ts";

type Tf = typeof import("@tensorflow/tfjs-core");

const SECTION = "core: mxts TS backend vs tfjs-backend-cpu (float32, same process)";
const OURS = "mxts-ts";
const THEIRS = "tfjs-cpu";

async function loadTf(): Promise<Tf> {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  // Production mode: tfjs's recommended setting (skips debug-only checks and warnings).
  tf.enableProdMode();
  const ok = await tf.setBackend("cpu");
  if (!ok) throw new Error("tfjs: setBackend('cpu') failed");
  await tf.ready();
  return tf;
}

/**
 * Wraps `body(iters)` (which runs `iters` operations and finishes them) as a sample
 * returning seconds per operation. `iters` is fixed per contender by a calibration call so
 * that one sample takes about `sampleS` seconds.
 */
function calibrated(
  name: string,
  body: (iters: number) => Promise<void> | void,
  sampleS: number,
): Contender & { calibrate(): Promise<number> } {
  let iters = 1;
  const run = async (n: number) => {
    const t0 = performance.now();
    await body(n);
    return (performance.now() - t0) / 1e3;
  };
  return {
    name,
    async calibrate() {
      await run(1); // first call: compile, JIT, pools
      const t = await run(1);
      iters = Math.max(1, Math.round(sampleS / Math.max(t, 1e-7)));
      return t;
    },
    async sample() {
      return (await run(iters)) / iters;
    },
  };
}

/** Calibrates both sides, then interleaves; fewer samples when one call is slow. */
async function compare(
  ours: ReturnType<typeof calibrated>,
  theirs: ReturnType<typeof calibrated>,
): Promise<[number, number]> {
  const slowest = Math.max(await ours.calibrate(), await theirs.calibrate());
  const [warmup, reps] = slowest > 0.5 ? [0, 3] : slowest > 0.1 ? [1, 5] : [2, 9];
  const [a, b] = await interleave([ours, theirs], { warmup, reps });
  return [a, b];
}

function row(
  workload: string,
  ours: number,
  theirs: number,
  sense: Row["sense"],
  target: number,
): Row {
  return {
    section: SECTION,
    workload,
    ours,
    theirs,
    sense,
    target,
    oursName: OURS,
    theirsName: THEIRS,
  };
}

async function dispatch(tf: Tf): Promise<Row> {
  const OPS = 10_000;
  const x = randomF32(4, 1), y = randomF32(4, 2);
  const ma = mx.nd.array(x, { shape: [4] }), mb = mx.nd.array(y, { shape: [4] });
  const ta = tf.tensor1d(x), tb = tf.tensor1d(y);
  // One sample = OPS adds, each result disposed; the last one is read back (completion).
  const ours: Contender = {
    name: OURS,
    async sample() {
      const t0 = performance.now();
      for (let i = 0; i < OPS - 1; i++) ma.add(mb).dispose();
      const last = ma.add(mb);
      await mx.nd.waitAll();
      await last.data();
      last.dispose();
      return (performance.now() - t0) / 1e3 / OPS;
    },
  };
  const theirs: Contender = {
    name: THEIRS,
    sample() {
      const t0 = performance.now();
      for (let i = 0; i < OPS - 1; i++) tf.add(ta, tb).dispose();
      const last = tf.add(ta, tb);
      last.dataSync();
      last.dispose();
      return Promise.resolve((performance.now() - t0) / 1e3 / OPS);
    },
  };
  // A long warm-up: mxts needs ~100k calls before V8 has optimised its dispatch path.
  const [a, b] = await interleave([ours, theirs], { warmup: 12, reps: 15 });
  ma.dispose(), mb.dispose(), ta.dispose(), tb.dispose();
  return row("dispatch: 10k x add [4], µs/op (engine on)", a * 1e6, b * 1e6, "latency", 1);
}

async function elementwise(tf: Tf, op: "add" | "relu"): Promise<Row> {
  const N = 1e7;
  const bytesPerElem = op === "add" ? 12 : 8;
  const x = randomF32(N, 3), y = randomF32(N, 4);
  const ma = mx.nd.array(x, { shape: [N] }), mb = mx.nd.array(y, { shape: [N] });
  const ta = tf.tensor1d(x), tb = tf.tensor1d(y);
  await mx.nd.waitAll();
  // New output every call, disposed right after; completion waited for at the end.
  const ours = calibrated(OURS, async (n) => {
    for (let i = 0; i < n; i++) (op === "add" ? ma.add(mb) : ma.relu()).dispose();
    await mx.nd.waitAll();
  }, 0.25);
  const theirs = calibrated(THEIRS, (n) => {
    for (let i = 0; i < n - 1; i++) (op === "add" ? tf.add(ta, tb) : tf.relu(ta)).dispose();
    const last = op === "add" ? tf.add(ta, tb) : tf.relu(ta);
    last.dataSync();
    last.dispose();
  }, 0.25);
  const [a, b] = await compare(ours, theirs);
  ma.dispose(), mb.dispose(), ta.dispose(), tb.dispose();
  const gbs = (s: number) => (N * bytesPerElem) / s / 1e9;
  return row(`${op} 1e7, GB/s (new output)`, gbs(a), gbs(b), "throughput", 2);
}

async function matmul(tf: Tf, n: number): Promise<Row> {
  const x = randomF32(n * n, 5), y = randomF32(n * n, 6);
  const ma = mx.nd.array(x, { shape: [n, n] }), mb = mx.nd.array(y, { shape: [n, n] });
  const ta = tf.tensor2d(x, [n, n]), tb = tf.tensor2d(y, [n, n]);
  await mx.nd.waitAll();
  // Each call waits for its result (mx: waitAll; tfjs: dataSync, which does not copy).
  const ours = calibrated(OURS, async (k) => {
    for (let i = 0; i < k; i++) {
      const c = mx.nd.dot(ma, mb);
      await mx.nd.waitAll();
      c.dispose();
    }
  }, 0.2);
  const theirs = calibrated(THEIRS, (k) => {
    for (let i = 0; i < k; i++) {
      const c = tf.matMul(ta, tb);
      c.dataSync();
      c.dispose();
    }
  }, 0.2);
  const [a, b] = await compare(ours, theirs);
  ma.dispose(), mb.dispose(), ta.dispose(), tb.dispose();
  const gf = (s: number) => (2 * n ** 3) / s / 1e9;
  return row(`matmul ${n}x${n}, GFLOP/s`, gf(a), gf(b), "throughput", 2);
}

/** Runs the section and returns its table rows. */
export async function run(): Promise<Row[]> {
  const tf = await loadTf();
  const rows: Row[] = [];
  progress(`[core] tfjs ${tf.version_core} backend=${tf.getBackend()}; dispatch...`);
  rows.push(await dispatch(tf));
  for (const op of ["add", "relu"] as const) {
    progress(`[core] ${op} 1e7...`);
    rows.push(await elementwise(tf, op));
  }
  for (const n of [64, 256, 1024]) {
    progress(`[core] matmul ${n}...`);
    rows.push(await matmul(tf, n));
  }
  const leaked = tf.memory().numTensors;
  if (leaked !== 0) progress(`[core] warning: ${leaked} tfjs tensors still alive`);
  return rows;
}
