/**
 * gluon.rnn: the fused layers equal the cells unrolled with the same weights (every mode,
 * stacked, bidirectional, sequence lengths, both layouts), hybridized layers equal
 * imperative ones (outputs and gradients), parameters save and load under MXNet's names,
 * the modifier cells, and bad input.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, randomValues, values } from "../_harness.ts";

const { rnn } = mx.gluon;
type NDArray = mx.NDArray;

const KINDS = [
  {
    name: "RNN",
    layer: (h: number, o: object) => new rnn.RNN(h, o),
    cell: (h: number) => new rnn.RNNCell(h),
  },
  {
    name: "LSTM",
    layer: (h: number, o: object) => new rnn.LSTM(h, o),
    cell: (h: number) => new rnn.LSTMCell(h),
  },
  {
    name: "GRU",
    layer: (h: number, o: object) => new rnn.GRU(h, o),
    cell: (h: number) => new rnn.GRUCell(h),
  },
] as const;

const rand = (shape: number[], seed: number) =>
  mx.nd.array(randomValues(shape.reduce((a, b) => a * b, 1), seed), { shape });

/** Two bidirectional layers of cells carrying the layer's weights. */
function cellsLike(
  layer: mx.gluon.rnn.RecurrentLayer,
  cell: (h: number) => mx.gluon.rnn.RecurrentCell,
) {
  const stack = new rnn.SequentialRNNCell();
  const params = layer.collectParams();
  const byStructure = new Map(
    [...params.values()].map((p) => [p.name.slice(layer.prefix.length), p] as const),
  );
  for (let l = 0; l < 2; l++) {
    const dirs = [cell(4), cell(4)];
    stack.add(new rnn.BidirectionalCell(dirs[0], dirs[1]));
  }
  stack.initialize();
  for (let l = 0; l < 2; l++) {
    const bi = stack.at(l) as mx.gluon.rnn.BidirectionalCell;
    [bi.lCell, bi.rCell].forEach((c, d) => {
      const g = c as unknown as Record<string, mx.gluon.Parameter>;
      for (
        const [prop, kind] of [
          ["i2hWeight", "i2h_weight"],
          ["h2hWeight", "h2h_weight"],
          ["i2hBias", "i2h_bias"],
          ["h2hBias", "h2h_bias"],
        ]
      ) {
        const src = byStructure.get(`${d === 0 ? "l" : "r"}${l}_${kind}`)!;
        g[prop].shape = src.shape;
        g[prop].initialize(undefined, { forceReinit: true });
        g[prop].setData(src.data());
      }
    });
  }
  return stack;
}

for (const kind of KINDS) {
  for (const withLengths of [false, true]) {
    Deno.test(
      `gluon.rnn.${kind.name}: 2 bidirectional layers equal the unrolled cells` +
        (withLengths ? " with validLength" : ""),
      async () => {
        const layer = kind.layer(4, {
          numLayers: 2,
          bidirectional: true,
          useSequenceLength: withLengths,
        });
        layer.initialize(new mx.init.Uniform(0.5));
        const x = rand([5, 3, 3], 1);
        const begin = layer.beginState(3).map((s, i) => rand(s.shape as number[], 10 + i));
        const lengths = mx.nd.array([5, 2, 4]);
        const [y, states] = withLengths
          ? layer.forward(x, begin, lengths)
          : layer.forward(x, begin);
        const stack = cellsLike(layer, kind.cell);
        // The layer's states are [L*D, N, H] per kind (h, then c); the cells' are per cell.
        const perKind = begin.length;
        const cellBegin: NDArray[] = [];
        for (let i = 0; i < 4; i++) {
          for (let k = 0; k < perKind; k++) cellBegin.push(begin[k].get(i) as NDArray);
        }
        const [out, cellStates] = stack.unroll(5, x, {
          layout: "TNC",
          beginState: cellBegin,
          mergeOutputs: true,
          ...(withLengths ? { validLength: lengths } : {}),
        });
        assertClose(await values(out), await values(y), { rtol: 1e-5, atol: 1e-5, msg: "outputs" });
        for (let i = 0; i < 4; i++) {
          for (let k = 0; k < perKind; k++) {
            assertClose(
              await values(cellStates[i * perKind + k]),
              await values(states[k].get(i) as NDArray),
              { rtol: 1e-5, atol: 1e-5, msg: `state ${k} of layer/direction ${i}` },
            );
          }
        }
        layer.dispose();
        stack.dispose();
      },
    );
  }
}

