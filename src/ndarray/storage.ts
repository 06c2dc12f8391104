/**
 * Device memory plus its engine variable: the reference-counted block that an NDArray
 * and its views share.
 * @module
 */
import type { Backend, DeviceBuffer } from "../../backends/backend.ts";
import type { Context } from "../core/context.ts";
import { fireBeforeWriteOf, isIdle, isNaive, push, Var } from "../engine/engine.ts";

/** Device memory plus its engine variable, shared by an array and its views. */
export class Storage {
  refs = 1;
  readonly var: Var = new Var();
  constructor(
    readonly backend: Backend,
    readonly buf: DeviceBuffer,
    readonly ctx: Context,
  ) {}

  release(): void {
    if (--this.refs > 0) return;
    fireBeforeWriteOf(this.var);
    const { backend, buf } = this;
    // Freeing is an engine write: it waits for every pending reader and writer. When
    // nothing is pending (the usual case on CPU) free at once and skip the engine.
    if (isIdle(this.var) && !isNaive()) backend.free(buf);
    else push("free", () => backend.free(buf), [], [this.var]);
  }
}
