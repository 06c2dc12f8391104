/**
 * The d2l examples (examples/d2l/) on small Fashion-MNIST subsets: each trains for real and
 * the assertions are on what it learned. Skipped, saying why, without Fashion-MNIST.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose } from "../_harness.ts";
import { findFashionMNIST } from "../../examples/_fashion.ts";
import {
  gluonStep,
  loadDataFashionMnist,
  parseOptions,
  type RunResult,
} from "../../examples/d2l/_d2l.ts";
import * as linreg from "../../examples/d2l/linear_regression.ts";
import * as softmax from "../../examples/d2l/softmax_regression.ts";
import * as mlp from "../../examples/d2l/mlp.ts";
import * as lenet from "../../examples/d2l/lenet.ts";
import { vgg } from "../../examples/d2l/vgg.ts";
import { resnet18 } from "../../examples/d2l/resnet.ts";
import * as dataParallel from "../../examples/d2l/data_parallel.ts";
import * as hybridExport from "../../examples/d2l/hybridize_export.ts";

const DIR = await findFashionMNIST();
if (!DIR) console.log("d2l example tests skipped: Fashion-MNIST is not installed");

/** A test that needs the data, or an ignored one whose name says it is missing. */
function dataTest(name: string, fn: (dir: string) => Promise<void>): void {
  if (DIR) Deno.test(name, () => fn(DIR));
  else Deno.test({ name: `${name} (Fashion-MNIST not installed)`, ignore: true, fn() {} });
}

/** Arguments for a quick, silent run of an example. */
const quick = (...args: string[]) => [...args, "--quiet", "--no-plot"];

function losses(r: RunResult | undefined): number[] {
  assert.ok(r, "the example found no data");
  return r.history.map((h) => h.trainLoss);
}

Deno.test("d2l options: defaults, overrides and clear errors", () => {
  const d = { epochs: 10, batchSize: 256, lr: 0.1 };
  const o = parseOptions(["--epochs", "2", "--limit", "500", "--lr", "0.5", "--quiet"], d);
  assert.deepEqual([o.epochs, o.batchSize, o.lr, o.limit, o.quiet, o.plot], [
    2,
    256,
    0.5,
    500,
    true,
    true,
  ]);
  assert.throws(
    () => parseOptions(["--epochs", "0"], d),
    /--epochs needs a positive integer, got 0/,
  );
  assert.throws(() => parseOptions(["--limit", "1.5"], d), /--limit needs a positive integer/);
  assert.throws(() => parseOptions(["--epoch", "3"], d), /unknown argument --epoch/);
});

Deno.test("d2l linear regression: scratch and Gluon recover w = [2, -3.4], b = 4.2", async () => {
  const r = await linreg.main(quick("--epochs", "3"));
  for (const fit of [r.scratch, r.concise]) {
    assert.equal(fit.losses.length, 3);
    assert.ok(fit.losses[2] < fit.losses[0], `losses ${fit.losses}`);
    // The noise has sigma 0.01: the best loss is about 0.01^2 / 2.
    assert.ok(fit.losses[2] < 1e-3, `final loss ${fit.losses[2]}`);
    assertClose(fit.w, r.trueW, { atol: 0.01, rtol: 0 });
    assertClose([fit.b], [r.trueB], { atol: 0.01, rtol: 0 });
  }
});

dataTest("d2l softmax regression: 2,000 images, 2 epochs, loss falls, beats chance", async () => {
  const r = await softmax.main(quick("--limit", "2000", "--epochs", "2", "--batch-size", "64"));
  const l = losses(r);
  assert.ok(l[1] < l[0], `losses ${l}`);
  assert.ok(r!.history[1].testAcc > 0.45, `test accuracy ${r!.history[1].testAcc}`);
});

dataTest("d2l MLP: 2,000 images, 2 epochs, loss falls, beats chance", async () => {
  const r = await mlp.main(quick("--limit", "2000", "--epochs", "2", "--batch-size", "64"));
  const l = losses(r);
  assert.ok(l[1] < l[0], `losses ${l}`);
  assert.ok(r!.history[1].testAcc > 0.45, `test accuracy ${r!.history[1].testAcc}`);
});

