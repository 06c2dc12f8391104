/**
 * Section "dataloader": does gluon's DataLoader keep training fed? Fashion-MNIST's 60,000
 * training images through `transformFirst(Compose([ToTensor(), Normalize(0.13, 0.31)]))`,
 * shuffled batches of 256, 2 Web Workers, each batch received as NDArrays and disposed:
 * images/s over whole epochs (worker start-up included), median of 3 after one warm-up
 * epoch. The peer is this machine's MXNet-style training rate of the MLP 784-256-10
 * (the training section's mxts native trainer, samples/s); the target is a loader 5x
 * faster than training consumes. The main thread's rate (numWorkers 0) is printed too.
 * Skips (with a note) when the data or the native library is missing.
 * @module
 */
import * as mx from "../mod.ts";
import { backendByName, setCpuBackend } from "../backends/mod.ts";
import { loadNative } from "../backends/native/mod.ts";
import { findFashionMNIST, INSTALL_HINT } from "../examples/_fashion.ts";
import { DataLoader, vision } from "../src/gluon/data/mod.ts";
import { median, progress, type Row } from "./_util.ts";
import { measure, mxtsTrainer } from "./training_fashion_mnist.ts";

const T = vision.transforms;

/** Images per second over one epoch of `loader`. */
async function epochRate(loader: DataLoader): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const [X, y] of loader) {
    n += X.shape[0];
    X.dispose(), y.dispose();
  }
  return n / ((performance.now() - t0) / 1e3);
}

/** Median images/s of 3 epochs after a warm-up epoch. */
async function loaderRate(root: string, numWorkers: number): Promise<number> {
  const ds = new vision.FashionMNIST({ root, train: true }).transformFirst(
    new T.Compose([new T.ToTensor(), new T.Normalize(0.13, 0.31)]),
  );
  const loader = new DataLoader(ds, { batchSize: 256, shuffle: true, numWorkers });
  await epochRate(loader);
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) rates.push(await epochRate(loader));
  return median(rates);
}

/** Runs the section. */
export async function run(): Promise<Row[]> {
  const dir = await findFashionMNIST();
  if (!dir) {
    progress(`dataloader: skipped.\n${INSTALL_HINT}`);
    return [];
  }
  if (!loadNative()) {
    progress("dataloader: skipped, the native library is not built (tools/build_native.ts)");
    return [];
  }
  setCpuBackend(backendByName("native"));
  try {
    mx.random.seed(0);
    progress("dataloader: Fashion-MNIST, ToTensor + Normalize, 2 workers...");
    const workers = await loaderRate(dir, 2);
    progress(`dataloader: 2 workers: ${workers.toFixed(0)} images/s`);
    const main = await loaderRate(dir, 0);
    progress(`dataloader: main thread: ${main.toFixed(0)} images/s`);
    progress("dataloader: MLP 784-256-10 training (mxts native) for the rate to feed...");
    const t = await mxtsTrainer("mxts-native", "mlp", dir);
    const [train] = await measure([t]);
    t.dispose();
    progress(`dataloader: MLP training: ${train.toFixed(0)} samples/s`);
    return [{
      section: "dataloader: gluon DataLoader vs the MLP's training rate (Fashion-MNIST, batch 256)",
      workload: "DataLoader 2 workers, ToTensor+Normalize, images/s",
      ours: workers,
      theirs: train,
      sense: "throughput",
      target: 5,
      oursName: "DataLoader",
      theirsName: "MLP training",
    }];
  } finally {
    setCpuBackend(undefined);
  }
}

if (import.meta.main) {
  const { renderTable } = await import("./_util.ts");
  console.log(renderTable(await run()));
}
