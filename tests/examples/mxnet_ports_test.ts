/**
 * The line-by-line ports of MXNet 1.9.1's example scripts (examples/mxnet/): each network
 * builds with the argument names, auxiliary states and shapes MXNet's script gives (the
 * expected names are read off the Python sources: `name + '_bn1'`, `'stage%d_unit%d'`,
 * `"conv%s_%s"`, ...), and a few training steps on small synthetic data lower the loss.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as resnet from "../../examples/mxnet/symbols/resnet.ts";
import * as vgg from "../../examples/mxnet/symbols/vgg.ts";
import * as lenet from "../../examples/mxnet/symbols/lenet.ts";
import * as alexnet from "../../examples/mxnet/symbols/alexnet.ts";
import * as inceptionBn from "../../examples/mxnet/symbols/inception-bn.ts";
import * as mnist from "../../examples/mxnet/gluon/mnist.ts";
import * as lstmCrf from "../../examples/mxnet/gluon/lstm_crf.ts";

/** The parameters of resnet.py's non-bottleneck `residual_unit` named `unit`, in graph order. */
function basicUnitArgs(unit: string, projection: boolean): string[] {
  const names = [
    `${unit}_bn1_gamma`,
    `${unit}_bn1_beta`,
    `${unit}_conv1_weight`,
    `${unit}_bn2_gamma`,
    `${unit}_bn2_beta`,
    `${unit}_conv2_weight`,
  ];
  return projection ? [...names, `${unit}_sc_weight`] : names;
}

Deno.test("resnet.py port: resnet-8 on 3x8x8 (CIFAR layout) has MXNet's arguments, auxiliary states and shapes", () => {
  const net = resnet.getSymbol(10, 8, "3,8,8");
  // (8 - 2) / 6 = 1 unit per stage, 3 stages, filters [16, 16, 32, 64], no bottleneck.
  assert.deepEqual(net.listArguments(), [
    "data",
    "bn_data_gamma",
    "bn_data_beta",
    "conv0_weight",
    ...basicUnitArgs("stage1_unit1", true),
    ...basicUnitArgs("stage2_unit1", true),
    ...basicUnitArgs("stage3_unit1", true),
    "bn1_gamma",
    "bn1_beta",
    "fc1_weight",
    "fc1_bias",
    "softmax_label",
  ]);
  assert.deepEqual(net.listAuxiliaryStates(), [
    "bn_data_moving_mean",
    "bn_data_moving_var",
    ...["stage1_unit1", "stage2_unit1", "stage3_unit1"].flatMap((u) => [
      `${u}_bn1_moving_mean`,
      `${u}_bn1_moving_var`,
      `${u}_bn2_moving_mean`,
      `${u}_bn2_moving_var`,
    ]),
    "bn1_moving_mean",
    "bn1_moving_var",
  ]);
  assert.deepEqual(net.listOutputs(), ["softmax_output"]);
  const { argShapes, outShapes, auxShapes } = net.inferShape({ data: [4, 3, 8, 8] });
  const shapes = Object.fromEntries(net.listArguments().map((n, i) => [n, argShapes[i]]));
  assert.deepEqual(shapes.conv0_weight, [16, 3, 3, 3]); // 3x3 stem: height <= 32
  assert.deepEqual(shapes.stage1_unit1_conv1_weight, [16, 16, 3, 3]);
  assert.deepEqual(shapes.stage2_unit1_conv1_weight, [32, 16, 3, 3]);
  assert.deepEqual(shapes.stage2_unit1_sc_weight, [32, 16, 1, 1]);
  assert.deepEqual(shapes.stage3_unit1_conv2_weight, [64, 64, 3, 3]);
  assert.deepEqual(shapes.fc1_weight, [10, 64]);
  assert.deepEqual(shapes.softmax_label, [4]);
  assert.deepEqual(outShapes, [[4, 10]]);
  assert.deepEqual(auxShapes[0], [3]);
  // stride 2 in stages 2 and 3: 8 -> 4 -> 2 before the global pool.
  const internals = net.getInternals();
  const inner = internals.inferShape({ data: [4, 3, 8, 8] }).outShapes;
  const at = (name: string) => inner[internals.listOutputs().indexOf(name)];
  assert.deepEqual(at("stage3_unit1_conv2_output"), [4, 64, 2, 2]);
  assert.deepEqual(at("pool1_output"), [4, 64, 1, 1]);
});

