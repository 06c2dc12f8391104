/**
 * Fashion-MNIST helpers shared by the demo, the LeNet example, the tests and the training
 * benchmark: finding the data files, the two networks (an MLP 784-256-10 and a LeNet-5),
 * iterators, and a `train` that runs `mx.mod.Module.fit` and returns per-epoch history.
 * @module
 */
import * as mx from "../mod.ts";

/** Fashion-MNIST's ten classes, by label. */
export const CLASS_NAMES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** The four idx files, as the Debian package and zalando's repository name them. */
export const FILES = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
} as const;

/** Where `apt-get install dataset-fashion-mnist` puts the files. */
export const DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/** Environment variable naming a directory holding the four files. */
export const ENV_VAR = "MXTS_FASHION_MNIST";

/** How to get the data, printed when it is missing. */
export const INSTALL_HINT = [
  "Fashion-MNIST was not found. Get it with one of:",
  "  sudo apt-get install dataset-fashion-mnist      (Debian/Ubuntu; files go to " +
  DEBIAN_DIR + ")",
  "  or download the four files " + Object.values(FILES).join(", "),
  "  from https://github.com/zalandoresearch/fashion-mnist (data/fashion/) into a directory",
  `  and pass it as the first argument or set ${ENV_VAR}=<dir>.`,
].join("\n");

function hasAll(dir: string): boolean {
  try {
    return Object.values(FILES).every((f) => Deno.statSync(`${dir}/${f}`).isFile);
  } catch {
    return false;
  }
}

