/**
 * Section "native": the native CPU backend against numpy (and PyTorch when installed),
 * run by this script as a subprocess of the peers' interpreter (`$MXTS_BENCH_PYTHON`, else
 * the one with the newest torch: bench/_util.ts `peerPython`) with the same
 * OPENBLAS_CORETYPE and thread count. Peers that are not installed are skipped with a
 * printed note; the peer columns name the versions compared against.
 * @module
 */
import * as mx from "../mod.ts";
import { backendByName, setCpuBackend } from "../backends/mod.ts";
import { loadNative } from "../backends/native/mod.ts";
import {
  type Contender,
  interleave,
  median,
  peerPython,
  peerWith,
  progress,
  randomF32,
  type Row,
  torchName,
} from "./_util.ts";

const SECTION = "native: mxts native backend vs numpy / torch (float32)";
const OURS = "mxts-native";

/**
 * The peer side: prints one JSON object of medians. Same workloads as ours: new output
 * per op; GEMM and elementwise results are complete when the call returns.
 */
const PEER_PY = String.raw`
import json, sys, time
which = sys.argv[1]
res = {}
def med(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    ts.sort(); return ts[len(ts) // 2]
if which == "numpy":
    import numpy as np
    rng = np.random.default_rng(1)
    for n in (64, 256, 1024):
        a = rng.random((n, n), dtype=np.float32) - 0.5; b = rng.random((n, n), dtype=np.float32) - 0.5
        it = max(1, int(2e8 / (2 * n ** 3)))
        for _ in range(3): a @ b
        t = med(lambda: [a @ b for _ in range(it)], 7) / it
        res["gemm%d" % n] = 2 * n ** 3 / t / 1e9
    x = rng.random(10 ** 7, dtype=np.float32) - 0.5; y = rng.random(10 ** 7, dtype=np.float32) - 0.5
    for _ in range(3): x + y; np.maximum(x, 0)
    res["add"] = 12e7 / med(lambda: x + y, 15) / 1e9
    res["relu"] = 8e7 / med(lambda: np.maximum(x, 0), 15) / 1e9
    s, u = x[:4].copy(), y[:4].copy()
    res["dispatch"] = med(lambda: [s + u for _ in range(10000)], 9) / 10000 * 1e6
else:
    import torch
    torch.manual_seed(1)
    for n in (64, 256, 1024):
        a = torch.rand(n, n) - 0.5; b = torch.rand(n, n) - 0.5
        it = max(1, int(2e8 / (2 * n ** 3)))
        for _ in range(3): a @ b
        t = med(lambda: [a @ b for _ in range(it)], 7) / it
        res["gemm%d" % n] = 2 * n ** 3 / t / 1e9
    x = torch.rand(10 ** 7) - 0.5; y = torch.rand(10 ** 7) - 0.5
    for _ in range(3): x + y; torch.relu(x)
    res["add"] = 12e7 / med(lambda: x + y, 15) / 1e9
    res["relu"] = 8e7 / med(lambda: torch.relu(x), 15) / 1e9
    s, u = x[:4].clone(), y[:4].clone()
    res["dispatch"] = med(lambda: [s + u for _ in range(10000)], 9) / 10000 * 1e6
print(json.dumps(res))
`;

type PeerResult = Record<"gemm64" | "gemm256" | "gemm1024" | "add" | "relu" | "dispatch", number>;

/** The convolution row: x [64, 16, 14, 14], w [32, 16, 3, 3], pad 1, stride 1, no bias. */
const CONV = { n: 64, c: 16, h: 14, w: 14, m: 32, k: 3, pad: 1 } as const;

/**
 * torch's side of the convolution row: prints {"conv": median seconds} of one forward
 * `conv2d` (new output) at the intra-op thread count given.
 */