/** Trains `net` for `steps` on one batch of 32 training images; returns the losses. */
async function fitOneBatch(
  dir: string,
  net: mx.gluon.nn.HybridSequential,
  lr: number,
  steps: number,
): Promise<number[]> {
  const { trainIter } = loadDataFashionMnist(dir, 32, { limit: 32 });
  mx.random.seed(0);
  net.initialize(new mx.init.Xavier());
  net.hybridize();
  const loss = new mx.gluon.loss.SoftmaxCrossEntropyLoss();
  const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", { learningRate: lr });
  const step = gluonStep(net, loss, trainer);
  const out: number[] = [];
  for await (const [X, y] of trainIter) {
    for (let s = 0; s < steps; s++) {
      const r = mx.nd.scope(() => step(X, y));
      out.push(await r.lossSum.item() / 32);
      r.lossSum.dispose();
      r.correct.dispose();
    }
    X.dispose();
    y.dispose();
  }
  net.dispose();
  return out;
}

dataTest("d2l sigmoid LeNet: fits one batch at lr 0.9 (the loss leaves ln 10)", async (dir) => {
  // Sigmoid LeNet learns slowly (the book's first epoch stays at chance): on one batch its
  // loss goes from about 2.9 to 2.16 in 30 steps, below ln(10) = 2.30 where it starts out.
  const l = await fitOneBatch(dir, lenet.lenet(), 0.9, 30);
  assert.ok(l.every(Number.isFinite));
  assert.ok(l[29] < 2.25 && l[29] < l[0] - 0.3, `losses ${l}`);
});

dataTest("d2l small VGG: fits one batch (the loss falls despite dropout)", async (dir) => {
  const l = await fitOneBatch(dir, vgg(), 0.1, 20);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(l.every(Number.isFinite));
  assert.ok(mean(l.slice(15)) < mean(l.slice(0, 5)) - 0.05, `losses ${l}`);
});

dataTest("d2l ResNet-18: fits one batch (the loss falls to a quarter in 8 steps)", async (dir) => {
  const l = await fitOneBatch(dir, resnet18(), 0.02, 8);
  assert.ok(l.every(Number.isFinite));
  assert.ok(l[7] < 0.25 * l[0], `losses ${l}`);
});

dataTest(
  "d2l data parallel: two contexts train as one, to float32 rounding (same seed and batches)",
  async () => {
    const args = quick("--limit", "1000", "--epochs", "2", "--batch-size", "64");
    const two = await dataParallel.main(args);
    const one = await mlp.main(args);
    // The Trainer sums the two halves' gradients: the same update as the whole batch on one
    // context, up to float32 rounding.
    assertClose(losses(two), losses(one), { rtol: 1e-4 });
    assertClose(two!.history.map((h) => h.testAcc), one!.history.map((h) => h.testAcc), {
      atol: 0.002,
    });
    assert.ok(two!.history[1].testAcc > 0.3, `test accuracy ${two!.history[1].testAcc}`);
  },
);

dataTest(
  "d2l hybridize + export: SymbolBlock.imports predicts exactly as the trained net",
  async () => {
    const out = await Deno.makeTempDir();
    try {
      const r = await hybridExport.main(
        quick("--limit", "2000", "--epochs", "2", "--batch-size", "64", "--out", out),
      );
      assert.ok(r);
      assert.deepEqual(r.files, [`${out}/mlp-symbol.json`, `${out}/mlp-0002.params`]);
      const symbol = JSON.parse(await Deno.readTextFile(r.files[0]));
      assert.ok(symbol.nodes.some((n: { op: string }) => n.op === "FullyConnected"));
      assert.equal(r.comparison.count, 2000);
      assert.equal(r.comparison.classMismatches, 0);
      assert.ok(r.comparison.maxAbsDiff <= 1e-6, `largest difference ${r.comparison.maxAbsDiff}`);
      assert.equal(r.comparison.importedAcc, r.history[1].testAcc);
      assert.ok(r.comparison.importedAcc > 0.3, `accuracy ${r.comparison.importedAcc}`);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
);
