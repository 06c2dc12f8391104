/**
 * Section "rnn": a gluon.rnn.LSTM layer (T=35, N=32, input 256, hidden 256, 2 layers)
 * forward + backward on the native CPU backend against PyTorch's nn.LSTM on the CPU, run
 * by this script as a python3 subprocess with the same thread count (the interpreter is
 * the benchmarks' peer Python: MXTS_BENCH_PYTHON, else the one with the newest torch; see
 * bench/_util.ts). Target: at least
 * 0.8x PyTorch's speed (issue #17). Peer and ours alternate twice, each keeping its best
 * round.
 * @module
 */
import * as mx from "../mod.ts";
import { backendByName, setCpuBackend } from "../backends/mod.ts";
import { loadNative } from "../backends/native/mod.ts";
import {
  type Contender,
  interleave,
  peerWith,
  progress,
  randomF32,
  type Row,
  torchName,
} from "./_util.ts";

const SECTION = "rnn: gluon.rnn.LSTM (native) vs torch.nn.LSTM (CPU), float32";
const SIZES = { steps: 35, batch: 32, input: 256, hidden: 256, layers: 2 };

/** The peer: prints the median seconds of one forward + backward. */
const PEER_PY = String.raw`
import json, sys, time, torch
threads, T, N, I, H, L = map(int, sys.argv[1:])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = torch.nn.LSTM(I, H, L)
x = torch.rand(T, N, I) - 0.5
def step():
    net.zero_grad()
    y, _ = net(x)
    y.sum().backward()
for _ in range(3): step()
ts = []
for _ in range(9):
    t0 = time.perf_counter(); step(); ts.append(time.perf_counter() - t0)
ts.sort()
print(json.dumps({"lstm": ts[len(ts) // 2]}))
`;

async function torchLstm(threads: number): Promise<number | string> {
  const peer = await peerWith("torch");
  if (typeof peer === "string") return peer;
  const env: Record<string, string> = { OMP_NUM_THREADS: String(threads) };
  const s = SIZES;
  const args = [threads, s.steps, s.batch, s.input, s.hidden, s.layers].map(String);
  const out = await new Deno.Command(peer.python, { args: ["-c", PEER_PY, ...args], env })
    .output();
  if (out.success) {
    return (JSON.parse(new TextDecoder().decode(out.stdout)) as { lstm: number }).lstm;
  }
  const err = new TextDecoder().decode(out.stderr);
  return `torch failed: ${err.trim().split("\n").slice(-3).join(" | ")}`;
}

/** Median seconds of one forward + backward of our layer. */
async function ours(): Promise<number> {
  const s = SIZES;
  const layer = new mx.gluon.rnn.LSTM(s.hidden, { numLayers: s.layers, inputSize: s.input });
  layer.initialize(new mx.init.Uniform(0.06));
  const x = mx.nd.array(randomF32(s.steps * s.batch * s.input, 3), {
    shape: [s.steps, s.batch, s.input],
  });
  const step = () =>
    mx.nd.scope(async () => {
      const y = mx.autograd.record(() => layer.forward(x) as mx.NDArray);
      y.backward();
      await mx.nd.waitAll();
    });
  const sample: Contender = {
    name: "mxts-native",
    async sample() {
      const t0 = performance.now();
      await step();
      return (performance.now() - t0) / 1e3;
    },
  };
  try {
    const [t] = await interleave([sample], { warmup: 2, reps: 5 });
    return t;
  } finally {
    layer.dispose();
    x.dispose();
  }
}

/** Runs the section; returns [] (with a note) when the native library or torch is missing. */
export async function run(): Promise<Row[]> {
  const native = loadNative();
  if (!native) {
    progress("rnn: skipped, the native library is not built (deno run -A tools/build_native.ts)");
    return [];
  }
  const threads = native.cores;
  const who = await peerWith("torch");
  let peer = Infinity, mine = Infinity;
  for (let round = 1; round <= 2; round++) {
    progress(`rnn: measuring torch nn.LSTM, ${threads} thread(s) (round ${round})...`);
    const t = await torchLstm(threads);
    if (typeof t === "string") {
      progress(`rnn: skipped: ${t}`);
      return [];
    }
    peer = Math.min(peer, t);
    progress(`rnn: measuring gluon.rnn.LSTM on native (round ${round})...`);
    setCpuBackend(backendByName("native"));
    try {
      mine = Math.min(mine, await ours());
    } finally {
      setCpuBackend(undefined);
    }
  }
  const s = SIZES;
  return [{
    section: SECTION,
    workload:
      `LSTM T=${s.steps} N=${s.batch} ${s.input}->${s.hidden} x${s.layers} forward+backward, ms`,
    ours: mine * 1e3,
    theirs: peer * 1e3,
    sense: "latency",
    target: 0.8,
    oursName: "mxts-native",
    theirsName: typeof who === "string" ? "torch-cpu" : torchName(who, "cpu"),
  }];
}
