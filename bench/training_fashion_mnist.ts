/**
 * Section "training": training throughput on real Fashion-MNIST (batch 256, SGD with
 * momentum 0.9), samples/s, for an MLP 784-256-10 and LeNet-5:
 *
 * - mxts native backend vs PyTorch (the interpreter of `$MXTS_BENCH_PYTHON`, else the
 *   newest torch found: bench/_util.ts `peerPython`), a trainer process whose chunks
 *   alternate with ours (bench/_torch_trainer.ts); 1 and N intra-op threads are both
 *   measured and the faster is compared, with the BLAS's own pool at 1 thread so the two
 *   pools do not oversubscribe the cores, and the same OPENBLAS_CORETYPE; ours likewise at
 *   its configured OpenBLAS thread count and at 1 (bench/_blas_threads.ts), the faster kept;
 * - mxts TS backend vs `@tensorflow/tfjs-core` + `tfjs-backend-cpu`, same process, chunks
 *   of batches interleaved.
 *
 * Every side runs the same step: take the next batch, forward, backward, SGD update, and
 * read the batch's predictions back for the accuracy (mxts: `Module.forwardBackward`,
 * `update`, `updateMetric`, as `fit` does). A contender trains for about
 * `MXTS_BENCH_TRAIN_S` seconds (default 9) after a warm-up, in 3 chunks; the median chunk
 * rate is reported. Skips (with a note) what is not installed: the data, the native
 * library, torch.
 * @module
 */
import * as mx from "../mod.ts";
import { backendByName, setCpuBackend } from "../backends/mod.ts";
import { loadNative } from "../backends/native/mod.ts";
import { FILES, findFashionMNIST, INSTALL_HINT, lenet, mlp } from "../examples/_fashion.ts";
import { blasCounts, restoreBlas, withBlasThreads } from "./_blas_threads.ts";
import { type Model, threadNote, torchTrainers, TRAIN, type Trainer } from "./_torch_trainer.ts";
import { median, type PeerPython, peerWith, progress, type Row, torchName } from "./_util.ts";

import type { Tensor, Tensor2D, Tensor4D, Variable } from "@tensorflow/tfjs-core";

type Tf = typeof import("@tensorflow/tfjs-core");
export type { Model, Trainer };

const BATCH = TRAIN.batch;
const LR = TRAIN.lr;
const MOMENTUM = TRAIN.momentum;
const CHUNKS = 3;
const NAMES: Record<Model, string> = {
  mlp: "MLP 784-256-10 train, samples/s",
  lenet: "LeNet-5 train, samples/s",
};

function budgetS(): number {
  const v = Number(Deno.env.get("MXTS_BENCH_TRAIN_S") ?? "9");
  return Number.isFinite(v) && v > 0 ? v : 9;
}

/**
 * Warm-up, then the batches per chunk, sized from the warm-up so a chunk lasts ~chunkS;
 * 0 when one step already takes longer than a chunk (then one more step is timed alone).
 */
async function calibrate(t: Trainer, chunkS: number): Promise<number> {
  const timed = async () => {
    const t0 = performance.now();
    await t.step();
    await t.sync();
    return (performance.now() - t0) / 1e3;
  };
  if (await timed() > chunkS) return 0;
  await timed();
  const once = await timed();
  return Math.max(2, Math.round(chunkS / Math.max(once, 1e-4)));
}

async function chunk(t: Trainer, batches: number): Promise<number> {
  const t0 = performance.now();
  if (t.steps) await t.steps(batches);
  else for (let i = 0; i < batches; i++) await t.step();
  await t.sync();
  return (batches * BATCH) / ((performance.now() - t0) / 1e3);
}

/**
 * Samples/s of each trainer: chunks run alternately (A B, B A, ...); median per trainer.
 * A trainer slower than one step per chunk is timed on a single step.
 */
export async function measure(trainers: readonly Trainer[]): Promise<number[]> {
  const chunkS = budgetS() / CHUNKS;
  const sizes: number[] = [];
  for (const t of trainers) sizes.push(await calibrate(t, chunkS));
  const rates = trainers.map(() => [] as number[]);
  for (const [i, t] of trainers.entries()) {
    if (sizes[i] === 0) {
      progress(`training: ${t.name} takes over ${chunkS.toFixed(1)} s a batch: timing one batch`);
      rates[i].push(await chunk(t, 1));
    }
  }
  for (let r = 0; r < CHUNKS; r++) {
    const order = trainers.map((_, i) => i).filter((i) => sizes[i] > 0);
    if (r % 2) order.reverse();
    for (const i of order) rates[i].push(await chunk(trainers[i], sizes[i]));
  }
  return rates.map(median);
}

