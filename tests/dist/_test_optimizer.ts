/**
 * MXNet's `Test` optimizer (`w += rescale_grad * grad`), used by its distributed
 * kvstore conformance test.
 * @module
 */
import type { NDArray } from "../../src/ndarray/ndarray.ts";
import { Optimizer, type OptimizerOptions } from "../../src/optimizer/optimizer.ts";
import { register } from "../../src/optimizer/mod.ts";

/** `weight += rescaleGrad * grad`; no state. */
export class Test extends Optimizer {
  /** Options as every optimizer. */
  constructor(opts: OptimizerOptions = {}) {
    super(opts);
  }
  /** No state. */
  createState(): null {
    return null;
  }
  /** `weight += rescaleGrad * grad`. */
  update(_index: number | string, weight: NDArray, grad: NDArray): void {
    weight.addInPlace(grad.mul(this.rescaleGrad));
  }
}

register("test", Test);
