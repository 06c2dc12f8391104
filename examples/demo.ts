/**
 * The main demo (`deno task demo`): a short NDArray + autograd warm-up, then an MLP
 * (784-256-10, ReLU, SGD with momentum) trained with `mx.mod.Module` on real
 * Fashion-MNIST, with per-epoch train/validation accuracy and samples/s
 * (`mx.callback.Speedometer`), test accuracy, and a report with plots in examples/out/.
 *
 *   deno task demo                       # data from `apt-get install dataset-fashion-mnist`
 *   deno run -A examples/demo.ts DIR     # or from DIR (also: MXTS_FASHION_MNIST=DIR)
 *   deno run -A examples/demo.ts --lenet # also train LeNet-5 (see examples/lenet.ts)
 *   MXTS_CPU_BACKEND=ts deno task demo   # force the pure-TypeScript backend
 *
 * The seed's linear regression with FeedForward is examples/linear_regression.ts.
 * @module
 */
import * as mx from "../mod.ts";
import { backendFor } from "../backends/mod.ts";
import {
  CLASS_NAMES,
  type EpochStats,
  evaluate,
  findFashionMNIST,
  INSTALL_HINT,
  iterators,
  lenet,
  mlp,
  train,
} from "./_fashion.ts";
import { type Canvas, epochCurves, imageGrid, type RGB, writePNG } from "./_plot.ts";

const OUT = new URL("./out/", import.meta.url);
const EPOCHS = 5;
/** LeNet's settings (examples/lenet.ts uses them too). */
export const LENET = { flat: false, epochs: 10, learningRate: 0.05 } as const;
const BATCH = 256;

/** Part 1: the seed's NDArray walk-through and autograd, in a few lines. */
async function warmUp(): Promise<void> {
  console.log("== NDArray and autograd ==");
  const a = mx.nd.ones([2, 3]).mul(2);
  const b = mx.nd.ones([2, 3]).mul(4);
  console.log("a + b =", JSON.stringify(await a.add(b).array()));
  console.log("dot(a, b.T) =", JSON.stringify(await mx.nd.dot(a, b, { transposeB: true }).array()));
  const x = mx.nd.array([1, 2, 3]);
  x.attachGrad();
  const y = mx.autograd.record(() => x.mul(x).sum());
  y.backward();
  console.log("d/dx sum(x*x) at [1, 2, 3] =", JSON.stringify(await x.grad!.array()));
  for (const t of [a, b, x, y]) t.dispose();
}

/** Loss and accuracy curves side by side. */
function curves(history: readonly EpochStats[], title: string): Canvas {
  return epochCurves(title, [
    { name: "train", values: history.map((h) => h.trainAccuracy) },
    { name: "test", values: history.map((h) => h.validationAccuracy) },
  ], [
    { name: "train", values: history.map((h) => h.trainLoss) },
    { name: "test", values: history.map((h) => h.validationLoss) },
  ]);
}

/** A grid of test images captioned with the predicted class (red, with the truth, if wrong). */
function predictionGrid(
  ev: { images: Float32Array[]; labels: number[]; preds: number[] },
  title: string,
): Canvas {
  const green: RGB = [0, 128, 0], red: RGB = [200, 0, 0];
  return imageGrid({
    images: ev.images,
    columns: 8,
    scale: 3,
    title,
    captions: ev.preds.map((p, i) =>
      p === ev.labels[i] ? CLASS_NAMES[p] : `${CLASS_NAMES[p]}\n(${CLASS_NAMES[ev.labels[i]]})`
    ),
    captionColors: ev.preds.map((p, i) => p === ev.labels[i] ? green : red),
  });
}

/** What {@link run} returns. */
export interface Result {
  name: string;
  history: EpochStats[];
  testAccuracy: number;
  perClass: number[];
  totalSeconds: number;
  files: string[];
}

/**
 * Trains `net` on Fashion-MNIST in `dir`, prints the per-epoch table and test accuracy,
 * and writes `<file>_curves.png` and `<file>_predictions.png` to examples/out/.
 */
