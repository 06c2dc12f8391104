// mx.monitor.Monitor and the Executor hooks it needs (setMonitorCallback, debugStr).
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendTest } from "../_harness.ts";

const X = [[1, 2, 3], [-1, 0.5, 2]];
const W = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]];
const B = [0.05, -0.1];

/** fc = X·Wᵀ + b, then relu: the values every test here checks against. */
function expected() {
  const fc = X.map((row) => W.map((w, j) => row.reduce((s, x, k) => s + x * w[k], 0) + B[j]));
  const relu = fc.map((row) => row.map((v) => Math.max(0, v)));
  return { fc, relu };
}

/** MXNet's default statistic, in float64: norm(x) / sqrt(size). */
function rms(values: number[][]): number {
  const flat = values.flat();
  return Math.sqrt(flat.reduce((s, v) => s + v * v, 0)) / Math.sqrt(flat.length);
}

function bound() {
  const data = mx.sym.Variable("data");
  const fc = mx.sym.FullyConnected(data, { numHidden: 2, name: "fc" });
  const net = mx.sym.Activation(fc, { actType: "relu", name: "relu" });
  const ex = net.simpleBind(mx.cpu(), { data: [2, 3] });
  mx.nd.scope(() => ex.copyParamsFrom({ fc_weight: mx.nd.array(W), fc_bias: mx.nd.array(B) }));
  return ex;
}

/** Frees the executor and the arrays simpleBind allocated for it. */
function free(ex: mx.sym.Executor): void {
  ex.dispose();
  for (const d of [ex.argDict, ex.gradDict, ex.auxDict]) {
    for (const a of Object.values(d)) a.dispose();
  }
}

/** Forward on X, freeing the input array. */
function forwardX(ex: mx.sym.Executor): void {
  mx.nd.scope(() => ex.forward({ data: mx.nd.array(X) }));
}

const close = (got: number, want: number, what: string) =>
  assert.ok(
    Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)),
    `${what}: ${got} vs ${want}`,
  );

backendTest("Executor.setMonitorCallback: every node's output by name during forward", () => {
  const ex = bound();
  const seen: [string, number[]][] = [];
  ex.setMonitorCallback((name, arr) =>
    seen.push([name, Array.from(arr.dataSync() as Float32Array)])
  );
  forwardX(ex);
  const { fc, relu } = expected();
  assert.deepEqual(seen.map(([n]) => n), ["fc_output", "relu_output"]);
  seen[0][1].forEach((v, i) => close(v, fc.flat()[i], `fc_output[${i}]`));
  seen[1][1].forEach((v, i) => close(v, relu.flat()[i], `relu_output[${i}]`));

  // monitorAll: each node's inputs first, named <node>_<argument>.
  const all: string[] = [];
  ex.setMonitorCallback((name) => all.push(name), true);
  forwardX(ex);
  assert.deepEqual(all, [
    "fc_data",
    "fc_weight",
    "fc_bias",
    "fc_output",
    "relu_data",
    "relu_output",
  ]);

  ex.setMonitorCallback(null);
  forwardX(ex);
  assert.equal(all.length, 6);
  free(ex);
}, { hostMemory: true });

Deno.test("Executor.debugStr lists the variables, the ops, their attributes and shapes", () => {
  const ex = bound();
  const text = ex.debugStr();
  for (
    const line of [
      "Symbol Outputs:",
      "\toutput[0]=relu_output",
      "Variable:data [2,3]",
      "Variable:fc_weight [2,3]",
      "Op:FullyConnected, Name=fc",
      "\targ[1]=fc_weight (weight) [2,3]",
      "\tnumHidden=2",
      "\tfc_output [2,2]",
      "Op:Activation, Name=relu",
      "\targ[0]=fc_output (data) [2,2]",
    ]
  ) assert.ok(text.split("\n").includes(line), `missing line ${JSON.stringify(line)} in\n${text}`);
  free(ex);
});

backendTest(
  "Monitor: default stat equals norm(x)/sqrt(size) of outputs and arguments",
  async () => {
    const ex = bound();
    const mon = new mx.monitor.Monitor(1);
    mon.install(ex);
    mon.tic();
    forwardX(ex);
    const res = await mon.toc();
    const { fc, relu } = expected();
    assert.deepEqual(res.map(([step, name]) => [step, name]), [
      [1, "fc_output"],
      [1, "relu_output"],
      [1, "data"],
      [1, "fc_weight"],
      [1, "fc_bias"],
    ]);
    const want = [rms(fc), rms(relu), rms(X), rms(W), rms([B])];
    res.forEach(([, name, text], i) => {
      assert.ok(text.endsWith("\t"), "MXNet's text ends each value with a tab");
      close(Number(text), want[i], name);
    });
    // Not collected when the step is not an interval's: toc is empty.
    assert.deepEqual(await mon.toc(), []);
    free(ex);
  },
);

Deno.test("Monitor: interval, pattern (matched at the start), sort and tocPrint", async () => {
  const ex = bound();
  const mon = new mx.monitor.Monitor(2, null, "fc_|relu", true);
  mon.install(ex);
  const batches: string[][] = [];
  for (let i = 0; i < 4; i++) {
    mon.tic();
    forwardX(ex);
    batches.push((await mon.toc()).map(([step, name]) => `${step}:${name}`));
  }
  const names = ["fc_bias", "fc_output", "fc_weight", "relu_output"];
  assert.deepEqual(batches, [names.map((n) => `1:${n}`), [], names.map((n) => `3:${n}`), []]);

  const lines: string[] = [];
  mon.tic();
  forwardX(ex);
  await mon.tocPrint((l) => lines.push(l));
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^Batch: {7}5 fc_bias {24}\d\.\d+\t$/);
  free(ex);
});

Deno.test("Monitor: values print as NumPy prints float32 (shortest digits, 1e-05, 2.0)", async () => {
  const cases: [number, string][] = [
    [1 / 3, "0.33333334"],
    [1e-5, "1e-05"],
    [2, "2.0"],
    [123456.7, "123456.7"],
    [1e20, "1e+20"],
    [0.0001, "1e-04"],
    [-0.25, "-0.25"],
  ];
  for (const [v, want] of cases) {
    const ex = bound();
    const mon = new mx.monitor.Monitor(1, () => mx.nd.array([v]), "fc_bias");
    mon.install(ex);
    mon.tic();
    const [[, , text]] = await mon.toc();
    assert.equal(text, `${want}\t`, `${v}`);
    free(ex);
  }
  // A statistic that is not a single value prints as an array.
  const ex = bound();
  const mon = new mx.monitor.Monitor(1, (x) => x.abs(), "fc_bias");
  mon.install(ex);
  mon.tic();
  assert.deepEqual(await mon.toc(), [[1, "fc_bias", "[0.05 0.1]\t"]]);
  free(ex);
});

Deno.test("Monitor: bad arguments are clear errors", () => {
  assert.throws(() => new mx.monitor.Monitor(0), /interval must be a positive integer, got 0/);
  assert.throws(() => new mx.monitor.Monitor(1, null, "("), /pattern \( is not a valid/);
});
