/**
 * Section "cuda": the CUDA backend on gpu(0) against PyTorch on the same CUDA device (a
 * Python subprocess: `$MXTS_BENCH_PYTHON`, else the newest torch found), float32 with TF32 off on torch's side. GEMM (ours: a hand-written
 * tiled kernel, torch: cuBLAS), elementwise bandwidth, dispatch overhead, a convolution
 * forward (torch: cuDNN) and an MLP SGD step with autograd.
 *
 * Runs only on a real device (the library's `cuda` build reporting one or more devices);
 * otherwise it prints one line saying why and returns no rows. It never loads the
 * emulated library (that only happens when MXTS_NATIVE_LIB points at it, and then this
 * section skips).
 *
 * Every timed loop ends with a readback of a few elements (`await x.data()` of a small
 * slice; torch: `.cpu()`), so the queued device work is inside the timing. Peer and ours
 * alternate, P O P O, each keeping its best round per workload. The section has a hard
 * time budget ({@link BUDGET_S}) so it fits a short device lease: each sample lasts about
 * {@link FULL}.sampleS, a workload about 1.5 s, a round about 15-30 s.
 * @module
 */
import * as mx from "../mod.ts";
import { backendFor } from "../backends/mod.ts";
import { loadNative, nativeLoadFailure } from "../backends/native/mod.ts";
import { cudaLibrary } from "../backends/native/cuda.ts";
import {
  type Contender,
  interleave,
  median,
  peerPythons,
  progress,
  randomF32,
  type Row,
} from "./_util.ts";

const OURS = "mxts-cuda";
const PEER = "torch-cuda";

/** Hard limit for the whole section, seconds (skipped workloads are reported). */
export const BUDGET_S = 120;
/** A second round (P O again) starts only if the first one ended before this, seconds. */
const SECOND_ROUND_BEFORE_S = 55;

/** Workload sizes (the emulator smoke test passes smaller ones). */
export interface CudaBenchConfig {
  /** Square GEMM sizes. */
  gemm: readonly number[];
  /** Elements of the add / relu operands. */
  elems: number;
  /** Tiny adds per dispatch sample (the last one is read back). */
  dispatchOps: number;
  /** Convolution: x [n, c, h, w], weight [m, c, k, k], stride 1, padding `pad`, no bias. */
  conv: { n: number; c: number; h: number; w: number; m: number; k: number; pad: number };
  /** MLP in-hidden-classes, trained with SGD on one fixed batch. */
  mlp: { batch: number; inp: number; hidden: number; classes: number };
  /** Seconds one timed sample lasts (calibrated iteration count). */
  sampleS: number;
}

/** The benchmark's workloads. */
export const FULL: CudaBenchConfig = {
  gemm: [1024, 4096],
  elems: 1e8,
  dispatchOps: 10_000,
  conv: { n: 64, c: 16, h: 14, w: 14, m: 32, k: 3, pad: 1 },
  mlp: { batch: 256, inp: 784, hidden: 256, classes: 10 },
  sampleS: 0.2,
};

/** Measured values by workload key, in the row's unit (GFLOP/s, GB/s, µs/op, ms, steps/s). */
export type Results = Record<string, number>;

/** Keys where smaller is better. */
const LATENCY = new Set(["dispatch", "conv"]);

interface Workload {
  key: string;
  label: string;
  sense: Row["sense"];
  target: number;
}

function workloads(cfg: CudaBenchConfig): Workload[] {
  const { n, c, h, w, m, k, pad } = cfg.conv;
  const { batch, inp, hidden, classes } = cfg.mlp;
  const e = cfg.elems.toExponential().replace("e+", "e");
  return [
    ...cfg.gemm.map((g): Workload => ({
      key: `gemm${g}`,
      label: `GEMM ${g}x${g}, GFLOP/s (torch: cuBLAS)`,
      sense: "throughput",
      target: 0.5,
    })),
    { key: "add", label: `add ${e}, GB/s (new output)`, sense: "throughput", target: 0.8 },
    { key: "relu", label: `relu ${e}, GB/s (new output)`, sense: "throughput", target: 0.8 },
    {
      key: "dispatch",
      label: `dispatch: ${cfg.dispatchOps} x add [4] + 1 readback, µs/op`,
      sense: "latency",
      target: 0.5,
    },
    {
      key: "conv",
      label: `conv ${n}x${c}x${h}x${w} -> ${m} ${k}x${k} pad ${pad}: forward, ms (torch: cuDNN)`,
      sense: "latency",
      target: 0.3,
    },
    {
      key: "mlp",
      label: `MLP ${inp}-${hidden}-${classes} SGD step (batch ${batch}, autograd), steps/s`,
      sense: "throughput",
      target: 0.5,
    },
  ];
}

