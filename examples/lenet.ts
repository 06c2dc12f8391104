/**
 * LeNet-5 (conv 6@5x5 -> pool -> conv 16@5x5 -> pool -> 120 -> 84 -> 10, ReLU, max
 * pooling) on Fashion-MNIST with `mx.mod.Module`, SGD with momentum, batch 256. Prints
 * per-epoch progress and test accuracy (target: at least 88%) and writes
 * examples/out/lenet_curves.png, lenet_predictions.png and lenet_report.md.
 *
 *   deno run -A examples/lenet.ts [DIR] [--epochs N]
 * @module
 */
import * as mx from "../mod.ts";
import { backendFor } from "../backends/mod.ts";
import { findFashionMNIST, INSTALL_HINT, lenet } from "./_fashion.ts";
import { LENET, report, run } from "./demo.ts";

async function main(args: string[]): Promise<number> {
  const at = args.indexOf("--epochs");
  const epochs = at >= 0 ? Number(args[at + 1]) : LENET.epochs;
  const dirArg = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--epochs");
  const dir = await findFashionMNIST(dirArg);
  if (!dir) {
    console.log(`${INSTALL_HINT}\nNothing to train.`);
    return 0;
  }
  const result = await run("LeNet-5", "lenet", lenet(), dir, { ...LENET, epochs });
  const md = report([result], backendFor(mx.cpu()).name).replace(
    "# mxts demo: Fashion-MNIST",
    "# mxts example: LeNet-5 on Fashion-MNIST",
  );
  await Deno.writeTextFile(new URL("./out/lenet_report.md", import.meta.url), md);
  console.log("Wrote examples/out/lenet_report.md");
  if (result.testAccuracy < 0.88) {
    console.error(`LeNet test accuracy ${(100 * result.testAccuracy).toFixed(2)}% is below 88%`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
