/**
 * Errors name the user's operator and parameter (#22 item 4): a failure inside a composite
 * operator says the operator the user called (FullyConnected, not broadcast_add), with its
 * inputs, and keeps the inner error as its cause; a wrongly shaped parameter is named
 * (`fc_weight`) by inferShape, bind, copyParamsFrom and Module.fit.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

function messageOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected an error");
}

Deno.test("a failure inside a composite names the operator the user called", () => {
  const data = mx.nd.ones([2, 3], { dtype: "float64" });
  const weight = mx.nd.ones([4, 3]), bias = mx.nd.zeros([4]);
  const e = messageOf(() => mx.nd.FullyConnected({ data, weight, bias, numHidden: 4 }));
  assert.ok(e instanceof mx.DTypeError, String(e));
  assert.match(e.message, /^FullyConnected: /);
  assert.ok(e.message.includes("data [2,3] float64, weight [4,3] float32"), e.message);
  // The inner operator's own message stays available as the cause.
  assert.ok(e.cause instanceof mx.DTypeError);
  assert.match((e.cause as Error).message, /^broadcast_add: /);
  for (const a of [data, weight, bias]) a.dispose();
});

Deno.test("a graph's forward names the node and the operator", () => {
  const fc = mx.sym.FullyConnected({ data: mx.sym.var("x"), numHidden: 4, name: "fc" });
  const ex = fc.bind(mx.cpu(), {
    x: mx.nd.ones([2, 3], { dtype: "float64" }),
    fc_weight: mx.nd.ones([4, 3]),
    fc_bias: mx.nd.zeros([4]),
  });
  const e = messageOf(() => ex.forward());
  assert.ok(e instanceof mx.DTypeError, String(e));
  assert.match(e.message, /^forward: node fc: FullyConnected: /);
  ex.dispose();
});

Deno.test("a wrongly shaped parameter is named by inferShape, bind and copyParamsFrom", () => {
  const fc = mx.sym.FullyConnected({ data: mx.sym.var("x"), numHidden: 4, name: "fc" });
  const e1 = messageOf(() => fc.inferShape({ x: [2, 3], fc_weight: [4, 5] }));
  assert.ok(e1 instanceof mx.ShapeError);
  assert.ok(
    e1.message.includes("argument fc_weight has shape [4,5], expected [4,3] from data [2,3]"),
    e1.message,
  );
  // MXNet's bind checks the shapes: the error comes at bind, naming fc_weight.
  const args = { x: mx.nd.ones([2, 3]), fc_weight: mx.nd.ones([4, 5]), fc_bias: mx.nd.ones([4]) };
  const e2 = messageOf(() => fc.bind(mx.cpu(), args));
  assert.ok(e2 instanceof mx.ShapeError);
  assert.match(e2.message, /^bind: .*fc_weight has shape \[4,5\]/);
  const ex = fc.simpleBind(mx.cpu(), { x: [2, 3] });
  const e3 = messageOf(() => ex.copyParamsFrom({ "arg:fc_weight": args.fc_weight }));
  assert.ok(e3 instanceof mx.ShapeError);
  assert.ok(e3.message.includes("fc_weight has shape [4,5]"), e3.message);
  assert.ok(e3.message.includes("[4,3]"), e3.message);
  ex.dispose();
  for (const a of Object.values(args)) a.dispose();
});

Deno.test("Module.fit with a wrongly shaped fc_weight says fc_weight", async () => {
  const data = mx.sym.var("data");
  const fc = mx.sym.FullyConnected({ data, numHidden: 2, name: "fc" });
  const net = mx.sym.SoftmaxOutput({ data: fc, name: "softmax" });
  const mod = new mx.mod.Module({ symbol: net, context: mx.cpu() });
  const x = mx.nd.ones([8, 3]), y = mx.nd.zeros([8]);
  const it = new mx.io.NDArrayIter({ data: x, label: y, batchSize: 4 });
  const w = mx.nd.ones([2, 5]), b = mx.nd.zeros([2]);
  await assert.rejects(
    mod.fit(it, { numEpoch: 1, argParams: { fc_weight: w, fc_bias: b }, logger: null }),
    (e: unknown) => {
      assert.ok(e instanceof mx.ShapeError, String(e));
      assert.match(e.message, /fc_weight has shape \[2,5\], but the symbol needs \[2,3\]/);
      return true;
    },
  );
  for (const a of [x, y, w, b]) a.dispose();
});
