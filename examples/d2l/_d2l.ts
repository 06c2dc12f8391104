/**
 * The `d2l` package of "Dive into Deep Learning" (MXNet edition), the part its chapters 3 to 7
 * and 12 use, over `mx.np` and `mx.gluon`: command-line options, `loadDataFashionMnist`,
 * `accuracy`, `evaluateAccuracy`, `trainCh6` (the training loop with a progress bar and the
 * per-epoch table), and the plot of the curves. The examples next to this file import it as
 * the book imports `d2l`.
 * @module
 */
import * as mx from "../../mod.ts";
import { findFashionMNIST, INSTALL_HINT } from "../_fashion.ts";
import { epochCurves, writePNG } from "../_plot.ts";

/** d2l works on `mx.np` arrays; the loaders below yield them (ToTensor's output under np). */
type NDArray = mx.np.NpArray;

/**
 * A Gluon DataLoader whose batches are `mx.np` arrays, as MXNet's DataLoader gives after
 * `npx.set_np()`. (mxts's DataLoader yields legacy `mx.nd` arrays; `asNpArray` is a view, so
 * nothing is copied.)
 */
export class DataLoader implements AsyncIterable<NDArray[]> {
  constructor(readonly loader: mx.gluon.data.DataLoader) {}
  /** Batches per epoch. */
  get length(): number {
    return this.loader.length;
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<NDArray[]> {
    for await (const batch of this.loader) {
      const np = batch.map((a) => a.asNpArray() as NDArray);
      for (const a of batch) a.dispose();
      yield np;
    }
  }
}

/** Where the examples write their plots (and exported files) by default: examples/out/d2l. */
export const OUT_DIR: string = decodeURIComponent(new URL("../out/d2l", import.meta.url).pathname);

/** Command-line options every example takes. */
export interface Options {
  /** `--epochs N`. */
  epochs: number;
  /** `--batch-size N`. */
  batchSize: number;
  /** `--lr X`: the learning rate. */
  lr: number;
  /** `--limit N`: train on the first N training images and test on the first N test images. */
  limit?: number;
  /** `--data DIR`: the Fashion-MNIST folder (default: findFashionMNIST's search). */
  data?: string;
  /** `--quiet`: no progress bar and no per-epoch lines (tests). */
  quiet: boolean;
  /** `--no-plot`: do not write the PNG. */
  plot: boolean;
  /** `--out DIR`: where files are written (examples/out/d2l). */
  out: string;
}

/** Usage text appended to each example's own first line. */
export const USAGE = "  --epochs N      epochs\n" +
  "  --batch-size N  samples per batch\n" +
  "  --lr X          learning rate\n" +
  "  --limit N       use only the first N training (and N test) images, for quick runs\n" +
  "  --data DIR      Fashion-MNIST folder (default: $MXTS_FASHION_MNIST, then Debian's)\n" +
  "  --quiet         no progress bar or per-epoch lines\n" +
  "  --no-plot       do not write the plot\n" +
  "  --out DIR       where to write files (examples/out/d2l)";

/**
 * Parses `args` over `defaults`; an unknown flag or a bad number is an error naming it
 * (examples are run by hand, so a typo must not silently train with the defaults).
 */
export function parseOptions(
  args: readonly string[],
  defaults: { epochs: number; batchSize: number; lr: number },
): Options {
  const opts: Options = { ...defaults, quiet: false, plot: true, out: OUT_DIR };
  const number = (flag: string, v: string | undefined, integer: boolean): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new Error(
        `${flag} needs a positive ${integer ? "integer" : "number"}, got ${v ?? "nothing"}`,
      );
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--epochs") opts.epochs = number(a, args[++i], true);
    else if (a === "--batch-size") opts.batchSize = number(a, args[++i], true);
    else if (a === "--lr") opts.lr = number(a, args[++i], false);
    else if (a === "--limit") opts.limit = number(a, args[++i], true);
    else if (a === "--data") opts.data = args[++i];
    else if (a === "--quiet") opts.quiet = true;
    else if (a === "--no-plot") opts.plot = false;
    else if (a === "--out") opts.out = args[++i] ?? OUT_DIR;
    else throw new Error(`unknown argument ${a}; the options are:\n${USAGE}`);
  }
  return opts;
}