Deno.test("resnet.py port: resnet-18 on 3x32x32 and 3x224x224, resnet-50 with bottlenecks, as MXNet builds them", () => {
  mx.name.resetNames(); // a fresh NameManager, as in a new Python process
  const r18 = resnet.getSymbol(1000, 18, "3,224,224");
  const args = r18.listArguments();
  // 6 (data, bn_data, conv0, bn0) + 8 units x 6 + 4 projections + bn1, fc1, label.
  assert.equal(args.length, 63);
  assert.deepEqual(args.slice(0, 7), [
    "data",
    "bn_data_gamma",
    "bn_data_beta",
    "conv0_weight",
    "bn0_gamma",
    "bn0_beta",
    "stage1_unit1_bn1_gamma",
  ]);
  assert.deepEqual(args.slice(6, 6 + 13), [
    ...basicUnitArgs("stage1_unit1", true),
    ...basicUnitArgs("stage1_unit2", false),
  ]);
  assert.equal(r18.listAuxiliaryStates().length, 2 * (3 + 8 * 2));
  // The auto-named nodes get MXNet's names: one max pool, eight residual sums, one flatten.
  const outs = r18.getInternals().listOutputs();
  for (
    const n of [
      "id_output",
      "relu0_output",
      "pooling0_output",
      "_plus0_output",
      "_plus7_output",
      "flatten0_output",
    ]
  ) {
    assert.ok(outs.includes(n), `${n} among ${outs.length} internals`);
  }
  assert.ok(!outs.includes("_plus8_output"));
  const r = r18.inferShape({ data: [2, 3, 224, 224] });
  const shape = (name: string) => r.argShapes[args.indexOf(name)];
  assert.deepEqual(shape("conv0_weight"), [64, 3, 7, 7]); // the ImageNet stem
  assert.deepEqual(shape("stage4_unit2_conv2_weight"), [512, 512, 3, 3]);
  assert.deepEqual(shape("fc1_weight"), [1000, 512]);
  assert.deepEqual(r.outShapes, [[2, 1000]]);

  // Height 32 takes get_symbol's ImageNet branch (> 28) but resnet()'s 3x3 stem (<= 32).
  const small = resnet.getSymbol(10, 18, "3,32,32");
  const s = small.inferShape({ data: [1, 3, 32, 32] });
  assert.deepEqual(s.argShapes[small.listArguments().indexOf("conv0_weight")], [64, 3, 3, 3]);
  assert.ok(!small.listArguments().includes("bn0_gamma"));
  assert.deepEqual(s.outShapes, [[1, 10]]);

  const r50 = resnet.getSymbol(1000, 50, "3,224,224");
  const a50 = r50.listArguments();
  assert.equal(a50.length, 6 + 16 * 9 + 4 + 5);
  const i = a50.indexOf("stage1_unit1_bn1_gamma");
  assert.deepEqual(a50.slice(i, i + 10), [
    "stage1_unit1_bn1_gamma",
    "stage1_unit1_bn1_beta",
    "stage1_unit1_conv1_weight",
    "stage1_unit1_bn2_gamma",
    "stage1_unit1_bn2_beta",
    "stage1_unit1_conv2_weight",
    "stage1_unit1_bn3_gamma",
    "stage1_unit1_bn3_beta",
    "stage1_unit1_conv3_weight",
    "stage1_unit1_sc_weight",
  ]);
  const r5 = r50.inferShape({ data: [1, 3, 224, 224] });
  const shape50 = (name: string) => r5.argShapes[a50.indexOf(name)];
  assert.deepEqual(shape50("stage1_unit1_conv1_weight"), [64, 64, 1, 1]); // 256 * 0.25
  assert.deepEqual(shape50("stage1_unit1_sc_weight"), [256, 64, 1, 1]);
  assert.deepEqual(shape50("stage4_unit3_conv3_weight"), [2048, 512, 1, 1]);
  assert.deepEqual(shape50("fc1_weight"), [1000, 2048]);
  // ResNet-50's well-known size: 25.5 million learnable parameters (fc included).
  const learnable = a50.filter((n) => n !== "data" && n !== "softmax_label")
    .reduce((sum, n) => sum + shape50(n).reduce((p, d) => p * d, 1), 0);
  assert.ok(learnable > 25.4e6 && learnable < 25.7e6, `resnet-50 has ${learnable} parameters`);
});

