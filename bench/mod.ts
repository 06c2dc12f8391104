/**
 * `deno task bench`: runs the benchmark sections and prints one markdown table per section
 * (workload | ours | peer | ratio | target | PASS/MISS). A ratio > 1 always means mxts is
 * better (ours/peer for throughput, peer/ours for latency).
 *
 *   deno task bench            # every section
 *   deno task bench core       # only sections whose name contains "core"
 *
 * To add a section (native backend vs numpy/torch, WebGPU, training...), write
 * `bench/<name>.ts` exporting `run(): Promise<Row[]>` and list it in SECTIONS below.
 * @module
 */
import { backendByName, setCpuBackend } from "../backends/mod.ts";
import { progress, renderTable, type Row } from "./_util.ts";

async function withBackend<T>(name: string, fn: () => Promise<T>): Promise<T> {
  setCpuBackend(backendByName(name));
  try {
    return await fn();
  } finally {
    setCpuBackend(undefined);
  }
}

interface Section {
  readonly name: string;
  readonly run: () => Promise<Row[]>;
}

const SECTIONS: readonly Section[] = [
  // The TS backend is measured on its own, whatever serves mx.cpu() by default.
  {
    name: "core",
    run: () => withBackend("ts", async () => (await import("./core_ts_vs_tfjs.ts")).run()),
  },
  { name: "native", run: async () => (await import("./native_vs_numpy.ts")).run() },
  { name: "np", run: async () => (await import("./np_vs_numpy.ts")).run() },
  { name: "webgpu", run: async () => (await import("./webgpu_vs_tfjs.ts")).run() },
  { name: "cuda", run: async () => (await import("./cuda_vs_torch.ts")).run() },
  { name: "dist", run: async () => (await import("./dist_kvstore.ts")).run() },
  { name: "training", run: async () => (await import("./training_fashion_mnist.ts")).run() },
  { name: "gluon", run: async () => (await import("./gluon_vs_torch.ts")).run() },
  { name: "dataloader", run: async () => (await import("./gluon_dataloader.ts")).run() },
  { name: "remote", run: async () => (await import("./remote_s3.ts")).run() },
  { name: "rnn", run: async () => (await import("./rnn_vs_torch.ts")).run() },
  { name: "image", run: async () => (await import("./image_record_iter.ts")).run() },
  { name: "linalg", run: async () => (await import("./linalg_vs_numpy.ts")).run() },
];

async function main(args: readonly string[]): Promise<number> {
  const chosen = args.length
    ? SECTIONS.filter((s) => args.some((a) => s.name.includes(a)))
    : SECTIONS;
  if (chosen.length === 0) {
    console.error(
      `no section matches ${args.join(" ")}; have: ${SECTIONS.map((s) => s.name).join(", ")}`,
    );
    return 2;
  }
  const t0 = performance.now();
  const rows: Row[] = [];
  let failed = 0;
  for (const s of chosen) {
    try {
      rows.push(...(await s.run()));
    } catch (e) {
      failed++;
      progress(`section ${s.name} failed: ${(e as Error).stack ?? e}`);
    }
  }
  console.log(renderTable(rows));
  const misses = rows.filter((r) => {
    const q = r.sense === "throughput" ? r.ours / r.theirs : r.theirs / r.ours;
    return !(q >= r.target);
  }).length;
  console.log(
    `\n${rows.length - misses}/${rows.length} targets met; ${
      ((performance.now() - t0) / 1e3).toFixed(1)
    } s. Ratio > 1 means mxts is better; medians of interleaved samples after warm-up.`,
  );
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