// ---------------------------------------------------------------------------------------
// The peer: PyTorch in a subprocess of the peers' interpreter (bench/_util.ts peerPythons).

/**
 * torch's side. argv[1] is JSON: the config plus `device` ("cuda"; "cpu" to check the
 * script without a GPU) and `budget_s` (from the script's start, imports included).
 * Prints one JSON object per line as it goes ({info}, {key, value}, {skipped}, {error},
 * or {unavailable} and exit 0), so a run killed at the deadline still reports what it
 * measured. Same workloads, sizes, calibration and readbacks as ours.
 */
const PEER_PY = String.raw`
import json, sys, time
T0 = time.perf_counter()
cfg = json.loads(sys.argv[1])
DEADLINE = T0 + cfg["budget_s"]
S = cfg["sample_s"]
def emit(**kv):
    print(json.dumps(kv), flush=True)
try:
    import torch
    import torch.nn.functional as F
except Exception as e:
    emit(unavailable="torch is not importable (%s)" % e)
    sys.exit(0)
dev = cfg["device"]
if dev == "cuda":
    if torch.version.cuda is None:
        emit(unavailable="torch %s is a CPU-only build (torch.cuda.is_available() is false)" % torch.__version__)
        sys.exit(0)
    if not torch.cuda.is_available():
        emit(unavailable="torch %s (CUDA %s): torch.cuda.is_available() is false" % (torch.__version__, torch.version.cuda))
        sys.exit(0)
    where = torch.cuda.get_device_name(0)
else:
    where = dev
try:
    torch.set_float32_matmul_precision("highest")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    tf32 = "off"
except Exception as e:
    tf32 = "setting failed: %s" % e
torch.manual_seed(1)
torch.rand(4, device=dev).cpu()
emit(info="torch %s on %s, TF32 %s" % (torch.__version__, where, tf32), device=where, tf32=tf32,
     version=torch.__version__,
     startup_s=time.perf_counter() - T0)

def head(t):
    t.detach().reshape(-1)[:4].cpu()

def measure(body):
    body(1)
    t0 = time.perf_counter(); body(1); once = time.perf_counter() - t0
    k = max(1, round(S / max(once, 1e-7)))
    warm, reps = (0, 3) if once > S else (1, 5)
    for _ in range(warm):
        body(k)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); body(k); ts.append((time.perf_counter() - t0) / k)
    ts.sort()
    return ts[len(ts) // 2]

def gemm(n):
    a = torch.rand(n, n, device=dev) - 0.5; b = torch.rand(n, n, device=dev) - 0.5
    def body(k):
        for _ in range(k - 1):
            a @ b
        head(a @ b)
    return 2 * n ** 3 / measure(body) / 1e9

def elementwise(op):
    N = int(cfg["elems"])
    x = torch.rand(N, device=dev) - 0.5; y = torch.rand(N, device=dev) - 0.5
    f = (lambda: x + y) if op == "add" else (lambda: torch.relu(x))
    def body(k):
        for _ in range(k - 1):
            f()
        head(f())
    return (12 if op == "add" else 8) * N / measure(body) / 1e9

def dispatch():
    ops = int(cfg["dispatch_ops"])
    s = torch.rand(4, device=dev); u = torch.rand(4, device=dev)
    def sample():
        t0 = time.perf_counter()
        for _ in range(ops - 1):
            s + u
        (s + u).cpu()
        return (time.perf_counter() - t0) / ops
    for _ in range(6):
        sample()
    ts = sorted(sample() for _ in range(7))
    return ts[3] * 1e6

def conv():
    n, c, h, w, m, k, pad = (int(cfg["conv"][q]) for q in ("n", "c", "h", "w", "m", "k", "pad"))
    x = torch.rand(n, c, h, w, device=dev) - 0.5; wt = torch.rand(m, c, k, k, device=dev) - 0.5
    def body(it):
        for _ in range(it - 1):
            F.conv2d(x, wt, padding=pad)
        head(F.conv2d(x, wt, padding=pad))
    return measure(body) * 1e3

def mlp():
    B, D, H, C = (int(cfg["mlp"][q]) for q in ("batch", "inp", "hidden", "classes"))
    X = torch.rand(B, D, device=dev) - 0.5
    y = torch.tensor([(i * 7) % C for i in range(B)], device=dev)
    w1 = ((torch.rand(D, H, device=dev) - 0.5) * 0.1).requires_grad_()
    w2 = ((torch.rand(H, C, device=dev) - 0.5) * 0.1).requires_grad_()
    lr = 0.05
    def step():
        logp = torch.log_softmax(torch.relu(X @ w1) @ w2, dim=1)
        loss = -logp.gather(1, y[:, None]).mean()
        loss.backward()
        with torch.no_grad():
            w1.sub_(w1.grad * lr); w2.sub_(w2.grad * lr)
        w1.grad = None; w2.grad = None
    def body(k):
        for _ in range(k):
            step()
        head(w2)
    return 1 / measure(body)

jobs = [("gemm%d" % n, (lambda n=n: gemm(n))) for n in cfg["gemm"]]
jobs += [("add", lambda: elementwise("add")), ("relu", lambda: elementwise("relu")),
         ("dispatch", dispatch), ("conv", conv), ("mlp", mlp)]
for key, fn in jobs:
    if time.perf_counter() > DEADLINE:
        emit(skipped=key)
        continue
    try:
        emit(key=key, value=fn())
    except Exception as e:
        emit(error=key, why="%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
    if dev == "cuda":
        torch.cuda.empty_cache()
`;

