/**
 * A user-defined Dataset for the DataLoader tests: sample i is a 2x3x1 uint8 image of
 * value i and the label i * i. It names its module in workerSpec(), so workers import it.
 * @module
 */
import * as mx from "../../../mod.ts";
import { Dataset, type ModuleSpec } from "../../../src/gluon/data/mod.ts";

/** See the module docs; sample `failAt` throws. */
export class CountingDataset extends Dataset<[mx.NDArray, number]> {
  constructor(readonly n: number, readonly failAt = -1) {
    super();
  }
  get length(): number {
    return this.n;
  }
  at(i: number): [mx.NDArray, number] {
    if (i === this.failAt) throw new Error(`sample ${i} is broken`);
    const img = mx.nd.array(Uint8Array.from({ length: 6 }, (_, p) => i + p), { shape: [2, 3, 1] });
    return [img, i * i];
  }
  override workerSpec(): ModuleSpec {
    return { module: import.meta.url, export: "CountingDataset", args: [this.n, this.failAt] };
  }
}
