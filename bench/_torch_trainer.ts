/**
 * PyTorch as one more contender of the training benchmarks' interleaved measurement: a
 * Python process (the interpreter of `peerPython`, bench/_util.ts) that loads Fashion-MNIST,
 * builds the same network as ours (MLP 784-256-10 or LeNet-5, ReLU, max pooling) and then
 * trains as many batches as each line of its stdin asks (SGD with momentum, mean
 * cross-entropy, predictions read back for the accuracy). Staying alive between chunks lets
 * its chunks alternate with ours, so both see the same machine load.
 *
 * Thread settings, the same for every torch training row: `torch.set_num_threads` and
 * OMP_NUM_THREADS = `threads` (the sections run 1 and the native backend's core count and
 * keep the faster), the BLAS's own pool (OpenBLAS or MKL) at 1 thread so that two pools do
 * not oversubscribe the cores, and the native backend's OPENBLAS_CORETYPE when it has one.
 * @module
 */
import { FILES } from "../examples/_fashion.ts";
import type { PeerPython } from "./_util.ts";

/** The two networks every training row compares. */
export type Model = "mlp" | "lenet";

/** One training step per call (a batch), completed when it resolves. */
export interface Trainer {
  readonly name: string;
  /** What the side runs on, for the row notes (torch: its BLAS and CPU kernels). */
  readonly info?: string;
  step(): Promise<void>;
  /** `batches` steps at once (a trainer in another process saves a round trip each). */
  steps?(batches: number): Promise<void>;
  /** Waits for queued work (after a chunk). */
  sync(): Promise<void>;
  /** Training accuracy over the batches so far (a check that the side learns). */
  accuracy(): number;
  dispose(): void;
}

/** Hyper-parameters shared by every side of the training rows. */
export const TRAIN = { batch: 256, lr: 0.05, momentum: 0.9 } as const;

const TORCH_PY = String.raw`
import gzip, json, sys
import numpy as np, torch
from torch import nn
d, model, threads, bs, lr, mom = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(0)
def idx(f, off): return np.frombuffer(gzip.open(d + "/" + f).read(), np.uint8, offset=off)
X = torch.from_numpy(idx("${FILES.trainImages}", 16).astype(np.float32) / 255)
Y = torch.from_numpy(idx("${FILES.trainLabels}", 8).astype(np.int64))
perm = torch.randperm(len(Y)); Y = Y[perm]
if model == "mlp":
    X = X.reshape(-1, 784)[perm]
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
else:
    X = X.reshape(-1, 1, 28, 28)[perm]
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=mom)
lossf = nn.CrossEntropyLoss()
nb = len(Y) // bs; cursor = 0; correct = 0; seen = 0
import re
blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
try:
    cap = torch.backends.cpu.get_cpu_capability()
except Exception:
    cap = "?"
print(json.dumps({"ready": torch.__version__, "blas": blas.group(1) if blas else "?", "cpu": cap}), flush=True)
for line in sys.stdin:
    k = int(line)
    if k <= 0: break
    for _ in range(k):
        i = cursor % nb; cursor += 1
        x = X[i * bs:(i + 1) * bs]; y = Y[i * bs:(i + 1) * bs]
        opt.zero_grad(); out = net(x); loss = lossf(out, y); loss.backward(); opt.step()
        correct += (out.argmax(1) == y).sum().item(); seen += bs
    print(json.dumps({"correct": correct, "seen": seen}), flush=True)
`;

/** Reads a child's stdout line by line. */
class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  /** The next line, or undefined at the end of the stream. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const nl = this.#buf.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) return this.#buf ? this.#take() : undefined;
      this.#buf += value;
    }
  }
  #take(): string {
    const s = this.#buf;
    this.#buf = "";
    return s;
  }
  cancel(): void {
    this.#reader.cancel().catch(() => {});
  }
}

/** The environment of a torch peer with `threads` intra-op threads (see the module docs). */
export function torchEnv(threads: number, coreType?: string): Record<string, string> {
  const env: Record<string, string> = {
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: "1",
    MKL_NUM_THREADS: "1",
  };
  if (coreType) env.OPENBLAS_CORETYPE = coreType;
  return env;
}

