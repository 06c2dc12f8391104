/**
 * d2l 3.2 and 3.3: linear regression on synthetic data, first from scratch (autograd and a
 * hand-written minibatch SGD), then concisely with `gluon.nn.Dense`, `gluon.loss.L2Loss` and
 * `gluon.Trainer`. Both recover `w = [2, -3.4]`, `b = 4.2` from 1,000 noisy examples.
 *
 *   deno run -A examples/d2l/linear_regression.ts [--epochs 3] [--limit 1000] [--lr 0.03]
 * @module
 */
import * as mx from "../../mod.ts";
import { Canvas, lineChart, writePNG } from "../_plot.ts";
import { parseOptions } from "./_d2l.ts";

const { np } = mx;
type NDArray = mx.np.NpArray;

/** d2l's `synthetic_data`: y = Xw + b + noise (sigma 0.01), X standard normal. */
export function syntheticData(w: NDArray, b: number, numExamples: number): [NDArray, NDArray] {
  const X = np.random.normal(0, 1, [numExamples, w.shape[0]]);
  let y = np.dot(X, w).add(b) as NDArray;
  y = y.add(np.random.normal(0, 0.01, y.shape)) as NDArray;
  return [X, y.reshape(-1, 1)];
}

/** d2l's `data_iter`: minibatches of `batchSize` examples in a random order. */
export function* dataIter(
  batchSize: number,
  features: NDArray,
  labels: NDArray,
): Generator<[NDArray, NDArray]> {
  const numExamples = features.shape[0];
  const indices = Array.from({ length: numExamples }, (_, i) => i);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  for (let i = 0; i < numExamples; i += batchSize) {
    const batchIndices = np.array(indices.slice(i, Math.min(i + batchSize, numExamples)), {
      dtype: "int32",
    });
    yield [features.get(batchIndices) as NDArray, labels.get(batchIndices) as NDArray];
    batchIndices.dispose();
  }
}

/** d2l's `linreg`. */
export function linreg(X: NDArray, w: NDArray, b: NDArray): NDArray {
  return np.dot(X, w).add(b) as NDArray;
}

/** d2l's `squared_loss`. */
export function squaredLoss(yHat: NDArray, y: NDArray): NDArray {
  return yHat.sub(y.reshape(yHat.shape)).square().div(2) as NDArray;
}

/** d2l's `sgd`: `param[:] = param - lr * param.grad / batch_size`. */
export function sgd(params: NDArray[], lr: number, batchSize: number): void {
  for (const param of params) {
    mx.nd.scope(() => param.set(param.sub(param.grad!.mul(lr / batchSize))));
  }
}

/** What one way of training found. */
export interface Fit {
  /** Mean squared loss (halved) over all examples after each epoch. */
  losses: number[];
  w: number[];
  b: number;
}

/** 3.2: linear regression from scratch. */
export async function fromScratch(
  features: NDArray,
  labels: NDArray,
  opts: { epochs: number; lr: number; batchSize: number; verbose: boolean },
): Promise<Fit> {
  const w = np.random.normal(0, 0.01, [2, 1]);
  const b = np.zeros([1]);
  w.attachGrad();
  b.attachGrad();
  const losses: number[] = [];
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (const [X, y] of dataIter(opts.batchSize, features, labels)) {
      mx.nd.scope(() => {
        const l = mx.autograd.record(() => squaredLoss(linreg(X, w, b), y));
        l.backward(); // l is a vector: its elements' gradients are summed, as in MXNet
        sgd([w, b], opts.lr, opts.batchSize);
      });
      X.dispose();
      y.dispose();
    }
    const trainL = mx.nd.scope(() => squaredLoss(linreg(features, w, b), labels).mean());
    losses.push(await trainL.item());
    trainL.dispose();
    if (opts.verbose) console.log(`epoch ${epoch + 1}, loss ${losses.at(-1)!.toFixed(6)}`);
  }
  const fit = { losses, w: Array.from(await w.data() as Float32Array), b: await b.get(0).item() };
  w.dispose();
  b.dispose();
  return fit;
}

