/**
 * d2l 12.1 (hybrid programming) on Fashion-MNIST: a `HybridSequential` MLP is hybridized,
 * trained, exported with `net.export(path, epoch)` (MXNet's `-symbol.json` and `-NNNN.params`
 * files, loadable by Apache MXNet), loaded back with `gluon.SymbolBlock.imports`, and both
 * networks predict the whole test set: the outputs must agree.
 *
 *   deno run -A examples/d2l/hybridize_export.ts [--epochs 5] [--limit N] [--lr 0.5]
 * @module
 */
import * as mx from "../../mod.ts";
import {
  type DataLoader,
  fashionMnistDir,
  loadDataFashionMnist,
  type Net,
  parseOptions,
  plotHistory,
  type RunResult,
  summary,
  trainCh6,
} from "./_d2l.ts";

const { nn } = mx.gluon;

/** d2l's `get_net` with Fashion-MNIST's sizes: 784 -> 256 -> 128 -> 10. */
export function getNet(): mx.gluon.nn.HybridSequential {
  const net = new nn.HybridSequential();
  net.add(
    new nn.Dense(256, { activation: "relu" }),
    new nn.Dense(128, { activation: "relu" }),
    new nn.Dense(10),
  );
  return net;
}

/** How the imported network's predictions compare with the trained one's. */
export interface Comparison {
  /** Test images compared. */
  count: number;
  /** Largest |original - imported| over every output. */
  maxAbsDiff: number;
  /** Images whose predicted class differs. */
  classMismatches: number;
  /** Accuracy of the imported network. */
  importedAcc: number;
}

/** Runs both networks over `testIter` and compares their outputs. */
export async function compare(a: Net, b: Net, testIter: DataLoader): Promise<Comparison> {
  let count = 0, maxAbsDiff = 0, classMismatches = 0, right = 0;
  for await (const [X, y] of testIter) {
    const [diff, mismatches, correct] = mx.nd.scope(() => {
      const ya = a.forward(X), yb = b.forward(X);
      const pa = ya.argmax({ axis: 1 }), pb = yb.argmax({ axis: 1 });
      return [
        ya.sub(yb).abs().max(),
        pa.notEqual(pb).astype("float32").sum(),
        pb.astype(y.dtype).equal(y).astype("float32").sum(),
      ];
    }) as mx.np.NpArray[];
    maxAbsDiff = Math.max(maxAbsDiff, await diff.item());
    classMismatches += await mismatches.item();
    right += await correct.item();
    count += y.shape[0];
    for (const t of [diff, mismatches, correct, X, y]) t.dispose();
  }
  return { count, maxAbsDiff, classMismatches, importedAcc: right / count };
}

/** What this example returns. */
export interface Result extends RunResult {
  comparison: Comparison;
  files: string[];
}

/** Trains, exports, imports and compares; undefined when Fashion-MNIST is not installed. */
export async function main(args: readonly string[]): Promise<Result | undefined> {
  const opts = parseOptions(args, { epochs: 5, batchSize: 256, lr: 0.5 });
  const dir = await fashionMnistDir(opts);
  if (!dir) return undefined;
  const t0 = performance.now();
  mx.random.seed(0);
  const { trainIter, testIter } = loadDataFashionMnist(dir, opts.batchSize, { limit: opts.limit });
  const net = getNet();
  net.hybridize();
  const history = await trainCh6(net, trainIter, testIter, {
    epochs: opts.epochs,
    lr: opts.lr,
    verbose: !opts.quiet,
  });
  // export writes the graph of the last call, which was a test batch (prediction mode).
  await Deno.mkdir(opts.out, { recursive: true });
  const path = `${opts.out}/mlp`;
  await net.export(path, opts.epochs);
  const epoch = String(opts.epochs).padStart(4, "0");
  const files = [`${path}-symbol.json`, `${path}-${epoch}.params`];
  const imported = await mx.gluon.SymbolBlock.imports(files[0], ["data"], files[1]);
  const comparison = await compare(net, imported, testIter);
  net.dispose();
  imported.dispose();
  const seconds = (performance.now() - t0) / 1000;
  if (!opts.quiet) {
    console.log(summary("hybridized MLP", history, seconds));
    console.log(`exported ${files.join(" and ")}`);
    console.log(
      `imported with SymbolBlock.imports: ${comparison.count} test images, largest output ` +
        `difference ${comparison.maxAbsDiff}, ${comparison.classMismatches} different ` +
        `predictions, accuracy ${comparison.importedAcc.toFixed(4)}`,
    );
  }
  if (opts.plot) {
    console.log(
      `wrote ${await plotHistory(history, "hybridized MLP", "hybridize_export", opts.out)}`,
    );
  }
  return { history, seconds, comparison, files };
}

if (import.meta.main) await main(Deno.args);
