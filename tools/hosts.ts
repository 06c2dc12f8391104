/**
 * Pretend machines on this one: N "hosts" made of Linux namespaces, so the distributed
 * kvstore can be tested across hosts (TCP between addresses) instead of between processes
 * of one host (where OpenMPI uses shared memory).
 *
 *   deno task hosts up 3          # mxts-h1 .. mxts-h3 at 10.77.0.1 .. 10.77.0.3
 *   deno task hosts exec mxts-h1 -- deno task launch -n 2 --hostfile /run/mxts-hosts/hostfile -- train.ts
 *   deno task hosts status
 *   deno task hosts down          # removes every namespace, link, mount and process
 *
 * Each host is a network namespace (`ip netns`, /run/netns/mxts-hN) with one interface
 * `eth0` and its own address in 10.77.0.0/24, plus a UTS namespace (bound at
 * /run/mxts-hosts/mxts-hN.uts) holding its own hostname, so OpenMPI sees distinct nodes.
 * The hosts' `eth0`s are veth pairs whose other ends sit on a bridge in one more network
 * namespace, the switch `mxts-sw`: nothing is added to the root namespace, and traffic
 * never leaves the namespaces made here.
 *
 * OpenMPI starts its daemons on other hosts with an rsh agent (normally ssh); `up` writes
 * /run/mxts-hosts/agent, which runs the command inside the named host's namespaces with
 * nsenter instead, and /run/mxts-hosts/hostfile. `exec` runs a command on a host with the
 * OpenMPI settings for this network in its environment (OMPI_MCA_*: that agent, TCP only,
 * on eth0), so a plain `mpirun --hostfile` or `deno task launch --hostfile` works there.
 *
 * Needs root and iproute2 (`ip`), util-linux (`nsenter`, `unshare`). `impair` adds latency
 * and loss with `tc netem`, or where the kernel lacks netem with a relay process
 * (tools/hosts_impair.ts). `unavailable()` says what is missing (the tests skip with that reason).
 * @module
 */

/** Where the hostfile, the rsh agent and the UTS namespace files live. */
export const STATE_DIR = "/run/mxts-hosts";
/** The namespace holding the bridge all hosts are plugged into. */
export const SWITCH = "mxts-sw";
/** Name (netns, hostname and hostfile entry) of host `i` (1-based). */
export const hostName = (i: number): string => `mxts-h${i}`;
/** Address of host `i` on the private subnet. */
export const hostAddress = (i: number): string => `10.77.0.${i}`;
/** The MPI hostfile `up` writes. */
export const HOSTFILE = `${STATE_DIR}/hostfile`;
/** OpenMPI's rsh agent `up` writes (runs a command inside a namespace host). */
export const AGENT = `${STATE_DIR}/agent`;
/** Most hosts the subnet plan allows (addresses .1 .. .200). */
export const MAX_HOSTS = 200;
const HOST_RE = /^mxts-h(\d+)$/;

/**
 * OpenMPI settings for jobs on these hosts: start daemons through the agent, move data
 * over TCP only (no shared memory, as between real machines), on the hosts' `eth0`.
 */
export function mpiEnv(): Record<string, string> {
  return {
    OMPI_MCA_plm_rsh_agent: AGENT,
    OMPI_MCA_btl: "tcp,self",
    OMPI_MCA_btl_tcp_if_include: "eth0",
    OMPI_MCA_oob_tcp_if_include: "eth0",
  };
}

interface Out {
  ok: boolean;
  out: string;
}

function runSync(cmd: string, args: string[]): Out {
  try {
    const o = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
    const dec = new TextDecoder();
    return { ok: o.success, out: (dec.decode(o.stdout) + dec.decode(o.stderr)).trim() };
  } catch (e) {
    return { ok: false, out: `${cmd}: ${(e as Error).message}` };
  }
}

/** Runs a command that must succeed; throws with its output otherwise. */
function must(cmd: string, ...args: string[]): string {
  const r = runSync(cmd, args);
  if (!r.ok) throw new Error(`hosts: ${cmd} ${args.join(" ")} failed: ${r.out}`);
  return r.out;
}