/** What one peer run gave: results (maybe partial) and the device, or why there are none. */
export type PeerRun = { results: Results; device: string; tf32: string; version: string } | {
  unavailable: string;
};

/**
 * Runs the torch script with `python` on `device` within `budgetS` seconds (killed 20 s
 * after that); "spawn-failed" when that python does not exist.
 */
async function runPython(
  python: string,
  cfg: CudaBenchConfig,
  device: string,
  budgetS: number,
): Promise<PeerRun | "spawn-failed"> {
  const arg = JSON.stringify({
    device,
    budget_s: budgetS,
    sample_s: cfg.sampleS,
    gemm: cfg.gemm,
    elems: Math.round(cfg.elems),
    dispatch_ops: cfg.dispatchOps,
    conv: cfg.conv,
    mlp: cfg.mlp,
  });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(python, {
      args: ["-c", PEER_PY, arg],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch {
    return "spawn-failed";
  }
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }, (budgetS + 20) * 1e3);
  let out: Deno.CommandOutput;
  try {
    out = await child.output();
  } finally {
    clearTimeout(timer);
  }
  const results: Results = {};
  let gpuName = "", tf32 = "", version = "";
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    if (!line.startsWith("{")) continue;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof m.unavailable === "string") return { unavailable: `${python}: ${m.unavailable}` };
    if (typeof m.info === "string") {
      gpuName = String(m.device ?? "");
      tf32 = String(m.tf32 ?? "");
      version = String(m.version ?? "");
      progress(`cuda: peer ${m.info} (start-up ${Number(m.startup_s).toFixed(1)} s)`);
    } else if (typeof m.key === "string" && typeof m.value === "number") {
      results[m.key] = m.value;
    } else if (typeof m.skipped === "string") {
      progress(`cuda: peer skipped ${m.skipped}: time budget spent`);
    } else if (typeof m.error === "string") progress(`cuda: peer ${m.error} failed: ${m.why}`);
  }
  if (killed) progress(`cuda: peer killed after ${budgetS + 20} s; keeping what it reported`);
  if (!gpuName) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
    return { unavailable: `${python} failed (exit ${out.code}): ${err || "no output"}` };
  }
  return { results, device: gpuName, tf32, version };
}

/**
 * torch's results with the first python (of `peerPythons()`: `$MXTS_BENCH_PYTHON`, else the
 * newest torch first; or `python` when given) that has torch on `device`, and which python
 * that was; or why none has.
 */
