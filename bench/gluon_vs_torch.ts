/**
 * Section "gluon": Gluon training on real Fashion-MNIST (batch 256, SGD with momentum 0.9,
 * softmax cross-entropy), samples/s, imperative and hybridized, against PyTorch eager on
 * the same networks: an MLP 784-256-10 (ReLU) and LeNet-5 (Conv2D 6@5 pad 2, max pool,
 * Conv2D 16@5, max pool, Dense 120/84/10, ReLU).
 *
 * Our step is a Gluon training loop's: `autograd.record` around `net.forward` and the loss,
 * `loss.backward()`, `trainer.step(batch)`, then the batch's predictions read back for the
 * accuracy, inside an `mx.nd.scope`; batches come from `MNISTIter` (shuffled), as in the
 * training section. torch's step is the same (bench/_torch_trainer.ts). The four
 * contenders (imperative, hybridized, torch at 1 and N threads) train in chunks that
 * alternate (the training section's `measure`), so machine load hits them alike.
 *
 * Rows: hybridized vs imperative (target >= 1), and each mode vs torch's faster thread
 * count (MLP >= 1.0, LeNet >= 0.8). Ours is measured, like torch, at its configured thread
 * count and at 1 OpenBLAS thread (bench/_blas_threads.ts), and the faster is kept. Runs on the native backend; skips (with a note) what
 * is missing: the data, the native library, torch.
 * @module
 */
import * as mx from "../mod.ts";
import { backendByName, setCpuBackend } from "../backends/mod.ts";
import { loadNative } from "../backends/native/mod.ts";
import { FILES, findFashionMNIST, INSTALL_HINT } from "../examples/_fashion.ts";
import { type Model, threadNote, torchTrainers, TRAIN, type Trainer } from "./_torch_trainer.ts";
import { blasCounts, restoreBlas, withBlasThreads } from "./_blas_threads.ts";
import { peerWith, progress, type Row, torchName } from "./_util.ts";
import { measure } from "./training_fashion_mnist.ts";

const { nn } = mx.gluon;

const SECTION = "gluon: Gluon training (native backend) vs PyTorch eager (Fashion-MNIST, batch " +
  "256, SGD)";
const NAMES: Record<Model, string> = { mlp: "MLP 784-256-10", lenet: "LeNet-5" };

/** The network as a Gluon HybridSequential (parameters initialized with Xavier). */
export function gluonNet(model: Model): mx.gluon.nn.HybridSequential {
  const net = new nn.HybridSequential();
  if (model === "mlp") {
    net.add(new nn.Dense(256, { activation: "relu" }), new nn.Dense(10));
  } else {
    net.add(
      new nn.Conv2D(6, { kernelSize: 5, padding: 2, activation: "relu" }),
      new nn.MaxPool2D({ poolSize: 2, strides: 2 }),
      new nn.Conv2D(16, { kernelSize: 5, activation: "relu" }),
      new nn.MaxPool2D({ poolSize: 2, strides: 2 }),
      new nn.Dense(120, { activation: "relu" }),
      new nn.Dense(84, { activation: "relu" }),
      new nn.Dense(10),
    );
  }
  net.initialize(new mx.init.Xavier());
  return net;
}

/** A Gluon training loop over MNISTIter batches, imperative or hybridized. */
export async function gluonTrainer(
  name: string,
  model: Model,
  dir: string,
  hybridize: boolean,
): Promise<Trainer> {
  const train = new mx.io.MNISTIter({
    image: `${dir}/${FILES.trainImages}`,
    label: `${dir}/${FILES.trainLabels}`,
    batchSize: TRAIN.batch,
    flat: model === "mlp",
    shuffle: true,
    seed: 0,
  });
  await train.load();
  mx.random.seed(0);
  const net = gluonNet(model);
  if (hybridize) net.hybridize();
  const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", {
    learningRate: TRAIN.lr,
    momentum: TRAIN.momentum,
  });
  const lossFn = new mx.gluon.loss.SoftmaxCrossEntropyLoss();
  const metric = mx.metric.create("acc");
  return {
    name,
    async step() {
      let batch = await train.next();
      if (!batch) {
        train.reset();
        metric.reset();
        batch = (await train.next())!;
      }
      const b = batch;
      await mx.nd.scope(async () => {
        const [x] = b.data, [y] = b.label;
        const out = mx.autograd.record(() => {
          const o = net.forward(x) as mx.NDArray;
          lossFn.forward(o, y).backward();
          return o;
        });
        trainer.step(TRAIN.batch);
        await metric.update([y], [out]);
      });
      b.dispose();
    },
    sync: () => mx.nd.waitAll(),
    accuracy: () => metric.get()[1] as number,
    dispose: () => net.dispose(),
  };
}

