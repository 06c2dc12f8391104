/**
 * The dist benchmark across namespace hosts (tools/hosts.ts: two network stacks joined by
 * a bridge, TCP only, as between machines): allreduce and pushPull 4 KiB .. 64 MiB on 2
 * hosts against C MPI_Allreduce in the same processes, and MLP training on 1 vs 2 hosts.
 * Part of `deno task bench dist`; no rows (and a printed reason) where namespace hosts
 * cannot be made (not root, no iproute2). Both "hosts" share this machine's cores: the
 * network is real TCP, the compute is not doubled.
 * @module
 */
import { progress, type Row } from "./_util.ts";
import * as H from "../tools/hosts.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Runs `cmd` on host mxts-h1 (mpirun there reaches the others through the agent). */
async function onHost(cmd: string[], timeoutS: number): Promise<string> {
  const [bin, ...args] = H.execArgs(H.hostName(1), cmd);
  const o = await new Deno.Command(bin, {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutS * 1000),
  }).output();
  const dec = new TextDecoder();
  const out = dec.decode(o.stdout);
  if (!o.success) {
    throw new Error(`${cmd.join(" ")} failed on mxts-h1: ${out}${dec.decode(o.stderr)}`);
  }
  return out;
}

/** mpirun over the hosts' hostfile, one rank per host. */
const mpirun = (np: number, env: string[], script: string) => [
  "mpirun",
  "--allow-run-as-root",
  "--hostfile",
  H.HOSTFILE,
  "--map-by",
  "node",
  "-np",
  String(np),
  ...env.flatMap((e) => ["-x", e]),
  Deno.execPath(),
  "run",
  "-A",
  script,
];

/** Rows over 2 namespace hosts; `refLib`: the C MPI_Allreduce library (dist_kvstore.ts). */
export async function hostRows(refLib: string): Promise<Row[]> {
  const why = H.unavailable();
  if (why) {
    progress(`dist: no rows across namespace hosts: ${why}`);
    return [];
  }
  const { allreduceRows } = await import("./dist_kvstore.ts");
  const rows: Row[] = [];
  try {
    H.up(2);
    progress(
      "dist: allreduce 4 KiB .. 64 MiB across 2 namespace hosts (TCP), C and mxts alternating",
    );
    const out = await onHost(
      // Fewer, shorter batches than on one host: on a busy 2-core machine each small
      // allreduce across hosts waits for the peer's next scheduler slice (~10 ms), and the
      // full-length run takes an hour.
      mpirun(2, [
        `MXTS_BENCH_REF_LIB=${refLib}`,
        "BENCH_BATCH_BYTES=8388608",
        "BENCH_MAX_ITERS=30",
        "BENCH_ROUNDS=3",
      ], "bench/dist/allreduce_worker.ts"),
      900,
    );
    rows.push(...allreduceRows(out, "dist: mxts vs C MPI_Allreduce (2 namespace hosts, TCP)"));
    progress("dist: MLP data-parallel training, 1 vs 2 namespace hosts, batch 64 per worker");
    let model = "";
    const sps = async (np: number) => {
      const out = await onHost(
        mpirun(np, ["PER_WORKER_BATCH=1"], "tests/dist/train_worker.ts"),
        900,
      );
      const r = JSON.parse(out.split("\n").find((l) => l.startsWith("RESULT "))!.slice(7));
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
      section: "dist: MLP scaling across namespace hosts (dist_sync over TCP, one 2-core machine)",
      workload: `${model} train, batch 64 per worker, samples/s, 2 hosts vs 1`,
      ours: two,
      theirs: one,
      sense: "throughput",
      target: 1,
      oursName: "2 hosts",
      theirsName: "1 host",
    });
  } finally {
    H.down();
  }
  return rows;
}