Deno.test("resnet.py port: memonger marks every shortcut with MXNet's __mirror_stage__", () => {
  const body = resnet.residualUnit(mx.sym.Variable("data"), 16, [1, 1], false, "u1", {
    bottleNeck: false,
    memonger: true,
  });
  const net = resnet.residualUnit(body, 16, [1, 1], true, "u2", {
    bottleNeck: false,
    memonger: true,
  });
  const attrs = net.attrDict();
  assert.equal(attrs.u1_sc.__mirror_stage__, "True"); // the projection shortcut of u1
  assert.equal(attrs[body.name!].__mirror_stage__, "True"); // u2's identity shortcut: u1's sum
  assert.equal(attrs.u1_conv1.__mirror_stage__, undefined);
  assert.deepEqual(net.inferShape({ data: [1, 8, 4, 4] }).outShapes, [[1, 16, 4, 4]]);
});

Deno.test("resnet.py port: bad depths raise MXNet's ValueError message as an MXNetError", () => {
  assert.throws(() => resnet.getSymbol(10, 12, "3,28,28"), /no experiments done on num_layers 12/);
  assert.throws(() => resnet.getSymbol(10, 19, "3,224,224"), mx.MXNetError);
});

Deno.test("vgg.py port: VGG-11 and VGG-16 with BatchNorm have MXNet's arguments and shapes", () => {
  const v11 = vgg.getSymbol(1000, 11);
  const convs11 = ["1_1", "2_1", "3_1", "3_2", "4_1", "4_2", "5_1", "5_2"];
  assert.deepEqual(v11.listArguments(), [
    "data",
    ...convs11.flatMap((c) => [`conv${c}_weight`, `conv${c}_bias`]),
    "fc6_weight",
    "fc6_bias",
    "fc7_weight",
    "fc7_bias",
    "fc8_weight",
    "fc8_bias",
    "softmax_label",
  ]);
  assert.deepEqual(v11.listAuxiliaryStates(), []);
  const r = v11.inferShape({ data: [2, 3, 224, 224] });
  const shape = (n: string) => r.argShapes[v11.listArguments().indexOf(n)];
  assert.deepEqual(shape("conv1_1_weight"), [64, 3, 3, 3]);
  assert.deepEqual(shape("conv3_2_weight"), [256, 256, 3, 3]);
  assert.deepEqual(shape("fc6_weight"), [4096, 512 * 7 * 7]);
  assert.deepEqual(shape("fc8_weight"), [1000, 4096]);
  assert.deepEqual(r.outShapes, [[2, 1000]]);
  const outs = v11.getInternals().listOutputs();
  for (
    const n of ["relu5_2_output", "pool5_output", "flatten_output", "drop6_output", "drop7_output"]
  ) {
    assert.ok(outs.includes(n), n);
  }

  const v16 = vgg.getSymbol(10, 16, { batchNorm: true });
  const convs16 = [[1, 2], [2, 2], [3, 3], [4, 3], [5, 3]].flatMap(([i, n]) =>
    Array.from({ length: n }, (_, j) => `${i}_${j + 1}`)
  );
  const a16 = v16.listArguments();
  assert.deepEqual(
    a16.slice(1, 1 + 4 * convs16.length),
    convs16.flatMap((c) => [`conv${c}_weight`, `conv${c}_bias`, `bn${c}_gamma`, `bn${c}_beta`]),
  );
  assert.equal(v16.listAuxiliaryStates().length, 2 * 13);
  assert.deepEqual(v16.inferShape({ data: [1, 3, 32, 32] }).outShapes, [[1, 10]]);
  assert.throws(
    () => vgg.getSymbol(10, 12),
    /Invalide num_layers 12\. Possible choices are 11,13,16,19\./,
  );
});

