/**
 * Device memory plus its engine variable: the reference-counted block that an NDArray
 * and its views share.
 * @module
 */
import type { Backend, DeviceBuffer } from "../../backends/backend.ts";
import type { Context } from "../core/context.ts";
import { fireBeforeWriteOf, isIdle, isNaive, push, Var } from "../engine/engine.ts";

/**
 * Device memory plus its engine variable, shared by an array and its views. A storage
 * with a `base` is a sub-range of the base's memory (a basic-slice view, `x.get("1:3")`):
 * its `buf` is the backend's alias of that range, it shares the base's engine variable
 * (writes through the view order with every use of the base) and holds one reference to
 * the base, which frees the memory once the last user is gone.
 */
export class Storage {
  refs = 1;
  readonly var: Var;
  constructor(
    readonly backend: Backend,
    readonly buf: DeviceBuffer,
    readonly ctx: Context,
    readonly base: Storage | null = null,
  ) {
    this.var = base ? base.var : new Var();
    if (base) base.refs++;
  }

  release(): void {
    if (--this.refs > 0) return;
    // An alias owns no memory: dropping it drops its reference to the base.
    if (this.base) return this.base.release();
    fireBeforeWriteOf(this.var);
    const { backend, buf } = this;
    // Freeing is an engine write: it waits for every pending reader and writer. When
    // nothing is pending (the usual case on CPU) free at once and skip the engine.
    if (isIdle(this.var) && !isNaive()) backend.free(buf);
    else push("free", () => backend.free(buf), [], [this.var]);
  }
}
