/**
 * The distributed kvstore across hosts (`deno task test:hosts`): jobs started with a
 * hostfile on 2 and 3 namespace hosts (tools/hosts.ts: own addresses on 10.77.0.0/24, own
 * hostnames, TCP only), the way a user starts them on real machines:
 *
 *   deno task hosts exec mxts-h1 -- deno task launch -n 2 --hostfile /run/mxts-hosts/hostfile \
 *     --mpi-arg --map-by --mpi-arg node -- script.ts
 *
 * Conformance, dist_async with its server on a host of its own, Module.fit giving the same
 * weights as on one host, and faults: a host cut off, a slow lossy network, a host's
 * processes killed. Skipped, with the reason printed, without root, iproute2 or mpirun.
 * The last test removes the hosts and checks that no namespace, link or process is left.
 * @module
 */
import assert from "node:assert/strict";
import * as H from "../../tools/hosts.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const hasMpirun = (() => {
  try {
    return new Deno.Command("mpirun", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();
// They change the machine's network set-up (as root): only when asked for by name.
const why = Deno.env.get("MXTS_TEST_HOSTS") !== "1"
  ? "they make network namespaces as root: run them with `deno task test:hosts`"
  : !hasMpirun
  ? "mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"
  : H.unavailable();
if (why) console.log(`tests/hosts: skipped: ${why}`);
const opts = { ignore: why !== null, sanitizeOps: false, sanitizeResources: false };

/** Namespace identities seen, to look for processes left in them at the end. */
const seen = new Set<string>();
function hostsUp(n: number): void {
  H.up(n);
  for (const id of H.identities()) seen.add(id);
}
if (!why) globalThis.addEventListener("unload", () => H.down());

/** A job's output lines as they arrive, each with the time it came (ms since start). */
class Job {
  readonly lines: { at: number; text: string }[] = [];
  readonly t0 = performance.now();
  readonly status: Promise<Deno.CommandStatus>;
  readonly #child: Deno.ChildProcess;
  readonly #read: Promise<void>;

  constructor(host: string, cmd: string[], env: Record<string, string>, timeoutS: number) {
    const [bin, ...args] = H.execArgs(host, cmd);
    this.#child = new Deno.Command(bin, {
      args,
      cwd: ROOT,
      env: { MXTS_KVSTORE_TIMEOUT: "60", NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutS * 1000),
    }).spawn();
    this.status = this.#child.status;
    this.#read = Promise.all([this.#collect(this.#child.stdout), this.#collect(this.#child.stderr)])
      .then(() => {});
  }

  async #collect(s: ReadableStream<Uint8Array>): Promise<void> {
    let tail = "";
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      const parts = (tail + chunk).split("\n");
      tail = parts.pop()!;
      for (const text of parts) this.lines.push({ at: performance.now() - this.t0, text });
    }
    if (tail) this.lines.push({ at: performance.now() - this.t0, text: tail });
  }

  get out(): string {
    return this.lines.map((l) => l.text).join("\n");
  }

  /** Resolves when a line matches `re` (its arrival time), rejects after `ms`. */
  async waitFor(re: RegExp, ms: number): Promise<number> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const l = this.lines.find((l) => re.test(l.text));
      if (l) return l.at;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no line matching ${re} within ${ms / 1000} s:\n${this.out}`);
  }

  /** Exit code, output and seconds, once the job and its output have ended. */
  async done(): Promise<{ code: number; out: string; seconds: number }> {
    const st = await this.status;
    const seconds = (performance.now() - this.t0) / 1000;
    // A launcher that stopped mpirun may leave a cut-off host's process holding the pipe.
    await Promise.race([this.#read, new Promise((r) => setTimeout(r, 3000))]);
    return { code: st.code, out: this.out, seconds };
  }
}

/** `deno task launch` on mxts-h1 with the hosts' hostfile, one rank per host in turn. */
function launch(
  workers: number,
  servers: number,
  script: string,
  env: Record<string, string> = {},
  extra: string[] = [],
  timeoutS = 300,
): Job {
  return new Job(
    H.hostName(1),
    [
      Deno.execPath(),
      "run",
      "-A",
      "tools/launch.ts",
      "-n",
      String(workers),
      "-s",
      String(servers),
      "--hostfile",
      H.HOSTFILE,
      "--mpi-arg",
      "--map-by",
      "--mpi-arg",
      "node",
      ...extra,
      "--",
      script,
    ],
    env,
    timeoutS,
  );
}

/** Bytes host `h` has received on eth0 (its only way to the others). */
function rxBytes(h: string): number {
  const out = new Deno.Command("ip", { args: ["-n", h, "-j", "-s", "link", "show", "eth0"] })
    .outputSync();
  return JSON.parse(new TextDecoder().decode(out.stdout))[0].stats64.rx.bytes;
}

const results = (out: string) =>
  out.split("\n").filter((l) => l.startsWith("RESULT ")).map((l) => JSON.parse(l.slice(7)));

for (const n of [2, 3]) {
  Deno.test({
    name: `hosts: MXNet's dist_sync conformance on ${n} hosts, TCP only, a key over the bound`,
    ...opts,
    async fn() {
      hostsUp(n);
      const before = rxBytes(H.hostName(2));
      const job = launch(n, 0, "tests/dist/sync_worker.ts");
      const r = await job.done();
      assert.equal(r.code, 0, r.out);
      for (let i = 0; i < n; i++) assert.match(r.out, new RegExp(`OK rank ${i} of ${n}`));
      // The 1.44M-float key crossed the namespace network (4 rounds, each way): over TCP.
      const got = rxBytes(H.hostName(2)) - before;
      assert.ok(got > 4 * 1200 * 1200 * 4, `mxts-h2 received only ${got} bytes on eth0`);
    },
  });
}