export async function runPeer(
  cfg: CudaBenchConfig,
  device: string,
  budgetS: number,
  python?: string,
): Promise<{ run: PeerRun; python?: string }> {
  const why: string[] = [];
  for (const py of python ? [python] : await peerPythons()) {
    const r = await runPython(py, cfg, device, budgetS);
    if (r === "spawn-failed") {
      why.push(`${py}: not found`);
      continue;
    }
    if ("results" in r) return { run: r, python: py };
    why.push(r.unavailable);
  }
  return { run: { unavailable: why.join("; ") } };
}

// ---------------------------------------------------------------------------------------
// Ours: mxts on gpu(0).

let hostData: Float32Array[] | undefined;
let hostDataFor = 0;

/** The elementwise operands' host data, made once (1e8 floats take a while in JS). */
function elementwiseData(n: number): Float32Array[] {
  if (!hostData || hostDataFor !== n) {
    hostData = [randomF32(n, 3), randomF32(n, 4)];
    hostDataFor = n;
  }
  return hostData;
}

/** Waits for `x` by reading back its first (at most 4) elements. */
async function head(x: mx.NDArray): Promise<void> {
  const last = x.shape.length - 1;
  const h = x.slice(x.shape.map(() => 0), x.shape.map((d, i) => (i === last ? Math.min(4, d) : 1)));
  try {
    await h.data();
  } finally {
    h.dispose();
  }
}

/**
 * Median seconds per iteration of `body(k)` (k iterations ending in a readback), with k
 * calibrated so a sample lasts about `sampleS`; mirrors the peer's `measure`.
 */
async function measure(body: (k: number) => Promise<void>, sampleS: number): Promise<number> {
  const run = async (k: number) => {
    const t0 = performance.now();
    await body(k);
    return (performance.now() - t0) / 1e3;
  };
  await run(1);
  const once = await run(1);
  const k = Math.max(1, Math.round(sampleS / Math.max(once, 1e-7)));
  const [warmup, reps] = once > sampleS ? [0, 3] : [1, 5];
  const c: Contender = { name: OURS, sample: async () => (await run(k)) / k };
  const [s] = await interleave([c], { warmup, reps });
  return s;
}

async function gemm(g: mx.Context, n: number, cfg: CudaBenchConfig): Promise<number> {
  const a = mx.nd.array(randomF32(n * n, 5), { shape: [n, n], ctx: g });
  const b = mx.nd.array(randomF32(n * n, 6), { shape: [n, n], ctx: g });
  try {
    const t = await measure(async (k) => {
      for (let i = 0; i < k - 1; i++) mx.nd.dot(a, b).dispose();
      const c = mx.nd.dot(a, b);
      try {
        await head(c);
      } finally {
        c.dispose();
      }
    }, cfg.sampleS);
    return 2 * n ** 3 / t / 1e9;
  } finally {
    a.dispose(), b.dispose();
  }
}

async function elementwise(
  g: mx.Context,
  op: "add" | "relu",
  cfg: CudaBenchConfig,
): Promise<number> {
  const n = Math.round(cfg.elems);
  const [hx, hy] = elementwiseData(n);
  const x = mx.nd.array(hx, { shape: [n], ctx: g });
  const y = op === "add" ? mx.nd.array(hy, { shape: [n], ctx: g }) : undefined;
  const f = () => (y ? x.add(y) : x.relu());
  try {
    const t = await measure(async (k) => {
      for (let i = 0; i < k - 1; i++) f().dispose();
      const z = f();
      try {
        await head(z);
      } finally {
        z.dispose();
      }
    }, cfg.sampleS);
    return (y ? 12 : 8) * n / t / 1e9;
  } finally {
    x.dispose(), y?.dispose();
  }
}

