/**
 * The fused RNN operator against a direct loop over MXNet's formulas (every mode, stacked,
 * bidirectional, sequence lengths), its front ends (mx.nd.RNN, npx.rnn), dropout between
 * layers, and its errors. tests/ops/gradient_test.ts checks its gradients and
 * tests/ops/rnn_torch_test.ts compares it with PyTorch.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { gatesOf, type RnnMode, rnnParamLayout } from "../../src/ops/nn/rnn_layout.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

interface RefCase {
  mode: RnnMode;
  steps: number;
  batch: number;
  input: number;
  hidden: number;
  layers: number;
  directions: number;
  lengths?: number[];
  /** LSTM cell-state clipping [min, max]. */
  clip?: [number, number];
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** `W v + b` for a row-major [rows, cols] weight at `w[off..]`. */
function affine(flat: number[], wOff: number, bOff: number, rows: number, v: number[]) {
  return Array.from({ length: rows }, (_, r) => {
    let s = flat[bOff + r];
    for (let k = 0; k < v.length; k++) s += flat[wOff + r * v.length + k] * v[k];
    return s;
  });
}

/** MXNet's RNN written out per sequence, step and gate. */
function reference(c: RefCase, x: number[], flat: number[], h0: number[], c0: number[]) {
  const { slots } = rnnParamLayout({
    ...c,
    inputSize: c.input,
    stateSize: c.hidden,
    numLayers: c.layers,
  });
  const at = (l: number, d: number, kind: string) =>
    slots.find((s) => s.layer === l && s.direction === d && s.kind === kind)!.offset;
  const H = c.hidden, G = gatesOf(c.mode) * H;
  // seq[n][t] = the feature vector of sequence n at step t.
  let seq = Array.from(
    { length: c.batch },
    (_, n) =>
      Array.from(
        { length: c.steps },
        (_, t) => x.slice((t * c.batch + n) * c.input, (t * c.batch + n + 1) * c.input),
      ),
  );
  const hN: number[][][] = [], cN: number[][][] = [];
  for (let l = 0; l < c.layers; l++) {
    const next = seq.map((s) => s.map(() => [] as number[]));
    for (let d = 0; d < c.directions; d++) {
      const idx = l * c.directions + d;
      const hs: number[][] = [], cs: number[][] = [];
      for (let n = 0; n < c.batch; n++) {
        let h = h0.slice((idx * c.batch + n) * H, (idx * c.batch + n + 1) * H);
        let cell = c0.slice((idx * c.batch + n) * H, (idx * c.batch + n + 1) * H);
        const len = c.lengths?.[n] ?? c.steps;
        const order = [...Array(len).keys()];
        if (d === 1) order.reverse();
        const outs: number[][] = Array.from({ length: c.steps }, () => Array(H).fill(0));
        for (const t of order) {
          const xp = affine(flat, at(l, d, "i2h_weight"), at(l, d, "i2h_bias"), G, seq[n][t]);
          const hp = affine(flat, at(l, d, "h2h_weight"), at(l, d, "h2h_bias"), G, h);
          if (c.mode === "rnn_tanh") h = xp.map((v, j) => Math.tanh(v + hp[j]));
          else if (c.mode === "rnn_relu") h = xp.map((v, j) => Math.max(0, v + hp[j]));
          else if (c.mode === "lstm") {
            const g = xp.map((v, j) => v + hp[j]);
            cell = cell.map((cv, j) => {
              const v = sigmoid(g[H + j]) * cv + sigmoid(g[j]) * Math.tanh(g[2 * H + j]);
              return c.clip ? Math.min(Math.max(v, c.clip[0]), c.clip[1]) : v;
            });
            h = cell.map((cv, j) => sigmoid(g[3 * H + j]) * Math.tanh(cv));
          } else {
            h = h.map((hv, j) => {
              const r = sigmoid(xp[j] + hp[j]), z = sigmoid(xp[H + j] + hp[H + j]);
              const nn = Math.tanh(xp[2 * H + j] + r * hp[2 * H + j]);
              return (1 - z) * nn + z * hv;
            });
          }
          outs[t] = h;
        }
        outs.forEach((o, t) => next[n][t].push(...o));
        hs.push(h);
        cs.push(cell);
      }
      hN.push(hs);
      cN.push(cs);
    }
    seq = next;
  }
  const out: number[] = [];
  for (let t = 0; t < c.steps; t++) for (let n = 0; n < c.batch; n++) out.push(...seq[n][t]);
  return { out, hy: hN.flat(2), cy: cN.flat(2) };
}

