/**
 * The dependency engine, with MXNet's semantics. Every array's storage owns a `Var`;
 * every operation is pushed with the vars it reads and writes and returns at once.
 * An operation runs when its dependencies are done: reads of a var may overlap, a write
 * waits for the earlier reads and writes. When everything it depends on is already done
 * (the common case on CPU) it runs immediately, so the engine costs almost nothing.
 * A failure is stored on the vars the operation writes and rethrown where the user
 * waits, naming the operator.
 * @module
 */
import { EngineError, EngineErrors } from "../core/errors.ts";

/** An operation in flight. */
interface Op {
  readonly name: string;
  done: boolean;
  /** Resolves (never rejects) when the op is done; absent for ops that finished synchronously. */
  promise?: Promise<void>;
  /** In the pending set (ops that finish during push never enter it). */
  queued?: boolean;
  /** Its failure (its own or inherited), once done. */
  error?: EngineError | null;
  /** The device it runs on, for the profiler (`cpu(0)`); absent when not told. */
  device?: { toString(): string };
}

/**
 * Told of every operation the engine runs while set (`mx.profiler` in state "run"):
 * its name, device, and start and end times (`performance.now()` milliseconds); `async`
 * when its kernel returned a promise (a GPU queue, a nonblocking native call), so the
 * time spans its completion, not the call.
 * @ignore
 */
export type OpObserver = (
  name: string,
  device: string | undefined,
  start: number,
  end: number,
  async: boolean,
) => void;

/** The profiler's observer; null when it is stopped, so running costs one null check. */
let observer: OpObserver | null = null;

/**
 * Sets (or with null clears) the function told of every operation run from now on.
 * @ignore
 */
export function setOpObserver(o: OpObserver | null): void {
  observer = o;
}

/** The engine variable of one storage block. */
export class Var {
  /** The last operation that writes this var. */
  lastWrite: Op | null = null;
  /** Operations reading this var since its last write. */
  reads: Op[] = [];
  /** The failure of the operation that last wrote this var, if it failed. */
  error: EngineError | null = null;
  /** Length of `reads` at which done reads are dropped. */
  compactAt = 8;
  /**
   * Called once (then cleared) just before the next operation that writes this var is
   * pushed, or before its memory is freed: copy-on-write for a holder whose value lives
   * in this memory for now (a kvstore key after a fused pushPull), which saves it by
   * pushing a copy that the engine then orders before the write.
   */
  beforeWrite: (() => void) | null = null;
}

/** The body of an operation: synchronous, or a promise for asynchronous kernels. */
export type OpFn = () => void | Promise<void>;

const naive = (() => {
  try {
    return Deno.env.get("MXTS_ENGINE") === "naive";
  } catch {
    return false; // no env permission, or not Deno: threaded engine
  }
})();

const pending = new Set<Op>();
/**
 * Failures nobody has read yet (`waitAll` reports them). The first KEEP are kept whole,
 * in order; past that only a count, so a long run of failed ops that nobody reads holds
 * bounded memory (100,000 of them held 296 MB as a list).
 */
const KEEP = 100;
const unobserved = new Set<EngineError>();
/** Unread failures past KEEP: counted, remembered only while something holds them. */
let uncounted = new WeakSet<EngineError>();
let omitted = 0;
// In naive mode every op also depends on the previous one, so work is fully serial.
let lastOp: Op | null = null;

function isPending(op: Op | null): op is Op {
  return op !== null && !op.done;
}

/**
 * Pushes an operation. `fn` runs once every earlier write to `reads` and `writes`, and
 * every earlier read of `writes`, is done.
 * @example
 * ```ts
 * import { push, Var, waitForVar } from "./engine.ts";
 * const v = new Var();
 * let x = 0;
 * push("set", () => { x = 1; }, [], [v]);
 * await waitForVar(v);
 * console.log(x); // 1
 * ```
 */
export function push(
  name: string,
  fn: OpFn,
  reads: readonly Var[],
  writes: readonly Var[],
  device?: { toString(): string },
): void {
  enqueue(name, fn, reads, writes, null, device);
}

/**
 * `push`, with `onFailedInput` called instead of `fn` when an input holds a failure (an
 * operation with outputs stores the failure on them instead).
 */
