/**
 * Section "np": mx.np on the native backend against NumPy in the same run (a subprocess of
 * the peers' interpreter, bench/_util.ts `peerPython`; same BLAS thread count): np.dot 1024, elementwise add 1e7, and indexing a
 * [1000, 1000] array: `x.get("1:3")` (a view sharing memory, as NumPy's) and
 * `x.get(":, 1:3")` (NumPy: a strided view; here a copy of the 2000 selected elements,
 * since mxts views are contiguous blocks).
 * @module
 */
import * as mx from "../mod.ts";
import { backendByName, setCpuBackend } from "../backends/mod.ts";
import { loadNative } from "../backends/native/mod.ts";
import { interleave, peerWith, progress, randomF32, type Row } from "./_util.ts";

const SECTION = "np: mx.np (native backend) vs NumPy (float32)";
const OURS = "mx.np";

const PEER_PY = String.raw`
import json, time
import numpy as np
def med(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    ts.sort(); return ts[len(ts) // 2]
rng = np.random.default_rng(1)
res = {}
n = 1024
a = rng.random((n, n), dtype=np.float32) - 0.5; b = rng.random((n, n), dtype=np.float32) - 0.5
for _ in range(3): np.dot(a, b)
res["dot"] = 2 * n ** 3 / med(lambda: np.dot(a, b), 9) / 1e9
x = rng.random(10 ** 7, dtype=np.float32) - 0.5; y = rng.random(10 ** 7, dtype=np.float32) - 0.5
for _ in range(3): np.add(x, y)
res["add"] = 12e7 / med(lambda: np.add(x, y), 15) / 1e9
m = rng.random((1000, 1000), dtype=np.float32)
def loop(f, k=100000):
    def g():
        for _ in range(k): f()
    return med(g, 7) / k * 1e6
res["rows"] = loop(lambda: m[1:3])
res["cols"] = loop(lambda: m[:, 1:3])
print(json.dumps(res))
`;

type Peer = Record<"dot" | "add" | "rows" | "cols", number>;

async function numpyPeer(threads: string): Promise<Peer | string> {
  const env: Record<string, string> = { OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads };
  const core = Deno.env.get("OPENBLAS_CORETYPE");
  if (core) env.OPENBLAS_CORETYPE = core;
  const py = await peerWith("numpy");
  if (typeof py === "string") return py;
  const out = await new Deno.Command(py.python, { args: ["-c", PEER_PY], env }).output();
  if (out.success) return JSON.parse(new TextDecoder().decode(out.stdout)) as Peer;
  return `numpy failed: ${
    new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ")
  }`;
}

/** Median seconds per call of `fn`, in samples lasting ~0.1 s. */
async function perCall(fn: () => Promise<void> | void, iters: number): Promise<number> {
  const [t] = await interleave([{
    name: OURS,
    async sample() {
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) await fn();
      return (performance.now() - t0) / 1e3 / iters;
    },
  }], { warmup: 3, reps: 9 });
  return t;
}

async function ours(): Promise<Peer> {
  const { np } = mx;
  const n = 1024;
  const a = np.array(randomF32(n * n, 5), { shape: [n, n] });
  const b = np.array(randomF32(n * n, 6), { shape: [n, n] });
  const tDot = await perCall(async () => {
    const c = np.dot(a, b);
    await c.waitToRead();
    c.dispose();
  }, 5);
  const N = 1e7;
  const x = np.array(randomF32(N, 3), { shape: [N] });
  const y = np.array(randomF32(N, 4), { shape: [N] });
  const tAdd = await perCall(async () => {
    const z = np.add(x, y);
    await z.waitToRead();
    z.dispose();
  }, 10);
  const m = np.array(randomF32(1e6, 7), { shape: [1000, 1000] });
  const K = 20000;
  const index = (idx: string) =>
    perCall(async () => {
      for (let i = 0; i < K - 1; i++) m.get(idx).dispose();
      const last = m.get(idx);
      await last.waitToRead();
      last.dispose();
    }, 1).then((t) => t / K * 1e6);
  const rows = await index("1:3");
  const cols = await index(":, 1:3");
  for (const t of [a, b, x, y, m]) t.dispose();
  return { dot: 2 * n ** 3 / tDot / 1e9, add: 12 * N / tAdd / 1e9, rows, cols };
}

/** Runs the section; returns [] (with a note) without the native library or NumPy. */
export async function run(): Promise<Row[]> {
  const native = loadNative();
  if (!native) {
    progress("np: skipped, the native library is not built (deno run -A tools/build_native.ts)");
    return [];
  }
  // Peer and ours alternate twice; each keeps its best round (the machine's speed drifts).
  let peer: Peer | undefined, mine: Peer | undefined;
  const best = (old: Peer | undefined, r: Peer): Peer =>
    old
      ? {
        dot: Math.max(old.dot, r.dot),
        add: Math.max(old.add, r.add),
        rows: Math.min(old.rows, r.rows),
        cols: Math.min(old.cols, r.cols),
      }
      : r;
  for (let round = 1; round <= 2; round++) {
    progress(`np: measuring numpy (round ${round})...`);
    const p = await numpyPeer(String(native.openblas.threads));
    if (typeof p === "string") {
      progress(`np: skipped: ${p}`);
      return [];
    }
    peer = best(peer, p);
    setCpuBackend(backendByName("native"));
    try {
      mine = best(mine, await ours());
    } finally {
      setCpuBackend(undefined);
    }
  }
  const py = await peerWith("numpy");
  const numpyName = typeof py === "string" ? "numpy" : `numpy ${py.numpy}`;
  const row = (
    workload: string,
    k: keyof Peer,
    sense: Row["sense"],
    target: number,
  ): Row => ({
    section: SECTION,
    workload,
    ours: mine![k],
    theirs: peer![k],
    sense,
    target,
    oursName: OURS,
    theirsName: numpyName,
  });
  return [
    row("np.dot 1024x1024, GFLOP/s", "dot", "throughput", 0.9),
    row("np.add 1e7, GB/s (new output)", "add", "throughput", 0.9),
    row('x.get("1:3") on [1000, 1000] (both views), µs', "rows", "latency", 0.2),
    row(
      'x.get(":, 1:3") on [1000, 1000] (numpy view; ours copies 2000), µs',
      "cols",
      "latency",
      0.05,
    ),
  ];
}
