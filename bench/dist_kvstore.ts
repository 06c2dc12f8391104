/**
 * Distributed kvstore benchmarks (2 MPI ranks on this machine): allreduce bandwidth of
 * the mxts MPI binding, of a dist_sync pushPull (in place) and of a push then a pull,
 * against OpenMPI's own MPI_Allreduce called from C (built with mpicc) in the same
 * processes, batches alternating (see dist/allreduce_worker.ts); and data-parallel MLP
 * training throughput on 1 vs 2 workers. Skipped when mpirun or mpicc is missing.
 * @module
 */
import { progress, type Row } from "./_util.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function sh(cmd: string, args: string[], timeoutS = 300): Promise<string> {
  const o = await new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutS * 1000),
  }).output();
  const out = new TextDecoder().decode(o.stdout);
  if (!o.success) throw new Error(`${cmd} failed: ${out}${new TextDecoder().decode(o.stderr)}`);
  return out;
}

const MPIRUN = ["--allow-run-as-root", "--oversubscribe", "-np"];

/** Rows for `deno task bench dist`. */
export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const tmp = await Deno.makeTempDir();
  try {
    progress("dist: compiling the C MPI_Allreduce reference (a shared library) with mpicc");
    const lib = `${tmp}/liballreduce_ref.so`;
    await sh("mpicc", ["-O2", "-shared", "-fPIC", "-o", lib, "bench/dist/allreduce.c"]);
    progress("dist: allreduce 4 KiB .. 64 MiB on 2 ranks, C and mxts batches alternating");
    const out = await sh("mpirun", [
      ...MPIRUN,
      "2",
      "-x",
      `MXTS_BENCH_REF_LIB=${lib}`,
      Deno.execPath(),
      "run",
      "-A",
      "bench/dist/allreduce_worker.ts",
    ], 900);
    rows.push(...allreduceRows(out, "dist: mxts vs C MPI_Allreduce (2 ranks, same processes)"));
    // Two conventions: per-worker batch 64 (MXNet's: each worker's iterator keeps its
    // batch size, the global batch grows with the workers), and one global batch of 64
    // split over the workers (what the bit-identical test trains; with 32 rows per step
    // this small MLP is bound by per-step costs, not arithmetic).
    for (const [perWorker, label] of [["1", "batch 64 per worker"], ["0", "global batch 64"]]) {
      progress(`dist: MLP data-parallel training, 1 vs 2 workers, ${label}`);
      let model = "";
      const sps = async (np: number) => {
        const out = await sh("mpirun", [
          ...MPIRUN,
          String(np),
          "-x",
          `PER_WORKER_BATCH=${perWorker}`,
          Deno.execPath(),
          "run",
          "-A",
          "tests/dist/train_worker.ts",
        ]);
        const line = out.split("\n").find((l) => l.startsWith("RESULT "))!;
        const r = JSON.parse(line.slice(7));
        model = r.fashion ? "MLP 784-32-10 Fashion-MNIST" : "MLP 16-32-4 synthetic data";
        return r.samplesPerSec as number;
      };
      // Alternating, best of two each: the machine's speed drifts between runs.
      let one = 0, two = 0;
      for (let round = 0; round < 2; round++) {
        one = Math.max(one, await sps(1));
        two = Math.max(two, await sps(2));
      }
      rows.push({
        section: "dist: MLP scaling (dist_sync, 2-core machine)",
        workload: `${model} train, ${label}, samples/s, 2 workers vs 1`,
        ours: two,
        theirs: one,
        sense: "throughput",
        target: 1,
        oursName: "2 workers",
        theirsName: "1 worker",
      });
    }
    // The same across namespace hosts (TCP between two network stacks), where possible.
    const { hostRows } = await import("./dist_hosts.ts");
    rows.push(...await hostRows(lib));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  return rows;
}

/**
 * Rows from the allreduce worker's output lines ("bytes c mpi pushpull pushthenpull",
 * seconds per call): GB/s of each mxts path against C MPI_Allreduce.
 */
export function allreduceRows(out: string, section: string): Row[] {
  const rows: Row[] = [];
  for (const l of out.trim().split("\n").filter((l) => /^\d+ /.test(l))) {
    const [bytes, ref, raw, pp, kv] = l.split(" ").map(Number);
    const size = bytes >= 1 << 20 ? `${bytes >> 20} MiB` : `${bytes >> 10} KiB`;
    const gbs = (t: number) => bytes / t / 1e9;
    for (
      const [what, t] of [
        ["MPI binding allreduce", raw],
        ["dist_sync pushPull", pp],
        ["dist_sync push then pull", kv],
      ] as const
    ) {
      rows.push({
        section,
        workload: `${what} ${size}, GB/s`,
        ours: gbs(t),
        theirs: gbs(ref),
        sense: "throughput",
        target: 0.8,
        oursName: "mxts",
        theirsName: "C MPI",
      });
    }
  }
  return rows;
}
