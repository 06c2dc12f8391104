/**
 * End to end: a folder tree of generated images (a shape per class) packed by im2rec, read
 * by ImageRecordIter, learned by a small CNN through Module.fit, scored on held-out images.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { makeList, packList } from "../../tools/im2rec.ts";

const S = 16;

/** White shape of class `cls` (0 square outline, 1 plus, 2 diagonal) at a random place, on noise. */
function drawShape(cls: number, rand: () => number): Uint8Array {
  const px = new Uint8Array(S * S * 3);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(rand() * 60);
  const size = 6 + Math.floor(rand() * 4);
  const x0 = Math.floor(rand() * (S - size)), y0 = Math.floor(rand() * (S - size));
  const colour = [150 + Math.floor(rand() * 100), 150 + Math.floor(rand() * 100), 200];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const mid = size >> 1;
      const on = cls === 0
        ? y === 0 || x === 0 || y === size - 1 || x === size - 1
        : cls === 1
        ? y === mid || x === mid
        : x === y;
      if (on) px.set(colour, 3 * ((y0 + y) * S + x0 + x));
    }
  }
  return px;
}

function writeSplit(root: string, perClass: number, rand: () => number): void {
  ["a_square", "b_plus", "c_diagonal"].forEach((name, cls) => {
    Deno.mkdirSync(`${root}/${name}`, { recursive: true });
    for (let k = 0; k < perClass; k++) {
      const img = mx.nd.array(drawShape(cls, rand), { shape: [S, S, 3] });
      Deno.writeFileSync(`${root}/${name}/${k}.png`, mx.image.imencode(img, ".png"));
      img.dispose();
    }
  });
}

Deno.test("a CNN trained from an im2rec .rec through ImageRecordIter and Module.fit learns the classes", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    let s = 12345;
    const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
    writeSplit(`${dir}/train`, 60, rand);
    writeSplit(`${dir}/test`, 20, rand);
    for (const split of ["train", "test"]) {
      makeList(`${dir}/${split}`, `${dir}/${split}`, { recursive: true, shuffle: true });
      packList(`${dir}/${split}.lst`, `${dir}/${split}`, { encoding: ".png" });
    }
    const iter = (split: string, shuffle: boolean) =>
      new mx.io.ImageRecordIter({
        pathImgrec: `${dir}/${split}.rec`,
        dataShape: [3, S, S],
        batchSize: 20,
        shuffle,
        scale: 1 / 255,
      });
    mx.random.seed(3);
    let net = mx.sym.Variable("data");
    net = mx.sym.Convolution({
      data: net,
      kernel: [3, 3],
      pad: [1, 1],
      numFilter: 8,
      name: "conv1",
    });
    net = mx.sym.Activation({ data: net, actType: "relu" });
    net = mx.sym.Pooling({ data: net, poolType: "max", kernel: [2, 2], stride: [2, 2] });
    net = mx.sym.Convolution({
      data: net,
      kernel: [3, 3],
      pad: [1, 1],
      numFilter: 16,
      name: "conv2",
    });
    net = mx.sym.Activation({ data: net, actType: "relu" });
    net = mx.sym.Pooling({ data: net, poolType: "max", kernel: [2, 2], stride: [2, 2] });
    net = mx.sym.Flatten({ data: net });
    net = mx.sym.FullyConnected({ data: net, numHidden: 3, name: "fc" });
    net = mx.sym.SoftmaxOutput({ data: net, name: "softmax" });
    const mod = new mx.mod.Module({ symbol: net });
    await mod.fit(iter("train", true), {
      numEpoch: 25,
      optimizer: "adam",
      optimizerParams: { learningRate: 0.01 },
      initializer: new mx.init.Xavier(),
      logger: null,
    });
    const [[, acc]] = await mod.score(iter("test", false), "acc");
    assert.ok(acc >= 0.9, `held-out accuracy ${acc}`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