/** The Fashion-MNIST folder, or undefined after printing how to get it. */
export async function fashionMnistDir(opts: Options): Promise<string | undefined> {
  const dir = await findFashionMNIST(opts.data);
  if (!dir) console.log(`${INSTALL_HINT}\nNothing to train.`);
  return dir;
}

/** Options of {@link loadDataFashionMnist}. */
export interface LoadOptions {
  /** Resize the images to this side (d2l's `resize`; AlexNet/VGG use 224, ResNet 96). */
  resize?: number;
  /** Keep only the first `limit` images of each split. */
  limit?: number;
  /** Loader worker threads (0: load on the main thread). */
  numWorkers?: number;
}

/**
 * d2l's `load_data_fashion_mnist`: the training loader (shuffled) and the test loader over
 * `ToTensor` images ([batch, 1, 28, 28] float32 in [0, 1]) and float32 labels.
 */
export function loadDataFashionMnist(
  root: string,
  batchSize: number,
  opts: LoadOptions = {},
): { trainIter: DataLoader; testIter: DataLoader } {
  const { vision } = mx.gluon.data;
  const T = vision.transforms;
  const trans: mx.gluon.data.vision.transforms.Transform[] = [new T.ToTensor()];
  if (opts.resize) trans.unshift(new T.Resize(opts.resize));
  const compose = new T.Compose(trans);
  const split = (train: boolean) => {
    const ds = new vision.FashionMNIST({ root, train });
    return (opts.limit ? ds.take(opts.limit) : ds).transformFirst(compose);
  };
  const numWorkers = opts.numWorkers ?? 0;
  return {
    trainIter: new DataLoader(
      new mx.gluon.data.DataLoader(split(true), { batchSize, shuffle: true, numWorkers }),
    ),
    testIter: new DataLoader(new mx.gluon.data.DataLoader(split(false), { batchSize, numWorkers })),
  };
}

/** d2l's `accuracy`: the number of rows of `yHat` whose argmax is `y` (an array, not read). */
export function correctCount(yHat: NDArray, y: NDArray): NDArray {
  const pred = yHat.ndim > 1 ? yHat.argmax({ axis: 1 }) : yHat;
  return pred.astype(y.dtype).equal(y).astype("float32").sum();
}

/** A block that maps a batch to per-class scores. */
export interface Net {
  forward(x: NDArray): NDArray;
}

/** d2l's `evaluate_accuracy_gpu`: the accuracy of `net` over `dataIter`, on `ctx`. */
export async function evaluateAccuracy(
  net: Net,
  dataIter: DataLoader,
  ctx: mx.Context = mx.cpu(),
): Promise<number> {
  let right = 0, total = 0;
  for await (const [X, y] of dataIter) {
    const correct = mx.nd.scope(() => correctCount(net.forward(X.asInCtx(ctx)), y.asInCtx(ctx)));
    right += await correct.item();
    total += y.shape[0];
    for (const a of [correct, X, y]) a.dispose();
  }
  return right / total;
}

/** What one epoch did. */
export interface EpochStats {
  /** From 1. */
  epoch: number;
  /** Mean training loss over the epoch. */
  trainLoss: number;
  trainAcc: number;
  testAcc: number;
  /** Training time of the epoch (without the test pass), seconds. */
  seconds: number;
  /** Training images per second. */
  samplesPerSec: number;
}

/**
 * One training step on a batch, run synchronously inside `mx.nd.scope`: it returns the summed
 * loss and the number of correct predictions as arrays, read after the scope closes.
 */
export type Step = (X: NDArray, y: NDArray) => { lossSum: NDArray; correct: NDArray };

/** The usual step: forward under `autograd.record`, backward, `trainer.step(batchSize)`. */
export function gluonStep(
  net: Net,
  loss: mx.gluon.loss.Loss,
  trainer: mx.gluon.Trainer,
  ctx: mx.Context = mx.cpu(),
): Step {
  return (X, y) => {
    const Xc = X.asInCtx(ctx), yc = y.asInCtx(ctx);
    const [l, yHat] = mx.autograd.record(() => {
      const yHat = net.forward(Xc);
      return [loss.forward(yHat, yc), yHat];
    });
    l.backward();
    trainer.step(X.shape[0]);
    return { lossSum: l.sum(), correct: correctCount(yHat, yc) };
  };
}