/**
 * Why namespace hosts cannot be made here, or null when they can (root, the tools there,
 * and a network namespace actually created and removed).
 */
export function unavailable(): string | null {
  if (Deno.build.os !== "linux") return `namespace hosts need Linux (this is ${Deno.build.os})`;
  if (Deno.uid?.() !== 0) return "namespace hosts need root (ip netns, nsenter, unshare)";
  for (const [tool, pkg] of [["ip", "iproute2"], ["nsenter", "util-linux"]] as const) {
    if (!runSync(tool, ["--version"]).ok && !runSync(tool, ["-V"]).ok) {
      return `namespace hosts need \`${tool}\` (apt-get install ${pkg})`;
    }
  }
  if (!runSync("unshare", ["--version"]).ok) {
    return "namespace hosts need `unshare` (apt-get install util-linux)";
  }
  const probe = "mxts-probe";
  runSync("ip", ["netns", "del", probe]);
  const made = runSync("ip", ["netns", "add", probe]);
  if (!made.ok) return `cannot create a network namespace here: ${made.out}`;
  runSync("ip", ["netns", "del", probe]);
  return null;
}

/** Network namespaces present, by name. */
function netnsList(): string[] {
  const r = runSync("ip", ["netns", "list"]);
  return r.ok ? r.out.split("\n").map((l) => l.split(" ")[0]).filter(Boolean) : [];
}

/** Names of the namespace hosts that exist now, in host order. */
export function hosts(): string[] {
  return netnsList().filter((n) => HOST_RE.test(n)).sort((a, b) => hostIndex(a) - hostIndex(b));
}

function hostIndex(name: string): number {
  const m = HOST_RE.exec(name);
  if (!m) throw new Error(`hosts: ${name} is not a namespace host (mxts-hN)`);
  return Number(m[1]);
}

const utsFile = (name: string) => `${STATE_DIR}/${name}.uts`;

function isMountPoint(path: string): boolean {
  return runSync("mountpoint", ["-q", path]).ok;
}

/** The state directory, a private mount so UTS namespaces can be bound inside it. */
function ensureStateDir(): void {
  Deno.mkdirSync(STATE_DIR, { recursive: true });
  if (!isMountPoint(STATE_DIR)) {
    must("mount", "--bind", STATE_DIR, STATE_DIR);
    must("mount", "--make-private", STATE_DIR);
  }
}

function ensureSwitch(): void {
  if (!netnsList().includes(SWITCH)) must("ip", "netns", "add", SWITCH);
  if (!runSync("ip", ["-n", SWITCH, "link", "show", "br0"]).ok) {
    must("ip", "-n", SWITCH, "link", "add", "br0", "type", "bridge");
  }
  must("ip", "-n", SWITCH, "link", "set", "br0", "up");
}

/** Creates host `i` (what is missing of it) and plugs it into the switch. */
function ensureHost(i: number): void {
  const name = hostName(i), port = `p${i}`;
  if (!netnsList().includes(name)) must("ip", "netns", "add", name);
  if (!runSync("ip", ["-n", SWITCH, "link", "show", port]).ok) {
    // A stale eth0 from a half-made host would block the new pair.
    runSync("ip", ["-n", name, "link", "del", "eth0"]);
    must(
      "ip",
      "-n",
      SWITCH,
      "link",
      "add",
      port,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      name,
    );
  }
  must("ip", "-n", SWITCH, "link", "set", port, "master", "br0", "up");
  const cidr = `${hostAddress(i)}/24`;
  if (!must("ip", "-n", name, "-o", "addr", "show", "dev", "eth0").includes(cidr)) {
    must("ip", "-n", name, "addr", "add", cidr, "dev", "eth0");
  }
  must("ip", "-n", name, "link", "set", "eth0", "up");
  must("ip", "-n", name, "link", "set", "lo", "up");
  const uts = utsFile(name);
  if (!isMountPoint(uts)) {
    Deno.writeTextFileSync(uts, "");
    must("unshare", `--uts=${uts}`, "hostname", name);
  }
}