const CASES: RefCase[] = [
  { mode: "rnn_relu", steps: 4, batch: 3, input: 3, hidden: 2, layers: 1, directions: 1 },
  { mode: "rnn_tanh", steps: 3, batch: 2, input: 2, hidden: 3, layers: 2, directions: 2 },
  { mode: "lstm", steps: 4, batch: 3, input: 3, hidden: 2, layers: 2, directions: 2 },
  { mode: "gru", steps: 4, batch: 3, input: 2, hidden: 3, layers: 2, directions: 2 },
  {
    mode: "lstm",
    steps: 4,
    batch: 3,
    input: 2,
    hidden: 2,
    layers: 2,
    directions: 2,
    lengths: [4, 1, 3],
  },
  {
    mode: "gru",
    steps: 5,
    batch: 2,
    input: 3,
    hidden: 2,
    layers: 1,
    directions: 2,
    lengths: [2, 5],
  },
];

function inputsOf(c: RefCase, seed: number) {
  const { size } = rnnParamLayout({
    ...c,
    inputSize: c.input,
    stateSize: c.hidden,
    numLayers: c.layers,
  });
  const stateShape = [c.layers * c.directions, c.batch, c.hidden];
  const nState = stateShape.reduce((a, b) => a * b, 1);
  return {
    x: randomValues(c.steps * c.batch * c.input, seed),
    flat: randomValues(size, seed + 1, -0.8, 0.8),
    h0: randomValues(nState, seed + 2),
    c0: randomValues(nState, seed + 3),
    stateShape,
  };
}

CASES.forEach((c, ci) => {
  const what = `${c.mode} ${c.layers} layer(s) ${c.directions} direction(s)` +
    (c.lengths ? ` lengths ${c.lengths}` : "");
  backendTest(`RNN ${what} equals the loop over MXNet's formulas`, async () => {
    const { x, flat, h0, c0, stateShape } = inputsOf(c, 10 + ci);
    const ref = reference(c, x, flat, h0, c0);
    const nd = (v: number[], shape: number[]) => mx.nd.array(v, { shape });
    const ins: mx.NDArray[] = [
      nd(x, [c.steps, c.batch, c.input]),
      nd(flat, [flat.length]),
      nd(h0, stateShape),
    ];
    if (c.mode === "lstm") ins.push(nd(c0, stateShape));
    if (c.lengths) ins.push(mx.nd.array(c.lengths, { dtype: "int32" }));
    const outs = mx.nd.RNN(...ins, {
      mode: c.mode,
      stateSize: c.hidden,
      numLayers: c.layers,
      bidirectional: c.directions === 2,
      useSequenceLength: !!c.lengths,
      stateOutputs: true,
    });
    assert.equal(outs.length, c.mode === "lstm" ? 3 : 2);
    assert.deepEqual(outs[0].shape, [c.steps, c.batch, c.hidden * c.directions]);
    assert.deepEqual(outs[1].shape, stateShape);
    assertClose(await values(outs[0]), ref.out, { rtol: 1e-4, atol: 1e-5, msg: "output" });
    assertClose(await values(outs[1]), ref.hy, { rtol: 1e-4, atol: 1e-5, msg: "hy" });
    if (c.mode === "lstm") {
      assertClose(await values(outs[2]), ref.cy, { rtol: 1e-4, atol: 1e-5, msg: "cy" });
    }
  });
});