/**
 * `n` images [3, size, size] in `classes` classes: class c brightens channel c % 3 in one
 * quadrant-sized patch of its own plus uniform noise (seeded), labels `i % classes`.
 */
function syntheticImages(
  n: number,
  size: number,
  classes: number,
  channels = 3,
): { data: mx.NDArray; label: mx.NDArray } {
  let s = 7;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const x = new Float32Array(n * channels * size * size), y = new Float32Array(n);
  const half = size / 2;
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    const [r0, c0] = [Math.floor(c / 2) % 2 * half, c % 2 * half];
    for (let ch = 0; ch < channels; ch++) {
      for (let h = 0; h < size; h++) {
        for (let w = 0; w < size; w++) {
          const inPatch = ch === c % channels && h >= r0 && h < r0 + half && w >= c0 &&
            w < c0 + half;
          x[((i * channels + ch) * size + h) * size + w] = rand() + (inPatch ? 1.5 : 0);
        }
      }
    }
  }
  return { data: mx.nd.array(x).reshape([n, channels, size, size]), label: mx.nd.array(y) };
}

/** Trains `symbol` with Module.fit and returns the training cross-entropy of each epoch. */
async function fitLosses(
  symbol: mx.sym.Symbol,
  epochs: number,
  lr: number,
  { size = 8, samples = 64, batchSize = 16, channels = 3 } = {},
): Promise<number[]> {
  mx.random.seed(3);
  const { data, label } = syntheticImages(samples, size, 4, channels);
  const iter = new mx.io.NDArrayIter({ data, label, batchSize, shuffle: true });
  const losses: number[] = [];
  const mod = new mx.mod.Module({ symbol, context: mx.cpu() });
  await mod.fit(iter, {
    evalMetric: "ce",
    numEpoch: epochs,
    optimizer: "sgd",
    optimizerParams: { learningRate: lr, momentum: 0.9 },
    initializer: new mx.init.Xavier({ rndType: "gaussian", factorType: "in", magnitude: 2 }),
    logger: (line) => {
      const m = /^Epoch\[(\d+)\] Train-cross-entropy=(\S+)$/.exec(line);
      if (m) losses[Number(m[1])] = Number(m[2]);
    },
  });
  iter.dispose();
  mod.dispose();
  return losses;
}

Deno.test("resnet.py port: Module.fit of resnet-8 on synthetic 3x8x8 images lowers the training loss", async () => {
  const losses = await fitLosses(resnet.getSymbol(4, 8, "3,8,8"), 4, 0.05);
  console.log(`resnet-8 training cross-entropy by epoch: ${losses.map((l) => l.toFixed(4))}`);
  assert.equal(losses.length, 4);
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  assert.ok(losses[0] > 0.9, `the first epoch starts near ln 4: ${losses}`);
  assert.ok(losses[3] < 0.5 * losses[0], `loss fell from ${losses[0]} to ${losses[3]}`);
});

Deno.test("vgg.py port: Module.fit of a small VGG (the port's get_feature/get_classifier) lowers the loss", async () => {
  // get_symbol's blocks are 64..512 channels and 4096-wide; the same functions at small sizes.
  const feature = vgg.getFeature(mx.sym.Variable("data"), [1, 1], [8, 16], true);
  const symbol = mx.sym.SoftmaxOutput({ data: vgg.getClassifier(feature, 4, 32), name: "softmax" });
  assert.deepEqual(symbol.listArguments().slice(0, 5), [
    "data",
    "conv1_1_weight",
    "conv1_1_bias",
    "bn1_1_gamma",
    "bn1_1_beta",
  ]);
  const losses = await fitLosses(symbol, 4, 0.05);
  console.log(`small VGG training cross-entropy by epoch: ${losses.map((l) => l.toFixed(4))}`);
  assert.equal(losses.length, 4);
  assert.ok(losses[3] < 0.7 * Math.log(4), `below chance level (ln 4) by a margin: ${losses}`);
  assert.ok(losses[3] < 0.5 * losses[0], `loss fell from ${losses[0]} to ${losses[3]}`);
});