const CONV_PY = String.raw`
import json, sys, time, torch
threads = int(sys.argv[1]); n, c, h, w, m, k, pad = (int(v) for v in sys.argv[2:9])
torch.set_num_threads(threads)
torch.manual_seed(1)
x = torch.rand(n, c, h, w) - 0.5; wt = torch.rand(m, c, k, k) - 0.5
f = lambda: torch.nn.functional.conv2d(x, wt, padding=pad)
for _ in range(5): f()
t0 = time.perf_counter(); f(); once = time.perf_counter() - t0
it = max(1, round(0.1 / max(once, 1e-6)))
ts = []
for _ in range(9):
    t0 = time.perf_counter()
    for _ in range(it): f()
    ts.append((time.perf_counter() - t0) / it)
ts.sort()
print(json.dumps({"conv": ts[len(ts) // 2]}))
`;

/** torch's best (1 or `cores` intra-op threads) forward time of the convolution row. */
async function torchConv(cores: number): Promise<number | string> {
  const py = await peerWith("torch");
  if (typeof py === "string") return py;
  let best = Infinity, why = "";
  for (const threads of new Set([1, cores])) {
    const env: Record<string, string> = {
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: "1",
      MKL_NUM_THREADS: "1",
    };
    const core = Deno.env.get("OPENBLAS_CORETYPE");
    if (core) env.OPENBLAS_CORETYPE = core;
    const args = [String(threads), ...Object.values(CONV).map(String)];
    const out = await new Deno.Command(py.python, {
      args: ["-c", CONV_PY, ...args],
      env,
    }).output();
    if (out.success) {
      const t = (JSON.parse(new TextDecoder().decode(out.stdout)) as { conv: number }).conv;
      progress(`native: torch conv2d forward, ${threads} thread(s): ${(t * 1e3).toFixed(3)} ms`);
      best = Math.min(best, t);
    } else {
      const err = new TextDecoder().decode(out.stderr);
      why = `torch failed: ${err.trim().split("\n").slice(-3).join(" | ")}`;
    }
  }
  return Number.isFinite(best) ? best : why;
}

async function runPeer(which: "numpy" | "torch", threads: string): Promise<PeerResult | string> {
  const env: Record<string, string> = {
    OPENBLAS_NUM_THREADS: threads,
    OMP_NUM_THREADS: threads,
  };
  const core = Deno.env.get("OPENBLAS_CORETYPE");
  if (core) env.OPENBLAS_CORETYPE = core;
  const py = await peerWith(which);
  if (typeof py === "string") return py;
  const out = await new Deno.Command(py.python, {
    args: ["-c", PEER_PY, which],
    env,
  }).output();
  if (out.success) return JSON.parse(new TextDecoder().decode(out.stdout)) as PeerResult;
  return `${which} failed: ${new TextDecoder().decode(out.stderr)}`;
}

/** Median seconds of `fn` after warm-up, with enough calls per sample to last ~0.1 s. */
async function timeOurs(fn: () => Promise<void>): Promise<number> {
  await fn();
  const t0 = performance.now();
  await fn();
  const once = (performance.now() - t0) / 1e3;
  const iters = Math.max(1, Math.round(0.1 / Math.max(once, 1e-7)));
  const sample: Contender = {
    name: OURS,
    async sample() {
      const t = performance.now();
      for (let i = 0; i < iters; i++) await fn();
      return (performance.now() - t) / 1e3 / iters;
    },
  };
  const [s] = await interleave([sample], { warmup: 2, reps: 9 });
  return s;
}

async function gemm(n: number): Promise<number> {
  const a = mx.nd.array(randomF32(n * n, 5), { shape: [n, n] });
  const b = mx.nd.array(randomF32(n * n, 6), { shape: [n, n] });
  const t = await timeOurs(async () => {
    const c = mx.nd.dot(a, b);
    await c.waitToRead();
    c.dispose();
  });
  a.dispose(), b.dispose();
  return 2 * n ** 3 / t / 1e9;
}