backendTest(
  "mx.nd.RNN returns one array without stateOutputs; npx.rnn computes the same",
  async () => {
    const c = CASES[2];
    const { x, flat, h0, c0, stateShape } = inputsOf(c, 40);
    const data = mx.nd.array(x, { shape: [c.steps, c.batch, c.input] });
    const params = mx.nd.array(flat), state = mx.nd.array(h0, { shape: stateShape });
    const cell = mx.nd.array(c0, { shape: stateShape });
    const opts = { mode: "lstm", stateSize: 2, numLayers: 2, bidirectional: true } as const;
    const out = mx.nd.RNN(data, params, state, cell, opts);
    assert.ok(out instanceof mx.NDArray);
    const [npOut, hy, cy] = mx.npx.rnn(data, params, state, {
      ...opts,
      stateCell: cell,
      stateOutputs: true,
    });
    assert.ok(npOut instanceof mx.np.ndarray);
    assertClose(await values(npOut), await values(out));
    const ref = reference(c, x, flat, h0, c0);
    assertClose(await values(hy), ref.hy, { rtol: 1e-4, atol: 1e-5 });
    assertClose(await values(cy), ref.cy, { rtol: 1e-4, atol: 1e-5 });
  },
);

backendTest("RNN dropout between layers acts in training only", async () => {
  const c = { ...CASES[1], steps: 6, hidden: 8 };
  const { x, flat, h0, stateShape } = inputsOf(c, 50);
  const ins = [
    mx.nd.array(x, { shape: [c.steps, c.batch, c.input] }),
    mx.nd.array(flat),
    mx.nd.array(h0, { shape: stateShape }),
  ];
  const base = { mode: "rnn_tanh", stateSize: 8, numLayers: 2, bidirectional: true } as const;
  const plain = await values(mx.nd.RNN(...ins, base));
  const predicting = await values(mx.nd.RNN(...ins, { ...base, p: 0.5 }));
  assert.deepEqual(predicting, plain);
  const training = await values(
    mx.autograd.record(() => mx.nd.RNN(...ins, { ...base, p: 0.5 }), { trainMode: true }),
  );
  assert.notDeepEqual(training, plain);
});

Deno.test("RNN: bad shapes and unsupported options name the argument, expected and given", () => {
  const x = mx.nd.zeros([3, 2, 4]);
  const opts = { mode: "gru", stateSize: 5, numLayers: 1 } as const;
  // GRU, input 4, hidden 5: 15 * (4 + 5) weights + 2 * 15 biases.
  const params = mx.nd.zeros([165]), state = mx.nd.zeros([1, 2, 5]);
  assert.throws(
    () => mx.nd.RNN(x, mx.nd.zeros([160]), state, opts),
    (e: Error) =>
      e instanceof mx.MXNetError &&
      /parameters has shape \[160\], expected \[165\]/.test(e.message),
  );
  assert.throws(
    () => mx.nd.RNN(x, params, mx.nd.zeros([2, 2, 5]), opts),
    (e: Error) =>
      e instanceof mx.MXNetError && /state has shape \[2,2,5\], expected \[1,2,5\]/.test(e.message),
  );
  assert.throws(
    () => mx.nd.RNN(mx.nd.zeros([3, 4]), params, state, opts),
    (e: Error) => e instanceof mx.MXNetError && /data must be 3-D .* got \[3,4\]/.test(e.message),
  );
  assert.throws(
    () => mx.nd.RNN(x, params, state, mx.nd.zeros([3]), { ...opts, useSequenceLength: true }),
    (e: Error) =>
      e instanceof mx.MXNetError &&
      /sequence_length has shape \[3\], expected \[2\]/.test(e.message),
  );
  assert.throws(
    () => mx.nd.RNN(x, params, state, { ...opts, projectionSize: 2 }),
    (e: Error) => e instanceof mx.MXNetError && /projection_size/.test(e.message),
  );
  assert.throws(
    () => mx.nd.RNN(x, params, state, { ...opts, mode: "lstmm" as "lstm" }),
    (e: Error) => e instanceof mx.MXNetError && /lstmm/.test(e.message),
  );
});