Deno.test("gluon/mnist.py port: the Trainer loop on synthetic MNIST lowers the loss and learns the classes", async () => {
  mx.random.seed(5);
  const opt = mnist.parseArgs([
    "--synthetic",
    "500",
    "--batch-size",
    "50",
    "--epochs",
    "3",
    "--lr",
    "0.1",
  ]);
  assert.equal(opt.momentum, 0.9); // the Python's default
  const net = mnist.makeNet();
  const lines: string[] = [];
  const results = await mnist.train(net, mnist.loaders(opt), opt, mx.cpu(), {
    log: (l) => lines.push(l),
    paramsFile: null,
  });
  console.log(`MNIST MLP mean loss by epoch: ${results.map((r) => r.loss.toFixed(4))}`);
  assert.equal(results.length, 3);
  assert.ok(results[0].loss > 1, `first epoch loss ${results[0].loss}`);
  assert.ok(
    results[2].loss < 0.3 * results[0].loss,
    `loss fell from ${results[0].loss} to ${results[2].loss}`,
  );
  assert.ok(results[2].valAccuracy > 0.9, `validation accuracy ${results[2].valAccuracy}`);
  assert.match(lines[0], /^\[Epoch 0\] Training: accuracy=0\.\d{6} loss=\d+\.\d{6}$/);
  // The Sequential's layers carry MXNet's Gluon names under name_scope.
  const names = [...net.collectParams().keys()];
  const seq = /^(sequential\d+_)dense0_weight$/.exec(names[0])?.[1];
  assert.ok(seq, `first parameter ${names[0]}`);
  assert.deepEqual(
    names,
    ["dense0", "dense1", "dense2"].flatMap((d) => [`${seq}${d}_weight`, `${seq}${d}_bias`]),
  );
  assert.throws(() => mnist.parseArgs(["--bogus"]), /mnist: unknown argument --bogus/);
});

Deno.test("inception-bn.py port: both variants have MXNet's arguments, concat names and shapes", () => {
  mx.name.resetNames(); // the classifier is auto-named: fullyconnected0 in a fresh process
  const big = inceptionBn.getSymbol(1000, "3,224,224");
  const args = big.listArguments();
  // 69 ConvFactory calls (3 in the stem, 7 per module A x 8, 5 per module B x 2), 4 parameters each.
  assert.equal(args.length, 1 + 69 * 4 + 2 + 1);
  const conv = (
    id: string,
  ) => [`conv_${id}_weight`, `conv_${id}_bias`, `bn_${id}_gamma`, `bn_${id}_beta`];
  const at = args.indexOf("conv_3a_1x1_weight");
  assert.deepEqual(
    args.slice(at, at + 28),
    [
      "3a_1x1",
      "3a_3x3_reduce",
      "3a_3x3",
      "3a_double_3x3_reduce",
      "3a_double_3x3_0",
      "3a_double_3x3_1",
      "3a_proj",
    ]
      .flatMap(conv),
  );
  assert.deepEqual(args.slice(-3), [
    "fullyconnected0_weight",
    "fullyconnected0_bias",
    "softmax_label",
  ]);
  const outs = big.getInternals().listOutputs();
  for (
    const n of [
      "avg_pool_3a_pool_output",
      "max_pool_5b_pool_output",
      "max_pool_3c_pool_output",
      "ch_concat_4e_chconcat_output",
      "global_pool_output",
      "flatten0_output",
    ]
  ) {
    assert.ok(outs.includes(n), n);
  }
  const r = big.inferShape({ data: [2, 3, 224, 224] });
  assert.deepEqual(r.argShapes[args.indexOf("fullyconnected0_weight")], [1000, 1024]); // 352+320+224+128
  assert.deepEqual(r.argShapes[args.indexOf("conv_4e_double_3x3_1_weight")], [256, 256, 3, 3]);
  assert.deepEqual(r.outShapes, [[2, 1000]]);
  assert.equal(big.listAuxiliaryStates().length, 69 * 2);

  mx.name.resetNames();
  const small = inceptionBn.getSymbol(10, "3,28,28");
  const a = small.listArguments();
  assert.equal(a.length, 1 + 19 * 4 + 2 + 1);
  assert.deepEqual(a.slice(1, 13), ["1", "in3a_1x1", "in3a_3x3"].flatMap(conv));
  const s = small.inferShape({ data: [1, 3, 28, 28] });
  assert.deepEqual(s.argShapes[a.indexOf("fullyconnected0_weight")], [10, 336]); // 176 + 160
  assert.deepEqual(s.argShapes[a.indexOf("conv_in3c_conv_weight")], [80, 80, 3, 3]); // in3b: 32 + 48
  assert.deepEqual(s.outShapes, [[1, 10]]);
});

