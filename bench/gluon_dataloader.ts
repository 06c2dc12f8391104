/**
 * Section "dataloader": does gluon's DataLoader keep training fed? Fashion-MNIST's 60,000
 * training images through `transformFirst(Compose([ToTensor(), Normalize(0.13, 0.31)]))`,
 * shuffled batches of 256, 2 workers, each batch received as NDArrays and disposed, epoch
 * after epoch: images/s. The peer is this machine's training rate of the MLP 784-256-10
 * (the training section's mxts native trainer, samples/s), measured in chunks alternating
 * with the loader's (the training section's `measure`), so both see the same machine load;
 * the target is a loader 5x faster than training consumes. The main thread's rate
 * (numWorkers 0) is printed too.
 * Skips (with a note) when the data or the native library is missing.
 * @module
 */
import * as mx from "../mod.ts";
import { backendByName, setCpuBackend } from "../backends/mod.ts";
import { loadNative } from "../backends/native/mod.ts";
import { findFashionMNIST, INSTALL_HINT } from "../examples/_fashion.ts";
import { DataLoader, vision } from "../src/gluon/data/mod.ts";
import { progress, type Row } from "./_util.ts";
import { measure, mxtsTrainer } from "./training_fashion_mnist.ts";

const T = vision.transforms;

/**
 * The loader as one more "trainer" of the training section's interleaved measurement:
 * a step takes the next batch (starting a new epoch after the last) and disposes it.
 */
function loaderSide(name: string, root: string, numWorkers: number) {
  const ds = new vision.FashionMNIST({ root, train: true }).transformFirst(
    new T.Compose([new T.ToTensor(), new T.Normalize(0.13, 0.31)]),
  );
  // Full batches only, so that every step is 256 images.
  const loader = new DataLoader(ds, {
    batchSize: 256,
    shuffle: true,
    lastBatch: "discard",
    numWorkers,
  });
  let it = loader[Symbol.asyncIterator]();
  return {
    name,
    async step() {
      let r = await it.next();
      if (r.done) {
        it = loader[Symbol.asyncIterator]();
        r = await it.next();
      }
      for (const a of r.value) a.dispose();
    },
    sync: () => Promise.resolve(),
    accuracy: () => NaN,
    dispose: () => {
      it.return(undefined);
      loader.close();
    },
  };
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
    progress(
      "dataloader: Fashion-MNIST, ToTensor + Normalize: 2 workers, the main thread, and MLP " +
        "784-256-10 training (mxts native), in alternating chunks...",
    );
    const sides = [
      await mxtsTrainer("MLP training", "mlp", dir),
      loaderSide("2 workers", dir, 2),
      loaderSide("main thread", dir, 0),
    ];
    const [train, workers, main] = await measure(sides);
    for (const t of sides) t.dispose();
    progress(
      `dataloader: 2 workers ${workers.toFixed(0)} images/s, main thread ${main.toFixed(0)} ` +
        `images/s, MLP training ${train.toFixed(0)} samples/s`,
    );
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