Deno.test("RNN as a Symbol: arguments named after the node, shapes inferred from data", () => {
  const s = mx.sym.RNN({
    data: mx.sym.var("data"),
    mode: "lstm",
    stateSize: 4,
    numLayers: 2,
    bidirectional: true,
    stateOutputs: true,
    name: "rnn",
  });
  assert.deepEqual(s.listArguments(), [
    "data",
    "rnn_parameters",
    "rnn_state",
    "rnn_state_cell",
  ]);
  const { argShapes: args, outShapes: outs } = s.inferShape({ data: [5, 3, 6] });
  // 2 directions: layer 0 16*(6+4), layer 1 16*(8+4), then 8 biases of 16.
  assert.deepEqual(args, [[5, 3, 6], [2 * 160 + 2 * 192 + 8 * 16], [4, 3, 4], [4, 3, 4]]);
  assert.deepEqual(outs, [[5, 3, 8], [4, 3, 4], [4, 3, 4]]);
});

Deno.test("RNN reads MXNet's graph attributes (strings, None) and _rnn_param_concat", async () => {
  const c = CASES[3];
  const { x, flat, h0, stateShape } = inputsOf({ ...c, layers: 1, directions: 1 }, 60);
  const ins = [
    mx.nd.array(x, { shape: [c.steps, c.batch, c.input] }),
    mx.nd.array(flat),
    mx.nd.array(h0, { shape: [1, ...stateShape.slice(1)] }),
  ];
  // The attributes MXNet 1.9's Gluon GRU writes into an exported graph.
  const fromJson = mx.engine.invokeOp("RNN", ins, {
    state_size: "3",
    num_layers: "1",
    bidirectional: "False",
    mode: "gru",
    p: "0.0",
    state_outputs: "True",
    projection_size: "None",
    lstm_state_clip_min: "None",
    lstm_state_clip_max: "None",
    lstm_state_clip_nan: "False",
    use_sequence_length: "False",
  });
  const direct = mx.nd.RNN(...ins, {
    mode: "gru",
    stateSize: 3,
    numLayers: 1,
    stateOutputs: true,
  });
  assert.equal(fromJson.length, 2);
  assertClose(await values(fromJson[0]), await values(direct[0]));
  assertClose(await values(fromJson[1]), await values(direct[1]));
  const parts = [mx.nd.array([1, 2]), mx.nd.array([3])];
  const cat = mx.engine.invokeOp("_rnn_param_concat", parts, { num_args: "2", dim: "0" })[0];
  assert.deepEqual(await values(cat), [1, 2, 3]);
});

backendTest("RNN lstmStateClipMin/Max clip the LSTM cell state as the loop does", async () => {
  const c: RefCase = { ...CASES[2], clip: [-0.15, 0.2] };
  const { x, flat, h0, c0, stateShape } = inputsOf(c, 70);
  const ref = reference(c, x, flat, h0, c0);
  const [out, , cy] = mx.nd.RNN(
    mx.nd.array(x, { shape: [c.steps, c.batch, c.input] }),
    mx.nd.array(flat),
    mx.nd.array(h0, { shape: stateShape }),
    mx.nd.array(c0, { shape: stateShape }),
    {
      mode: "lstm",
      stateSize: c.hidden,
      numLayers: c.layers,
      bidirectional: true,
      stateOutputs: true,
      lstmStateClipMin: -0.15,
      lstmStateClipMax: 0.2,
    },
  );
  const cells = await values(cy);
  assert.ok(cells.every((v) => v >= -0.15 - 1e-7 && v <= 0.2 + 1e-7));
  assert.ok(cells.some((v) => Math.abs(v - 0.2) < 1e-6 || Math.abs(v + 0.15) < 1e-6));
  assertClose(await values(out), ref.out, { rtol: 1e-4, atol: 1e-5 });
  assertClose(cells, ref.cy, { rtol: 1e-4, atol: 1e-5 });
});