/** Removes host `name`: its processes, its namespaces (and so its links). */
function removeHost(name: string): void {
  stopRelay(name);
  killHost(name);
  runSync("ip", ["netns", "del", name]);
  const uts = utsFile(name);
  if (isMountPoint(uts)) runSync("umount", [uts]);
  try {
    Deno.removeSync(uts);
  } catch { /* not there */ }
}

/**
 * Makes hosts mxts-h1 .. mxts-hN (idempotent: what exists is kept, hosts beyond N are
 * removed), the switch, the hostfile (`slots` per host) and the rsh agent.
 */
export function up(n: number, slots = 4): string[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOSTS) {
    throw new Error(`hosts up: N must be an integer from 1 to ${MAX_HOSTS}, got ${n}`);
  }
  const why = unavailable();
  if (why) throw new Error(`hosts up: ${why}`);
  ensureStateDir();
  ensureSwitch();
  for (const h of hosts()) if (hostIndex(h) > n) removeHost(h);
  for (let i = 1; i <= n; i++) ensureHost(i);
  const names = Array.from({ length: n }, (_, i) => hostName(i + 1));
  Deno.writeTextFileSync(HOSTFILE, names.map((h) => `${h} slots=${slots}\n`).join(""));
  Deno.writeTextFileSync(AGENT, agentScript(), { mode: 0o755 });
  return names;
}

/** The rsh agent: `agent HOST COMMAND...` runs COMMAND in HOST's namespaces, as ssh would. */
function agentScript(): string {
  return `#!/bin/sh
# OpenMPI's plm_rsh_agent for the namespace hosts of mxts's tools/hosts.ts: instead of
# logging in with ssh, run the command (one shell line, as ssh takes it) inside the host's
# network and UTS namespaces.
host="$1"; shift
case "$host" in
  mxts-h[0-9]*) ;;
  *) echo "mxts hosts agent: $host is not a namespace host (mxts-hN)" >&2; exit 255 ;;
esac
if [ ! -e "/run/netns/$host" ]; then
  echo "mxts hosts agent: no host $host (deno task hosts up N)" >&2; exit 255
fi
exec nsenter --net="/run/netns/$host" --uts="${STATE_DIR}/$host.uts" -- sh -c "$*"
`;
}

/** Kills every process inside host `name` (its network namespace). */
export function killHost(name: string, signal = "KILL"): number[] {
  const pids = pidsIn(name);
  for (const pid of pids) runSync("kill", [`-${signal}`, String(pid)]);
  return pids;
}

/** Processes running in host `name`'s network namespace. */
export function pidsIn(name: string): number[] {
  const r = runSync("ip", ["netns", "pids", name]);
  return r.ok ? r.out.split("\n").filter(Boolean).map(Number) : [];
}

/** Removes every host, the switch, the files and the mounts; idempotent. */
export function down(): void {
  for (const h of hosts()) removeHost(h);
  if (netnsList().includes(SWITCH)) {
    killHost(SWITCH);
    runSync("ip", ["netns", "del", SWITCH]);
  }
  for (const f of [HOSTFILE, AGENT]) {
    try {
      Deno.removeSync(f);
    } catch { /* not there */ }
  }
  try {
    for (const e of Deno.readDirSync(STATE_DIR)) {
      const p = `${STATE_DIR}/${e.name}`;
      if (isMountPoint(p)) runSync("umount", [p]);
    }
  } catch { /* no directory */ }
  if (isMountPoint(STATE_DIR)) runSync("umount", [STATE_DIR]);
  try {
    Deno.removeSync(STATE_DIR, { recursive: true });
  } catch { /* not there */ }
}

/**
 * Namespace identities (`net:[inode]`, `uts:[inode]`) of the hosts and the switch, to
 * find their processes after the namespaces are gone (`leftovers`).
 */
export function identities(): string[] {
  const ids: string[] = [];
  for (const n of [...hosts(), SWITCH]) {
    try {
      ids.push(`net:[${Deno.statSync(`/run/netns/${n}`).ino}]`);
    } catch { /* gone */ }
    try {
      ids.push(`uts:[${Deno.statSync(utsFile(n)).ino}]`);
    } catch { /* gone */ }
  }
  return ids;
}