Deno.test("gluon.rnn layers: NTC layout, deferred input size, states returned only when given", async () => {
  const layer = new rnn.GRU(3, { layout: "NTC" });
  layer.initialize();
  assert.equal(String(layer), "GRU(None -> 3, NTC)");
  const x = rand([2, 4, 5], 3);
  const y = layer.forward(x) as NDArray;
  assert.deepEqual(y.shape, [2, 4, 3]);
  assert.equal(String(layer), "GRU(5 -> 3, NTC)");
  // The same as TNC on the swapped input.
  const tnc = new rnn.GRU(3, { params: layer.collectParams() });
  const z = tnc.forward(x.swapaxes(0, 1)) as NDArray;
  assertClose(await values(z.swapaxes(0, 1)), await values(y));
  const [, states] = layer.forward(x, layer.beginState(2));
  assert.deepEqual(states.map((s: NDArray) => s.shape), [[1, 2, 3]]);
  layer.dispose();
});

Deno.test("gluon.rnn.LSTM hybridized equals imperative: outputs, states and gradients", async () => {
  const run = async (hybrid: boolean) => {
    mx.random.seed(5);
    const layer = new rnn.LSTM(4, { numLayers: 2, bidirectional: true, inputSize: 3 });
    layer.initialize(new mx.init.Uniform(0.3));
    if (hybrid) layer.hybridize();
    const x = rand([5, 2, 3], 7);
    const begin = layer.beginState(2);
    const result: number[][] = [];
    for (let call = 0; call < 2; call++) {
      const [y, [h, c]] = mx.autograd.record(() => layer.forward(x, begin));
      mx.autograd.backward([y, h, c]);
      result.push(await values(y), await values(h), await values(c));
    }
    for (const p of layer.collectParams().values()) result.push(await values(p.grad()));
    layer.dispose();
    return result;
  };
  const imperative = await run(false);
  const hybrid = await run(true);
  assert.equal(hybrid.length, imperative.length);
  hybrid.forEach((v, i) => assertClose(v, imperative[i], { rtol: 1e-5, atol: 1e-6 }));
});

Deno.test("gluon.rnn.LSTM saves MXNet's parameter names and loads them back", async () => {
  const layer = new rnn.LSTM(3, { numLayers: 2, bidirectional: true, inputSize: 2 });
  layer.initialize();
  const f = await Deno.makeTempFile({ suffix: ".params" });
  try {
    await layer.saveParameters(f);
    const saved = await mx.nd.load(f) as Record<string, NDArray>;
    const names = [];
    for (const l of [0, 1]) {
      for (const d of ["l", "r"]) {
        for (const k of ["i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"]) {
          names.push(`${d}${l}_${k}`);
        }
      }
    }
    assert.deepEqual(Object.keys(saved).sort(), names.sort());
    assert.deepEqual(saved["l0_i2h_weight"].shape, [12, 2]);
    assert.deepEqual(saved["r1_i2h_weight"].shape, [12, 6]);
    assert.deepEqual(saved["l1_h2h_bias"].shape, [12]);
    const other = new rnn.LSTM(3, { numLayers: 2, bidirectional: true });
    await other.loadParameters(f);
    const x = rand([4, 2, 2], 9);
    assertClose(
      await values(other.forward(x) as NDArray),
      await values(layer.forward(x) as NDArray),
    );
    other.dispose();
  } finally {
    await Deno.remove(f);
    layer.dispose();
  }
});

Deno.test("gluon.rnn.LSTM: export writes an RNN graph that SymbolBlock.imports runs", async () => {
  const layer = new rnn.LSTM(3, { numLayers: 2, bidirectional: true, inputSize: 2 });
  layer.initialize();
  layer.hybridize();
  const x = rand([4, 2, 2], 11);
  const y = layer.forward(x) as NDArray;
  const dir = await Deno.makeTempDir();
  try {
    await layer.export(`${dir}/lstm`, 0);
    const graph = JSON.parse(await Deno.readTextFile(`${dir}/lstm-symbol.json`));
    const node = graph.nodes.find((n: { op: string }) => n.op === "RNN");
    assert.equal(node.attrs.mode, "lstm");
    assert.equal(node.attrs.num_layers, "2");
    assert.equal(node.attrs.bidirectional, "True");
    const block = await mx.gluon.SymbolBlock.imports(
      `${dir}/lstm-symbol.json`,
      ["data"],
      `${dir}/lstm-0000.params`,
    );
    assertClose(await values(block.forward(x) as NDArray), await values(y));
    block.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
    layer.dispose();
  }
});

