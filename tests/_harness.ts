/**
 * Test helpers: run a test once per available backend, compare values with tolerances,
 * and check that a test leaves no live device buffer behind.
 * @module
 */
import assert from "node:assert/strict";
import type { Backend } from "../backends/backend.ts";
import {
  availableBackends,
  BACKEND_NAMES,
  backendByName,
  setCpuBackend,
  unavailableReason,
} from "../backends/mod.ts";
import type { DType } from "../src/core/dtype.ts";
import * as mx from "../mod.ts";

const ONLY = Deno.env.get("MXTS_TEST_BACKENDS")?.split(",").map((s) => s.trim());
/** False for backends MXTS_TEST_BACKENDS leaves out (their tests are not registered). */
const SELECTED = (backend: string) => !ONLY || ONLY.includes(backend);

/**
 * Backends this process runs the tests on, reference ("ts") first: every available one,
 * or those named in MXTS_TEST_BACKENDS (comma-separated; e.g. the emulated CUDA run).
 */
export const BACKENDS: string[] = selectedBackends();

function selectedBackends(): string[] {
  return availableBackends().filter(SELECTED);
}

// Tests of a backend that cannot run here are not registered; say why once per file.
for (const b of BACKEND_NAMES) {
  const why = SELECTED(b) ? unavailableReason(b) : undefined;
  if (why) console.log(`per-backend tests on [${b}] skipped: ${why}`);
}

/** What a test needs beyond the basics; backends without it skip the test, saying why. */
export interface Needs {
  /** Dtypes the test computes with (GPU backends lack float64/int64). */
  dtypes?: readonly DType[];
  /** Synchronous reads (`dataSync`, `serialize`), which device memory cannot serve. */
  dataSync?: boolean;
  /**
   * Thousands of tiny steps with host readbacks: latency-bound on device memory (a
   * software GPU adapter takes ~11 ms per readback), so only host-memory backends run it.
   */
  hostMemory?: boolean;
  /** Operators computed on the host (linear algebra), which device memory cannot serve. */
  hostCompute?: boolean;
}

/** True when the backend's buffers are host typed arrays (what host-computed ops read). */
function hostBuffers(b: Backend): boolean {
  const buf = b.alloc("float32", 1, 0);
  try {
    return ArrayBuffer.isView((buf as { data?: unknown }).data);
  } finally {
    b.free(buf);
  }
}

function missingFeatures(b: Backend, needs: Needs): string[] {
  const lacks: string[] = (needs.dtypes ?? []).filter((d) =>
    b.supportsDType && !b.supportsDType(d)
  );
  if (needs.dataSync && !b.readSync) lacks.push("dataSync");
  if (needs.hostMemory && !b.readSync) lacks.push("host memory (latency-bound test)");
  if (needs.hostCompute && !hostBuffers(b)) {
    lacks.push("host buffers (the operator runs on the host)");
  }
  return lacks;
}

/**
 * Registers `name [backend]` for every backend that can run here. The body runs inside `mx.nd.scope`, and
 * afterwards every buffer it allocated must be freed.
 */
export function backendTest(
  name: string,
  fn: () => Promise<void> | void,
  needs: Needs = {},
): void {
  for (const backend of BACKENDS) {
    const lacks = missingFeatures(backendByName(backend), needs);
    if (lacks.length) {
      console.log(`ignored: ${name} [${backend}]: the backend lacks ${lacks.join(", ")}`);
    }
    Deno.test({
      name: `${name} [${backend}]`,
      ignore: lacks.length > 0,
      async fn() {
        setCpuBackend(backendByName(backend));
        try {
          await mx.nd.waitAll();
          const before = mx.nd.memoryInfo().count;
          await mx.nd.scope(async () => {
            await fn();
          });
          await mx.nd.waitAll();
          const after = mx.nd.memoryInfo().count;
          // More is a leak. Fewer is not: the collector may run the finalizers of arrays
          // that earlier tests dropped without disposing them at any moment, this one's too.
          assert.ok(after <= before, `${name}: ${after - before} buffer(s) left alive`);
        } finally {
          setCpuBackend(undefined);
        }
      },
    });
  }
}

/** Asserts elementwise |a - e| <= atol + rtol*|e| (NaN matches NaN). */
export function assertClose(
  actual: ArrayLike<number | bigint>,
  expected: ArrayLike<number | bigint>,
  opts: { rtol?: number; atol?: number; msg?: string } = {},
): void {
  const rtol = opts.rtol ?? 1e-5, atol = opts.atol ?? 1e-6;
  assert.equal(actual.length, expected.length, `${opts.msg ?? ""} length`);
  for (let i = 0; i < actual.length; i++) {
    const a = Number(actual[i]), e = Number(expected[i]);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    assert.ok(
      Math.abs(a - e) <= atol + rtol * Math.abs(e),
      `${opts.msg ?? ""} element ${i}: got ${a}, expected ${e}`,
    );
  }
}

/** Reads an array's values as plain numbers. */
export async function values(a: mx.NDArray): Promise<number[]> {
  return Array.from(await a.data() as ArrayLike<number | bigint>, Number);
}

/** Deterministic pseudo-random floats in [lo, hi) for test inputs. */
export function randomValues(n: number, seed: number, lo = -1, hi = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + (hi - lo) * (s / 2 ** 32);
  });
}
