/**
 * One process's place in a distributed job: its role (worker or server), the
 * communicators the kvstores use, and the ordered queue every collective goes through.
 * MPI matches collectives by call order, so they are issued here strictly in the order
 * the program asked for them (which is the same on every worker), whatever order the
 * dependency engine finishes their inputs in.
 *
 * A worker that leaves says so: at exit (and when it disposes a store) it tells every
 * other worker how many collectives of each store it completed. A worker waiting in a
 * collective that the one who left never completed will wait for nothing, so it ends the
 * job at once naming both, instead of sitting out the whole MXTS_KVSTORE_TIMEOUT.
 * @module
 */
import { MXNetError } from "../../core/errors.ts";
import { type Comm, type Mpi, mpi } from "../mpi/mod.ts";
import { Peers } from "./peers.ts";
import { encode, Op, TAG_REPLY, TAG_REPLY_END, TAG_REQUEST } from "./protocol.ts";

/** What a process does in the job (MXNet's DMLC_ROLE). */
export type Role = "worker" | "server";

/** Tags of control messages on `ctrlComm`. */
export const TAG_BARRIER = 1;
/** A worker's departure (see `Departure`), on `ctrlComm`. */
export const TAG_LEAVE = 2;
const LEAVE_MAGIC = 0x4c454156;

/** What a worker that left (or disposed a store) reported. */
export interface Departure {
  /** True when its process exited; false when it only disposed stores. */
  exited: boolean;
  /** Init agreements (`initComm` exchanges) it completed. */
  agreements: number;
  /** Collectives completed, by store id, of the stores it left. */
  stores: Map<number, number>;
}

/**
 * A place in the collective queue: wait for `turn`, then call `done`. Holds no promise
 * until one is asked for: a collective that is already first in line (the usual case,
 * every training step) costs one small object.
 */