/** µs per tiny add: `dispatchOps` adds, the last read back (like the native section). */
async function dispatch(g: mx.Context, cfg: CudaBenchConfig): Promise<number> {
  const ops = cfg.dispatchOps;
  const a = mx.nd.array(randomF32(4, 1), { shape: [4], ctx: g });
  const b = mx.nd.array(randomF32(4, 2), { shape: [4], ctx: g });
  try {
    const sample = async () => {
      const t0 = performance.now();
      for (let i = 0; i < ops - 1; i++) a.add(b).dispose();
      const last = a.add(b);
      try {
        await last.data();
      } finally {
        last.dispose();
      }
      return (performance.now() - t0) / ops * 1e3;
    };
    // Warm-up long enough for V8 to optimise the dispatch path (~60k calls), as torch's.
    for (let r = 0; r < 6; r++) await sample();
    const samples: number[] = [];
    for (let r = 0; r < 7; r++) samples.push(await sample());
    return median(samples);
  } finally {
    a.dispose(), b.dispose();
  }
}

/** ms per forward `mx.nd.Convolution` (no bias, new output). */
async function conv(g: mx.Context, cfg: CudaBenchConfig): Promise<number> {
  const { n, c, h, w, m, k, pad } = cfg.conv;
  const x = mx.nd.array(randomF32(n * c * h * w, 7), { shape: [n, c, h, w], ctx: g });
  const wt = mx.nd.array(randomF32(m * c * k * k, 8), { shape: [m, c, k, k], ctx: g });
  const f = () =>
    mx.nd.Convolution({
      data: x,
      weight: wt,
      kernel: [k, k],
      numFilter: m,
      pad: [pad, pad],
      noBias: true,
    });
  try {
    const t = await measure(async (it) => {
      for (let i = 0; i < it - 1; i++) f().dispose();
      const y = f();
      try {
        await head(y);
      } finally {
        y.dispose();
      }
    }, cfg.sampleS);
    return t * 1e3;
  } finally {
    x.dispose(), wt.dispose();
  }
}

/** Steps/s of one SGD step of the MLP with softmax cross-entropy, autograd on gpu(0). */
async function mlp(g: mx.Context, cfg: CudaBenchConfig): Promise<number> {
  const { batch: B, inp: D, hidden: H, classes: C } = cfg.mlp;
  const lr = 0.05;
  const X = mx.nd.array(randomF32(B * D, 7), { shape: [B, D], ctx: g });
  const Y = mx.nd.array(Array.from({ length: B }, (_, i) => (i * 7) % C), { ctx: g });
  const w1 = mx.nd.array(randomF32(D * H, 8).map((v) => v * 0.1), { shape: [D, H], ctx: g });
  const w2 = mx.nd.array(randomF32(H * C, 9).map((v) => v * 0.1), { shape: [H, C], ctx: g });
  w1.attachGrad(), w2.attachGrad();
  const step = () =>
    mx.nd.scope(() => {
      const loss = mx.autograd.record(() => {
        const h = mx.nd.dot(X, w1).relu();
        const logp = mx.nd.dot(h, w2).logSoftmax();
        return logp.pick(Y, { axis: 1 }).mean().neg();
      });
      loss.backward();
      w1.subInPlace(w1.grad!.mul(lr));
      w2.subInPlace(w2.grad!.mul(lr));
    });
  try {
    const t = await measure(async (k) => {
      for (let i = 0; i < k; i++) step();
      await head(w2);
    }, cfg.sampleS);
    return 1 / t;
  } finally {
    // Disposing a weight leaves its gradient buffer alive.
    for (const a of [X, Y, w1.grad, w2.grad, w1, w2]) a?.dispose();
  }
}

/**
 * One round of our workloads on gpu(0), skipping those that would start after
 * `deadline` (performance.now() ms). A failed workload is reported and left out.
 */
