/**
 * CTC loss on the host (Graves et al. 2006, as MXNet's warp-ctc computes it): log-space
 * forward (alpha) and backward (beta) variables over the label with blanks interleaved,
 * in float64 whatever the data's dtype. Every backend runs this: the TS and native
 * backends on their host memory, WebGPU and CUDA by reading the inputs back and
 * uploading the two results (`hostCtcLoss`).
 * @module
 */
import { allocCompute, type ComputeArray } from "../../src/core/dtype.ts";
import { MXNetError } from "../../src/core/errors.ts";
import type { CtcParams, DeviceBuffer, KernelResult, Kernels } from "../backend.ts";

/** log(e^a + e^b), exact when either is -Infinity. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** The label of sequence n: its first `length` values, or those before the padding. */
function labelOf(
  label: ComputeArray,
  lengths: ComputeArray | null,
  n: number,
  p: CtcParams,
): number[] {
  const row = Array.from(
    label.subarray(n * p.labelLen, (n + 1) * p.labelLen) as ArrayLike<number>,
    Math.trunc,
  );
  let len = row.indexOf(p.padding);
  if (lengths) {
    len = Math.trunc(lengths[n] as number);
    if (!(len >= 0 && len <= p.labelLen)) {
      throw new MXNetError(
        `label_lengths[${n}] is ${lengths[n]}, expected 0..${p.labelLen}`,
      );
    }
  } else if (len < 0) len = p.labelLen;
  const out = row.slice(0, len);
  for (const v of out) {
    if (!(v >= 0 && v < p.alphabet) || v === p.blank) {
      throw new MXNetError(
        `label of sequence ${n} holds ${v}; labels are 0..${p.alphabet - 1} except ` +
          `the blank ${p.blank}`,
      );
    }
  }
  return out;
}

/**
 * Fills `loss` and `grad` (see `Kernels.ctcLoss`) from host arrays: data [T, N, C],
 * label [N, L], optional lengths [N]. Bad labels or lengths throw (the engine reports
 * them as the CTCLoss operator's failure).
 */
export function ctcLossHost(
  data: ComputeArray,
  label: ComputeArray,
  dataLengths: ComputeArray | null,
  labelLengths: ComputeArray | null,
  loss: ComputeArray,
  grad: ComputeArray,
  p: CtcParams,
): void {
  const { seqLen: T, batch: N, alphabet: C, blank } = p;
  grad.fill(0);
  const lp = new Float64Array(T * C);
  for (let n = 0; n < N; n++) {
    const tn = dataLengths ? Math.trunc(dataLengths[n] as number) : T;
    if (!(tn >= 1 && tn <= T)) {
      throw new MXNetError(`data_lengths[${n}] is ${dataLengths![n]}, expected 1..${T}`);
    }
    const lab = labelOf(label, labelLengths, n, p);
    // The label with blanks around and between its symbols.
    const ext = [blank];
    for (const v of lab) ext.push(v, blank);
    const S = ext.length;
    let repeats = 0;
    for (let i = 1; i < lab.length; i++) if (lab[i] === lab[i - 1]) repeats++;
    if (lab.length + repeats > tn) {
      // No alignment fits in the sequence: warp-ctc reports 0 (and MXNet leaves the
      // gradient unset; it is 0 here).
      loss[n] = 0;
      continue;
    }
    // log_softmax over the alphabet at every step.
    for (let t = 0; t < tn; t++) {
      const base = (t * N + n) * C;
      let mx = -Infinity;
      for (let k = 0; k < C; k++) mx = Math.max(mx, data[base + k] as number);
      let sum = 0;
      for (let k = 0; k < C; k++) sum += Math.exp((data[base + k] as number) - mx);
      const lse = mx + Math.log(sum);
      for (let k = 0; k < C; k++) lp[t * C + k] = (data[base + k] as number) - lse;
    }
    // May position s follow s - 2 directly (skipping a blank between different symbols)?
    const skip = (s: number) => s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2];
    const alpha = new Float64Array(tn * S).fill(-Infinity);
    alpha[0] = lp[blank];
    if (S > 1) alpha[1] = lp[ext[1]];
    for (let t = 1; t < tn; t++) {
      for (let s = 0; s < S; s++) {
        const prev = (t - 1) * S;
        let a = alpha[prev + s];
        if (s >= 1) a = logAdd(a, alpha[prev + s - 1]);
        if (skip(s)) a = logAdd(a, alpha[prev + s - 2]);
        alpha[t * S + s] = a + lp[t * C + ext[s]];
      }
    }
    const last = (tn - 1) * S;
    const logLike = S > 1 ? logAdd(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
    loss[n] = -logLike;
    // beta[t, s]: log p(ext[s..] emitted over steps t.. | at s at t), emission at t included.
    const beta = new Float64Array(tn * S).fill(-Infinity);
    beta[last + S - 1] = lp[(tn - 1) * C + blank];
    if (S > 1) beta[last + S - 2] = lp[(tn - 1) * C + ext[S - 2]];
    for (let t = tn - 2; t >= 0; t--) {
      for (let s = 0; s < S; s++) {
        const next = (t + 1) * S;
        let b = beta[next + s];
        if (s + 1 < S) b = logAdd(b, beta[next + s + 1]);
        if (s + 2 < S && skip(s + 2)) b = logAdd(b, beta[next + s + 2]);
        beta[t * S + s] = b + lp[t * C + ext[s]];
      }
    }
    // d(-log p)/d activation = softmax - posterior of the class at that step.
    const post = new Float64Array(C);
    for (let t = 0; t < tn; t++) {
      post.fill(-Infinity);
      for (let s = 0; s < S; s++) {
        post[ext[s]] = logAdd(post[ext[s]], alpha[t * S + s] + beta[t * S + s]);
      }
      const base = (t * N + n) * C;
      for (let k = 0; k < C; k++) {
        const l = lp[t * C + k];
        grad[base + k] = Math.exp(l) -
          (post[k] === -Infinity ? 0 : Math.exp(post[k] - l - logLike));
      }
    }
  }
}

/** Reads a buffer into host memory (a Promise where the backend reads asynchronously). */
export type HostRead = (b: DeviceBuffer) => ComputeArray | Promise<ComputeArray>;
/** Writes host values into a buffer. */
export type HostWrite = (b: DeviceBuffer, data: ComputeArray) => void;

/**
 * The `ctcLoss` kernel of a backend that reads and writes its buffers with `read` and
 * `write`: inputs to the host, `ctcLossHost`, results back. Synchronous when `read` is.
 */
export function hostCtcLoss(read: HostRead, write: HostWrite): Kernels["ctcLoss"] {
  return (data, label, dataLengths, labelLengths, loss, grad, p): KernelResult => {
    const ins = [data, label, dataLengths, labelLengths].map((b) => (b ? read(b) : null));
    const run = (arrays: (ComputeArray | null)[]) => {
      const l = allocCompute(loss.dtype, loss.size), g = allocCompute(grad.dtype, grad.size);
      ctcLossHost(arrays[0]!, arrays[1]!, arrays[2], arrays[3], l, g, p);
      write(loss, l);
      write(grad, g);
    };
    if (ins.some((a) => a instanceof Promise)) return Promise.all(ins).then(run);
    run(ins as (ComputeArray | null)[]);
  };
}