export class Ticket {
  readonly #queue: Session;
  readonly #id: number;
  /** Use `Session.ticket()`. */
  constructor(queue: Session, id: number) {
    this.#queue = queue;
    this.#id = id;
  }
  /** Resolves when every earlier collective of this process has finished. */
  get turn(): Promise<void> {
    return this.#queue._turn(this.#id);
  }
  /** True when every earlier collective has finished (`turn` would resolve at once). */
  isTurn(): boolean {
    return this.#queue._isTurn(this.#id);
  }
  /** Lets the next collective start (call once, after the collective). */
  done(): void {
    this.#queue._done(this.#id);
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

/** See the module docs; `session(role)` returns the process's one instance. */
export class Session {
  /** The MPI runtime. */
  readonly mpi: Mpi;
  /** This process's role. */
  readonly role: Role;
  /** Role of every world rank. */
  readonly roles: readonly Role[];
  /** World ranks of the workers, in worker-rank order. */
  readonly workerRanks: readonly number[];
  /** World ranks of the servers, in server-rank order. */
  readonly serverRanks: readonly number[];
  /** Processes of this role (workers among workers, servers among servers). */
  readonly roleComm: Comm;
  /** Control messages among processes of this role (barrier counts). */
  readonly ctrlComm: Comm;
  /** Worker <-> server requests (every world rank). */
  readonly psComm: Comm;
  /** kvstore.init's agreement on each key (`agreeOnInit`), and nothing else. */
  readonly initComm: Comm;
  /** Rank among the processes of this role. */
  readonly rank: number;
  #issued = 0;
  #finished = 0;
  /** Turns asked for before they came, by ticket id (resolved by the ticket before). */
  readonly #waiting = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  #stores = 0;
  #replyTag = 0;
  readonly #flushers: (() => Promise<void>)[] = [];
  /** Barrier reports received early (while a collective waited), by sender. */
  readonly early = new Map<number, Int32Array[]>();
  /** Workers that left or disposed stores, by rank (see `takeDepartures`). */
  readonly departed = new Map<number, Departure>();
  /** Init agreements this worker completed. */
  agreements = 0;
  /** Collectives issued and completed so far, by live store id. */
  readonly #progress = new Map<number, { issued(): number; completed(): number }>();

  /** Every rank's host and liveness port (null when this process is the whole job). */
  readonly peers: Peers | null = null;

  /** "worker rank 1" (or "server rank 0, world rank 2") for world rank `r`. */
  describeRank(r: number): string {
    const role = this.roles[r];
    const i = (role === "server" ? this.serverRanks : this.workerRanks).indexOf(r);
    return this.serverRanks.length ? `${role} rank ${i} (world rank ${r})` : `${role} rank ${i}`;
  }

  /** Use `session()`. */
  constructor(role: Role) {
    const m = mpi();
    this.mpi = m;
    this.role = role;
    // Every rank says whether it serves; a blocking call is fine here (start-up, all ranks).
    const flags = new Int32Array(m.size);
    flags[m.rank] = role === "server" ? 1 : 0;
    m.allreduceSync(flags, m.world);
    this.roles = Array.from(flags, (f) => (f ? "server" : "worker"));
    this.workerRanks = this.roles.flatMap((r, i) => (r === "worker" ? [i] : []));
    this.serverRanks = this.roles.flatMap((r, i) => (r === "server" ? [i] : []));
    this.roleComm = m.commSplit(m.world, role === "server" ? 1 : 0, m.rank);
    this.ctrlComm = m.commDup(this.roleComm);
    this.psComm = m.commDup(m.world);
    this.initComm = m.commDup(this.roleComm);
    this.rank = m.commRank(this.roleComm);
    if (m.size > 1) {
      // Across hosts a timed-out collective names who cannot be reached, and where.
      const peers = Peers.exchange(m);
      this.peers = peers;
      m.onTimeout(() => peers.diagnose((r) => this.describeRank(r)));
    }
    if (role === "worker" && this.workerRanks.length > 1) {
      m.atExit(() => this.#announce(true, [...this.#progress.keys()]));
    }
    if (this.workerRanks.length === 0) {
      m.abort("the job has no worker ranks; start at least one process that is not a server");
    }
    if (role === "worker" && this.serverRanks.length > 0) {
      // Servers serve until every worker says it is done (MXNet's servers exit the same way).
      const done = encode({
        op: Op.FINISH,
        storeId: 0,
        keyIdx: 0,
        offset: 0,
        length: 0,
        replyTag: 0,
      });
      let told = false;
      m.beforeFinalize(async () => {
        for (const f of this.#flushers) await f();
        told = true;
        await Promise.all(this.serverRanks.map((r) => m.send(done, r, TAG_REQUEST, this.psComm)));
      });
      // Deno.exit skips the above (no event loop is left): say it synchronously, or the
      // servers would wait forever and MPI_Finalize with them.
      m.atExit(() => {
        if (told) return;
        for (const r of this.serverRanks) m.sendSync(done, r, TAG_REQUEST, this.psComm);
      });
    }
  }

  /** Registers a store whose progress a departure reports. */
  trackStore(id: number, progress: { issued(): number; completed(): number }): void {
    this.#progress.set(id, progress);
  }

  /** A store is disposed: the other workers learn how far this one took it. */
  leaveStore(id: number): void {
    if (!this.#progress.has(id)) return;
    if (this.numWorkers > 1 && !this.mpi.finalized) this.#announce(false, [id]);
    this.#progress.delete(id);
  }

  /**
   * Tells every other worker which stores this one leaves, and how far it got in each:
   * at exit what completed (nothing else ever will); at dispose what was issued (what is
   * still queued completes after).
   */
  #announce(exiting: boolean, ids: number[]): void {
    const msg = new Int32Array(4 + 2 * ids.length);
    msg.set([LEAVE_MAGIC, exiting ? 1 : 0, this.agreements, ids.length]);
    ids.forEach((id, i) => {
      const p = this.#progress.get(id)!;
      msg.set([id, exiting ? p.completed() : p.issued()], 4 + 2 * i);
    });
    const bytes = new Uint8Array(msg.buffer);
    // A few dozen bytes: MPI sends them eagerly, so this returns at once.
    for (let r = 0; r < this.numWorkers; r++) {
      if (r !== this.rank) this.mpi.sendSync(bytes, r, TAG_LEAVE, this.ctrlComm);
    }
  }

  /** Receives every departure notice that has arrived (returns at once). */
  takeDepartures(): void {
    for (;;) {
      const env = this.mpi.iprobe(this.ctrlComm, -1, TAG_LEAVE);
      if (!env) return;
      const buf = new Uint8Array(new ArrayBuffer(Math.max(env.bytes, 16)));
      this.mpi.recvSync(buf, env.source, TAG_LEAVE, this.ctrlComm);
      this.recordDeparture(env.source, new Int32Array(buf.buffer, 0, env.bytes >> 2));
    }
  }

  /** Records a departure notice `msg` from worker `rank`. */
  recordDeparture(rank: number, msg: Int32Array): void {
    if (msg[0] !== LEAVE_MAGIC) return;
    const d = this.departed.get(rank) ?? { exited: false, agreements: 0, stores: new Map() };
    d.exited ||= msg[1] === 1;
    d.agreements = Math.max(d.agreements, msg[2]);
    for (let i = 0; i < msg[3]; i++) d.stores.set(msg[4 + 2 * i], msg[5 + 2 * i]);
    this.departed.set(rank, d);
  }

  /**
   * Why collective number `seq` (from 1) of store `storeId` can never complete, or null:
   * some worker left that store (or the job) having completed fewer.
   */
  blockedBy(storeId: number, seq: number): string | null {
    for (const [r, d] of this.departed) {
      const done = d.stores.get(storeId) ?? (d.exited ? 0 : undefined);
      if (done === undefined || done >= seq) continue;
      const how = d.stores.has(storeId) && !d.exited
        ? "disposed the store"
        : "left the job: its process exited";
      return `worker rank ${r} ${how} after completing ${done} collective ` +
        `operation${done === 1 ? "" : "s"} of store ${storeId}, and will never join number ${seq}`;
    }
    return null;
  }

  /** Why init agreement number `n` (from 1) can never complete, or null. */
  agreementBlockedBy(n: number): string | null {
    for (const [r, d] of this.departed) {
      if (d.exited && d.agreements < n) {
        return `worker rank ${r} left the job (its process exited) after ${d.agreements} ` +
          `kvstore.init call${d.agreements === 1 ? "" : "s"}, and will never make this one`;
      }
    }
    return null;
  }

  /** Runs `fn` (awaited) at exit before this worker tells the servers it is done. */
  onExit(fn: () => Promise<void>): void {
    this.#flushers.push(fn);
  }

  /** A fresh reply tag for a request to a server. */
  nextReplyTag(): number {
    const t = TAG_REPLY + this.#replyTag;
    this.#replyTag = (this.#replyTag + 1) % (TAG_REPLY_END - TAG_REPLY);
    return t;
  }

  /**
   * Sends `msg` (its header gets the reply tag) to server `server` (index among servers)
   * and waits for its reply, received into `reply` (empty for an acknowledgement).
   */
  async request(server: number, msg: Uint8Array, reply: Uint8Array, what: string): Promise<void> {
    const dest = this.serverRanks[server], tag = this.nextReplyTag();
    new Int32Array(msg.buffer, msg.byteOffset, 8)[5] = tag;
    const answer = this.mpi.recv(reply, dest, tag, this.psComm, { what });
    await this.mpi.send(msg, dest, TAG_REQUEST, this.psComm, { what });
    await answer;
  }

  /** Number of worker processes. */
  get numWorkers(): number {
    return this.workerRanks.length;
  }

  /** Number of server processes. */
  get numServers(): number {
    return this.serverRanks.length;
  }

  /** The next store id (stores are created in the same order on every worker). */
  nextStoreId(): number {
    return this.#stores++;
  }

  /** Takes the next place in the collective queue (call in program order). */
  ticket(): Ticket {
    return new Ticket(this, ++this.#issued);
  }

  /**
   * Ticket `id`'s turn (see Ticket).
   * @ignore
   */
  _turn(id: number): Promise<void> {
    if (this._isTurn(id)) return RESOLVED;
    let w = this.#waiting.get(id);
    if (!w) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => resolve = r);
      this.#waiting.set(id, w = { promise, resolve });
    }
    return w.promise;
  }

  /** True when no collective is queued or running. */
  get idle(): boolean {
    return this.#finished === this.#issued;
  }

  /** @ignore */
  _isTurn(id: number): boolean {
    return this.#finished === id - 1;
  }

  /**
   * Ticket `id` is done; tickets finish in order, each after its turn.
   * @ignore
   */
  _done(id: number): void {
    this.#finished = id;
    const next = this.#waiting.get(id + 1);
    if (next) {
      this.#waiting.delete(id + 1);
      next.resolve();
    }
  }

  /** Resolves once every collective queued so far has finished. */
  async drain(): Promise<void> {
    const t = this.ticket();
    await t.turn;
    t.done();
  }
}

let current: Session | null = null;

/** This process's session, created (collectively with every rank) on first use. */
export function session(role: Role = "worker"): Session {
  if (current) {
    if (current.role !== role) {
      throw new MXNetError(`kvstore: this process is a ${current.role}, not a ${role}`);
    }
    return current;
  }
  current = new Session(role);
  return current;
}
