/**
 * A numerical gradient check for Blocks: autograd's gradients of sum(w * block(x)) with
 * respect to the input and every parameter against central differences, in float64.
 * @module
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { randomValues } from "../_harness.ts";

/** Options of `checkBlockGradient`. */
export interface GradCheckOptions {
  /** Run in training mode (BatchNorm batch statistics). */
  train?: boolean;
  /** The input is integer data (Embedding): no input gradient. */
  fixedInput?: boolean;
  /** Elements checked per array (spread over it). */
  samples?: number;
  /** Finite-difference step. */
  eps?: number;
  /** Relative tolerance. */
  rtol?: number;
  /** Absolute tolerance. */
  atol?: number;
}

/**
 * Checks `block`'s gradients at input `x` (float64 values); the block is initialized
 * here and cast to float64.
 */
export async function checkBlockGradient(
  block: mx.gluon.Block,
  shape: number[],
  data: number[],
  opts: GradCheckOptions = {},
): Promise<void> {
  const eps = opts.eps ?? 1e-5, rtol = opts.rtol ?? 1e-4, atol = opts.atol ?? 1e-6;
  const dtype = opts.fixedInput ? "float32" : "float64";
  const x = mx.nd.array(data, { shape, dtype });
  block.initialize(new mx.init.Uniform(0.7));
  block.forward(x.astype("float32")); // deferred shapes, with float32 parameters
  block.cast("float64");
  const train = opts.train ?? false;
  const f = (): mx.NDArray =>
    mx.autograd.record(() => block.forward(x) as mx.NDArray, { trainMode: train });
  const y0 = f();
  const w = mx.nd.array(randomValues(y0.size, 77), { shape: y0.shape, dtype: "float64" });
  const objective = async () => await mx.nd.scope(async () => (await f().mul(w).sum().asScalar()));
  if (!opts.fixedInput) x.attachGrad();
  mx.autograd.record(() => (block.forward(x) as mx.NDArray).mul(w).sum(), { trainMode: train })
    .backward();
  const targets: { name: string; arr: mx.NDArray; grad: Float64Array }[] = [];
  if (!opts.fixedInput) {
    targets.push({ name: "input", arr: x, grad: await x.grad!.data() as Float64Array });
  }
  for (const [name, p] of block.collectParams()) {
    if (p.gradReq === "null") continue;
    targets.push({ name, arr: p.data(), grad: await p.grad().data() as Float64Array });
  }
  for (const t of targets) {
    const host = await t.arr.data() as Float64Array;
    const n = Math.min(opts.samples ?? 6, host.length);
    for (let s = 0; s < n; s++) {
      const i = Math.floor((s * host.length) / n);
      const orig = host[i];
      host[i] = orig + eps;
      t.arr.set(host);
      const up = await objective();
      host[i] = orig - eps;
      t.arr.set(host);
      const down = await objective();
      host[i] = orig;
      t.arr.set(host);
      const numeric = (up - down) / (2 * eps), analytic = t.grad[i];
      assert.ok(
        Math.abs(numeric - analytic) <= atol + rtol * Math.abs(numeric),
        `${block.constructor.name} gradient of ${t.name}[${i}]: autograd ${analytic}, numeric ${numeric}`,
      );
    }
  }
  block.dispose();
}
