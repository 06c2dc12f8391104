/**
 * `barrier()` for the distributed stores: every worker sends its push count per key to
 * every other worker and waits for theirs. Equal counts mean all workers reached the
 * barrier after the same pushes; different counts (the classic last-epoch hang when data
 * partitions are uneven) raise an error on every worker naming the keys and the ranks.
 * @module
 */
import { MXNetError } from "../../core/errors.ts";
import type { Key } from "../kvstore.ts";
import { type Session, TAG_BARRIER, TAG_LEAVE } from "./session.ts";

/** What one worker reports at a barrier. */
export interface BarrierReport {
  /** The store's id (same on every worker). */
  storeId: number;
  /** Barrier number in this store, from 1. */
  seq: number;
  /** Keys in init order. */
  keys: readonly Key[];
  /** Pushes per key, in the same order. */
  counts: Int32Array;
}

/** Where a worker waits: a collective of a store, for naming it to the other workers. */
export interface WaitPlace {
  storeId: number;
  /** Barriers of the store passed so far. */
  barriers: number;
  /** The key's position in init order, and the key. */
  keyPos: number;
  key: Key;
  /** Push number of the key (from 1); 0 for the broadcast of its initial value. */
  pushIndex: number;
  /** The store's collective operation number (from 1), counting broadcasts and pushes. */
  seq: number;
}

/**
 * While this worker waits in collective number `at.seq` of a store (push number
 * `pushIndex` of a key), takes any barrier report or departure a peer sent: a peer that
 * reached a later barrier having pushed that key fewer times, or that left the job (or
 * the store) before completing this collective, will never join it, so the job ends with
 * the keys and ranks named (the thread inside MPI cannot be cancelled).
 */
export function watchPeers(s: Session, at: WaitPlace): () => void {
  const check = () => {
    s.takeDepartures();
    const why = s.blockedBy(at.storeId, at.seq);
    if (why) {
      const op = at.pushIndex === 0
        ? `the broadcast of key ${JSON.stringify(at.key)}'s initial value`
        : `push ${at.pushIndex} of key ${JSON.stringify(at.key)}`;
      s.mpi.abort(`kvstore: rank ${s.rank} waits in ${op}, but ${why}`);
    }
  };
  check();
  const timer = setInterval(() => {
    check();
    const env = s.mpi.iprobe(s.ctrlComm, -1, TAG_BARRIER);
    if (!env) return;
    const buf = new Uint8Array(new ArrayBuffer(Math.max(env.bytes, 4)));
    s.mpi.recv(buf, env.source, TAG_BARRIER, s.ctrlComm).then(() => {
      const rep = new Int32Array(buf.buffer, 0, env.bytes >> 2);
      let q = s.early.get(env.source);
      if (!q) s.early.set(env.source, q = []);
      q.push(rep);
      const count = rep[3 + at.keyPos];
      if (rep[0] === at.storeId && rep[1] > at.barriers && count < at.pushIndex) {
        s.mpi.abort(
          `kvstore: push counts differ: rank ${env.source} reached barrier #${rep[1]} having ` +
            `pushed key ${JSON.stringify(at.key)} ${count} times, while rank ${s.rank} waits ` +
            `in push ${at.pushIndex} of that key, which rank ${env.source} will never join`,
        );
      }
    });
  }, 200);
  return () => clearInterval(timer);
}

/** Exchanges reports with every other worker; throws when push counts differ. */
export async function checkBarrier(s: Session, mine: BarrierReport): Promise<void> {
  const m = s.mpi, me = s.rank, n = s.numWorkers;
  const msg = new Int32Array(new ArrayBuffer((3 + mine.counts.length) * 4));
  msg.set([mine.storeId, mine.seq, mine.counts.length]);
  msg.set(mine.counts, 3);
  const bytes = new Uint8Array(msg.buffer);
  const what = `kvstore.barrier #${mine.seq}`;
  const peers = Array.from({ length: n }, (_, r) => r).filter((r) => r !== me);
  const sends = peers.map((r) => m.send(bytes, r, TAG_BARRIER, s.ctrlComm, { what }));
  const reports = new Map<number, Int32Array>([[me, msg]]);
  const gone = (r: number) => {
    const d = s.departed.get(r);
    if (d && (d.exited || d.stores.has(mine.storeId))) {
      throw new MXNetError(
        `${what}: worker rank ${r} ${
          d.exited ? "left the job (its process exited)" : "disposed the store"
        } before reaching this barrier`,
      );
    }
  };
  await Promise.all(peers.map(async (r) => {
    for (;;) {
      const stashed = s.early.get(r)?.shift();
      if (stashed) return void reports.set(r, stashed);
      gone(r);
      // A barrier report or a departure, whichever this peer sends.
      const env = await m.probe(s.ctrlComm, { source: r, what });
      const buf = new Uint8Array(new ArrayBuffer(Math.max(env.bytes, 16)));
      if (env.tag === TAG_LEAVE) {
        m.recvSync(buf, r, TAG_LEAVE, s.ctrlComm);
        s.recordDeparture(r, new Int32Array(buf.buffer, 0, env.bytes >> 2));
        continue;
      }
      await m.recv(buf, r, TAG_BARRIER, s.ctrlComm, { what });
      return void reports.set(r, new Int32Array(buf.buffer, 0, env.bytes >> 2));
    }
  }));
  await Promise.all(sends);
  const problems: string[] = [];
  for (const [r, rep] of [...reports].sort((a, b) => a[0] - b[0])) {
    if (rep[0] !== mine.storeId || rep[1] !== mine.seq) {
      problems.push(
        `rank ${r} is at barrier #${rep[1]} of store ${rep[0]}, rank ${me} at #${mine.seq} of ` +
          `store ${mine.storeId}`,
      );
    } else if (rep[2] !== mine.counts.length) {
      problems.push(`rank ${r} initialised ${rep[2]} keys, rank ${me} ${mine.counts.length}`);
    }
  }
  if (problems.length === 0) {
    mine.keys.forEach((k, i) => {
      const per = [...reports].sort((a, b) => a[0] - b[0]).map(([r, rep]) => [r, rep[3 + i]]);
      if (per.some(([, c]) => c !== per[0][1])) {
        problems.push(
          `key ${JSON.stringify(k)} was pushed ${
            per.map(([r, c]) => `${c} times by rank ${r}`)
              .join(", ")
          }`,
        );
      }
    });
  }
  if (problems.length) {
    throw new MXNetError(
      `kvstore.barrier: the workers' pushes differ: ${problems.join("; ")}. Every worker must ` +
        `push every key the same number of times (give each worker the same number of batches, ` +
        `e.g. NDArrayIter lastBatchHandle "pad" or "discard" on equal partitions)`,
    );
  }
}