function enqueue(
  name: string,
  fn: OpFn,
  reads: readonly Var[],
  writes: readonly Var[],
  onFailedInput: ((e: EngineError) => void) | null,
  device?: { toString(): string },
): void {
  fireBeforeWrite(writes);
  // Allocated only when there is something to wait for (the hot path has nothing).
  let deps: Op[] | null = null;
  // What an input holds is what the write before this push left: its failure, if it
  // failed, even when a later write has replaced the var's error by then.
  let failedInput: EngineError | null = null;
  let nIn = 0;
  for (const r of reads) {
    if (isPending(r.lastWrite)) {
      (deps ??= []).push(r.lastWrite);
      nIn++;
    } else if (r.error && !failedInput) failedInput = r.error;
  }
  for (const w of writes) {
    if (isPending(w.lastWrite)) (deps ??= []).push(w.lastWrite);
    for (const rd of w.reads) if (!rd.done) (deps ??= []).push(rd);
  }
  if (naive && isPending(lastOp)) (deps ??= []).push(lastOp);
  const op: Op = { name, done: false, error: null, device };
  for (const w of writes) {
    w.lastWrite = op;
    if (w.reads.length > 0) w.reads = [];
  }
  if (deps === null) {
    run(op, fn, failedInput, writes, onFailedInput);
  } else {
    const inputWriters = deps.slice(0, nIn);
    op.promise = Promise.all(deps.map((d) => d.promise)).then(() =>
      run(
        op,
        fn,
        failedInput ?? inputWriters.find((o) => o.error)?.error ?? null,
        writes,
        onFailedInput,
      )
    );
    pending.add(op);
    op.queued = true;
  }
  if (!op.done) {
    for (const r of reads) {
      // Compact only after the list doubles: filtering on every push is O(n^2) while a
      // GPU queue keeps many reads pending.
      if (r.reads.length >= r.compactAt) {
        r.reads = r.reads.filter((o) => !o.done);
        r.compactAt = Math.max(8, 2 * r.reads.length);
      }
      r.reads.push(op);
    }
    pending.add(op);
    op.queued = true;
    lastOp = op;
  }
}

/**
 * Runs an operation at once when nothing it depends on is pending and no array it
 * touches holds a failure — where `push` would run it at once too — without keeping a
 * record of it when it finishes synchronously (the per-call cost of a small collective
 * every training step). A promise returned by `fn` is tracked as a pushed operation,
 * and a throw is stored like push stores it. Returns false, having run nothing, when
 * something is pending: push it instead.
 * @ignore
 */
export function runNow(
  name: string,
  fn: OpFn,
  reads: readonly Var[],
  writes: readonly Var[],
): boolean {
  fireBeforeWrite(writes);
  for (const r of reads) if (r.error || isPending(r.lastWrite)) return false;
  for (const w of writes) if (w.error || !isIdle(w)) return false;
  if (naive && isPending(lastOp)) return false;
  let result: void | Promise<void>;
  const watch = observer;
  const start = watch === null ? 0 : performance.now();
  try {
    result = fn();
  } catch (e) {
    watch?.(name, undefined, start, performance.now(), false);
    push(
      name,
      () => {
        throw e;
      },
      reads,
      writes,
    );
    return true;
  }
  // Still running: nothing is pending, so push starts tracking it at once.
  if (result instanceof Promise) {
    if (watch !== null) {
      const started = start;
      push(
        name,
        () => result.finally(() => watch(name, undefined, started, performance.now(), true)),
        reads,
        writes,
      );
    } else push(name, () => result, reads, writes);
  } else watch?.(name, undefined, start, performance.now(), false);
  return true;
}

function fireBeforeWrite(writes: readonly Var[]): void {
  for (const w of writes) fireBeforeWriteOf(w);
}

/**
 * Runs `v`'s `beforeWrite` hook, if any, once (its memory is about to change or be freed).
 * @ignore
 */
export function fireBeforeWriteOf(v: Var): void {
  const save = v.beforeWrite;
  if (save) {
    v.beforeWrite = null;
    save();
  }
}

