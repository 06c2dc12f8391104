/**
 * Starts a distributed job on MPI, like MXNet's tools/launch.py: WORKERS processes run
 * the training script (DMLC_ROLE=worker) and SERVERS processes run the kvstore server
 * (DMLC_ROLE=server), all in one `mpirun`, so a hostfile spreads them over machines.
 *
 *   deno task launch -n 2 -s 1 [--hostfile F] [--worker-hosts A,B] [--server-hosts C] \
 *     [--server-import F] [--mpi-arg ARG ...] -- examples/train_dist.ts [script args]
 *
 * (the task is `deno run -A tools/launch.ts`).
 *
 * Without servers (`-s 0`, the default) this is `mpirun -np N deno run -A script.ts`,
 * enough for dist_sync; dist_async needs at least one server. `--print` shows the
 * command instead of running it.
 * @module
 */

/** Parsed launcher options. */
export interface LaunchOptions {
  /** Worker processes. */
  workers: number;
  /** Server processes. */
  servers: number;
  /** MPI hostfile (one host per line, `slots=N`). */
  hostfile?: string;
  /** Hosts the workers run on (`--host` of their app context), when given. */
  workerHosts?: string;
  /** Hosts the servers run on (e.g. machines of their own), when given. */
  serverHosts?: string;
  /** Modules the servers import first (custom optimizers). */
  serverImports: string[];
  /** Extra arguments for mpirun. */
  mpiArgs: string[];
  /** The script and its arguments. */
  command: string[];
  /** Print the mpirun command only. */
  print: boolean;
}

const USAGE = "usage: deno task launch -n WORKERS [-s SERVERS] [--hostfile F] " +
  "[--worker-hosts H1,H2] [--server-hosts H3] [--server-import F] [--mpi-arg ARG] [--print] " +
  "-- script.ts [args]";