Deno.test("gluon.rnn cells: hybridized cells equal imperative ones", async () => {
  const cell = new rnn.GRUCell(3, { inputSize: 2 });
  cell.initialize();
  const x = rand([2, 2], 4), h = rand([2, 3], 5);
  const [a] = cell.forward(x, [h]);
  cell.hybridize();
  const [b] = cell.forward(x, [h]);
  const [c] = cell.forward(x, [h]);
  assertClose(await values(b as NDArray), await values(a as NDArray));
  assertClose(await values(c as NDArray), await values(a as NDArray));
  cell.dispose();
});

Deno.test("gluon.rnn modifier cells: ResidualCell, DropoutCell, ZoneoutCell", async () => {
  const base = new rnn.RNNCell(2, { inputSize: 2 });
  const res = new rnn.ResidualCell(base);
  res.initialize();
  const x = rand([3, 2], 6), h = rand([3, 2], 7);
  const [plain, [s1]] = base.forward(x, [h]);
  const [withX, [s2]] = res.forward(x, [h]);
  assertClose(await values(withX as NDArray), await values((plain as NDArray).add(x)));
  assertClose(await values(s2 as NDArray), await values(s1 as NDArray));

  const drop = new rnn.DropoutCell(0.5);
  const [same] = drop.forward(x, []);
  assert.deepEqual(await values(same as NDArray), await values(x));
  const [dropped] = mx.autograd.record(() => drop.forward(rand([50, 4], 8), []), {
    trainMode: true,
  });
  assert.ok((await values(dropped as NDArray)).some((v) => v === 0));

  // Outside training a zoneout cell is its base; zoning out everything while training
  // keeps the previous output (zeros at first) and the initial states.
  const zone = new rnn.ZoneoutCell(new rnn.LSTMCell(2, { inputSize: 2 }), {
    zoneoutOutputs: 1,
    zoneoutStates: 1,
  });
  zone.initialize();
  const seq = rand([3, 4, 2], 9);
  const begin = zone.beginState(3).map((s, i) => rand(s.shape as number[], 20 + i));
  const [o1] = zone.unroll(4, seq, { beginState: begin, mergeOutputs: true });
  const [o2] = zone.baseCell.unroll(4, seq, { beginState: begin, mergeOutputs: true });
  assertClose(await values(o1), await values(o2));
  const [o3, st] = mx.autograd.record(
    () => zone.unroll(4, seq, { beginState: begin, mergeOutputs: true }),
    { trainMode: true },
  );
  assert.deepEqual(await values(o3), new Array(24).fill(0));
  assertClose(await values(st[0]), await values(begin[0]));
  res.dispose();
  zone.dispose();
});

Deno.test("gluon.rnn: unroll takes a list of steps and returns a list", () => {
  const cell = new rnn.LSTMCell(3);
  cell.initialize();
  const steps = [rand([2, 4], 1), rand([2, 4], 2)];
  const [outs, states] = cell.unroll(2, steps);
  assert.ok(Array.isArray(outs));
  assert.deepEqual((outs as NDArray[]).map((o) => o.shape), [[2, 3], [2, 3]]);
  assert.equal(states.length, 2);
  const [merged] = cell.unroll(2, steps, { mergeOutputs: true, layout: "TNC" });
  assert.deepEqual(merged.shape, [2, 2, 3]);
  cell.dispose();
});

