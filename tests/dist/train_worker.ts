/**
 * Data-parallel training with Module.fit and a dist_sync kvstore: a small MLP on a
 * Fashion-MNIST subset (synthetic 4-class data when the dataset is not installed). Worker r
 * trains on its slice of every global batch, so with rescaleGrad = 1 / global batch each
 * round applies the same update as one worker on the whole batch (PER_WORKER_BATCH=1:
 * batches of B on every worker). Prints `RESULT {"acc":..,"hash":..}` (hash of the final
 * weights).
 * @module
 */
import * as mx from "../../mod.ts";

const B = 64, EPOCHS = 4;
const FASHION = "/usr/share/datasets/fashion-mnist";
// Real data when the Fashion-MNIST package is installed (first 4,096 training images,
// pixels scaled to [0, 1]); otherwise deterministic synthetic 4-class data.
const fashion = await Deno.stat(`${FASHION}/train-images-idx3-ubyte.gz`).then(
  () => true,
  () => false,
);
let N: number, D: number, C: number, X: Float32Array, Y: Float32Array;
if (fashion) {
  const images = await mx.io.readIdx(`${FASHION}/train-images-idx3-ubyte.gz`);
  const labels = await mx.io.readIdx(`${FASHION}/train-labels-idx1-ubyte.gz`);
  N = 4096, D = 784, C = 10;
  X = Float32Array.from(images.data.subarray(0, N * D), (v) => v / 255);
  Y = Float32Array.from(labels.data.subarray(0, N));
} else {
  N = 1024, D = 16, C = 4;
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const W = Array.from({ length: D * C }, () => rand() * 2 - 1);
  X = new Float32Array(N * D), Y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    for (let d = 0; d < D; d++) X[i * D + d] = rand() * 2 - 1;
    let best = 0, bestV = -Infinity;
    for (let c = 0; c < C; c++) {
      let v = 0;
      for (let d = 0; d < D; d++) v += X[i * D + d] * W[d * C + c];
      if (v > bestV) [best, bestV] = [c, v];
    }
    Y[i] = best;
  }
}

const kv = mx.kv.create(Deno.env.get("KV_TYPE") ?? "dist_sync");
const n = kv.numWorkers, r = kv.rank;
// Per-worker batch: B / n, so that n workers apply the same updates as one worker on
// batches of B (the tests); or, with PER_WORKER_BATCH=1, B on every worker, MXNet's
// convention (global batch B * n; the benchmark's scaling row).
const b = Deno.env.get("PER_WORKER_BATCH") === "1" ? B : B / n;
// Worker r's samples: rows [k*b*n + r*b, k*b*n + (r+1)*b) of every global batch k.
const rows: number[] = [];
for (let k = 0; k < N / (b * n); k++) for (let j = 0; j < b; j++) rows.push(k * b * n + r * b + j);
const x = new Float32Array(rows.length * D), y = new Float32Array(rows.length);
rows.forEach((row, i) => {
  x.set(X.subarray(row * D, row * D + D), i * D);
  y[i] = Y[row];
});

mx.random.seed(42);
const data = mx.sym.Variable("data");
const fc1 = mx.sym.FullyConnected({ data, numHidden: 32, name: "fc1" });
const act = mx.sym.Activation({ data: fc1, actType: "relu", name: "relu1" });
const fc2 = mx.sym.FullyConnected({ data: act, numHidden: C, name: "fc2" });
const learningRate = fashion ? 0.1 : 0.5;
const net = mx.sym.SoftmaxOutput({ data: fc2, name: "softmax" });
const train = new mx.io.NDArrayIter({
  data: mx.nd.array(x, { shape: [rows.length, D] }),
  label: mx.nd.array(y),
  batchSize: b,
});
const mod = new mx.mod.Module({ symbol: net });
const t0 = performance.now();
await mod.fit(train, {
  kvstore: kv,
  optimizer: "sgd",
  optimizerParams: { learningRate, momentum: 0.9, rescaleGrad: 1 / (b * n) },
  initializer: new mx.init.Xavier(),
  numEpoch: EPOCHS,
  logger: null,
});
const seconds = (performance.now() - t0) / 1000;
const evalIter = new mx.io.NDArrayIter({
  data: mx.nd.array(X, { shape: [N, D] }),
  label: mx.nd.array(Y),
  batchSize: B,
});
const acc = (await mod.score(evalIter, "acc"))[0][1];
let hash = 2166136261;
const { argParams } = mod.getParams();
for (const name of Object.keys(argParams).sort()) {
  const bytes = new Uint8Array((await argParams[name].data()).buffer);
  for (const v of bytes) hash = Math.imul(hash ^ v, 16777619) >>> 0;
}
await kv.barrier();
console.log(
  `RESULT ${
    JSON.stringify({ rank: r, workers: n, acc, hash, fashion, samplesPerSec: N * EPOCHS / seconds })
  }`,
);