async function elementwise(op: "add" | "relu"): Promise<number> {
  const N = 1e7;
  const x = mx.nd.array(randomF32(N, 3), { shape: [N] });
  const y = mx.nd.array(randomF32(N, 4), { shape: [N] });
  const t = await timeOurs(async () => {
    const z = op === "add" ? x.add(y) : x.relu();
    await z.waitToRead();
    z.dispose();
  });
  x.dispose(), y.dispose();
  return (op === "add" ? 12 : 8) * N / t / 1e9;
}

async function dispatch(): Promise<number> {
  const OPS = 10_000;
  const a = mx.nd.array(randomF32(4, 1), { shape: [4] });
  const b = mx.nd.array(randomF32(4, 2), { shape: [4] });
  const samples: number[] = [];
  // A long warm-up: V8 needs ~100k calls before the dispatch path is optimised.
  for (let r = 0; r < 24; r++) {
    const t0 = performance.now();
    for (let i = 0; i < OPS - 1; i++) a.add(b).dispose();
    const last = a.add(b);
    await last.data();
    last.dispose();
    if (r >= 12) samples.push((performance.now() - t0) / OPS * 1e3);
  }
  a.dispose(), b.dispose();
  return median(samples);
}

/**
 * Seconds per forward `mx.nd.Convolution` of the convolution row (no bias, new output;
 * the op lowers to the `_conv2d` primitive, i.e. the native `conv2d` kernel). The kernel
 * alone, called through the backend, is reported as a note for comparison.
 */
async function conv(): Promise<number> {
  const { n, c, h, w, m, k, pad } = CONV;
  const x = mx.nd.array(randomF32(n * c * h * w, 7), { shape: [n, c, h, w] });
  const wt = mx.nd.array(randomF32(m * c * k * k, 8), { shape: [m, c, k, k] });
  const t = await timeOurs(async () => {
    const y = mx.nd.Convolution({
      data: x,
      weight: wt,
      kernel: [k, k],
      numFilter: m,
      pad: [pad, pad],
      noBias: true,
    });
    await y.waitToRead();
    y.dispose();
  });
  x.dispose(), wt.dispose();
  const be = backendByName("native");
  const xb = be.alloc("float32", n * c * h * w, 0), wb = be.alloc("float32", m * c * k * k, 0);
  const yb = be.alloc("float32", n * m * h * w, 0);
  be.write(xb, randomF32(n * c * h * w, 7));
  be.write(wb, randomF32(m * c * k * k, 8));
  const geo = {
    batch: n,
    channels: c,
    height: h,
    width: w,
    filters: m,
    groups: 1,
    kernelH: k,
    kernelW: k,
    strideH: 1,
    strideW: 1,
    padH: pad,
    padW: pad,
    dilateH: 1,
    dilateW: 1,
    outH: h + 2 * pad - k + 1,
    outW: w + 2 * pad - k + 1,
  };
  const tk = await timeOurs(async () => {
    await be.kernels.conv2d(xb, wb, yb, geo);
  });
  for (const b of [xb, wb, yb]) be.free(b);
  progress(
    `native: conv2d forward: mx.nd.Convolution ${(t * 1e3).toFixed(3)} ms, kernel alone ` +
      `${(tk * 1e3).toFixed(3)} ms`,
  );
  return t;
}