/** mxts: Module on the current cpu backend, MNISTIter batches, accuracy metric per batch. */
export async function mxtsTrainer(name: string, model: Model, dir: string): Promise<Trainer> {
  const train = new mx.io.MNISTIter({
    image: `${dir}/${FILES.trainImages}`,
    label: `${dir}/${FILES.trainLabels}`,
    batchSize: BATCH,
    flat: model === "mlp",
    shuffle: true,
    seed: 0,
  });
  await train.load();
  mx.random.seed(0);
  const mod = new mx.mod.Module({ symbol: model === "mlp" ? mlp() : lenet() });
  mod.bind({ dataShapes: train.provideData, labelShapes: train.provideLabel });
  mod.initParams({ initializer: new mx.init.Xavier() });
  mod.initOptimizer({
    optimizer: "sgd",
    optimizerParams: { learningRate: LR, momentum: MOMENTUM },
  });
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
        mod.forwardBackward(b);
        mod.update();
        await mod.updateMetric(metric, b.label);
      });
      b.dispose();
    },
    sync: () => mx.nd.waitAll(),
    accuracy: () => metric.get()[1] as number,
    dispose: () => mod.dispose(),
  };
}

/** tfjs-core on its CPU backend, in production mode (as the core section sets it up). */
export async function loadTf(): Promise<Tf> {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  tf.enableProdMode();
  if (!(await tf.setBackend("cpu"))) throw new Error("tfjs: setBackend('cpu') failed");
  await tf.ready();
  return tf;
}

/** The training images (scaled to [0, 1]) and labels, in file order. */
export async function readTrainSet(dir: string): Promise<{ x: Float32Array; y: Int32Array }> {
  const [img, lab] = await Promise.all([
    mx.io.readIdx(`${dir}/${FILES.trainImages}`),
    mx.io.readIdx(`${dir}/${FILES.trainLabels}`),
  ]);
  const x = new Float32Array(img.data.length);
  for (let i = 0; i < x.length; i++) x[i] = img.data[i] / 255;
  return { x, y: Int32Array.from(lab.data) };
}

/**
 * tfjs: the same networks (NHWC for LeNet) and momentum SGD, with the backward pass
 * written out: tfjs-core alone registers no gradients (they live in its ESM build, which
 * does not load under Deno), and the kernels called here (MatMul, Conv2DBackpropFilter,
 * Conv2DBackpropInput, MaxPoolGrad, ...) are the ones its tape would call.
 */