/** 3.3: the same model with Gluon. */
export async function concise(
  features: NDArray,
  labels: NDArray,
  opts: { epochs: number; lr: number; batchSize: number; verbose: boolean },
): Promise<Fit> {
  const { nn } = mx.gluon;
  // d2l's load_array: an ArrayDataset in a shuffling DataLoader.
  const dataset = new mx.gluon.data.ArrayDataset(features, labels);
  const dataIter = new mx.gluon.data.DataLoader(dataset, {
    batchSize: opts.batchSize,
    shuffle: true,
  });
  const net = new nn.Sequential();
  net.add(new nn.Dense(1));
  net.initialize(new mx.init.Normal(0.01));
  const loss = new mx.gluon.loss.L2Loss();
  const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", { learningRate: opts.lr });
  const losses: number[] = [];
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for await (const [X, y] of dataIter) {
      mx.nd.scope(() => {
        const l = mx.autograd.record(() => loss.forward(net.forward(X), y));
        l.backward();
        trainer.step(opts.batchSize);
      });
      X.dispose();
      y.dispose();
    }
    const l = mx.nd.scope(() => loss.forward(net.forward(features), labels).mean());
    losses.push(await l.item());
    l.dispose();
    if (opts.verbose) console.log(`epoch ${epoch + 1}, loss ${losses.at(-1)!.toFixed(6)}`);
  }
  const dense = net.at(0) as mx.gluon.nn.Dense;
  const fit = {
    losses,
    w: Array.from(await dense.weight.data().data() as Float32Array),
    b: (await dense.bias!.data().data() as Float32Array)[0],
  };
  net.dispose();
  return fit;
}

/** Both fits and the truth. */
export interface Result {
  trueW: number[];
  trueB: number;
  scratch: Fit;
  concise: Fit;
}

/** Runs both versions on the same data; prints the estimation errors and plots the losses. */
export async function main(args: readonly string[]): Promise<Result> {
  const opts = parseOptions(args, { epochs: 3, batchSize: 10, lr: 0.03 });
  const numExamples = opts.limit ?? 1000;
  mx.random.seed(0);
  const trueW = np.array([2, -3.4]), trueB = 4.2;
  const [features, labels] = syntheticData(trueW, trueB, numExamples);
  const run = { epochs: opts.epochs, lr: opts.lr, batchSize: opts.batchSize, verbose: !opts.quiet };
  const result: Result = {
    trueW: [2, -3.4],
    trueB,
    scratch: { losses: [], w: [], b: NaN },
    concise: { losses: [], w: [], b: NaN },
  };
  for (const way of ["scratch", "concise"] as const) {
    if (!opts.quiet) console.log(`== linear regression, ${way}: ${numExamples} examples ==`);
    const fit = way === "scratch"
      ? await fromScratch(features, labels, run)
      : await concise(features, labels, run);
    result[way] = fit;
    if (!opts.quiet) {
      const errW = result.trueW.map((t, i) => (t - fit.w[i]).toFixed(5));
      console.log(`error in estimating w: [${errW.join(", ")}]`);
      console.log(`error in estimating b: ${(trueB - fit.b).toFixed(5)}`);
    }
  }
  for (const a of [trueW, features, labels]) a.dispose();
  if (opts.plot) {
    await Deno.mkdir(opts.out, { recursive: true });
    const c = new Canvas(480, 320);
    lineChart(c, { x: 0, y: 0, w: 480, h: 320 }, {
      title: "linear regression: training loss",
      xLabel: "epoch",
      yLabel: "squared loss / 2",
      integerX: true,
      series: [
        { name: "from scratch", values: result.scratch.losses },
        { name: "gluon", values: result.concise.losses },
      ],
    });
    await writePNG(`${opts.out}/linear_regression.png`, c);
    console.log(`wrote ${opts.out}/linear_regression.png`);
  }
  return result;
}

if (import.meta.main) await main(Deno.args);