/** A text progress bar: redrawn in place on a terminal, every tenth otherwise (logs). */
export class ProgressBar {
  readonly #total: number;
  readonly #tty: boolean;
  #lastTenth = -1;
  constructor(total: number, readonly width = 30) {
    this.#total = total;
    this.#tty = Deno.stdout.isTerminal();
  }
  /** Shows `done` of the total batches with a status text. */
  update(done: number, status: string): void {
    const frac = this.#total ? done / this.#total : 1;
    const filled = Math.round(frac * this.width);
    const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? ">" : "") +
      " ".repeat(this.width - filled);
    const line = `[${bar}] ${
      String(done).padStart(String(this.#total).length)
    }/${this.#total} ${status}`;
    if (this.#tty) {
      Deno.stdout.writeSync(new TextEncoder().encode(`\r${line}\x1b[K`));
    } else {
      const tenth = Math.floor(frac * 10);
      if (tenth > this.#lastTenth && tenth < 10) console.log(line);
      this.#lastTenth = tenth;
    }
  }
  /** Clears the bar (on a terminal) before the epoch's line is printed. */
  done(): void {
    if (this.#tty) Deno.stdout.writeSync(new TextEncoder().encode("\r\x1b[K"));
  }
}

/** Options of {@link trainLoop}. */
export interface TrainOptions {
  epochs: number;
  /** Trains on one batch. */
  step: Step;
  /** The accuracy of the current weights on the test set. */
  evaluate: () => Promise<number>;
  /** Print the progress bar and the per-epoch lines (true). */
  verbose?: boolean;
  /** Number of training batches (for the bar; counted from the loader if omitted). */
  batches?: number;
}

/**
 * d2l's `train_ch6` loop: for each epoch, `step` over every batch with a progress bar, then the
 * test accuracy; prints one line per epoch and returns the history.
 */
export async function trainLoop(trainIter: DataLoader, opts: TrainOptions): Promise<EpochStats[]> {
  const verbose = opts.verbose ?? true;
  const batches = opts.batches ?? trainIter.length;
  const history: EpochStats[] = [];
  if (verbose) console.log("epoch | train loss | train acc | test acc | seconds | samples/s");
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const bar = verbose ? new ProgressBar(batches) : undefined;
    let lossSum = 0, right = 0, n = 0, b = 0;
    const t0 = performance.now();
    for await (const [X, y] of trainIter) {
      const r = mx.nd.scope(() => opts.step(X, y));
      lossSum += await r.lossSum.item();
      right += await r.correct.item();
      n += y.shape[0];
      for (const a of [r.lossSum, r.correct, X, y]) a.dispose();
      b++;
      const secs = (performance.now() - t0) / 1000;
      bar?.update(
        b,
        `loss ${(lossSum / n).toFixed(4)} acc ${(right / n).toFixed(3)} ` +
          `${Math.round(n / secs)} img/s`,
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    bar?.done();
    const testAcc = await opts.evaluate();
    const s: EpochStats = {
      epoch,
      trainLoss: lossSum / n,
      trainAcc: right / n,
      testAcc,
      seconds,
      samplesPerSec: n / seconds,
    };
    history.push(s);
    if (verbose) {
      console.log(
        `${String(epoch).padStart(5)} | ${s.trainLoss.toFixed(4).padStart(10)} | ${
          s.trainAcc.toFixed(4).padStart(9)
        } | ${s.testAcc.toFixed(4).padStart(8)} | ${s.seconds.toFixed(1).padStart(7)} | ${
          Math.round(s.samplesPerSec).toString().padStart(9)
        }`,
      );
    }
  }
  return history;
}

/**
 * d2l's `train_ch6` for a Gluon net on one context: initializes it with Xavier (as the book
 * does), SGD at `lr`, softmax cross-entropy; returns the per-epoch history.
 */
export async function trainCh6(
  net: mx.gluon.Block & Net,
  trainIter: DataLoader,
  testIter: DataLoader,
  opts: {
    epochs: number;
    lr: number;
    ctx?: mx.Context;
    verbose?: boolean;
    /** The initializer (the book's train_ch6: Xavier; chapters 3 and 4: Normal(0.01)). */
    init?: mx.init.Initializer;
  },
): Promise<EpochStats[]> {
  const ctx = opts.ctx ?? mx.cpu();
  net.initialize(opts.init ?? new mx.init.Xavier(), { ctx, forceReinit: true });
  const loss = new mx.gluon.loss.SoftmaxCrossEntropyLoss();
  const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", { learningRate: opts.lr });
  if (opts.verbose ?? true) console.log(`training on ${ctx}`);
  return await trainLoop(trainIter, {
    epochs: opts.epochs,
    step: gluonStep(net, loss, trainer, ctx),
    evaluate: () => evaluateAccuracy(net, testIter, ctx),
    verbose: opts.verbose,
  });
}

/** What an example's `main` returns (undefined when Fashion-MNIST is not installed). */
export interface RunResult {
  history: EpochStats[];
  /** Wall time including data loading and the test passes, seconds. */
  seconds: number;
}

/** What {@link runFashionMnist} needs to know about an example. */
export interface ExampleSpec {
  /** Printed name. */
  name: string;
  /** The plot's file name, without .png. */
  file: string;
  /** The book's epochs, batch size and learning rate. */
  defaults: { epochs: number; batchSize: number; lr: number };
  /** Builds the network. */
  net: () => mx.gluon.Block & Net;
  /** Initializer (Xavier). */
  init?: () => mx.init.Initializer;
  /** Hybridize before training. */
  hybridize?: boolean;
}

/**
 * An example's whole run: parses `args`, loads Fashion-MNIST, trains `spec.net()` with
 * {@link trainCh6}, prints the summary and writes the plot.
 */
export async function runFashionMnist(
  args: readonly string[],
  spec: ExampleSpec,
): Promise<RunResult | undefined> {
  const opts = parseOptions(args, spec.defaults);
  const dir = await fashionMnistDir(opts);
  if (!dir) return undefined;
  const t0 = performance.now();
  mx.random.seed(0);
  const { trainIter, testIter } = loadDataFashionMnist(dir, opts.batchSize, { limit: opts.limit });
  const net = spec.net();
  if (spec.hybridize) net.hybridize();
  if (!opts.quiet) {
    console.log(
      `== ${spec.name}: ${opts.epochs} epochs, batch ${opts.batchSize}, lr ${opts.lr}` +
        `${opts.limit ? `, first ${opts.limit} images` : ""} ==`,
    );
  }
  const history = await trainCh6(net, trainIter, testIter, {
    epochs: opts.epochs,
    lr: opts.lr,
    verbose: !opts.quiet,
    init: spec.init?.(),
  });
  net.dispose();
  const seconds = (performance.now() - t0) / 1000;
  if (!opts.quiet) console.log(summary(spec.name, history, seconds));
  if (opts.plot) {
    console.log(`wrote ${await plotHistory(history, spec.name, spec.file, opts.out)}`);
  }
  return { history, seconds };
}

/** Writes `<dir>/<file>.png`: loss and accuracy curves side by side; returns the path. */
export async function plotHistory(
  history: readonly EpochStats[],
  title: string,
  file: string,
  dir: string = OUT_DIR,
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const chart = epochCurves(title, [
    { name: "train acc", values: history.map((h) => h.trainAcc) },
    { name: "test acc", values: history.map((h) => h.testAcc) },
  ], [{ name: "train loss", values: history.map((h) => h.trainLoss) }]);
  const path = `${dir}/${file}.png`;
  await writePNG(path, chart);
  return path;
}

/** Prints the final line (d2l's "loss ..., train acc ..., test acc ...", plus the time). */
export function summary(name: string, history: readonly EpochStats[], seconds: number): string {
  const h = history.at(-1)!;
  return `${name}: loss ${h.trainLoss.toFixed(3)}, train acc ${h.trainAcc.toFixed(3)}, ` +
    `test acc ${h.testAcc.toFixed(3)}; ${Math.round(h.samplesPerSec)} examples/sec; ` +
    `${seconds.toFixed(1)} s in all`;
}