Deno.test("gluon.rnn: bad input names what was expected and what was given", () => {
  const layer = new rnn.LSTM(4, { inputSize: 3, numLayers: 2 });
  layer.initialize();
  const x = mx.nd.ones([5, 2, 3]);
  const fails = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: Error) => {
      assert.ok(e instanceof mx.MXNetError, `${e}`);
      assert.match(e.message, re);
      return true;
    });
  fails(
    () => layer.forward(x, [mx.nd.zeros([2, 2, 5]), mx.nd.zeros([2, 2, 4])]),
    /LSTM \(lstm\d+\): state 0 has shape \[2,2,5\], expected \[2,2,4\]/,
  );
  fails(
    () => layer.forward(x, [mx.nd.zeros([2, 2, 4])]),
    /LSTM \(lstm\d+\): expected 2 state\(s\) of shape\(s\) \[2,2,4\], \[2,2,4\], got 1/,
  );
  fails(
    () => layer.forward(mx.nd.ones([5, 2, 7])),
    /LSTM \(lstm\d+\): input of shape \[5,2,7\] has 7 features, but the layer takes 3 \(lstm\d+_l0_i2h_weight \[16,3\]\)/,
  );
  fails(
    () => layer.forward(mx.nd.ones([5, 3])),
    /expected input with 3 axes \(TNC\), got shape \[5,3\]/,
  );
  fails(
    () => new rnn.GRU(4, { layout: "TCN" as "TNC" }),
    /GRU: layout must be "TNC" or "NTC", got "TCN"/,
  );
  fails(() => new rnn.LSTM(4, { numLayer: 2 } as object), /numLayer.*numLayers/);
  const cell = new rnn.GRUCell(4, { inputSize: 3 });
  cell.initialize();
  fails(
    () => cell.forward(mx.nd.ones([2, 3]), [mx.nd.ones([2, 5])]),
    /GRUCell \(gru\d+\): state 0 has shape \[2,5\], expected \[2,4\]/,
  );
  fails(
    () => cell.forward(mx.nd.ones([2, 6]), cell.beginState(2)),
    /GRUCell \(gru\d+\): input of shape \[2,6\] has 6 features, but the cell takes 3/,
  );
  fails(
    () => cell.unroll(4, mx.nd.ones([2, 5, 3])),
    /expected input with 3 axes and 4 steps on axis 1, got shape \[2,5,3\]/,
  );
  fails(() => cell.unroll(5, mx.nd.ones([2, 5, 3]), { layout: "CTN" as "NTC" }), /layout must be/);
  layer.dispose();
  cell.dispose();
});

Deno.test("gluon.rnn.GRU + Dense learn to continue a repeating sequence (Trainer, clipGlobalNorm)", async () => {
  // Next-token prediction on "0123401234...": the hidden state must remember the phase.
  const V = 5, T = 10, N = 4;
  const tokens = (start: number) => Array.from({ length: T + 1 }, (_, t) => (start + t) % V);
  const seqs = [0, 1, 2, 3].map(tokens);
  const x = mx.nd.oneHot(mx.nd.array(seqs.map((s) => s.slice(0, T)), { shape: [N, T] }), V);
  const y = mx.nd.array(seqs.map((s) => s.slice(1)), { shape: [N, T] });
  const layer = new rnn.GRU(16, { layout: "NTC" });
  const head = new mx.gluon.nn.Dense(V, { flatten: false });
  const net = new mx.gluon.nn.Sequential();
  net.add(layer, head);
  mx.random.seed(3);
  net.initialize(new mx.init.Xavier());
  const trainer = new mx.gluon.Trainer(net.collectParams(), "adam", { learningRate: 0.05 });
  const loss = new mx.gluon.loss.SoftmaxCrossEntropyLoss();
  const losses: number[] = [];
  for (let it = 0; it < 60; it++) {
    await mx.nd.scope(async () => {
      const l = mx.autograd.record(() => loss.forward(net.forward(x), y));
      l.backward();
      const grads = [...net.collectParams().values()].map((p) => p.grad());
      await mx.gluon.utils.clipGlobalNorm(grads, 1);
      losses.push((await values(l.mean()))[0]);
    });
    // Outside the scope: the optimizer's states outlive the iteration.
    trainer.step(N);
  }
  assert.ok(losses[0] > 1.2, `initial loss ${losses[0]}`);
  assert.ok(losses[losses.length - 1] < 0.1, `final loss ${losses[losses.length - 1]}`);
  const predicted = await values(net.forward(x).argmax({ axis: 2 }));
  assert.deepEqual(predicted, seqs.flatMap((s) => s.slice(1)));
  net.dispose();
});
