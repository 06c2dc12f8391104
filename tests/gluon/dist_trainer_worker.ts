/**
 * gluon.Trainer over a distributed kvstore: each worker trains the same MLP on its slice
 * of every batch (Trainer kvstore "dist_sync" or "dist_async", from KV_TYPE). With
 * MODE=local one process does the same on two contexts with the "device" kvstore, the
 * reference a dist_sync job must match. Prints
 * `RESULT {"rank":r,"workers":n,"weights":[...],"loss":[first,last]}`.
 * @module
 */
import * as mx from "../../mod.ts";

const { nn, Trainer, loss } = mx.gluon;
const B = 4, STEPS = Number(Deno.env.get("STEPS") ?? 6), D = 5;
const local = Deno.env.get("MODE") === "local";
const kv = local ? null : mx.kv.create(Deno.env.get("KV_TYPE") ?? "dist_sync");
const n = local ? 2 : kv!.numWorkers, r = local ? 0 : kv!.rank;

// Deterministic data, one global batch of n * B rows trained on STEPS times.
let seed = 777;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
const x = Array.from({ length: n * B * D }, rand);
const y = Array.from({ length: n * B }, (_, i) => x[i * D] * 2 - x[i * D + 1] + 0.3);

// The same seed everywhere: as in MXNet, the Trainer broadcasts rank 0's weights at the
// first step, after the first gradients were computed with each worker's own.
mx.random.seed(5);
const net = new nn.Sequential();
net.add(new nn.Dense(8, { activation: "tanh", inUnits: D }), new nn.Dense(1, { inUnits: 8 }));
const ctx = local ? [mx.cpu(0), mx.cpu(1)] : [mx.cpu(0)];
net.initialize(new mx.init.Xavier(), { ctx });
const trainer = new Trainer(
  net.collectParams(),
  "sgd",
  { learningRate: 0.1, momentum: 0.5 },
  { kvstore: local ? "device" : kv },
);
const l2 = new loss.L2Loss();
const losses: number[] = [];
for (let step = 0; step < STEPS; step++) {
  const X = mx.nd.array(x, { shape: [n * B, D] }), Y = mx.nd.array(y, { shape: [n * B, 1] });
  const parts = local
    ? [0, 1].map((i) => [X.sliceAxis(0, i * B, (i + 1) * B), Y.sliceAxis(0, i * B, (i + 1) * B)])
    : [[X.sliceAxis(0, r * B, (r + 1) * B), Y.sliceAxis(0, r * B, (r + 1) * B)]];
  const ls = mx.autograd.record(() =>
    parts.map(([xi, yi], i) =>
      l2.forward(net.forward(xi.asInContext(ctx[i])), yi.asInContext(ctx[i]))
    )
  );
  mx.autograd.backward(ls);
  trainer.step(B);
  losses.push((await Promise.all(ls.map((l) => l.mean().asScalar()))).reduce((a, b) => a + b));
}
if (kv) {
  await kv.barrier();
  // dist_async: each worker's copy lags its own last push; read the final values.
  if (kv.type === "dist_async") {
    [...net.collectParams().keys()].sort().forEach((name, i) => {
      kv.pull(i, { out: net.collectParams().at(name).listData() });
    });
  }
}
const weights: number[] = [];
for (const name of [...net.collectParams().keys()].sort()) {
  weights.push(...(await net.collectParams().at(name).data(mx.cpu(0)).data() as Float32Array));
}
console.log(
  "RESULT " + JSON.stringify({ rank: r, workers: n, weights, loss: [losses[0], losses.at(-1)] }),
);
if (kv) await kv.barrier();