Deno.test("inception-bn.py port: Module.fit of the 28 px variant on synthetic images lowers the loss", async () => {
  const losses = await fitLosses(inceptionBn.getSymbol(4, "3,28,28"), 2, 0.05, {
    size: 28,
    samples: 32,
    batchSize: 8,
  });
  console.log(
    `inception-bn (28 px) training cross-entropy by epoch: ${losses.map((l) => l.toFixed(4))}`,
  );
  assert.equal(losses.length, 2);
  assert.ok(losses[1] < 0.5 * losses[0], `loss fell from ${losses[0]} to ${losses[1]}`);
});

Deno.test("lenet.py port: MXNet's automatic names, the spatial transformer variant, and Module.fit lowering the loss", async () => {
  mx.name.resetNames();
  const net = lenet.getSymbol(4);
  const layers = ["convolution0", "convolution1", "fullyconnected0", "fullyconnected1"];
  assert.deepEqual(net.listArguments(), [
    "data",
    ...layers.flatMap((l) => [`${l}_weight`, `${l}_bias`]),
    "softmax_label",
  ]);
  const r = net.inferShape({ data: [2, 1, 28, 28] });
  assert.deepEqual(r.argShapes.slice(1, 9), [
    [20, 1, 5, 5],
    [20],
    [50, 20, 5, 5],
    [50],
    [500, 800],
    [500],
    [4, 500],
    [4],
  ]);
  assert.deepEqual(r.outShapes, [[2, 4]]);

  mx.name.resetNames();
  const stn = lenet.getSymbol(10, { addStn: true });
  const a = stn.listArguments();
  assert.deepEqual(a.slice(0, 7), [
    "data",
    "convolution0_weight",
    "convolution0_bias",
    "convolution1_weight",
    "convolution1_bias",
    "stn_loc_weight",
    "stn_loc_bias",
  ]);
  const s = stn.inferShape({ data: [2, 1, 28, 28] });
  assert.deepEqual(s.argShapes[a.indexOf("stn_loc_weight")], [6, 60]);
  assert.deepEqual(s.argShapes[a.indexOf("convolution2_weight")], [20, 1, 5, 5]);
  // get_loc's attr={'lr_mult':'0.01'}: MXNet stores it as __lr_mult__ on the layer and on the
  // weight and bias it creates, where the optimizer reads it.
  const attrs = stn.attrDict();
  for (const n of ["stn_loc", "stn_loc_weight", "stn_loc_bias"]) {
    assert.equal(attrs[n].__lr_mult__, "0.01", n);
  }
  assert.equal(attrs.convolution0_weight.__lr_mult__, undefined);
  assert.deepEqual(s.outShapes, [[2, 10]]);

  const losses = await fitLosses(net, 3, 0.05, {
    size: 28,
    samples: 32,
    batchSize: 8,
    channels: 1,
  });
  console.log(`lenet training cross-entropy by epoch: ${losses.map((l) => l.toFixed(4))}`);
  assert.equal(losses.length, 3);
  assert.ok(losses[2] < 0.5 * losses[0], `loss fell from ${losses[0]} to ${losses[2]}`);
});