export async function oursRound(cfg: CudaBenchConfig, deadline: number): Promise<Results> {
  const g = mx.gpu(0);
  const jobs: [string, () => Promise<number>][] = [
    ...cfg.gemm.map((n) => [`gemm${n}`, () => gemm(g, n, cfg)] as [string, () => Promise<number>]),
    ["add", () => elementwise(g, "add", cfg)],
    ["relu", () => elementwise(g, "relu", cfg)],
    ["dispatch", () => dispatch(g, cfg)],
    ["conv", () => conv(g, cfg)],
    ["mlp", () => mlp(g, cfg)],
  ];
  const units = new Map(
    workloads(cfg).map((w) => [w.key, w.label.split(", ").at(-1)!.replace(/ \(.*\)$/, "")]),
  );
  const r: Results = {};
  for (const [key, fn] of jobs) {
    if (performance.now() > deadline) {
      progress(`cuda: ours skipped ${key}: time budget spent`);
      continue;
    }
    const before = mx.nd.memoryInfo(g);
    const t0 = performance.now();
    try {
      r[key] = await fn();
      progress(
        `cuda: ours ${key}: ${r[key].toPrecision(4)} ${units.get(key)} (${
          ((performance.now() - t0) / 1e3).toFixed(1)
        } s)`,
      );
    } catch (e) {
      progress(`cuda: ours ${key} failed: ${(e as Error).stack ?? e}`);
    }
    const after = mx.nd.memoryInfo(g);
    if (after.count > before.count) {
      progress(
        `cuda: note: ${key} left ${after.count - before.count} gpu(0) buffers ` +
          `(${((after.bytes - before.bytes) / 2 ** 20).toFixed(1)} MiB) alive`,
      );
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------

/** Why this process has no real CUDA device for gpu(0), or undefined when it has one. */
function whySkip(): string | undefined {
  const native = loadNative();
  if (!native) return `the native library is not available (${nativeLoadFailure()})`;
  const part = cudaLibrary(native);
  if ("reason" in part) return part.reason;
  if (part.build !== "cuda") {
    return `the library is the ${part.build} build (kernels run on the host CPU), not a GPU`;
  }
  const be = backendFor(mx.gpu(0)).name;
  if (be !== "cuda") return `gpu(0) is served by the ${be} backend (MXTS_GPU_BACKEND?)`;
  return undefined;
}

function keepBest(into: Results, r: Results): void {
  for (const [k, v] of Object.entries(r)) {
    const old = into[k];
    into[k] = old === undefined ? v : LATENCY.has(k) ? Math.min(old, v) : Math.max(old, v);
  }
}

/** Runs the section: [] with a printed reason when there is no real CUDA device. */
export async function run(cfg: CudaBenchConfig = FULL): Promise<Row[]> {
  const why = whySkip();
  if (why) {
    progress(`cuda: skipped, ${why}`);
    return [];
  }
  const t0 = performance.now();
  const deadline = t0 + BUDGET_S * 1e3;
  const elapsedS = () => (performance.now() - t0) / 1e3;
  const ours: Results = {};
  const theirs: Results = {};
  let peerDevice = "", peerTf32 = "off", peerVersion = "";
  let peerWhy: string | undefined;
  let python: string | undefined;
  for (let round = 1; round <= 2; round++) {
    if (round === 2 && elapsedS() > SECOND_ROUND_BEFORE_S) {
      progress(`cuda: one round only (${elapsedS().toFixed(0)} s spent)`);
      break;
    }
    if (!peerWhy) {
      progress(`cuda: measuring torch (round ${round})...`);
      // Leave ours at least a third of what is left.
      const budget = Math.max(10, Math.min(45, (BUDGET_S - elapsedS()) * 0.45));
      const { run: r, python: py } = await runPeer(cfg, "cuda", budget, python);
      if ("unavailable" in r) {
        if (round === 1) {
          peerWhy = r.unavailable;
          progress(`cuda: no peer, reporting ours without a ratio: ${peerWhy}`);
        } else progress(`cuda: peer round 2 failed, keeping round 1: ${r.unavailable}`);
      } else {
        python = py;
        peerDevice = r.device;
        peerTf32 = r.tf32;
        peerVersion = r.version;
        keepBest(theirs, r.results);
      }
    }
    progress(`cuda: measuring mxts on gpu(0) (round ${round})...`);
    keepBest(ours, await oursRound(cfg, deadline));
  }
  progress(`cuda: section took ${elapsedS().toFixed(1)} s`);
  const section = `cuda: mxts CUDA backend vs PyTorch CUDA on ${peerDevice || "gpu(0)"} (float32, ${
    peerWhy ? "no torch peer" : `torch TF32 ${peerTf32}`
  })`;
  return workloads(cfg).map((w) => ({
    section,
    workload: w.label,
    ours: ours[w.key] ?? NaN,
    theirs: theirs[w.key] ?? NaN,
    sense: w.sense,
    target: w.target,
    oursName: OURS,
    theirsName: peerWhy ? `${PEER} (unavailable)` : `${PEER} ${peerVersion}`,
  }));
}