/** The rows of one model: hybridized vs imperative, and both vs torch. */
async function modelRows(
  model: Model,
  dir: string,
  native: NonNullable<ReturnType<typeof loadNative>>,
): Promise<Row[]> {
  const py = await peerWith("torch");
  let torch: Trainer[] = [];
  if (typeof py === "string") progress(`gluon: torch rows skipped: ${py}`);
  else {
    const t = await torchTrainers(py, dir, model, native.cores, native.openblas.coreType);
    if (typeof t === "string") progress(`gluon: torch rows skipped: ${t}`);
    else torch = t;
  }
  progress(
    `gluon: ${model}: imperative, hybridized${
      torch.length ? `, ${torch.map((t) => t.name).join(", ")}` : ""
    } in alternating chunks...`,
  );
  setCpuBackend(backendByName("native"));
  const configured = Number(native.openblas.threads) || native.cores;
  const counts = blasCounts(configured);
  const sides: Trainer[] = [];
  let rates: number[];
  try {
    for (const hybridize of [false, true]) {
      const name = hybridize ? "gluon hybridized" : "gluon imperative";
      for (const n of counts) {
        sides.push(withBlasThreads(await gluonTrainer(name, model, dir, hybridize), n));
      }
    }
    sides.push(...torch);
    rates = await measure(sides);
    restoreBlas(configured);
    progress(
      `gluon: ${model}: ` + sides.map((s, i) => `${s.name} ${rates[i].toFixed(0)}`).join(", ") +
        ` samples/s (train accuracy so far ` +
        sides.map((s) => s.accuracy().toFixed(3)).join(" / ") + ")",
    );
  } finally {
    for (const s of sides) s.dispose();
    for (const t of torch) if (!sides.includes(t)) t.dispose();
    setCpuBackend(undefined);
  }
  // Each mode at its faster OpenBLAS thread count, as torch at its faster intra-op count.
  const k = counts.length;
  const imperative = Math.max(...rates.slice(0, k)),
    hybridized = Math.max(...rates.slice(k, 2 * k));
  const rows: Row[] = [{
    section: SECTION,
    workload: `${NAMES[model]} train: hybridized vs imperative, samples/s`,
    ours: hybridized,
    theirs: imperative,
    sense: "throughput",
    target: 1,
    oursName: "hybridized",
    theirsName: "imperative",
    note: `each mode at its faster OpenBLAS thread count (${counts.join(" and ")}); a ` +
      `hybridized block replays its traced graph through the same operators, so the two ` +
      `modes run the same kernels and differ by the per-call work of the Blocks`,
  }];
  if (torch.length && typeof py !== "string") {
    const best = Math.max(...rates.slice(2 * k));
    const note = threadNote("gluon", native, torch, counts);
    for (const [mode, ours] of [["imperative", imperative], ["hybridized", hybridized]] as const) {
      rows.push({
        section: SECTION,
        workload: `${NAMES[model]} train, ${mode}, samples/s`,
        ours,
        theirs: best,
        sense: "throughput",
        target: model === "mlp" ? 1.0 : 0.8,
        oursName: "gluon",
        theirsName: torchName(py, "eager, best threads"),
        note,
      });
    }
  }
  return rows;
}

/** Runs the section. */
export async function run(): Promise<Row[]> {
  const dir = await findFashionMNIST();
  if (!dir) {
    progress(`gluon: skipped.\n${INSTALL_HINT}`);
    return [];
  }
  const native = loadNative();
  if (!native) {
    progress("gluon: skipped, the native library is not built (tools/build_native.ts)");
    return [];
  }
  const rows: Row[] = [];
  for (const model of ["mlp", "lenet"] as const) rows.push(...await modelRows(model, dir, native));
  // The hybridized-vs-imperative rows first (their own table), then the torch rows.
  return [
    ...rows.filter((r) => r.oursName === "hybridized"),
    ...rows.filter((r) => r.oursName !== "hybridized"),
  ];
}

if (import.meta.main) {
  const { renderTable } = await import("./_util.ts");
  console.log(renderTable(await run()));
}