export function tfjsTrainer(
  tf: Tf,
  model: Model,
  data: { x: Float32Array; y: Int32Array },
  B: number = BATCH,
): Trainer {
  const glorot = (shape: number[], fanIn: number, fanOut: number) => {
    const s = Math.sqrt(6 / (fanIn + fanOut));
    return tf.variable(tf.randomUniform(shape, -s, s, "float32", 1));
  };
  const dense = (i: number, o: number) => [glorot([i, o], i, o), tf.variable(tf.zeros([o]))];
  const conv = (k: number, ci: number, co: number) => [
    glorot([k, k, ci, co], ci * k * k, co * k * k),
    tf.variable(tf.zeros([co])),
  ];
  // Weights and biases in order: [w1, b1, w2, b2, ...].
  const params: Variable[] = model === "mlp" ? [...dense(784, 256), ...dense(256, 10)] : [
    ...conv(5, 1, 6),
    ...conv(5, 6, 16),
    ...dense(400, 120),
    ...dense(120, 84),
    ...dense(84, 10),
  ];
  const moms = params.map((p) => tf.zeros(p.shape));
  const fc = (x: Tensor2D, w: Tensor, b: Tensor): Tensor2D =>
    tf.add(tf.matMul(x, w as Tensor2D), b);
  /** Gradients of a dense layer: [dx, dW, db] from its input and output gradient. */
  const fcBack = (x: Tensor2D, w: Tensor, dz: Tensor2D): [Tensor2D, Tensor, Tensor] => [
    tf.matMul(dz, w as Tensor2D, false, true),
    tf.matMul(x, dz, true, false),
    tf.sum(dz, 0),
  ];
  const maxPoolGrad = (dy: Tensor4D, input: Tensor4D, output: Tensor4D) =>
    tf.engine().runKernel(tf.MaxPoolGrad, { dy, input, output }, {
      filterSize: 2,
      strides: 2,
      pad: "valid",
    }) as Tensor4D;
  const filterGrad = (x: Tensor4D, dy: Tensor4D, shape: number[], pad: "same" | "valid") =>
    tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
      strides: 1,
      pad,
      dataFormat: "NHWC",
      filterShape: shape,
    }) as Tensor4D;

  /** Logits and the gradients of the mean cross-entropy w.r.t. params (same order). */
  const mlpStep = (x: Tensor2D, y1h: Tensor2D): [Tensor2D, Tensor[]] => {
    const [w1, b1, w2, b2] = params;
    const z1 = fc(x, w1, b1), h1 = tf.relu(z1), logits = fc(h1, w2, b2);
    const dL = tf.div(tf.sub(tf.softmax(logits), y1h), B) as Tensor2D;
    const [dh1, dw2, db2] = fcBack(h1, w2, dL);
    const dz1 = tf.mul(dh1, tf.step(z1)) as Tensor2D;
    const [, dw1, db1] = fcBack(x, w1, dz1);
    return [logits, [dw1, db1, dw2, db2]];
  };
  const lenetStep = (x2: Tensor2D, y1h: Tensor2D): [Tensor2D, Tensor[]] => {
    const [k1, c1, k2, c2, w3, b3, w4, b4, w5, b5] = params;
    const x = tf.reshape(x2, [B, 28, 28, 1]) as Tensor4D;
    const a1 = tf.add(tf.conv2d(x, k1 as Tensor4D, 1, "same"), c1) as Tensor4D;
    const r1 = tf.relu(a1), p1 = tf.maxPool(r1, 2, 2, "valid");
    const a2 = tf.add(tf.conv2d(p1, k2 as Tensor4D, 1, "valid"), c2) as Tensor4D;
    const r2 = tf.relu(a2), p2 = tf.maxPool(r2, 2, 2, "valid");
    const f = tf.reshape(p2, [B, 400]) as Tensor2D;
    const z3 = fc(f, w3, b3), r3 = tf.relu(z3);
    const z4 = fc(r3, w4, b4), r4 = tf.relu(z4);
    const logits = fc(r4, w5, b5);
    const dL = tf.div(tf.sub(tf.softmax(logits), y1h), B) as Tensor2D;
    const [dr4, dw5, db5] = fcBack(r4, w5, dL);
    const [dr3, dw4, db4] = fcBack(r3, w4, tf.mul(dr4, tf.step(z4)) as Tensor2D);
    const [df, dw3, db3] = fcBack(f, w3, tf.mul(dr3, tf.step(z3)) as Tensor2D);
    const dr2 = maxPoolGrad(tf.reshape(df, [B, 5, 5, 16]), r2, p2);
    const da2 = tf.mul(dr2, tf.step(a2)) as Tensor4D;
    const dk2 = filterGrad(p1, da2, [5, 5, 6, 16], "valid");
    const dp1 = tf.conv2dTranspose(da2, k2 as Tensor4D, [B, 14, 14, 6], 1, "valid");
    const da1 = tf.mul(maxPoolGrad(dp1, r1, p1), tf.step(a1)) as Tensor4D;
    const dk1 = filterGrad(x, da1, [5, 5, 1, 6], "same");
    const dc1 = tf.sum(da1, [0, 1, 2]), dc2 = tf.sum(da2, [0, 1, 2]);
    return [logits, [dk1, dc1, dk2, dc2, dw3, db3, dw4, db4, dw5, db5]];
  };

  const n = Math.floor(data.y.length / B);
  let cursor = 0, correct = 0, seen = 0;
  return {
    name: "tfjs-cpu",
    async step() {
      const i = cursor++ % n;
      const hit = tf.tidy(() => {
        const x = tf.tensor2d(data.x.subarray(i * B * 784, (i + 1) * B * 784), [B, 784]);
        const labels = tf.tensor1d(data.y.subarray(i * B, (i + 1) * B), "int32");
        const y1h = tf.oneHot(labels, 10) as Tensor2D;
        const [logits, grads] = (model === "mlp" ? mlpStep : lenetStep)(x, y1h);
        // tf.train.momentum's rule: m = mu * m + g; w -= lr * m.
        params.forEach((p, k) => {
          const m = tf.keep(tf.add(tf.mul(moms[k], MOMENTUM), grads[k]));
          moms[k].dispose();
          moms[k] = m;
          p.assign(tf.sub(p, tf.mul(m, LR)));
        });
        return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "int32"));
      });
      correct += (await hit.data())[0];
      seen += B;
      hit.dispose();
    },
    sync: () => Promise.resolve(),
    accuracy: () => correct / seen,
    dispose() {
      for (const t of [...params, ...moms]) t.dispose();
    },
  };
}