/** Parses the launcher's command line; throws with the usage on mistakes. */
export function parseArgs(args: readonly string[]): LaunchOptions {
  const o: LaunchOptions = {
    workers: 1,
    servers: 0,
    serverImports: [],
    mpiArgs: [],
    command: [],
    print: false,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      if (i + 1 >= args.length) throw new Error(`${a} needs a value\n${USAGE}`);
      return args[++i];
    };
    const count = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a}: ${v} is not a count\n${USAGE}`);
      return n;
    };
    if (a === "--") {
      o.command = args.slice(i + 1);
      break;
    } else if (a === "-n" || a === "--num-workers") o.workers = count(next());
    else if (a === "-s" || a === "--num-servers") o.servers = count(next());
    else if (a === "-H" || a === "--hostfile") o.hostfile = next();
    else if (a === "--server-import") o.serverImports.push(next());
    else if (a === "--worker-hosts") o.workerHosts = next();
    else if (a === "--server-hosts") o.serverHosts = next();
    else if (a === "--mpi-arg") o.mpiArgs.push(next());
    else if (a === "--print") o.print = true;
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (o.command.length === 0) throw new Error(`give the script after --\n${USAGE}`);
  if (o.workers < 1) throw new Error(`-n must be at least 1\n${USAGE}`);
  return o;
}

/** The mpirun argument list for `o` (MPMD: workers first, so worker r is MPI rank r). */
export function mpirunArgs(o: LaunchOptions, isRoot: boolean): string[] {
  const server = new URL("../src/kvstore/dist/server_main.ts", import.meta.url).pathname;
  const envs = (role: string) => [
    "env",
    `DMLC_ROLE=${role}`,
    `DMLC_NUM_WORKER=${o.workers}`,
    `DMLC_NUM_SERVER=${o.servers}`,
  ];
  const args = [
    ...(isRoot ? ["--allow-run-as-root"] : []),
    "--oversubscribe",
    ...(o.hostfile ? ["--hostfile", o.hostfile] : []),
    ...o.mpiArgs,
    "-np",
    String(o.workers),
    ...(o.workerHosts ? ["--host", o.workerHosts] : []),
    ...envs("worker"),
    Deno.execPath(),
    "run",
    "-A",
    ...o.command,
  ];
  if (o.servers > 0) {
    args.push(":", "-np", String(o.servers));
    if (o.serverHosts) args.push("--host", o.serverHosts);
    args.push(...envs("server"), Deno.execPath(), "run", "-A");
    args.push(server, ...o.serverImports.flatMap((f) => ["--import", f]));
  }
  return args;
}

/**
 * Seconds mpirun gets to end the job after a rank aborted it (MXTS_LAUNCH_ABORT_GRACE,
 * default 15). Across hosts mpirun can wait on a daemon it can no longer reach (a host cut
 * off from the network) until TCP gives up, many minutes: past this grace the launcher
 * stops it.
 */
export function abortGraceMs(): number {
  const v = Number(Deno.env.get("MXTS_LAUNCH_ABORT_GRACE") ?? 15);
  return Number.isFinite(v) && v > 0 ? v * 1000 : 15000;
}

/** True for a line by which mpirun or a rank says the job is being aborted. */
export function isAbortLine(line: string): boolean {
  return /MPI_ABORT was invoked on rank|^mxts: rank \d+: .*aborting the MPI job/.test(line);
}

/**
 * Copies `from` to `to` line-faithfully, calling `onAbort` once when an abort line
 * passes (see `isAbortLine`).
 */
async function relay(
  from: ReadableStream<Uint8Array>,
  to: { write(p: Uint8Array): Promise<number> },
  onAbort: () => void,
  lost: Set<string>,
): Promise<void> {
  const dec = new TextDecoder();
  let tail = "";
  for await (const chunk of from) {
    for (let done = 0; done < chunk.length;) done += await to.write(chunk.subarray(done));
    const lines = (tail + dec.decode(chunk, { stream: true })).split("\n");
    tail = lines.pop() ?? "";
    if (lines.some(isAbortLine)) onAbort();
    for (const l of lines) {
      // OpenMPI's report of a peer that vanished (its process or host).
      const m = /^\s*Peer host:\s*(\S+)/.exec(l);
      if (m) lost.add(m[1]);
    }
  }
}

/** Runs mpirun with `args`, stopping it when it outlives an abort by the grace; exit code. */
async function supervise(args: string[]): Promise<number> {
  const child = new Deno.Command("mpirun", {
    args,
    stdin: "inherit",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const onAbort = () => {
    if (timer) return;
    const grace = abortGraceMs();
    timer = setTimeout(() => {
      stopped = true;
      console.error(
        `launch: the job was aborted but mpirun has not ended ${grace / 1000} s later ` +
          `(it waits for a host it cannot reach); stopping mpirun. Processes on that host ` +
          `end when their own kvstore timeout passes.`,
      );
      // SIGKILL: on SIGTERM mpirun 4.1 tries the unreachable daemon again, then crashes.
      // Daemons it could reach have ended with the abort, or see its connection close.
      child.kill("SIGKILL");
    }, grace);
  };
  const lost = new Set<string>();
  const relays = Promise.all([
    relay(child.stdout, Deno.stdout, onAbort, lost),
    relay(child.stderr, Deno.stderr, onAbort, lost),
  ]);
  const status = await child.status;
  clearTimeout(timer);
  // A stopped mpirun may leave a child holding the pipes: the caller exits without them.
  if (stopped) return 1;
  await relays;
  if (status.code !== 0) {
    console.error(
      `launch: the job failed (mpirun exit code ${status.code})` +
        (lost.size ? `; processes on ${[...lost].join(", ")} vanished` : ""),
    );
  }
  return status.code;
}

if (import.meta.main) {
  let o: LaunchOptions;
  try {
    o = parseArgs(Deno.args);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
  const args = mpirunArgs(o, Deno.uid?.() === 0);
  if (o.print) {
    console.log(["mpirun", ...args].join(" "));
    Deno.exit(0);
  }
  let code: number;
  try {
    code = await supervise(args);
  } catch (e) {
    console.error(
      `launch: cannot run mpirun (${(e as Error).message}); install openmpi-bin libopenmpi-dev`,
    );
    Deno.exit(127);
  }
  Deno.exit(code);
}
