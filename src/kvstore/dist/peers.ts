/**
 * Where every rank of the job runs (host name, addresses), and whether it can still be
 * reached: when a collective times out the error should say which rank on which host
 * stopped answering, not only that "another rank" did. MPI cannot tell (a thread blocked
 * in it cannot be asked), so each rank keeps a TCP port open beside MPI, outside the
 * event loop's life (unref'd, never accepted: the kernel completes the handshake). On a
 * timeout the waiting rank dials every peer's port, a few seconds at most:
 *
 * - no answer (the host is down or cut off): **unreachable**, the likely cause;
 * - connection refused (the host answers, the port is closed): the process is gone;
 * - connected: the host and process are there (stuck, or issued other kvstore calls).
 * @module
 */
import type { Mpi } from "../mpi/mod.ts";

/** Bytes per rank in the exchange (JSON of `Whereabouts`, zero padded). */
const SLOT_BYTES = 512;

/** One rank's host and liveness port. */
export interface Whereabouts {
  /** The host's name (`hostname`). */
  host: string;
  /** Its IPv4 addresses other than loopback (where its port can be dialled). */
  addrs: string[];
  /** The rank's liveness port (0: none). */
  port: number;
}

/** How a peer answered the liveness probe. */
export type Reach = "answers" | "process gone" | "unreachable";

/** The job's ranks' whereabouts, exchanged once at start-up (see the module docs). */
export class Peers {
  /** Whereabouts by world rank. */
  readonly all: readonly Whereabouts[];
  readonly #self: number;
  readonly #listener: Deno.Listener | null;

  private constructor(all: Whereabouts[], self: number, listener: Deno.Listener | null) {
    this.all = all;
    this.#self = self;
    this.#listener = listener;
  }

  /**
   * Opens this rank's liveness port and exchanges whereabouts with every rank of the
   * world (a blocking collective: call it where every rank does, at start-up).
   */
  static exchange(m: Mpi): Peers {
    let listener: Deno.Listener | null = null;
    try {
      listener = Deno.listen({ hostname: "0.0.0.0", port: 0, transport: "tcp" });
      // Not a reason to keep the process alive, and never accepted (see the module docs).
      listener.unref();
    } catch {
      listener = null; // no network permission or stack: peers are named without probing
    }
    const me: Whereabouts = {
      host: hostname(),
      addrs: ipv4Addresses(),
      port: listener ? (listener.addr as Deno.NetAddr).port : 0,
    };
    const words = SLOT_BYTES / 4;
    const table = new Int32Array(words * m.size);
    const mine = new TextEncoder().encode(JSON.stringify(me));
    new Uint8Array(table.buffer, m.rank * SLOT_BYTES, SLOT_BYTES)
      .set(mine.subarray(0, SLOT_BYTES));
    // Each rank fills its own slot and leaves the others zero: the sum is the gather.
    m.allreduceSync(table, m.world);
    const all: Whereabouts[] = [];
    for (let r = 0; r < m.size; r++) {
      const slot = new Uint8Array(table.buffer, r * SLOT_BYTES, SLOT_BYTES);
      const end = slot.indexOf(0);
      try {
        all.push(
          JSON.parse(new TextDecoder().decode(slot.subarray(0, end < 0 ? SLOT_BYTES : end))),
        );
      } catch {
        all.push({ host: "?", addrs: [], port: 0 });
      }
    }
    return new Peers(all, m.rank, listener);
  }

  /** "host mxts-h2 (10.77.0.2)" for world rank `r`. */
  where(r: number): string {
    const w = this.all[r];
    return w ? `host ${w.host}${w.addrs.length ? ` (${w.addrs.join(", ")})` : ""}` : "host ?";
  }

  /** Dials world rank `r`'s liveness port on each of its addresses, for at most `ms`. */
  async probe(r: number, ms: number): Promise<Reach> {
    const w = this.all[r];
    if (!w || w.port === 0 || w.addrs.length === 0) return "answers";
    const tries = w.addrs.map((a) => dial(a, w.port, ms));
    const got = await Promise.all(tries);
    if (got.includes("answers")) return "answers";
    if (got.includes("process gone")) return "process gone";
    return "unreachable";
  }

  /**
   * Probes every other rank at once (at most `ms`) and says which cannot be reached or
   * have no process any more, naming them with `name(worldRank)` and their host; "" when
   * every one answers.
   */
  async diagnose(name: (r: number) => string, ms = 3000): Promise<string> {
    const others = this.all.map((_, r) => r).filter((r) => r !== this.#self);
    const reach = await Promise.all(others.map((r) => this.probe(r, ms)));
    const say = (what: Reach, text: string) => {
      const hit = others.filter((_, i) => reach[i] === what);
      return hit.length
        ? [`${hit.map((r) => `${name(r)} on ${this.where(r)}`).join(", ")} ${text}`]
        : [];
    };
    const found = [
      ...say("unreachable", `cannot be reached (no answer within ${ms / 1000} s)`),
      ...say("process gone", "is reachable but its process is gone"),
    ];
    return found.length
      ? found.join("; ")
      : `every other rank's host and process answer (${others.length} probed)`;
  }

  /** Closes the liveness port. */
  close(): void {
    try {
      this.#listener?.close();
    } catch { /* closed */ }
  }
}

/** Connects to `addr:port` within `ms`: how the peer answered. */
async function dial(addr: string, port: number, ms: number): Promise<Reach> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Reach>((resolve) => {
    timer = setTimeout(() => resolve("unreachable"), ms);
  });
  const attempt = Deno.connect({ hostname: addr, port }).then(
    (c): Reach => {
      c.close();
      return "answers";
    },
    (e): Reach => (e instanceof Deno.errors.ConnectionRefused ? "process gone" : "unreachable"),
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "?";
  }
}

function ipv4Addresses(): string[] {
  try {
    return Deno.networkInterfaces()
      .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
      .map((i) => i.address);
  } catch {
    return [];
  }
}