/**
 * The native backend's row against torch for `model`: ours and torch (1 and N threads)
 * in alternating chunks; undefined (with a printed reason) when torch cannot run.
 */
async function nativeVsTorch(
  peer: PeerPython,
  native: NonNullable<ReturnType<typeof loadNative>>,
  dir: string,
  model: Model,
): Promise<Row | undefined> {
  progress(`training: mxts native vs ${torchName(peer)} ${model}, interleaved...`);
  const torch = await torchTrainers(peer, dir, model, native.cores, native.openblas.coreType);
  if (typeof torch === "string") {
    progress(`training: torch skipped: ${torch}`);
    return undefined;
  }
  setCpuBackend(backendByName("native"));
  const configured = Number(native.openblas.threads) || native.cores;
  const counts = blasCounts(configured);
  let rates: number[];
  const ours: Trainer[] = [];
  try {
    for (const n of counts) {
      ours.push(withBlasThreads(await mxtsTrainer("mxts-native", model, dir), n));
    }
    rates = await measure([...ours, ...torch]);
    restoreBlas(configured);
    const sides = [...ours, ...torch];
    progress(
      `training: ${model}: ` + sides.map((x, k) => `${x.name} ${rates[k].toFixed(0)}`).join(", ") +
        ` samples/s (train accuracy so far ${ours[0].accuracy().toFixed(3)} / ` +
        `${torch[0].accuracy().toFixed(3)})`,
    );
  } finally {
    for (const x of [...ours, ...torch]) x.dispose();
    setCpuBackend(undefined);
  }
  const k = counts.length;
  return {
    section: "training: mxts native backend vs PyTorch (Fashion-MNIST, batch 256, SGD)",
    workload: NAMES[model],
    ours: Math.max(...rates.slice(0, k)),
    theirs: Math.max(...rates.slice(k)),
    sense: "throughput",
    target: model === "mlp" ? 1.0 : 0.8,
    oursName: "mxts-native",
    theirsName: torchName(peer, "best threads"),
    note: threadNote("mxts native", native, torch, counts),
  };
}

/** Runs the section. */
export async function run(): Promise<Row[]> {
  const dir = await findFashionMNIST();
  if (!dir) {
    progress(`training: skipped.\n${INSTALL_HINT}`);
    return [];
  }
  const rows: Row[] = [];
  const models: Model[] = ["mlp", "lenet"];

  // --- native vs torch ---
  const native = loadNative();
  if (!native) {
    progress("training: native rows skipped, the library is not built (tools/build_native.ts)");
  } else {
    const py = await peerWith("torch");
    if (typeof py === "string") progress(`training: torch rows skipped: ${py}`);
    else {
      for (const model of models) {
        const row = await nativeVsTorch(py, native, dir, model);
        if (row) rows.push(row);
      }
    }
  }

  // --- TS backend vs tfjs-cpu, interleaved in one process ---
  const tf = await loadTf();
  const trainSet = await readTrainSet(dir);
  for (const model of models) {
    progress(`training: mxts TS backend vs tfjs-cpu, ${model}...`);
    setCpuBackend(backendByName("ts"));
    try {
      const ours = await mxtsTrainer("mxts-ts", model, dir);
      const theirs = tfjsTrainer(tf, model, trainSet);
      const [a, b] = await measure([ours, theirs]);
      progress(
        `training: ${model}: mxts-ts ${a.toFixed(0)}, tfjs-cpu ${b.toFixed(0)} samples/s ` +
          `(train accuracy so far ${ours.accuracy().toFixed(3)} / ${theirs.accuracy().toFixed(3)})`,
      );
      ours.dispose(), theirs.dispose();
      rows.push({
        section: "training: mxts TS backend vs tfjs-backend-cpu (Fashion-MNIST, batch 256, SGD)",
        workload: NAMES[model],
        ours: a,
        theirs: b,
        sense: "throughput",
        target: 3,
        oursName: "mxts-ts",
        theirsName: "tfjs-cpu",
      });
    } finally {
      setCpuBackend(undefined);
    }
  }
  return rows;
}

if (import.meta.main) {
  const { renderTable } = await import("./_util.ts");
  console.log(renderTable(await run()));
}
