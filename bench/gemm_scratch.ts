/**
 * Scratch benchmark: float32 GEMM GFLOP/s of backends/ts/gemm.ts against tfjs-backend-cpu matMul
 * (square 64, 256, 1024, same process), plus other shapes for `gemm` alone. Single thread.
 *
 *   deno run -A bench/gemm_scratch.ts [--no-tf]
 */
import { gemm } from "../backends/ts/gemm.ts";

function rand(len: number): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = Math.random() - 0.5;
  return x;
}

/** Best-of-7 seconds per call of `fn` (other processes share the 2 cores: take the best). */
function timeIt(fn: () => void, flop: number): number {
  const reps = Math.max(3, Math.min(3000, Math.round(5e8 / flop)));
  for (let i = 0; i < Math.min(reps, 5); i++) fn();
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, (performance.now() - t0) / 1e3 / reps);
  }
  return best;
}

function gflopsOurs(m: number, n: number, k: number, ta = false, tb = false): number {
  const a = rand(m * k), b = rand(k * n), c = new Float32Array(m * n);
  const flop = 2 * m * n * k;
  return flop / timeIt(() => gemm(a, 0, b, 0, c, 0, m, n, k, ta, tb, false), flop) / 1e9;
}

type Tf = typeof import("@tensorflow/tfjs-core");
async function loadTf(): Promise<Tf | undefined> {
  try {
    const tf = await import("@tensorflow/tfjs-core");
    await import("@tensorflow/tfjs-backend-cpu");
    tf.enableProdMode(); // tfjs's recommended setting: skips debug-only checks
    await tf.setBackend("cpu");
    await tf.ready();
    return tf;
  } catch (e) {
    console.error("tfjs unavailable:", (e as Error).message);
    return undefined;
  }
}

/** tf.matMul + dataSync (the result must reach JS to be comparable with `gemm`). */
function gflopsTf(tf: Tf, s: number): number {
  const a = tf.tensor2d(rand(s * s), [s, s]), b = tf.tensor2d(rand(s * s), [s, s]);
  const flop = 2 * s * s * s;
  const t = timeIt(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }, flop);
  a.dispose();
  b.dispose();
  return flop / t / 1e9;
}

const tf = Deno.args.includes("--no-tf") ? undefined : await loadTf();
const rows: string[] = [];
for (const s of [64, 256, 1024]) {
  const ours = gflopsOurs(s, s, s);
  const theirs = tf ? gflopsTf(tf, s) : NaN;
  const ratio = tf ? `${(ours / theirs).toFixed(1)}x` : "-";
  rows.push(`| ${s} | ${ours.toFixed(2)} | ${tf ? theirs.toFixed(2) : "-"} | ${ratio} |`);
}
console.log("\nfloat32 GEMM, single thread, GFLOP/s (best of 7)\n");
console.log("| M=N=K | mxts gemm | tfjs-backend-cpu | ratio |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(r);

console.log("\nmxts gemm, other shapes (M x N x K, op(A) op(B)): GFLOP/s");
const shapes: [number, number, number, boolean, boolean][] = [
  [1024, 1024, 1024, true, false],
  [1024, 1024, 1024, false, true],
  [1024, 1024, 1024, true, true],
  [64, 256, 784, false, false], // MLP forward, batch 64
  [64, 784, 256, false, true], // backward: dX = dY · W^T
  [784, 256, 64, true, false], // backward: dW = X^T · dY
  [1, 1024, 1024, false, false], // batch-1 inference
  [1, 1024, 1024, false, true],
  [1024, 1, 1024, false, false], // matrix-vector
  [8, 1024, 1024, false, true],
  [16, 16, 16, false, false],
  [7, 9, 11, false, false],
];
for (const [m, n, k, ta, tb] of shapes) {
  const g = gflopsOurs(m, n, k, ta, tb).toFixed(2);
  console.log(`  ${m}x${n}x${k} ${ta ? "T" : "N"}${tb ? "T" : "N"}: ${g}`);
}
