/**
 * Starts a distributed job on MPI, like MXNet's tools/launch.py: WORKERS processes run
 * the training script (DMLC_ROLE=worker) and SERVERS processes run the kvstore server
 * (DMLC_ROLE=server), all in one `mpirun`, so a hostfile spreads them over machines.
 *
 *   deno task launch -n 2 -s 1 [--hostfile F] [--server-import F] \
 *     [--mpi-arg ARG ...] -- examples/train_dist.ts [script args]
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
  "[--server-import F] [--mpi-arg ARG] [--print] -- script.ts [args]";

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
    ...envs("worker"),
    Deno.execPath(),
    "run",
    "-A",
    ...o.command,
  ];
  if (o.servers > 0) {
    args.push(":", "-np", String(o.servers), ...envs("server"), Deno.execPath(), "run", "-A");
    args.push(server, ...o.serverImports.flatMap((f) => ["--import", f]));
  }
  return args;
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
  let status: Deno.CommandStatus;
  try {
    status = await new Deno.Command("mpirun", { args, stdin: "inherit" }).spawn().status;
  } catch (e) {
    console.error(
      `launch: cannot run mpirun (${(e as Error).message}); install openmpi-bin libopenmpi-dev`,
    );
    Deno.exit(127);
  }
  Deno.exit(status.code);
}