/**
 * What `down` should have removed and did not: namespaces, the state directory, veth or
 * bridge links in the root namespace named like ours, and processes still inside any of
 * the namespaces `ids` (from `identities()` while they existed). Empty when clean.
 */
export function leftovers(ids: readonly string[] = []): string[] {
  const left: string[] = [];
  for (const n of netnsList()) {
    if (n === SWITCH || HOST_RE.test(n) || n === "mxts-probe") left.push(`namespace ${n}`);
  }
  try {
    Deno.statSync(STATE_DIR);
    left.push(`directory ${STATE_DIR}`);
  } catch { /* removed */ }
  for (const l of runSync("ip", ["-o", "link", "show"]).out.split("\n")) {
    const name = l.split(":")[1]?.trim().split("@")[0];
    if (name && /^(p\d+|mxts)/.test(name)) left.push(`link ${name}`);
  }
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      if (cmd.includes("hosts_impair.ts") && alive(Number(e.name))) {
        left.push(`process ${e.name} (link relay)`);
      }
    } catch { /* exited */ }
  }
  if (ids.length) {
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(e.name)) continue;
      for (const kind of ["net", "uts"]) {
        try {
          const id = Deno.readLinkSync(`/proc/${e.name}/ns/${kind}`);
          if (ids.includes(id)) left.push(`process ${e.name} in ${id}`);
        } catch { /* exited, or a kernel thread */ }
      }
    }
  }
  return left;
}

/** The command line that runs `cmd` on host `name` with `mpiEnv()` set. */
export function execArgs(name: string, cmd: readonly string[]): string[] {
  hostIndex(name);
  const envs = Object.entries(mpiEnv()).map(([k, v]) => `${k}=${v}`);
  return [
    "nsenter",
    `--net=/run/netns/${name}`,
    `--uts=${utsFile(name)}`,
    "--",
    "env",
    ...envs,
    ...cmd,
  ];
}

/** Takes host `name`'s link to the switch down (`false`) or up again (`true`). */
export function setLink(name: string, isUp: boolean): void {
  must("ip", "-n", SWITCH, "link", "set", `p${hostIndex(name)}`, isUp ? "up" : "down");
}

const impairPidFile = (name: string) => `${STATE_DIR}/${name}.impair.pid`;

/**
 * Makes host `name`'s link slow and lossy, each way: `delayMs` added and a fraction
 * `loss` of the packets dropped. With `tc netem` where the kernel has it (on the host's
 * eth0 and its switch port), else with tools/hosts_impair.ts, a process relaying frames
 * between TAP devices put in place of the veth pair. Returns which was used.
 */
