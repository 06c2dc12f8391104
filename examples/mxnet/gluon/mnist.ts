/**
 * Port of MXNet 1.9.1 `example/gluon/mnist/mnist.py` (tag 1.9.1): an MLP 784-128-64-10 in
 * `gluon.nn.Sequential`, SGD with momentum through `gluon.Trainer`, `SoftmaxCrossEntropyLoss`
 * under `autograd.record()`, accuracy with `mx.metric.Accuracy`, then `save_parameters`.
 *
 *   deno run -A examples/mxnet/gluon/mnist.ts [--epochs 10] [--batch-size 100] [--lr 0.1]
 *       [--momentum 0.9] [--log-interval 100] [--data DIR] [--synthetic N] [--cuda]
 *
 * Lines that differ from the Python, and why:
 * - The Python builds `net`, `train_data` and `val_data` at module level from the parsed
 *   options; here `makeNet()` builds the net and `train`/`test` take the net and the loaders,
 *   so a test can import them without running the script.
 * - `--data DIR` names the MNIST folder (the Python hard-codes './data' and downloads there;
 *   mxts does not download, so without the files the script says so and stops).
 * - `--synthetic N` (new) trains on N generated 28x28 digit-like images, ten classes, one
 *   fixed pattern each plus noise, so the script runs without the data set.
 * - `train` returns what it printed (per-epoch mean loss, training and validation accuracy),
 *   and the mean loss is new in the printout: the Python tracks only accuracy.
 * - `--cuda` picks `mx.gpu(0)` as the Python does; `save_parameters('mnist.params')` is kept.
 * @module
 */
import * as mx from "../../../mod.ts";
import type { NDArray } from "../../../mod.ts";

const { gluon, autograd } = mx;
const { nn } = gluon;

/** The command-line options (the Python's argparse arguments, plus `data` and `synthetic`). */
export interface Options {
  /** batch size for training and testing (default: 100) */
  batchSize: number;
  /** number of epochs to train (default: 10) */
  epochs: number;
  /** learning rate (default: 0.1) */
  lr: number;
  /** SGD momentum (default: 0.9) */
  momentum: number;
  /** Train on GPU with CUDA */
  cuda: boolean;
  /** how many batches to wait before logging training status */
  logInterval: number;
  /** The MNIST folder ('./data'). */
  data: string;
  /** Train on this many synthetic images instead of MNIST (0: use MNIST). */
  synthetic: number;
}

/** Parses `--batch-size N`-style arguments into {@link Options}. */
export function parseArgs(args: readonly string[]): Options {
  const opt: Options = {
    batchSize: 100,
    epochs: 10,
    lr: 0.1,
    momentum: 0.9,
    cuda: false,
    logInterval: 100,
    data: "./data",
    synthetic: 0,
  };
  const value = (i: number) => {
    if (i + 1 >= args.length) throw new mx.MXNetError(`mnist: ${args[i]} needs a value`);
    return args[i + 1];
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--cuda") opt.cuda = true;
    else if (a === "--data") opt.data = value(i++);
    else if (a === "--batch-size") opt.batchSize = Number(value(i++));
    else if (a === "--epochs") opt.epochs = Number(value(i++));
    else if (a === "--lr") opt.lr = Number(value(i++));
    else if (a === "--momentum") opt.momentum = Number(value(i++));
    else if (a === "--log-interval") opt.logInterval = Number(value(i++));
    else if (a === "--synthetic") opt.synthetic = Number(value(i++));
    else throw new mx.MXNetError(`mnist: unknown argument ${a}`);
  }
  return opt;
}

// define network

/** The MLP: Dense(128, relu), Dense(64, relu), Dense(10). */
export function makeNet(): mx.gluon.nn.Sequential {
  const net = new nn.Sequential();
  net.nameScope(() => {
    net.add(new nn.Dense(128, { activation: "relu" }));
    net.add(new nn.Dense(64, { activation: "relu" }));
    net.add(new nn.Dense(10));
  });
  return net;
}

// data

/** Flattens an image to 784 floats in [0, 1]. */
export function transformer(data: NDArray, label: number): [NDArray, number] {
  data = data.reshape([-1]).astype("float32").div(255);
  return [data, label];
}

/** xorshift32 in [0, 1): reproducible without touching mx.random's state. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * `n` synthetic MNIST-like samples: [28, 28, 1] uint8 images, label `i % 10`. Each class has
 * its own fixed random pattern of bright pixels; every image is its class's pattern plus
 * uniform noise from `seed`, so the classes are separable but not trivially (deterministic).
 */
export function syntheticMNIST(n: number, seed = 1): mx.gluon.data.ArrayDataset {
  // The class patterns come from a fixed stream, the noise from `seed`: two sets made with
  // different seeds (training, validation) share their classes.
  const patternRand = xorshift(12345), rand = xorshift(seed);
  const patterns = Array.from(
    { length: 10 },
    () => Array.from({ length: 784 }, () => patternRand() < 0.15),
  );
  const pixels = new Uint8Array(n * 784);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    labels.push(c);
    for (let p = 0; p < 784; p++) {
      pixels[i * 784 + p] = Math.min(255, Math.floor(rand() * 160 + (patterns[c][p] ? 95 : 0)));
    }
  }
  return new gluon.data.ArrayDataset(
    mx.nd.array(pixels, { dtype: "uint8" }).reshape([n, 28, 28, 1]),
    labels,
  );
}

