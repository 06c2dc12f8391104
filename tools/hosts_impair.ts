/**
 * A slow, lossy link for one namespace host (tools/hosts.ts), for kernels without
 * `tc netem` (CONFIG_NET_SCH_NETEM; the machines these tests run on lack it): the host's
 * veth pair is replaced by two TAP devices, its `eth0` and the switch port `pN`, and
 * this process moves every Ethernet frame between them, each way after `delay` ms and
 * dropping a fraction `loss` of them at random. Runs until killed (SIGTERM or SIGKILL;
 * `hosts.ts` then puts the veth pair back).
 *
 *   deno run -A tools/hosts_impair.ts HOST_INDEX DELAY_MS LOSS_FRACTION
 *
 * Prints `READY` once the link is up. The TAPs are made in the root namespace (that is
 * where this process is) and moved into the host and the switch at once; no frame passes
 * through the root namespace.
 * @module
 */
import { hostAddress, hostName, SWITCH } from "./hosts.ts";

const libc = Deno.dlopen("libc.so.6", {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize", nonblocking: true },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
}).symbols;

const O_RDWR = 2, TUNSETIFF = 0x400454ca, IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;

/** Opens a TAP device named `name` (in this process's namespace); its file descriptor. */
function openTap(name: string): number {
  const fd = libc.open(new TextEncoder().encode("/dev/net/tun\0"), O_RDWR);
  if (fd < 0) throw new Error(`hosts_impair: cannot open /dev/net/tun`);
  // struct ifreq: 16 bytes of name, then the flags (short).
  const ifr = new Uint8Array(40);
  ifr.set(new TextEncoder().encode(name));
  new DataView(ifr.buffer).setInt16(16, IFF_TAP | IFF_NO_PI, true);
  if (libc.ioctl(fd, BigInt(TUNSETIFF), ifr) < 0) {
    throw new Error(`hosts_impair: TUNSETIFF ${name} failed`);
  }
  return fd;
}

function ip(...args: string[]): void {
  const o = new Deno.Command("ip", { args, stderr: "piped" }).outputSync();
  if (!o.success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(o.stderr).trim()}`);
  }
}

/** Moves frames from `from` to `to`, each `delayMs` later, losing a fraction `loss`. */
async function pump(from: number, to: number, delayMs: number, loss: number): Promise<void> {
  for (;;) {
    const buf = new Uint8Array(65536);
    const n = Number(await libc.read(from, buf, BigInt(buf.length)));
    if (n <= 0) return;
    if (Math.random() < loss) continue;
    const frame = buf.subarray(0, n);
    // Frames keep their order: equal delays fire in the order they were set.
    setTimeout(() => libc.write(to, frame, BigInt(n)), delayMs);
  }
}

if (import.meta.main) {
  const [i, delayMs, loss] = Deno.args.map(Number);
  const host = hostName(i), port = `p${i}`;
  const hostTap = `mxts-t${i}h`, portTap = `mxts-t${i}s`;
  const hostFd = openTap(hostTap), portFd = openTap(portTap);
  ip("link", "set", hostTap, "netns", host, "name", "eth0");
  ip("link", "set", portTap, "netns", SWITCH, "name", port);
  ip("-n", host, "addr", "add", `${hostAddress(i)}/24`, "dev", "eth0");
  ip("-n", host, "link", "set", "eth0", "up");
  ip("-n", SWITCH, "link", "set", port, "master", "br0", "up");
  console.log("READY");
  await Promise.all([
    pump(hostFd, portFd, delayMs, loss),
    pump(portFd, hostFd, delayMs, loss),
  ]);
}