/**
 * Starts a torch trainer of `model` on the Fashion-MNIST files in `dir` with `threads`
 * intra-op threads; resolves once its data and network are ready, or to why it failed.
 */
export async function torchTrainer(
  py: PeerPython,
  dir: string,
  model: Model,
  threads: number,
  coreType?: string,
): Promise<Trainer | string> {
  const child = new Deno.Command(py.python, {
    args: [
      "-c",
      TORCH_PY,
      dir,
      model,
      String(threads),
      String(TRAIN.batch),
      String(TRAIN.lr),
      String(TRAIN.momentum),
    ],
    env: torchEnv(threads, coreType),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = new LineReader(child.stdout);
  const stdin = child.stdin.getWriter();
  const errText = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  (async () => {
    for (;;) {
      const { value, done } = await errText.read();
      if (done) break;
      stderr = (stderr + value).slice(-4000);
    }
  })();
  const why = () =>
    `${py.python} (torch ${threads} thread(s)) failed: ${
      stderr.trim().split("\n").slice(-3).join(" | ") || "no output"
    }`;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    stdin.write(new TextEncoder().encode("0\n")).catch(() => {}).finally(() => {
      stdin.close().catch(() => {});
    });
    lines.cancel();
    child.status.then(() => errText.cancel().catch(() => {}));
  };
  const first = await lines.next();
  if (!first?.startsWith("{")) {
    close();
    await child.status;
    return why();
  }
  const ready = JSON.parse(first) as { blas: string; cpu: string };
  let correct = 0, seen = 0;
  const steps = async (k: number) => {
    await stdin.write(new TextEncoder().encode(`${k}\n`));
    const line = await lines.next();
    if (!line?.startsWith("{")) throw new Error(why());
    ({ correct, seen } = JSON.parse(line) as { correct: number; seen: number });
  };
  return {
    name: `torch ${threads} thread(s)`,
    info: `torch's BLAS: ${ready.blas}, CPU kernels: ${ready.cpu}`,
    step: () => steps(1),
    steps,
    sync: () => Promise.resolve(),
    accuracy: () => correct / seen,
    dispose: close,
  };
}

/**
 * torch trainers of `model` with 1 and `cores` intra-op threads (one when they are equal),
 * or why torch cannot run. The rows keep the faster of them.
 */
export async function torchTrainers(
  py: PeerPython,
  dir: string,
  model: Model,
  cores: number,
  coreType?: string,
): Promise<Trainer[] | string> {
  const started: Trainer[] = [];
  for (const threads of new Set([1, cores])) {
    const t = await torchTrainer(py, dir, model, threads, coreType);
    if (typeof t === "string") {
      for (const s of started) s.dispose();
      return t;
    }
    started.push(t);
  }
  return started;
}

/** The row note saying how the two sides' threads and kernels were set. */
export function threadNote(
  ours: string,
  native: { cores: number; openblas: { threads: string | number; coreType?: string } },
  torch: readonly Trainer[],
  oursCounts: readonly number[] = [Number(native.openblas.threads)],
): string {
  const blas = oursCounts.length > 1
    ? `OpenBLAS ${oursCounts.join(" and ")} threads (the faster kept)`
    : `${native.openblas.threads} OpenBLAS threads`;
  return `${ours}: ${native.cores} kernel cores, ${blas}, ` +
    `OPENBLAS_CORETYPE=${native.openblas.coreType ?? "(auto)"} (also passed to torch); ` +
    `torch: intra-op 1 and ${native.cores} threads (the faster kept), its BLAS pool at 1 ` +
    `thread${torch[0]?.info ? `, ${torch[0].info}` : ""}; chunks of batches alternate ` +
    `between the sides`;
}