Deno.test("alexnet.py port: MXNet's names for named and automatic layers, LRN, and shapes on 224 px", () => {
  mx.name.resetNames();
  const net = alexnet.getSymbol(1000);
  assert.deepEqual(net.listArguments(), [
    "data",
    ...["conv1", "conv2", "conv3", "conv4", "conv5", "fc1", "fc2", "fc3"].flatMap((
      l,
    ) => [`${l}_weight`, `${l}_bias`]),
    "softmax_label",
  ]);
  const outs = net.getInternals().listOutputs();
  for (
    const n of [
      "activation0_output",
      "lrn0_output",
      "lrn1_output",
      "pooling2_output",
      "flatten0_output",
      "dropout1_output",
      "activation6_output",
    ]
  ) {
    assert.ok(outs.includes(n), n);
  }
  const r = net.inferShape({ data: [1, 3, 224, 224] });
  const shape = (n: string) => r.argShapes[net.listArguments().indexOf(n)];
  assert.deepEqual(shape("conv1_weight"), [96, 3, 11, 11]);
  assert.deepEqual(shape("conv2_weight"), [256, 96, 5, 5]);
  assert.deepEqual(shape("fc1_weight"), [4096, 256 * 5 * 5]); // 224 -> 54 -> 26 -> 12 -> 5
  assert.deepEqual(r.outShapes, [[1, 1000]]);
});

Deno.test("the ported symbols survive Symbol JSON (what MXNet's checkpoints save) with their names and shapes", () => {
  const nets: [string, mx.sym.Symbol, number[]][] = [
    ["resnet-18", resnet.getSymbol(10, 18, "3,32,32"), [1, 3, 32, 32]],
    ["resnet-50", resnet.getSymbol(10, 50, "3,224,224"), [1, 3, 224, 224]],
    ["vgg-16-bn", vgg.getSymbol(10, 16, { batchNorm: true }), [1, 3, 32, 32]],
    ["inception-bn", inceptionBn.getSymbol(10, "3,224,224"), [1, 3, 224, 224]],
    ["lenet-stn", lenet.getSymbol(10, { addStn: true }), [1, 1, 28, 28]],
    ["alexnet", alexnet.getSymbol(10), [1, 3, 224, 224]],
  ];
  for (const [name, net, data] of nets) {
    const json = net.toJSON();
    const back = mx.sym.loadJSON(json);
    assert.deepEqual(back.listArguments(), net.listArguments(), name);
    assert.deepEqual(back.listAuxiliaryStates(), net.listAuxiliaryStates(), name);
    assert.deepEqual(back.inferShape({ data }), net.inferShape({ data }), name);
    assert.equal(back.toJSON(), json, `${name}: JSON is stable`);
  }
});

Deno.test("gluon/lstm_crf.py port: the BiLSTM-CRF's negative log likelihood falls on the script's toy data", () => {
  mx.random.seed(1);
  const word2idx = lstmCrf.makeWord2Idx(lstmCrf.trainingData);
  assert.equal(Object.keys(word2idx).length, 11 + 6); // "georgia" appears twice
  const model = new lstmCrf.BiLSTM_CRF(
    Object.keys(word2idx).length,
    lstmCrf.tag2idx,
    lstmCrf.EMBEDDING_DIM,
    lstmCrf.HIDDEN_DIM,
  );
  model.initialize(new mx.init.Xavier({ magnitude: 2.24 }), { ctx: mx.cpu() });
  const names = [...model.collectParams().keys()];
  assert.ok(names.some((n) => /^bilstm_crf\d+_crf_transition_matrix$/.test(n)), names.join(", "));
  assert.deepEqual(model.transitions.shape, [5, 5]);

  // The partition function bounds every path's score: NLL > 0 for each sentence.
  const sentence = lstmCrf.prepareSequence(lstmCrf.trainingData[1][0], word2idx);
  const tags = mx.nd.array(lstmCrf.trainingData[1][1].map((t) => lstmCrf.tag2idx[t]));
  assert.ok((model.negLogLikelihood(sentence, tags).dataSync()[0] as number) > 0);

  const history = lstmCrf.train(model, word2idx, 20, () => {});
  console.log(
    `BiLSTM-CRF mean NLL, epochs 1 and 20: ${history[0].toFixed(4)}, ${history[19].toFixed(4)}`,
  );
  assert.equal(history.length, 20);
  assert.ok(history[19] < 0.7 * history[0], `NLL fell from ${history[0]} to ${history[19]}`);
  // Viterbi decoding gives one real tag (not START/STOP) per word.
  const [score, path] = model.forward(sentence);
  assert.equal(path.length, 7);
  assert.ok(path.every((t) => t >= 0 && t <= 2), `path ${path}`);
  assert.ok(Number.isFinite(score.dataSync()[0] as number));
});
