/**
 * The mxts side of the allreduce benchmark (run under mpirun with 2 ranks): per size,
 * prints "bytes mpi_seconds kv_seconds pushpull_seconds": the binding's allreduce alone
 * (Mpi.allreduce), a dist_sync kvstore push then pull of one key (what Module training
 * does per parameter), and the same as one pushPull (MXNet's pushpull; a gradient
 * allreduce in place).
 * @module
 */
import * as mx from "../../mod.ts";
import { session } from "../../src/kvstore/dist/mod.ts";

const s = session("worker");
const kv = mx.kv.create("dist_sync");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let key = 0;
// BENCH_MAX_BYTES stops early (quick small-message comparisons).
const maxBytes = Number(Deno.env.get("BENCH_MAX_BYTES") ?? 64 << 20);
for (let bytes = 4096; bytes <= maxBytes; bytes *= 4) {
  const n = bytes / 4;
  const iters = Math.min(20000, Math.max(3, Math.floor((256 << 20) / bytes)));
  const buf = new Float32Array(new ArrayBuffer(bytes)).fill(1);
  const a = mx.nd.ones([n]);
  kv.init(key, a);
  // Untimed calls first: at small sizes the timed batches are short (as long as the C
  // program's), and V8 would otherwise still be compiling the binding's JS in them.
  const warm = Math.min(2000, Math.max(iters, Math.floor((64 << 20) / bytes)));
  const timed = async (fn: () => Promise<void>) => {
    for (let i = 0; i < warm; i++) await fn();
    const t: number[] = [];
    for (let r = -1; r < 7; r++) {
      await s.mpi.barrier(s.roleComm);
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) await fn();
      if (r >= 0) t.push((performance.now() - t0) / 1000 / iters);
    }
    return median(t);
  };
  const raw = await timed(() => s.mpi.allreduce(buf, buf, s.roleComm, { chunk: n }));
  const k = key;
  const kvT = await timed(async () => {
    kv.push(k, a);
    kv.pull(k, { out: a });
    await a.waitToRead();
  });
  const ppT = await timed(async () => {
    kv.pushPull(k, a);
    await a.waitToRead();
  });
  if (s.rank === 0) console.log(`${bytes} ${raw} ${kvT} ${ppT}`);
  key++;
}
await kv.barrier();