/** Runs an op whose dependencies are done; returns a promise if the kernel is async. */
function run(
  op: Op,
  fn: OpFn,
  inherited: EngineError | null,
  writes: readonly Var[],
  onFailedInput: ((e: EngineError) => void) | null,
): Promise<void> | void {
  // An input written by a failed op fails this op too, with the original error (already
  // counted as unread once: it is not a failure of its own).
  if (inherited) {
    onFailedInput?.(inherited);
    return finish(op, writes, inherited, false);
  }
  let result: void | Promise<void>;
  const watch = observer;
  const start = watch === null ? 0 : performance.now();
  try {
    result = fn();
  } catch (e) {
    watch?.(op.name, op.device?.toString(), start, performance.now(), false);
    if (naive) {
      finish(op, writes, null, false);
      throw e instanceof EngineError ? e : new EngineError(op.name, e);
    }
    return finish(op, writes, new EngineError(op.name, e), true);
  }
  if (result instanceof Promise) {
    const observed = watch === null
      ? result
      : result.finally(() => watch(op.name, op.device?.toString(), start, performance.now(), true));
    const p = observed.then(
      () => finish(op, writes, null, false),
      (e) => finish(op, writes, new EngineError(op.name, e), true),
    );
    if (!op.promise) op.promise = p;
    return p;
  }
  watch?.(op.name, op.device?.toString(), start, performance.now(), false);
  finish(op, writes, null, false);
}

function finish(
  op: Op,
  writes: readonly Var[],
  error: EngineError | null,
  ownFailure: boolean,
): void {
  op.done = true;
  op.error = error;
  if (op.queued) pending.delete(op);
  for (const w of writes) if (w.lastWrite === op) w.error = error;
  if (error && ownFailure) {
    if (unobserved.size < KEEP) unobserved.add(error);
    else {
      uncounted.add(error);
      omitted++;
    }
  }
}

/** `e` reached the user (thrown where they wait): `waitAll` does not report it again. */
function observed(e: EngineError): EngineError {
  if (!unobserved.delete(e) && uncounted.delete(e)) omitted--;
  return e;
}

/** Waits until every pending write to `v` is done; throws the stored failure, if any. */
export async function waitForVar(v: Var): Promise<void> {
  while (isPending(v.lastWrite)) await v.lastWrite.promise;
  if (v.error) throw observed(v.error);
}

/**
 * Reads `v` on the host in engine order, as an operation reading `v` pushed now: `read`
 * runs once the writes pushed before this call are done, and a write pushed after it
 * waits for `read` to return. `read` takes its snapshot when called (a backend's `read`
 * does) and may deliver it later, so later writes wait for the snapshot, never for the
 * delivery. With nothing pending it runs at once: no operation, no promise chain. A
 * failure stored on `v` rejects the result (and counts as read).
 */
export function readVar<T>(name: string, v: Var, read: () => Promise<T>): Promise<T> {
  const start = (): Promise<T> => {
    try {
      return read();
    } catch (e) {
      return Promise.reject(e);
    }
  };
  if (!isPending(v.lastWrite)) return v.error ? Promise.reject(observed(v.error)) : start();
  return new Promise<T>((resolve, reject) => {
    enqueue(name, () => resolve(start()), [v], [], (e) => reject(observed(e)));
  });
}

/**
 * True when `v` has no pending write (a synchronous read is safe).
 * @ignore
 */
export function isReady(v: Var): boolean {
  return !isPending(v.lastWrite);
}

/**
 * True when no operation reading or writing `v` is pending.
 * @ignore
 */
export function isIdle(v: Var): boolean {
  if (isPending(v.lastWrite)) return false;
  for (const r of v.reads) if (!r.done) return false;
  return true;
}

/**
 * Waits for every pushed operation. Unlike MXNet's `waitall`, failures are not
 * swallowed: a failure not yet reported elsewhere is thrown; several are thrown together
 * as one `EngineErrors` listing each failed operation once.
 */
export async function waitAll(): Promise<void> {
  while (pending.size > 0) {
    await Promise.all([...pending].map((o) => o.promise));
  }
  if (unobserved.size === 0 && omitted === 0) return;
  const errors = [...unobserved], more = omitted;
  unobserved.clear();
  uncounted = new WeakSet();
  omitted = 0;
  if (errors.length === 1 && more === 0) throw errors[0];
  throw new EngineErrors(errors, more);
}

/** True when running with `MXTS_ENGINE=naive` (everything serial, errors at the call). */
export function isNaive(): boolean {
  return naive;
}
