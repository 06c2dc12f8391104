/**
 * Data-parallel training across processes — the seed's
 * `mx.model.FeedForward.create(symbol=net, X=data, kvstore=kv, ...)` with a dist_sync
 * kvstore. Each worker trains on its part of Fashion-MNIST (MNISTIter numParts/partIndex);
 * gradients are summed over workers every batch, so all workers hold the same weights.
 *
 *   mpirun -np 2 deno run -A examples/train_dist.ts                  # one machine
 *   deno task launch -n 2 -- examples/train_dist.ts                  # the same
 *   deno task launch -n 4 --hostfile hosts -- examples/train_dist.ts
 *   KV=dist_async deno task launch -n 2 -s 1 -- examples/train_dist.ts
 * @module
 */
import * as mx from "../mod.ts";

const dir = Deno.env.get("MNIST_DIR") ?? "/usr/share/datasets/fashion-mnist";
const kv = mx.kv.create(Deno.env.get("KV") ?? "dist_sync");
const batch = 100;
const train = new mx.io.MNISTIter({
  image: `${dir}/train-images-idx3-ubyte.gz`,
  label: `${dir}/train-labels-idx1-ubyte.gz`,
  batchSize: batch,
  flat: true,
  numParts: kv.numWorkers,
  partIndex: kv.rank,
});
const val = new mx.io.MNISTIter({
  image: `${dir}/t10k-images-idx3-ubyte.gz`,
  label: `${dir}/t10k-labels-idx1-ubyte.gz`,
  batchSize: batch,
  flat: true,
});

mx.random.seed(1);
const data = mx.sym.Variable("data");
const fc1 = mx.sym.FullyConnected({ data, numHidden: 256, name: "fc1" });
const act1 = mx.sym.Activation({ data: fc1, actType: "relu", name: "relu1" });
const fc2 = mx.sym.FullyConnected({ data: act1, numHidden: 10, name: "fc2" });
const net = mx.sym.SoftmaxOutput({ data: fc2, name: "softmax" });

const model = await mx.model.FeedForward.create({
  symbol: net,
  X: train,
  evalData: val,
  kvstore: kv,
  numEpoch: Number(Deno.env.get("EPOCHS") ?? 2),
  learningRate: 0.1,
  momentum: 0.9,
  // The gradients of all workers are summed: scale by the global batch.
  rescaleGrad: 1 / (batch * kv.numWorkers),
  initializer: new mx.init.Xavier(),
  logger: kv.rank === 0 ? console.log : null,
});
if (kv.rank === 0) console.log(`validation accuracy ${await model.score(val)}`);
await kv.barrier();