Deno.test({
  name: "hosts: pushPull into the outputs on 3 hosts, the big key in chunks (bound 500000)",
  ...opts,
  async fn() {
    hostsUp(3);
    const r = await launch(3, 0, "tests/dist/pushpull_worker.ts", {
      MXNET_KVSTORE_BIGARRAY_BOUND: "500000",
    }).done();
    assert.equal(r.code, 0, r.out);
    for (let i = 0; i < 3; i++) assert.match(r.out, new RegExp(`OK rank ${i}`));
  },
});

Deno.test({
  name: "hosts: a host cut off mid-training fails every other rank in time, naming it",
  ...opts,
  async fn() {
    hostsUp(3);
    const timeout = 5;
    const job = launch(3, 0, "tests/hosts/loop_worker.ts", {
      MXTS_KVSTORE_TIMEOUT: String(timeout),
      MXTS_LAUNCH_ABORT_GRACE: "5",
    });
    await job.waitFor(/STEP 20 rank 1/, 120_000);
    const cut = performance.now() - job.t0;
    H.setLink(H.hostName(2), false);
    const named = (rank: number) =>
      new RegExp(
        `mxts: rank ${rank}: .* did not complete within ${timeout} s \\(MXTS_KVSTORE_TIMEOUT\\); ` +
          `worker rank 1 on host mxts-h2 \\(10\\.77\\.0\\.2\\) cannot be reached`,
      );
    for (const rank of [0, 2]) {
      const at = await job.waitFor(named(rank), 60_000);
      // The timeout, then at most 3 s of probing; a loaded machine may add a little.
      const s = (at - cut) / 1000;
      assert.ok(s < timeout + 3 + 4, `rank ${rank} failed ${s} s after the cut`);
      console.log(`cut off: rank ${rank} failed, naming it, ${s.toFixed(1)} s after the cut`);
    }
    const r = await job.done();
    assert.notEqual(r.code, 0);
    assert.match(r.out, /launch: the job was aborted but mpirun has not ended 5 s later/);
    const end = r.seconds - cut / 1000;
    assert.ok(end < timeout + 3 + 5 + 10, `ended ${end} s after the cut`);
    console.log(`cut off: the launcher ended ${end.toFixed(1)} s after the cut`);
    H.setLink(H.hostName(2), true);
    // The cut-off host's daemon still waits for mpirun: that host's own business (TCP
    // gives up after minutes); the hosts are made afresh for the next test.
    H.killHost(H.hostName(2));
  },
});

Deno.test({
  name: "hosts: a host's processes killed mid-training end the job on every host in seconds",
  ...opts,
  async fn() {
    hostsUp(3);
    const job = launch(3, 0, "tests/hosts/loop_worker.ts", { MXTS_KVSTORE_TIMEOUT: "120" });
    await job.waitFor(/STEP 20 rank 2/, 120_000);
    const t = performance.now() - job.t0;
    assert.ok(H.killHost(H.hostName(3)).length > 0, "nothing ran on mxts-h3");
    const r = await job.done();
    assert.notEqual(r.code, 0);
    const s = r.seconds - t / 1000;
    assert.ok(s < 20, `the job took ${s} s to end`);
    console.log(`killed host: the job ended ${s.toFixed(1)} s after the kill`);
    // mpirun's own words vary with what it noticed first; the launcher's line does not.
    assert.match(r.out, /launch: the job failed \(mpirun exit code \d+\)/, r.out);
    assert.match(
      r.out,
      /ORTE has lost communication|ORTE was unable to reliably start|mpirun noticed|Peer host/,
      r.out,
    );
    for (const h of [1, 2, 3]) {
      assert.deepEqual(H.pidsIn(H.hostName(h)), [], `processes left on mxts-h${h}`);
    }
  },
});