export async function run(
  name: string,
  file: string,
  net: mx.sym.Symbol,
  dir: string,
  opts: { flat: boolean; epochs: number; learningRate: number },
): Promise<Result> {
  await Deno.mkdir(OUT, { recursive: true });
  console.log(
    `\n== ${name} on Fashion-MNIST: ${opts.epochs} epochs, batch ${BATCH}, SGD ` +
      `(lr ${opts.learningRate}, momentum 0.9) ==`,
  );
  const t0 = performance.now();
  const data = await iterators(dir, { batchSize: BATCH, flat: opts.flat });
  console.log(
    `train ${data.train.numSamples} images, test ${data.test.numSamples} images ` +
      `(read in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const { module, history } = await train(net, data, {
    epochs: opts.epochs,
    learningRate: opts.learningRate,
  });
  const ev = await evaluate(module, data.test, 32);
  const totalSeconds = (performance.now() - t0) / 1000;
  module.dispose();

  console.log(`\n${name}: epoch | train acc | test acc | train loss | test loss | samples/s`);
  for (const h of history) {
    console.log(
      `  ${String(h.epoch).padStart(5)} | ${h.trainAccuracy.toFixed(4).padStart(9)} | ${
        h.validationAccuracy.toFixed(4).padStart(8)
      } | ${h.trainLoss.toFixed(4).padStart(10)} | ${h.validationLoss.toFixed(4).padStart(9)} | ${
        Math.round(h.samplesPerSec).toLocaleString("en-US").padStart(9)
      }`,
    );
  }
  console.log(
    `${name}: test accuracy ${(100 * ev.accuracy).toFixed(2)}% ` +
      `(${totalSeconds.toFixed(1)} s including data loading and evaluation)`,
  );
  const files = [`${file}_curves.png`, `${file}_predictions.png`];
  await writePNG(new URL(files[0], OUT), curves(history, name));
  await writePNG(
    new URL(files[1], OUT),
    predictionGrid(ev, `${name}: first 32 test images, predicted (true)`),
  );
  return { name, history, testAccuracy: ev.accuracy, perClass: ev.perClass, totalSeconds, files };
}

/** The markdown report of `results`. */
export function report(results: readonly Result[], backend: string): string {
  const lines = [
    "# mxts demo: Fashion-MNIST",
    "",
    `Backend: cpu via ${backend}; batch ${BATCH}; written ${new Date().toISOString()}.`,
    "",
  ];
  for (const r of results) {
    lines.push(
      `## ${r.name}`,
      "",
      `Test accuracy **${(100 * r.testAccuracy).toFixed(2)}%**, ${
        r.totalSeconds.toFixed(1)
      } s in all.`,
      "",
      "| epoch | train acc | test acc | train loss | test loss | samples/s |",
      "|---:|---:|---:|---:|---:|---:|",
      ...r.history.map((h) =>
        `| ${h.epoch} | ${h.trainAccuracy.toFixed(4)} | ${h.validationAccuracy.toFixed(4)} | ${
          h.trainLoss.toFixed(4)
        } | ${h.validationLoss.toFixed(4)} | ${Math.round(h.samplesPerSec)} |`
      ),
      "",
      "Per-class test accuracy: " +
        r.perClass.map((a, i) => `${CLASS_NAMES[i]} ${(100 * a).toFixed(1)}%`).join(", "),
      "",
      ...r.files.map((f) => `![${f}](${f})`),
      "",
    );
  }
  return lines.join("\n");
}

async function main(args: string[]): Promise<number> {
  const withLenet = args.includes("--lenet");
  const dirArg = args.find((a) => !a.startsWith("--"));
  await warmUp();
  const dir = await findFashionMNIST(dirArg);
  if (!dir) {
    console.log(`\n${INSTALL_HINT}\nSkipping the training part of the demo.`);
    return 0;
  }
  const backend = backendFor(mx.cpu()).name;
  console.log(`\nData: ${dir}; cpu backend: ${backend}`);
  const results = [
    await run("MLP 784-256-10", "mlp", mlp(), dir, {
      flat: true,
      epochs: EPOCHS,
      learningRate: 0.05,
    }),
  ];
  if (withLenet) {
    results.push(
      await run("LeNet-5", "lenet", lenet(), dir, LENET),
    );
  }
  await Deno.writeTextFile(new URL("report.md", OUT), report(results, backend));
  console.log(
    `\nWrote ${
      ["report.md", ...results.flatMap((r) => r.files)].map((f) => `examples/out/${f}`).join(", ")
    }`,
  );
  const mlpAcc = results[0].testAccuracy;
  if (mlpAcc < 0.85) {
    console.error(`MLP test accuracy ${(100 * mlpAcc).toFixed(2)}% is below the 85% target`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
