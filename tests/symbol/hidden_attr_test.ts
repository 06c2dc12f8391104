/**
 * MXNet's old unprefixed hidden attribute names given to a layer (`attr: { lr_mult: "0.01" }`,
 * as MXNet 1.9.1's example/image-classification/symbols/lenet.py does for its STN
 * localisation layer) are stored hidden (`__lr_mult__`) as MXNet's MXSymbolCreateAtomicSymbol
 * and MXSymbolSetAttr store them, and reach the weights the layer creates (MXNet's Compose
 * copies all of an operator's attributes onto its new variables), where the optimizer reads
 * them. Before, mxts kept `lr_mult` as typed, so the multiplier never applied.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

Deno.test("attr { lr_mult } on a layer becomes __lr_mult__ on the node and on the weights it creates", () => {
  const x = mx.sym.Variable("x");
  const fc = mx.sym.FullyConnected({
    data: x,
    numHidden: 6,
    name: "stn_loc",
    attr: { lr_mult: "0.01" },
  });
  const attrs = fc.attrDict();
  for (const n of ["stn_loc", "stn_loc_weight", "stn_loc_bias"]) {
    assert.equal(attrs[n].__lr_mult__, "0.01", n);
    assert.equal(attrs[n].lr_mult, undefined, n);
  }
  assert.equal(attrs.x?.__lr_mult__, undefined); // a given input is not touched
  // The saved graph loads back to the same attributes and the same text.
  const json = fc.toJSON();
  assert.equal(mx.sym.loadJSON(json).toJSON(), json);

  // The optimizer picks the multiplier up from the symbol, as MXNet's Module does.
  const opt = new mx.optimizer.SGD({
    learningRate: 1,
    sym: fc,
    paramIdx2Name: { 0: "stn_loc_weight", 1: "stn_loc_bias" },
  });
  const w = mx.nd.ones([6, 2]), g = mx.nd.ones([6, 2]);
  opt.update(0, w, g, opt.createState(0, w));
  assert.deepEqual(Array.from(w.dataSync()), new Array(12).fill(Math.fround(1 - 0.01)));
});

Deno.test("setAttr with an unprefixed hidden name stores it hidden, as MXNet's _set_attr", () => {
  const y = mx.sym.Activation({ data: mx.sym.Variable("x"), actType: "relu", name: "r" });
  y.setAttr({ mirror_stage: "True", ctx_group: "dev1" });
  assert.equal(y.attr("__mirror_stage__"), "True");
  assert.equal(y.attr("__ctx_group__"), "dev1");
  assert.equal(y.attr("mirror_stage"), undefined);
});
