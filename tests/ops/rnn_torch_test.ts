/**
 * Differential test of the RNN operator against PyTorch's nn.RNN / nn.LSTM / nn.GRU in
 * float64: tools/gen_rnn_torch_cases.py mapped PyTorch's weights into MXNet's flat
 * parameter vector and wrote inputs, head gradients, PyTorch's outputs, final states and
 * gradients to fixtures/rnn_torch.json. Every case runs here on each float64-capable
 * backend; results and gradients (parameters, data, initial states) must agree within 1e-6.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest } from "../_harness.ts";

interface TorchCase {
  mode: "rnn_relu" | "rnn_tanh" | "lstm" | "gru";
  steps: number;
  batch: number;
  inputSize: number;
  stateSize: number;
  numLayers: number;
  bidirectional: boolean;
  lengths: number[] | null;
  x: number[];
  h0: number[];
  c0: number[] | null;
  parameters: number[];
  headOut: number[];
  headH: number[];
  headC: number[] | null;
  out: number[];
  hn: number[];
  cn: number[] | null;
  gradParameters: number[];
  gradX: number[];
  gradH0: number[];
  gradC0: number[] | null;
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/rnn_torch.json", import.meta.url)),
) as { cases: TorchCase[] };

const TOL = { rtol: 1e-6, atol: 1e-9 };

Deno.test("the PyTorch fixture covers every mode, stacked bidirectional, and lengths", () => {
  const modes = new Set(fixture.cases.map((c) => c.mode));
  assert.deepEqual([...modes].sort(), ["gru", "lstm", "rnn_relu", "rnn_tanh"]);
  for (const m of modes) {
    const of = fixture.cases.filter((c) => c.mode === m);
    assert.ok(of.some((c) => c.numLayers === 2 && c.bidirectional && c.lengths === null));
    assert.ok(of.some((c) => c.numLayers === 2 && c.bidirectional && c.lengths !== null));
  }
});

fixture.cases.forEach((c) => {
  const what = `${c.mode} ${c.numLayers} layer(s)${c.bidirectional ? " bidirectional" : ""}` +
    (c.lengths ? ` lengths ${c.lengths}` : "");
  backendTest(`RNN ${what} equals PyTorch in float64 (outputs, states, gradients)`, async () => {
    const d = c.bidirectional ? 2 : 1;
    const stateShape = [c.numLayers * d, c.batch, c.stateSize];
    const f64 = (v: number[], shape: readonly number[]) =>
      mx.nd.array(new Float64Array(v), { shape, dtype: "float64" });
    const x = f64(c.x, [c.steps, c.batch, c.inputSize]);
    const params = f64(c.parameters, [c.parameters.length]);
    const h0 = f64(c.h0, stateShape);
    const differentiated = [params, x, h0];
    const inputs: mx.NDArray[] = [x, params, h0];
    if (c.c0) {
      const c0 = f64(c.c0, stateShape);
      inputs.push(c0);
      differentiated.push(c0);
    }
    if (c.lengths) inputs.push(mx.nd.array(c.lengths, { dtype: "int32" }));
    differentiated.forEach((a) => a.attachGrad());
    const outs = mx.autograd.record(() =>
      mx.nd.RNN(...inputs, {
        mode: c.mode,
        stateSize: c.stateSize,
        numLayers: c.numLayers,
        bidirectional: c.bidirectional,
        useSequenceLength: c.lengths !== null,
        stateOutputs: true,
      })
    );
    const heads = [
      f64(c.headOut, outs[0].shape),
      f64(c.headH, stateShape),
      ...(c.headC ? [f64(c.headC, stateShape)] : []),
    ];
    mx.autograd.backward(outs, heads);
    const got = async (a: mx.NDArray) => Array.from(await a.data() as Float64Array);
    assertClose(await got(outs[0]), c.out, { ...TOL, msg: "output" });
    assertClose(await got(outs[1]), c.hn, { ...TOL, msg: "final hidden state" });
    if (c.cn) assertClose(await got(outs[2]), c.cn, { ...TOL, msg: "final cell state" });
    assertClose(await got(params.grad!), c.gradParameters, { ...TOL, msg: "d parameters" });
    assertClose(await got(x.grad!), c.gradX, { ...TOL, msg: "d data" });
    assertClose(await got(h0.grad!), c.gradH0, { ...TOL, msg: "d state" });
    if (c.gradC0) {
      assertClose(await got(differentiated[3].grad!), c.gradC0, { ...TOL, msg: "d state_cell" });
    }
  }, { dtypes: ["float64"] });
});