Deno.test({
  name: "hosts: 5 ms latency each way and 1% loss: same result, only slower",
  ...opts,
  async fn() {
    hostsUp(2);
    const steps = { STEPS: "60" };
    const clean = await launch(2, 0, "tests/hosts/loop_worker.ts", steps).done();
    assert.equal(clean.code, 0, clean.out);
    // All traffic between the two hosts crosses mxts-h2's link.
    const how = await H.impair(H.hostName(2), 5, 0.01);
    try {
      const slow = await launch(2, 0, "tests/hosts/loop_worker.ts", steps).done();
      assert.equal(slow.code, 0, slow.out);
      const [a, b] = [results(clean.out), results(slow.out)];
      assert.equal(a.length, 2);
      assert.equal(b.length, 2);
      assert.equal(new Set([...a, ...b].map((x) => x.hash)).size, 1, `${clean.out}\n${slow.out}`);
      // 60 steps, each at least one 10 ms round trip: clearly slower.
      assert.ok(slow.seconds > clean.seconds + 0.6, `${slow.seconds} s vs ${clean.seconds} s`);
      console.log(
        `impaired link (${how}): ${clean.seconds.toFixed(1)} s clean, ` +
          `${slow.seconds.toFixed(1)} s with 5 ms and 1% loss`,
      );
    } finally {
      await H.unimpair(H.hostName(2));
    }
  },
});

Deno.test({
  name: "hosts: dist_async with 2 workers on 2 hosts and the server on a third",
  ...opts,
  async fn() {
    hostsUp(3);
    const r = await launch(2, 1, "tests/dist/async_worker.ts", {}, [
      "--worker-hosts",
      "mxts-h1,mxts-h2",
      "--server-hosts",
      "mxts-h3",
      "--mpi-arg",
      "--display-map",
    ]).done();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /OK rank 0 of 2 \(dist_async, value 26\)/);
    assert.match(r.out, /OK rank 1 of 2 \(dist_async, value 26\)/);
    // MPMD: app 0 is the workers, app 1 the server, alone on mxts-h3.
    const map = r.out.slice(0, r.out.indexOf("OK rank"));
    assert.match(
      map,
      /Data for node: mxts-h3[^\n]*\n\s*Process OMPI jobid: \S+ App: 1 Process rank: 2/,
    );
  },
});

Deno.test({
  name: "hosts: Module.fit on 2 hosts gives the weights of 2 workers on one host, bit for bit",
  ...opts,
  async fn() {
    hostsUp(2);
    // One host: plain mpirun, shared memory between the two processes.
    const one = await new Deno.Command("mpirun", {
      args: [
        "--allow-run-as-root",
        "--oversubscribe",
        "-np",
        "2",
        Deno.execPath(),
        "run",
        "-A",
        "tests/dist/train_worker.ts",
      ],
      cwd: ROOT,
      env: { MXTS_KVSTORE_TIMEOUT: "60" },
      signal: AbortSignal.timeout(600_000),
    }).output();
    const oneOut = new TextDecoder().decode(one.stdout) + new TextDecoder().decode(one.stderr);
    assert.ok(one.success, oneOut);
    const two = await launch(2, 0, "tests/dist/train_worker.ts", {}, [], 600).done();
    assert.equal(two.code, 0, two.out);
    const [a, b] = [results(oneOut), results(two.out)];
    assert.equal(a.length, 2);
    assert.equal(b.length, 2);
    assert.equal(new Set([...a, ...b].map((x) => x.hash)).size, 1, `${oneOut}\n${two.out}`);
    assert.equal(a[0].acc, b[0].acc);
    const floor = b[0].fashion ? 0.75 : 0.85;
    assert.ok(b[0].acc > floor, `2 hosts reached only ${b[0].acc}`);
    console.log(
      `Module.fit (${b[0].fashion ? "Fashion-MNIST" : "synthetic data"}): accuracy ${b[0].acc}, ` +
        `hash ${b[0].hash} on one host and on two`,
    );
  },
});

Deno.test({
  name: "hosts: down leaves no namespace, link, mount or process behind",
  ...opts,
  fn() {
    H.down();
    assert.deepEqual(H.leftovers([...seen]), []);
  },
});
