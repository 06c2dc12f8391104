/**
 * The dist benchmark's worker (run under mpirun with 2 ranks). Per size, batches of four
 * contenders alternate in one process: OpenMPI's MPI_Allreduce called from C (the library
 * built from allreduce.c, path in MXTS_BENCH_REF_LIB), the mxts binding's allreduce alone
 * (Mpi.allreduce), a dist_sync pushPull of one key in place (MXNet's pushpull: a gradient
 * allreduce), and a push then a pull of one key (what Module does per parameter). Rank 0
 * prints "bytes c_seconds mpi_seconds pushpull_seconds pushthenpull_seconds", medians.
 * @module
 */
import * as mx from "../../mod.ts";
import { session } from "../../src/kvstore/dist/mod.ts";

const ref = Deno.dlopen(
  Deno.env.get("MXTS_BENCH_REF_LIB")!,
  {
    mxts_ref_allreduce: { parameters: ["buffer", "i64", "i32"], result: "f64" },
  } as const,
).symbols;
const s = session("worker");
const kv = mx.kv.create("dist_sync");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
// BENCH_MAX_BYTES stops early (quick small-message comparisons). BENCH_BATCH_BYTES,
// BENCH_MAX_ITERS and BENCH_ROUNDS shrink the run where every call is slow (across
// namespace hosts on a busy 2-core machine a small allreduce waits a scheduler slice).
const maxBytes = Number(Deno.env.get("BENCH_MAX_BYTES") ?? 64 << 20);
const batchBytes = Number(Deno.env.get("BENCH_BATCH_BYTES") ?? 32 << 20);
const maxIters = Number(Deno.env.get("BENCH_MAX_ITERS") ?? 4000);
const rounds = Number(Deno.env.get("BENCH_ROUNDS") ?? 9);
let key = 0;
for (let bytes = 4096; bytes <= maxBytes; bytes *= 4) {
  const n = bytes / 4;
  // Batches of about 32 MiB moved (at least 3 calls, at most 4000): a few ms each.
  const iters = Math.min(maxIters, Math.max(3, Math.floor(batchBytes / bytes)));
  const buf = new Float32Array(new ArrayBuffer(bytes)).fill(1);
  const a = mx.nd.ones([n]);
  kv.init(key, a);
  const k = key++;
  const loop = (fn: () => Promise<void>) => async () => {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) await fn();
    return (performance.now() - t0) / 1000 / iters;
  };
  const contenders: (() => Promise<number>)[] = [
    () => Promise.resolve(ref.mxts_ref_allreduce(buf, BigInt(n), iters)),
    loop(() => s.mpi.allreduce(buf, buf, s.roleComm, { chunk: n })),
    loop(() => {
      kv.pushPull(k, a);
      return a.waitToRead();
    }),
    loop(() => {
      kv.push(k, a);
      kv.pull(k, { out: a });
      return a.waitToRead();
    }),
  ];
  const times = contenders.map(() => [] as number[]);
  // Warm-up rounds first (V8 compiles the binding's JS; pools fill), then timed rounds,
  // the order reversed every other round; every batch starts from a barrier.
  const warm = bytes <= 64 << 10 ? Math.min(4, rounds) : 1;
  for (let r = -warm; r < rounds; r++) {
    const order = contenders.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      await s.mpi.barrier(s.roleComm);
      const t = await contenders[i]();
      if (r >= 0) times[i].push(t);
    }
  }
  if (s.rank === 0) console.log(`${bytes} ${times.map(median).join(" ")}`);
}
await kv.barrier();