/** Runs the section; returns [] (with a note) when the native library is not built. */
export async function run(): Promise<Row[]> {
  const native = loadNative();
  if (!native) {
    progress("native: skipped, the library is not built (deno run -A tools/build_native.ts)");
    return [];
  }
  const threads = native.openblas.threads;
  progress(
    `native: OPENBLAS_CORETYPE=${native.openblas.coreType ?? "(auto)"} (OpenBLAS reports ` +
      `${native.blasCore}), ${threads} BLAS threads, ${native.cores} kernel cores`,
  );
  // Peers (subprocesses) and ours alternate twice, P O P O, and each side keeps its best
  // round per workload: this machine's speed drifts by up to 1.5x within a minute, and a
  // single P-then-O pass turned that drift into the ratio.
  const peers: Partial<Record<"numpy" | "torch", PeerResult>> = {};
  const ours: Partial<PeerResult> & { conv?: number } = {};
  const LATENCY = new Set(["dispatch", "conv"]);
  const keepBest = <T extends object>(into: T, r: T): T => {
    const a = into as Record<string, number>;
    for (const [k, v] of Object.entries(r as Record<string, number>)) {
      const old = a[k];
      a[k] = old === undefined ? v : LATENCY.has(k) ? Math.min(old, v) : Math.max(old, v);
    }
    return into;
  };
  let torchConvS: number | undefined;
  const skipped = new Set<string>();
  for (let round = 1; round <= 2; round++) {
    for (const which of ["numpy", "torch"] as const) {
      if (skipped.has(which)) continue;
      progress(`native: measuring ${which} (round ${round})...`);
      const r = await runPeer(which, threads);
      if (typeof r === "string") {
        progress(`native: ${which} skipped: ${r}`);
        skipped.add(which);
      } else peers[which] = keepBest(peers[which] ?? ({} as PeerResult), r);
    }
    if (!skipped.has("torch conv")) {
      progress(`native: measuring torch conv2d (round ${round})...`);
      const tc = await torchConv(native.cores);
      if (typeof tc === "string") {
        progress(`native: torch conv2d skipped: ${tc}`);
        skipped.add("torch conv");
      } else torchConvS = Math.min(torchConvS ?? Infinity, tc);
    }
    setCpuBackend(backendByName("native"));
    try {
      const r: Record<string, number> = {};
      for (const n of [64, 256, 1024] as const) r[`gemm${n}`] = await gemm(n);
      r.add = await elementwise("add");
      r.relu = await elementwise("relu");
      r.dispatch = await dispatch();
      r.conv = await conv();
      keepBest(ours, r as typeof ours);
    } finally {
      setCpuBackend(undefined);
    }
  }
  const rows: Row[] = [];
  const py = await peerPython();
  const peerName = (p: "numpy" | "torch") =>
    typeof py === "string" ? p : p === "torch" ? torchName(py) : `numpy ${py.numpy}`;
  const add = (
    workload: string,
    key: keyof PeerResult,
    peer: "numpy" | "torch" | "best",
    sense: Row["sense"],
    target: number,
  ) => {
    const avail = (["numpy", "torch"] as const).filter((p) => peers[p]);
    const chosen = peer === "best"
      ? avail.sort((p, q) =>
        sense === "throughput" ? peers[q]![key] - peers[p]![key] : peers[p]![key] - peers[q]![key]
      )[0]
      : peers[peer]
      ? peer
      : avail[0];
    if (!chosen) return;
    rows.push({
      section: SECTION,
      workload,
      ours: ours[key]!,
      theirs: peers[chosen]![key],
      sense,
      target,
      oursName: OURS,
      theirsName: peerName(chosen),
    });
  };
  add("sgemm 64, GFLOP/s", "gemm64", "numpy", "throughput", 0.5);
  add("sgemm 256, GFLOP/s", "gemm256", "numpy", "throughput", 0.9);
  add("sgemm 1024, GFLOP/s", "gemm1024", "numpy", "throughput", 0.9);
  add("add 1e7, GB/s (new output)", "add", "best", "throughput", 0.8);
  add("relu 1e7, GB/s (new output)", "relu", "best", "throughput", 0.8);
  add("dispatch: 10k x add [4], µs/op", "dispatch", "torch", "latency", 1);
  if (torchConvS !== undefined) {
    rows.push({
      section: SECTION,
      workload: "conv 64x16x14x14 -> 32 channels 3x3 (pad 1): forward, ms",
      ours: ours.conv! * 1e3,
      theirs: torchConvS * 1e3,
      sense: "latency",
      target: 0.8,
      oursName: OURS,
      theirsName: typeof py === "string" ? "torch" : torchName(py, "best threads"),
    });
  }
  return rows;
}