export async function impair(
  name: string,
  delayMs: number,
  loss: number,
): Promise<"netem" | "relay"> {
  const i = hostIndex(name);
  await unimpair(name);
  const spec = ["delay", `${delayMs}ms`, "loss", `${loss * 100}%`];
  const tc = (ns: string, dev: string) =>
    runSync("ip", [
      "netns",
      "exec",
      ns,
      "tc",
      "qdisc",
      "add",
      "dev",
      dev,
      "root",
      "netem",
      ...spec,
    ]);
  const a = tc(name, "eth0");
  if (a.ok) {
    must(
      "ip",
      "netns",
      "exec",
      SWITCH,
      "tc",
      "qdisc",
      "add",
      "dev",
      `p${i}`,
      "root",
      "netem",
      ...spec,
    );
    return "netem";
  }
  if (!/unknown/i.test(a.out)) throw new Error(`hosts: tc netem on ${name} failed: ${a.out}`);
  must("ip", "-n", SWITCH, "link", "del", `p${i}`); // both ends of the veth pair
  const relay = new URL("./hosts_impair.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", relay, String(i), String(delayMs), String(loss)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  Deno.writeTextFileSync(impairPidFile(name), String(child.pid));
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  reader.releaseLock();
  if (!first.value?.includes("READY")) {
    await unimpair(name);
    throw new Error(`hosts: the link relay for ${name} did not start`);
  }
  // It runs on after this process (the CLI) ends; `unimpair` or `down` stops it.
  child.stdout.cancel().catch(() => {});
  child.unref();
  return "relay";
}

/** Removes what `impair` added to host `name`'s link (idempotent). */
export async function unimpair(name: string): Promise<void> {
  const i = hostIndex(name);
  runSync("ip", ["netns", "exec", name, "tc", "qdisc", "del", "dev", "eth0", "root"]);
  runSync("ip", ["netns", "exec", SWITCH, "tc", "qdisc", "del", "dev", `p${i}`, "root"]);
  if (stopRelay(name)) {
    // The relay's TAPs vanish with its process; give the host a veth pair again.
    for (let t = 0; t < 50 && runSync("ip", ["-n", name, "link", "show", "eth0"]).ok; t++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    ensureHost(i);
  }
}

function alive(pid: number): boolean {
  try {
    // A zombie (killed, not yet reaped by its parent) holds nothing any more.
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

/** Kills host `name`'s link relay, if one runs; true when there was one. */
function stopRelay(name: string): boolean {
  let pid: number;
  try {
    pid = Number(Deno.readTextFileSync(impairPidFile(name)));
  } catch {
    return false;
  }
  Deno.removeSync(impairPidFile(name));
  if (!runSync("kill", ["-KILL", String(pid)]).ok) return true;
  // SIGKILL is not instant: wait (up to 2 s) until the process and its TAPs are gone.
  for (let t = 0; t < 100 && alive(pid); t++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return true;
}

const USAGE = `usage: deno task hosts up N [--slots S] | down | status | exec HOST -- CMD...
       | impair HOST DELAY_MS LOSS_PERCENT
  up N      make namespace hosts mxts-h1..mxts-hN (10.77.0.1..N) on a private bridge,
            ${HOSTFILE} and OpenMPI's rsh agent ${AGENT}
  exec      run CMD on HOST with OpenMPI set up for these hosts (TCP on eth0)
  impair    add DELAY_MS each way and LOSS_PERCENT loss to HOST's link (0 0: remove)
  down      remove every host, link, file and process made by up`;

async function main(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  try {
    if (cmd === "up") {
      const n = Number(rest[0]);
      const si = rest.indexOf("--slots");
      const names = up(n, si >= 0 ? Number(rest[si + 1]) : 4);
      for (const h of names) console.log(`${h} ${hostAddress(hostIndex(h))}`);
      console.log(`hostfile: ${HOSTFILE}\nrun on a host: deno task hosts exec ${names[0]} -- CMD`);
      return 0;
    }
    if (cmd === "down") {
      down();
      const left = leftovers();
      if (left.length) {
        console.error(`hosts down: left behind: ${left.join(", ")}`);
        return 1;
      }
      return 0;
    }
    if (cmd === "impair") {
      const [h, delay, loss] = rest;
      if (!h || !(Number(delay) >= 0) || !(Number(loss) >= 0 && Number(loss) < 100)) {
        throw new Error(USAGE);
      }
      const how = delay === "0" && loss === "0"
        ? (await unimpair(h), "none")
        : await impair(h, Number(delay), Number(loss) / 100);
      console.log(`${h}: ${delay} ms each way, ${loss}% loss (${how})`);
      return 0;
    }
    if (cmd === "status") {
      const hs = hosts();
      if (hs.length === 0) console.log("no namespace hosts (deno task hosts up N)");
      for (const h of hs) console.log(`${h} ${hostAddress(hostIndex(h))} pids ${pidsIn(h).length}`);
      return 0;
    }
    if (cmd === "exec") {
      const dash = rest.indexOf("--");
      if (rest.length < 1 || dash < 0 || dash === rest.length - 1) throw new Error(USAGE);
      if (!hosts().includes(rest[0])) throw new Error(`hosts exec: no host ${rest[0]}`);
      const [bin, ...a] = execArgs(rest[0], rest.slice(dash + 1));
      const st = await new Deno.Command(bin, { args: a, stdin: "inherit" }).spawn().status;
      return st.code;
    }
    console.error(USAGE);
    return 2;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