/** Directory where the Debian package installed the files, asking dpkg (undefined if not). */
async function dpkgDir(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("dpkg", {
      args: ["-L", "dataset-fashion-mnist"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return undefined;
    const line = new TextDecoder().decode(out.stdout).split("\n").find((l) =>
      l.endsWith(FILES.trainImages)
    );
    return line?.slice(0, -FILES.trainImages.length - 1);
  } catch {
    return undefined;
  }
}

/**
 * The directory holding the four Fashion-MNIST files: `dir` when given, else
 * `$MXTS_FASHION_MNIST`, else the Debian package's directory; undefined when none has them.
 */
export async function findFashionMNIST(dir?: string): Promise<string | undefined> {
  const env = (() => {
    try {
      return Deno.env.get(ENV_VAR);
    } catch {
      return undefined;
    }
  })();
  for (const d of [dir, env, DEBIAN_DIR, await dpkgDir()]) {
    if (d && hasAll(d)) return d;
  }
  return undefined;
}

/** MXNet's classic MLP: 784 -> 256 (ReLU) -> 10, softmax output. */
export function mlp(hidden = 256): mx.sym.Symbol {
  let net = mx.sym.Variable("data");
  net = mx.sym.FullyConnected({ data: net, numHidden: hidden, name: "fc1" });
  net = mx.sym.Activation({ data: net, actType: "relu", name: "relu1" });
  net = mx.sym.FullyConnected({ data: net, numHidden: 10, name: "fc2" });
  return mx.sym.SoftmaxOutput({ data: net, name: "softmax" });
}

/**
 * LeNet-5 (ReLU, max pooling) on [batch, 1, 28, 28]: conv 6@5x5 (pad 2) -> pool ->
 * conv 16@5x5 -> pool -> fc 120 -> fc 84 -> fc 10, softmax output.
 */
export function lenet(): mx.sym.Symbol {
  const relu = (data: mx.sym.Symbol, name: string) =>
    mx.sym.Activation({ data, actType: "relu", name });
  const pool = (data: mx.sym.Symbol, name: string) =>
    mx.sym.Pooling({ data, poolType: "max", kernel: [2, 2], stride: [2, 2], name });
  let net = mx.sym.Variable("data");
  net = mx.sym.Convolution({ data: net, kernel: [5, 5], pad: [2, 2], numFilter: 6, name: "conv1" });
  net = pool(relu(net, "relu1"), "pool1");
  net = mx.sym.Convolution({ data: net, kernel: [5, 5], numFilter: 16, name: "conv2" });
  net = pool(relu(net, "relu2"), "pool2");
  net = mx.sym.Flatten({ data: net, name: "flatten" });
  net = relu(mx.sym.FullyConnected({ data: net, numHidden: 120, name: "fc1" }), "relu3");
  net = relu(mx.sym.FullyConnected({ data: net, numHidden: 84, name: "fc2" }), "relu4");
  net = mx.sym.FullyConnected({ data: net, numHidden: 10, name: "fc3" });
  return mx.sym.SoftmaxOutput({ data: net, name: "softmax" });
}

/** Options of {@link iterators}. */
export interface IterOptions {
  /** Samples per batch (256). */
  batchSize?: number;
  /** [batch, 784] for the MLP (true) or [batch, 1, 28, 28] for LeNet. */
  flat?: boolean;
  /** Use only 1/n of each set (MNISTIter's numParts): 30 gives 2,000 training images. */
  fraction?: number;
  /** Shuffle seed of the training set (0). */
  seed?: number;
}

/** The training iterator (shuffled) and the test iterator (in file order, padded). */
export async function iterators(
  dir: string,
  opts: IterOptions = {},
): Promise<{ train: mx.io.MNISTIter; test: mx.io.MNISTIter }> {
  const batchSize = opts.batchSize ?? 256, flat = opts.flat ?? true, parts = opts.fraction ?? 1;
  const train = new mx.io.MNISTIter({
    image: `${dir}/${FILES.trainImages}`,
    label: `${dir}/${FILES.trainLabels}`,
    batchSize,
    flat,
    shuffle: true,
    seed: opts.seed ?? 0,
    numParts: parts,
    partIndex: 0,
  });
  const test = new mx.io.MNISTIter({
    image: `${dir}/${FILES.testImages}`,
    label: `${dir}/${FILES.testLabels}`,
    batchSize,
    flat,
    shuffle: false,
    numParts: parts,
    partIndex: 0,
    lastBatchHandle: "pad",
  });
  await Promise.all([train.load(), test.load()]);
  return { train, test };
}

/** What one epoch did. */
export interface EpochStats {
  /** Epoch number, from 1. */
  epoch: number;
  trainAccuracy: number;
  trainLoss: number;
  validationAccuracy: number;
  validationLoss: number;
  /** Training time of the epoch (fit's "Time cost"), seconds. */
  seconds: number;
  /** Training samples per second over the epoch. */
  samplesPerSec: number;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Epochs (5). */
  epochs?: number;
  /** SGD learning rate (0.1). */
  learningRate?: number;
  /** SGD momentum (0.9). */
  momentum?: number;
  /** Weight decay (0). */
  wd?: number;
  /** Seed of mx.random (the initializer) (42). */
  seed?: number;
  /** Print fit's progress lines (and Speedometer's every `speedometer` batches). */
  log?: ((line: string) => void) | null;
  /** Speedometer period in batches (100; 0 for none). */
  speedometer?: number;
}

/**
 * Trains `symbol` with `mx.mod.Module.fit` (SGD with momentum, Xavier initialisation,
 * accuracy and cross-entropy metrics, validation after every epoch) and returns the
 * module with the per-epoch history read from fit's progress lines.
 */
export async function train(
  symbol: mx.sym.Symbol,
  data: { train: mx.io.MNISTIter; test: mx.io.MNISTIter },
  opts: TrainOptions = {},
): Promise<{ module: mx.mod.Module; history: EpochStats[] }> {
  mx.random.seed(opts.seed ?? 42);
  const log = opts.log === undefined ? console.log : opts.log;
  const batchSize = data.train.batchSize;
  const samples = Math.floor(data.train.numSamples / batchSize) * batchSize;
  const history: EpochStats[] = [];
  const stat = (e: number): EpochStats => {
    while (history.length <= e) {
      history.push({
        epoch: history.length + 1,
        trainAccuracy: NaN,
        trainLoss: NaN,
        validationAccuracy: NaN,
        validationLoss: NaN,
        seconds: NaN,
        samplesPerSec: NaN,
      });
    }
    return history[e];
  };
  // fit reports through its logger: "Epoch[0] Train-accuracy=0.8", "Epoch[0] Time cost=3.1".
  const logger = (line: string) => {
    log?.(line);
    const m = /^Epoch\[(\d+)\] (Train|Validation)-(accuracy|cross-entropy)=(\S+)$/.exec(line);
    if (m) {
      const s = stat(Number(m[1])), v = Number(m[4]);
      if (m[2] === "Train") {
        if (m[3] === "accuracy") s.trainAccuracy = v;
        else s.trainLoss = v;
      } else if (m[3] === "accuracy") s.validationAccuracy = v;
      else s.validationLoss = v;
    }
    const t = /^Epoch\[(\d+)\] Time cost=(\S+)$/.exec(line);
    if (t) {
      const s = stat(Number(t[1]));
      s.seconds = Number(t[2]);
      s.samplesPerSec = samples / s.seconds;
    }
  };
  const module = new mx.mod.Module({ symbol, context: mx.cpu() });
  const period = opts.speedometer ?? 100;
  await module.fit(data.train, {
    evalData: data.test,
    evalMetric: ["acc", "ce"],
    numEpoch: opts.epochs ?? 5,
    optimizer: "sgd",
    optimizerParams: {
      learningRate: opts.learningRate ?? 0.1,
      momentum: opts.momentum ?? 0.9,
      wd: opts.wd ?? 0,
    },
    initializer: new mx.init.Xavier({ rndType: "uniform", factorType: "avg", magnitude: 3 }),
    batchEndCallback: period > 0 && log
      ? mx.callback.Speedometer(batchSize, period, true, log)
      : [],
    logger,
  });
  return { module, history };
}

/** Test accuracy of `module` on `test`, plus the first `keep` images with predictions. */
export async function evaluate(
  module: mx.mod.Module,
  test: mx.io.MNISTIter,
  keep = 32,
): Promise<
  {
    accuracy: number;
    perClass: number[];
    images: Float32Array[];
    labels: number[];
    preds: number[];
  }
> {
  const images: Float32Array[] = [], labels: number[] = [], preds: number[] = [];
  const right = new Array(10).fill(0), total = new Array(10).fill(0);
  for await (const [outs, , batch] of module.iterPredict(test)) {
    const probs = await outs[0].data() as Float32Array;
    const y = await batch.label[0].data() as Float32Array;
    const x = keep > images.length ? await batch.data[0].data() as Float32Array : undefined;
    const n = outs[0].shape[0], k = outs[0].shape[1];
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + best]) best = j;
      total[y[i]]++;
      if (best === y[i]) right[y[i]]++;
      if (x && images.length < keep) {
        images.push(x.slice(i * 784, (i + 1) * 784));
        labels.push(y[i]);
        preds.push(best);
      }
    }
    for (const o of outs) o.dispose();
    batch.dispose();
  }
  const n = total.reduce((a, b) => a + b, 0);
  return {
    accuracy: right.reduce((a, b) => a + b, 0) / n,
    perClass: right.map((r, i) => r / total[i]),
    images,
    labels,
    preds,
  };
}
