/** #19: setRecording/setTraining and getSymbol (MXNet's autograd.get_symbol). */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose } from "../_harness.ts";

Deno.test("autograd: setRecording and setTraining return the previous state", () => {
  assert.equal(mx.autograd.isRecording(), false);
  assert.equal(mx.autograd.setRecording(true), false);
  assert.equal(mx.autograd.isRecording(), true);
  // Recording set by hand records: a backward works without record().
  const x = mx.nd.array([1, 2, 3]);
  x.attachGrad();
  const y = x.mul(x).sum();
  assert.equal(mx.autograd.setRecording(false), true);
  assert.equal(mx.autograd.isRecording(), false);
  y.backward();
  return (async () => {
    assert.deepEqual(await x.grad!.array(), [2, 4, 6]);
    assert.equal(mx.autograd.setTraining(true), false);
    assert.equal(mx.autograd.isTraining(), true);
    assert.equal(mx.autograd.setTraining(false), true);
    assert.equal(mx.autograd.isTraining(), false);
    // Inside record(), setRecording(false) stops recording; leaving record() restores off.
    mx.autograd.record(() => {
      assert.equal(mx.autograd.setRecording(false), true);
      assert.equal(mx.autograd.isRecording(), false);
    });
    assert.equal(mx.autograd.isRecording(), false);
    mx.autograd.record(() => assert.equal(mx.autograd.isRecording(), true));
    assert.throws(
      () => mx.autograd.setRecording(1 as unknown as boolean),
      /autograd.setRecording: isRecording expects a boolean, got/,
    );
    x.dispose();
  })();
});

Deno.test("autograd: getSymbol returns the recorded graph, which reproduces the value", async () => {
  const data = mx.nd.array([[1, -2, 3], [0.5, 1, -1]]);
  const w = mx.nd.array([[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]]);
  const b = mx.nd.array([0.05, -0.05]);
  w.attachGrad();
  b.attachGrad();
  const out = mx.autograd.record(() =>
    mx.nd.FullyConnected({ data, weight: w, bias: b, numHidden: 2 }).relu().mul(3)
  );
  const sym = mx.autograd.getSymbol(out);
  // data is read but not tracked: a constant (null*); w and b are the marked variables.
  const args = sym.listArguments();
  assert.equal(args.length, 3);
  assert.match(args[0], /^null\d$/);
  assert.match(args[1], /^var\d$/);
  assert.match(args[2], /^var\d$/);
  const ops = (JSON.parse(sym.toJSON()).nodes as { op: string; name: string }[])
    .filter((n) => n.op !== "null");
  // The tape holds what ran: mx.nd's FullyConnected is composed of dot and broadcast_add.
  assert.deepEqual(ops.map((n) => n.op), ["dot", "broadcast_add", "relu", "_mul_scalar"]);
  assert.deepEqual(ops.map((n) => n.name), ["node_0", "node_1", "node_2", "node_3"]);
  const { outShapes } = sym.inferShape({ [args[0]]: [2, 3], [args[1]]: [2, 3], [args[2]]: [2] });
  assert.deepEqual(outShapes, [[2, 2]]);
  // Bound to the same arrays, the symbol computes the same output.
  const ex = sym.bind(mx.cpu(), { [args[0]]: data, [args[1]]: w, [args[2]]: b });
  const [again] = ex.forward();
  assertClose(await again.data() as Float32Array, await out.data() as Float32Array);
  // The JSON loads back as an MXNet graph.
  assert.deepEqual(mx.sym.loadJSON(sym.toJSON()).listArguments(), args);
  ex.dispose();
});

Deno.test("autograd: getSymbol of a shared input, multi-output op and errors", async () => {
  const x = mx.nd.array([1, 2, 3, 4]);
  x.attachGrad();
  const y = mx.autograd.record(() => {
    const [a, c] = mx.nd.split(x, { numOutputs: 2, axis: 0 });
    return a.mul(c).add(x.sum());
  });
  const sym = mx.autograd.getSymbol(y);
  assert.deepEqual(sym.listArguments(), ["var0"]);
  const ex = sym.bind(mx.cpu(), { var0: x });
  assert.deepEqual(await ex.forward()[0].array(), [1 * 3 + 10, 2 * 4 + 10]);
  ex.dispose();
  // Outside a graph, or after backward freed it.
  assert.throws(() => mx.autograd.getSymbol(mx.nd.ones([2])), /not in a recorded graph/);
  y.backward();
  assert.throws(() => mx.autograd.getSymbol(y), /freed by a backward/);
});
