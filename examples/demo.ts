/**
 * The main demo: the seed document's NDArray walk-through, then its one-variable linear
 * regression (y = 5x + noise) trained with NDArray operations and autograd.
 *
 *   deno task demo
 */
import * as mx from "../mod.ts";

const show = async (label: string, a: mx.NDArray) =>
  console.log(label.padEnd(28), JSON.stringify(await a.array()));

console.log("== NDArray ==");
const a = mx.nd.ones([2, 3]).mul(2);
const b = mx.nd.ones([2, 3]).mul(4);
await show("a = ones(2,3) * 2", a);
await show("b = ones(2,3) * 4", b);
await show("a + b", a.add(b));
await show("a * b", a.mul(b));
await show("dot(a, b.T)", mx.nd.dot(a, b, { transposeB: true }));
await show("softmax(arange(3))", mx.nd.arange(3).softmax());

const file = await Deno.makeTempFile({ suffix: ".params" });
await mx.nd.save(file, { a, b });
const loaded = await mx.nd.load(file) as Record<string, mx.NDArray>;
await show("load(save({a, b})).b", loaded.b);
await Deno.remove(file);

console.log("\n== Linear regression with autograd (seed: y = 5x + noise) ==");
mx.random.seed(42);
const n = 100;
const x = mx.nd.linspace(-1, 1, n).reshape([n, 1]);
const y = x.mul(5).add(mx.nd.random.normal(0, 0.5, [n, 1]));
const w = mx.nd.zeros([1, 1]);
const bias = mx.nd.zeros([1]);
w.attachGrad();
bias.attachGrad();
const lr = 0.1;
for (let epoch = 0; epoch < 100; epoch++) {
  mx.nd.scope(() => {
    const loss = mx.autograd.record(() => {
      const pred = x.dot(w).add(bias);
      return pred.sub(y).square().mean();
    });
    loss.backward();
    w.subInPlace(w.grad!.mul(lr));
    bias.subInPlace(bias.grad!.mul(lr));
    if (epoch % 25 === 0 || epoch === 99) {
      console.log(
        `epoch ${String(epoch).padStart(3)}  mse ${Number(loss.dataSync()[0]).toFixed(4)}`,
      );
    }
  });
}
console.log(
  `learned w = ${(await w.asScalar()).toFixed(3)} (true 5), b = ${
    (await bias.asScalar()).toFixed(3)
  }`,
);
