/**
 * Section "image": the ImageNet input pipeline. A `.rec` of 64 generated 256x256 JPEGs
 * (quality 90) read by `mx.io.ImageRecordIter` with decode + random crop 224 + random
 * mirror + mean/std normalisation, batches of 32: images/s. The peer is the same work in
 * Python with OpenCV (`cv2.imdecode`, slicing, `cv2.flip`, numpy normalisation), or PIL
 * when OpenCV is missing, on the same file's payloads; without either the section prints
 * our rate and reports no row. Target 0.8x (issue #18).
 * @module
 */
import * as mx from "../mod.ts";
import { interleave, peerPythons, progress, type Row } from "./_util.ts";

const N = 64, SIZE = 256, BATCH = 32;

/** A smooth 256x256 colour image (gradients and a ring), so JPEG sizes are realistic. */
function photo(k: number): mx.NDArray {
  const px = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const p = 3 * (y * SIZE + x), r = Math.hypot(x - 128, y - 128);
      px[p] = (x + 3 * k) & 255;
      px[p + 1] = (y * 2 + k) & 255;
      px[p + 2] = 128 + Math.round(100 * Math.sin(r / (6 + k % 5)));
    }
  }
  return mx.nd.array(px, { shape: [SIZE, SIZE, 3] });
}

/** Writes the benchmark file; returns its path. */
function writeRec(dir: string): string {
  const w = new mx.recordio.MXIndexedRecordIO(`${dir}/bench.idx`, `${dir}/bench.rec`, "w");
  for (let k = 0; k < N; k++) {
    const img = photo(k);
    w.writeIdx(
      k,
      mx.recordio.packImg({ flag: 0, label: k % 10, id: k, id2: 0 }, img, { quality: 90 }),
    );
    img.dispose();
  }
  w.close();
  return `${dir}/bench.rec`;
}

const PEER = `
import sys, struct, time
import numpy as np
try:
    import cv2
    name = "opencv"
except ImportError:
    cv2 = None
    from PIL import Image
    import io
    name = "pil"
blob = open(sys.argv[1], "rb").read()
reps = int(sys.argv[2])
payloads, pos = [], 0
while pos < len(blob):
    magic, lrec = struct.unpack_from("<II", blob, pos)
    n = lrec & ((1 << 29) - 1)
    payloads.append(blob[pos + 8 + 24: pos + 8 + n])
    pos += 8 + (n + 3) // 4 * 4
mean = np.array([123.68, 116.28, 103.53], np.float32).reshape(3, 1, 1)
std = np.array([58.395, 57.12, 57.375], np.float32).reshape(3, 1, 1)
rng = np.random.default_rng(0)
def batch(items):
    out = np.empty((len(items), 3, 224, 224), np.float32)
    for b, s in enumerate(items):
        if cv2 is not None:
            img = cv2.cvtColor(cv2.imdecode(np.frombuffer(s, np.uint8), 1), cv2.COLOR_BGR2RGB)
        else:
            img = np.asarray(Image.open(io.BytesIO(s)).convert("RGB"))
        y, x = rng.integers(0, 33, 2)
        img = img[y:y + 224, x:x + 224]
        if rng.random() < 0.5:
            img = img[:, ::-1]
        out[b] = (img.transpose(2, 0, 1).astype(np.float32) - mean) / std
    return out
for r in range(reps + 2):
    t0 = time.perf_counter()
    for i in range(0, len(payloads), ${BATCH}):
        batch(payloads[i:i + ${BATCH}])
    if r >= 2:
        print(name, (time.perf_counter() - t0) / len(payloads))
`;

/**
 * The Python peer's median seconds per image, or null without OpenCV/PIL: the first of
 * the benchmarks' interpreters (MXTS_BENCH_PYTHON, else the candidates) that has either.
 */
async function peer(rec: string, reps: number): Promise<{ name: string; secs: number } | null> {
  let why = "python3 is not installed";
  for (const py of await peerPythons()) {
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(py, { args: ["-c", PEER, rec, String(reps)] }).output();
    } catch (e) {
      why = (e as Error).message;
      continue;
    }
    if (!out.success) {
      why = new TextDecoder().decode(out.stderr).trim().split("\n").pop() ?? "failed";
      continue;
    }
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => l.split(" "));
    const secs = lines.map((l) => Number(l[1])).sort((a, b) => a - b);
    return { name: lines[0][0], secs: secs[secs.length >> 1] };
  }
  progress(`image: no Python peer (${why})`);
  return null;
}

/** Runs the section. */
export async function run(): Promise<Row[]> {
  const dir = Deno.makeTempDirSync();
  try {
    progress("image: writing 64 JPEGs of 256x256 ...");
    const rec = writeRec(dir);
    const it = new mx.io.ImageRecordIter({
      pathImgrec: rec,
      dataShape: [3, 224, 224],
      batchSize: BATCH,
      shuffle: true,
      randCrop: true,
      randMirror: true,
      meanR: 123.68,
      meanG: 116.28,
      meanB: 103.53,
      stdR: 58.395,
      stdG: 57.12,
      stdB: 57.375,
    });
    const epoch = async () => {
      const t0 = performance.now();
      it.reset();
      for await (const batch of it) batch.dispose();
      return (performance.now() - t0) / 1e3 / N;
    };
    const [ours] = await interleave([{ name: "mxts", sample: epoch }], { warmup: 2, reps: 5 });
    progress(`image: ImageRecordIter ${(1 / ours).toFixed(0)} images/s (1 thread)`);
    const p = await peer(rec, 5);
    if (p === null) return [];
    return [{
      section: "image: ImageRecordIter vs Python",
      workload: "decode JPEG 256x256 + random crop 224 + mirror + normalize (images/s, 1 thread)",
      ours: 1 / ours,
      theirs: 1 / p.secs,
      sense: "throughput",
      target: 0.8,
      oursName: "mxts",
      theirsName: p.name,
    }];
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
