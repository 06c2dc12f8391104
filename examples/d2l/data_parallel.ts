/**
 * d2l 12.6 (concise multi-GPU training) on two CPU contexts: each batch is split with
 * `gluon.utils.splitAndLoad` over `mx.cpu(0)` and `mx.cpu(1)`, each half goes through that
 * context's copy of the network, one backward pass covers both losses, and the Trainer sums
 * the two copies' gradients (its kvstore) before updating both alike. The network is the MLP of
 * examples/d2l/mlp.ts (the book uses ResNet-18 on GPUs; on CPUs the point is the mechanics).
 *
 *   deno run -A examples/d2l/data_parallel.ts [--epochs 10] [--limit N] [--lr 0.1]
 * @module
 */
import * as mx from "../../mod.ts";
import {
  correctCount,
  type DataLoader,
  fashionMnistDir,
  loadDataFashionMnist,
  type Net,
  parseOptions,
  plotHistory,
  type RunResult,
  type Step,
  summary,
  trainLoop,
} from "./_d2l.ts";
import { mlp } from "./mlp.ts";

type NDArray = mx.np.NpArray;

/** The two contexts, as the book's `[d2l.try_gpu(i) for i in range(num_gpus)]`. */
export const DEVICES: readonly mx.Context[] = [mx.cpu(0), mx.cpu(1)];

/** Splits `X` and `y` over `devices` (the last batch may be odd: evenSplit false). */
function splitBatch(X: NDArray, y: NDArray, devices: readonly mx.Context[]) {
  const opts = { evenSplit: false };
  // The slices of np arrays are np arrays.
  return [
    mx.gluon.utils.splitAndLoad(X, devices, opts) as NDArray[],
    mx.gluon.utils.splitAndLoad(y, devices, opts) as NDArray[],
  ] as const;
}

/**
 * d2l's `train_batch`: forward each shard on its own context, one `autograd.backward` over
 * all the losses, then `trainer.step` with the whole batch's size.
 */
export function trainBatch(
  net: Net,
  trainer: mx.gluon.Trainer,
  loss: mx.gluon.loss.Loss,
  devices: readonly mx.Context[],
): Step {
  return (X, y) => {
    const [XShards, yShards] = splitBatch(X, y, devices);
    const [ls, yHats] = mx.autograd.record(() => {
      const yHats = XShards.map((Xs) => net.forward(Xs));
      return [yHats.map((yHat, i) => loss.forward(yHat, yShards[i])), yHats];
    });
    // One backward over every loss: the autograd tape is shared by the contexts.
    mx.autograd.backward(ls);
    trainer.step(X.shape[0]);
    const home = devices[0];
    const sum = (parts: mx.NDArray[]) =>
      parts.map((p) => p.asInContext(home)).reduce((a, b) => a.add(b)) as NDArray;
    return {
      lossSum: sum(ls.map((l) => l.sum())),
      correct: sum(yHats.map((yHat, i) => correctCount(yHat, yShards[i]))),
    };
  };
}

/** d2l's `evaluate_accuracy_gpus`: each test batch split over the contexts. */
export async function evaluateAccuracyGpus(
  net: Net,
  dataIter: DataLoader,
  devices: readonly mx.Context[],
): Promise<number> {
  let right = 0, total = 0;
  for await (const [X, y] of dataIter) {
    const counts = mx.nd.scope(() => {
      const [XShards, yShards] = splitBatch(X, y, devices);
      return XShards.map((Xs, i) => correctCount(net.forward(Xs), yShards[i]));
    });
    for (const c of counts) {
      right += await (c as NDArray).item();
      c.dispose();
    }
    total += y.shape[0];
    X.dispose();
    y.dispose();
  }
  return right / total;
}

/** Trains the MLP on both contexts; undefined when Fashion-MNIST is not installed. */
export async function main(args: readonly string[]): Promise<RunResult | undefined> {
  const opts = parseOptions(args, { epochs: 10, batchSize: 256, lr: 0.1 });
  const dir = await fashionMnistDir(opts);
  if (!dir) return undefined;
  const t0 = performance.now();
  mx.random.seed(0);
  const { trainIter, testIter } = loadDataFashionMnist(dir, opts.batchSize, { limit: opts.limit });
  const net = mlp();
  net.initialize(new mx.init.Normal(0.01), { ctx: [...DEVICES], forceReinit: true });
  const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", { learningRate: opts.lr });
  const loss = new mx.gluon.loss.SoftmaxCrossEntropyLoss();
  if (!opts.quiet) {
    console.log(
      `== MLP on ${DEVICES.join(" and ")}: ${opts.epochs} epochs, batch ${opts.batchSize} ==`,
    );
  }
  const history = await trainLoop(trainIter, {
    epochs: opts.epochs,
    step: trainBatch(net, trainer, loss, DEVICES),
    evaluate: () => evaluateAccuracyGpus(net, testIter, DEVICES),
    verbose: !opts.quiet,
  });
  net.dispose();
  const seconds = (performance.now() - t0) / 1000;
  if (!opts.quiet) console.log(summary("MLP on two contexts", history, seconds));
  if (opts.plot) {
    console.log(
      `wrote ${await plotHistory(history, "MLP, 2 contexts", "data_parallel", opts.out)}`,
    );
  }
  return { history, seconds };
}

if (import.meta.main) await main(Deno.args);
