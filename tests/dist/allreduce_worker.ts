/**
 * The MPI binding's allreduce, checked on every path: point-to-point recursive doubling
 * (polled on this thread), recursive halving and doubling (pieces of 2 MiB and more), big
 * arrays cut into pieces of the p2p bound, and, with MXTS_MPI_P2P_BYTES=0, MPI_Allreduce
 * on a thread; float32/float64/int32, in place and not, at sizes around the bounds.
 * Integer-valued data must sum exactly; random data must come out bit-identical on every
 * rank. With STUCK=1, rank 1 never joins a small allreduce and rank 0 must abort with the
 * timeout message. Prints "OK rank r of n" on success.
 * @module
 */
import { session } from "../../src/kvstore/dist/mod.ts";
import { type MpiArray, p2pMaxBytes } from "../../src/kvstore/mpi/mod.ts";

const s = session("worker");
const m = s.mpi, comm = s.roleComm, r = s.rank, n = s.numWorkers;
const fail = (msg: string): never => {
  console.error(`FAIL rank ${r}: ${msg}`);
  Deno.exit(1);
};

if (Deno.env.get("STUCK")) {
  if (r === 1) await new Promise((res) => setTimeout(res, 30_000));
  await m.allreduce(new Float32Array(16), new Float32Array(16), comm, {
    what: "test allreduce of 16 floats",
  });
  fail("the allreduce returned although rank 1 never joined");
}

type Ctor = new (b: ArrayBuffer) => MpiArray;
const types: [string, Ctor, number][] = [
  ["float32", Float32Array as Ctor, 4],
  ["float64", Float64Array as Ctor, 8],
  ["int32", Int32Array as Ctor, 4],
];
const bound = p2pMaxBytes();
const lens = [
  ...new Set([1, 3, 17, 1000, 1024, 16384, 65537, bound / 4, bound / 4 + 5, 1 << 19]),
].filter((l) => l > 0);
const make = (C: Ctor, len: number) => new C(new ArrayBuffer(len * C.prototype.BYTES_PER_ELEMENT));

let seed = 12345 + r * 7919;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;

let cases = 0;
for (const [name, C, item] of types) {
  for (const len of lens) {
    // Also chunked (MXNET_KVSTORE_BIGARRAY_BOUND) into pieces that do not divide the bound.
    for (const chunk of [undefined, Math.floor(Math.max(bound, 1 << 18) / item) + 3]) {
      for (const inPlace of [true, false]) {
        const what = `${name} len ${len} chunk ${chunk} inPlace ${inPlace}`;
        const send = make(C, len);
        for (let i = 0; i < len; i++) send[i] = (r + 1) * ((i % 7) + 1);
        const recv = inPlace ? send : make(C, len);
        await m.allreduce(send, recv, comm, { chunk, what });
        const total = (n * (n + 1)) / 2;
        for (let i = 0; i < len; i++) {
          if (recv[i] !== total * ((i % 7) + 1)) {
            fail(`${what}: [${i}] = ${recv[i]}, expected ${total * ((i % 7) + 1)}`);
          }
        }
        if (!inPlace && send[len - 1] !== (r + 1) * (((len - 1) % 7) + 1)) {
          fail(`${what}: send was modified`);
        }
        if (name !== "int32") {
          // Rounding: every rank must get the same bits.
          const x = make(C, len);
          for (let i = 0; i < len; i++) x[i] = rand() * 1000;
          await m.allreduce(x, x, comm, { chunk, what });
          const ref = x.slice();
          await m.bcast(new Uint8Array(ref.buffer), 0, comm, { what });
          const a = new Uint8Array(x.buffer), b = new Uint8Array(ref.buffer);
          for (let i = 0; i < a.length; i++) {
            if (a[i] !== b[i]) fail(`${what}: rank ${r}'s sum differs from rank 0's at byte ${i}`);
          }
        }
        cases++;
      }
    }
  }
}
const path = m.nativeAllreduce ? "native" : "js";
console.log(`OK rank ${r} of ${n} (${cases} cases, p2p bound ${bound} bytes, ${path} steps)`);
