/**
 * Distributed kvstore benchmarks (2 MPI ranks on this machine): allreduce bandwidth of
 * the mxts MPI binding and of a dist_sync push+pull, against OpenMPI's own MPI_Allreduce
 * from a C program compiled with mpicc in the same run; and data-parallel MLP training
 * throughput on 1 vs 2 workers. Skipped when mpirun or mpicc is missing.
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
    progress("dist: compiling the C MPI_Allreduce reference with mpicc");
    await sh("mpicc", ["-O2", "-o", `${tmp}/allreduce`, "bench/dist/allreduce.c"]);
    progress("dist: allreduce 4 KiB .. 64 MiB on 2 ranks (C, then mxts)");
    const c = new Map(
      (await sh("mpirun", [...MPIRUN, "2", `${tmp}/allreduce`])).trim().split("\n")
        .map((l) => l.split(" ").map(Number) as [number, number]),
    );
    const ours = (await sh("mpirun", [
      ...MPIRUN,
      "2",
      Deno.execPath(),
      "run",
      "-A",
      "bench/dist/allreduce_worker.ts",
    ])).trim().split("\n").filter((l) => /^\d+ /.test(l)).map((l) => l.split(" ").map(Number));
    for (const [bytes, raw, kv] of ours) {
      const ref = c.get(bytes)!;
      const size = bytes >= 1 << 20 ? `${bytes >> 20} MiB` : `${bytes >> 10} KiB`;
      const gbs = (t: number) => bytes / t / 1e9;
      for (
        const [what, t] of [["MPI binding allreduce", raw], ["dist_sync push+pull", kv]] as const
      ) {
        rows.push({
          section: "dist: mxts vs C MPI_Allreduce (2 ranks)",
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
    progress("dist: MLP data-parallel training, 1 vs 2 workers");
    const sps = async (np: number) => {
      const out = await sh("mpirun", [
        ...MPIRUN,
        String(np),
        Deno.execPath(),
        "run",
        "-A",
        "tests/dist/train_worker.ts",
      ]);
      const line = out.split("\n").find((l) => l.startsWith("RESULT "))!;
      return JSON.parse(line.slice(7)).samplesPerSec as number;
    };
    const one = await sps(1), two = await sps(2);
    rows.push({
      section: "dist: MLP scaling (dist_sync, 2-core machine)",
      workload: "MLP 16-32-4 train, samples/s, 2 workers vs 1",
      ours: two,
      theirs: one,
      sense: "throughput",
      target: 1,
      oursName: "2 workers",
      theirsName: "1 worker",
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  return rows;
}