/** The training loader (shuffled, last batch discarded) and the validation loader. */
export function loaders(
  opt: Options,
): { trainData: mx.gluon.data.DataLoader; valData: mx.gluon.data.DataLoader } {
  const [trainSet, valSet] = opt.synthetic > 0
    ? [syntheticMNIST(opt.synthetic, 1), syntheticMNIST(Math.max(10, opt.synthetic / 5), 2)].map((
      d,
    ) => d.transform(transformer as (...a: unknown[]) => unknown))
    : [true, false].map((train) =>
      new gluon.data.vision.MNIST({ root: opt.data, train, transform: transformer })
    );
  return {
    trainData: new gluon.data.DataLoader(trainSet, {
      batchSize: opt.batchSize,
      shuffle: true,
      lastBatch: "discard",
    }),
    valData: new gluon.data.DataLoader(valSet, { batchSize: opt.batchSize, shuffle: false }),
  };
}

// train

/** Accuracy of `net` over `valData`: `[name, value]`. */
export async function test(
  net: mx.gluon.nn.Sequential,
  valData: mx.gluon.data.DataLoader,
  ctx: mx.Context,
): Promise<[string, number]> {
  const metric = new mx.metric.Accuracy();
  for await (let [data, label] of valData as AsyncIterable<NDArray[]>) {
    data = data.asInContext(ctx);
    label = label.asInContext(ctx);
    const output = net.forward(data);
    await metric.update([label], [output]);
  }
  const [name, acc] = metric.get();
  return [name as string, acc as number];
}

/** What one epoch printed. */
export interface EpochResult {
  epoch: number;
  /** Mean SoftmaxCrossEntropyLoss over the epoch's training batches. */
  loss: number;
  trainAccuracy: number;
  valAccuracy: number;
}

/** Trains `net` for `epochs` epochs and returns each epoch's numbers. */
export async function train(
  net: mx.gluon.nn.Sequential,
  { trainData, valData }: {
    trainData: mx.gluon.data.DataLoader;
    valData: mx.gluon.data.DataLoader;
  },
  opt: Options,
  ctx: mx.Context,
  { log = console.log, paramsFile = "mnist.params" }: {
    log?: (line: string) => void;
    paramsFile?: string | null;
  } = {},
): Promise<EpochResult[]> {
  const results: EpochResult[] = [];
  // Collect all parameters from net and its children, then initialize them.
  net.initialize(new mx.init.Xavier({ magnitude: 2.24 }), { ctx });
  // Trainer is for updating parameters with gradient.
  const trainer = new gluon.Trainer(net.collectParams(), "sgd", {
    learningRate: opt.lr,
    momentum: opt.momentum,
  });
  const metric = new mx.metric.Accuracy();
  const loss = new gluon.loss.SoftmaxCrossEntropyLoss();

  for (let epoch = 0; epoch < opt.epochs; epoch++) {
    // reset data iterator and metric at begining of epoch.
    metric.reset();
    let lossSum = 0, lossCount = 0;
    let i = 0;
    for await (let [data, label] of trainData as AsyncIterable<NDArray[]>) {
      // Copy data to ctx if necessary
      data = data.asInContext(ctx);
      label = label.asInContext(ctx);
      // Start recording computation graph with record() section.
      // Recorded graphs can then be differentiated with backward.
      const [output, L] = autograd.record(() => {
        const output = net.forward(data);
        const L = loss.forward(output, label);
        L.backward();
        return [output, L];
      });
      // take a gradient step with batch_size equal to data.shape[0]
      trainer.step(data.shape[0]);
      // update metric at last.
      await metric.update([label], [output]);
      lossSum += await L.sum().asScalar();
      lossCount += L.shape[0];

      if (i % opt.logInterval === 0 && i > 0) {
        const [name, acc] = metric.get();
        log(`[Epoch ${epoch} Batch ${i}] Training: ${name}=${(acc as number).toFixed(6)}`);
      }
      i++;
    }

    const [name, acc] = metric.get();
    log(
      `[Epoch ${epoch}] Training: ${name}=${(acc as number).toFixed(6)} loss=${
        (lossSum / lossCount).toFixed(6)
      }`,
    );

    const [valName, valAcc] = await test(net, valData, ctx);
    log(`[Epoch ${epoch}] Validation: ${valName}=${valAcc.toFixed(6)}`);
    results.push({
      epoch,
      loss: lossSum / lossCount,
      trainAccuracy: acc as number,
      valAccuracy: valAcc,
    });
  }

  if (paramsFile) await net.saveParameters(paramsFile);
  return results;
}

if (import.meta.main) {
  const opt = parseArgs(Deno.args);
  const ctx = opt.cuda ? mx.gpu(0) : mx.cpu();
  let data;
  try {
    data = loaders(opt);
  } catch (e) {
    console.log(`${(e as Error).message}\nGive --data DIR (the MNIST idx files) or --synthetic N.`);
    Deno.exit(1);
  }
  await train(makeNet(), data, opt, ctx);
}
