/**
 * The `hostCompute` kernel: an operator's host implementation (a sequential algorithm
 * such as non-maximum suppression, written once in TypeScript) run on any backend. Host
 * memory backends hand it their arrays; device backends read the inputs back and upload
 * the outputs, as `hostCtcLoss` does for CTC.
 * @module
 */
import { allocCompute, type ComputeArray } from "../../src/core/dtype.ts";
import type { DeviceBuffer, HostComputeFn, KernelResult, Kernels } from "../backend.ts";
import type { HostRead, HostWrite } from "./ctc.ts";

/** The `hostCompute` kernel of a backend that reads and writes buffers with `read`/`write`. */
export function hostComputeKernel(read: HostRead, write: HostWrite): Kernels["hostCompute"] {
  return (
    inputs: readonly DeviceBuffer[],
    outputs: readonly DeviceBuffer[],
    fn: HostComputeFn,
  ): KernelResult => {
    const ins = inputs.map((b) => read(b));
    const run = (arrays: ComputeArray[]) => {
      const outs = outputs.map((b) => allocCompute(b.dtype, b.size));
      fn(arrays, outs);
      outputs.forEach((b, i) => write(b, outs[i]));
    };
    if (ins.some((a) => a instanceof Promise)) return Promise.all(ins).then(run);
    run(ins as ComputeArray[]);
  };
}
