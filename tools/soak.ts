/**
 * Soak test (`deno task soak`, not in CI): for an hour (`--duration 10m`, `90s`, `2h`)
 * a child process trains a small network (a Module's forward/backward/update, plus
 * imperative and autograd work), resumes from its last checkpoint, and saves a checkpoint
 * pair and a single array file after every epoch, while this process kills it with
 * SIGKILL at random moments, many of them inside a save. After every kill the files are
 * loaded and must be either the previous complete save or the new one (compared by
 * digest of every byte the child saved), a checkpoint pair that does not belong together
 * must be refused by its stamp (never loaded), and a killed save's temporary files must
 * be gone after the next save. Every few cycles the child instead runs a minute without
 * being killed, and its memory must stay flat: the engine's live arrays constant, the
 * resident size within a bound after warm-up. Prints a JSON summary; exits 1 on any
 * violation.
 *
 * ```
 * deno task soak                      # one hour
 * deno task soak --duration 10m --dir /tmp/soak
 * ```
 * @module
 */
import * as mx from "../mod.ts";

const HIDDEN = [64, 96];
const IN = 32, OUT = 4, BATCH = 32, WIDE = 2048;

/** SHA-256 (hex, 16 digits) of named arrays' bytes in name order, and an optional text. */
async function digest(arrays: Record<string, mx.NDArray>, text = ""): Promise<string> {
  const parts: Uint8Array[] = [new TextEncoder().encode(text)];
  for (const k of Object.keys(arrays).sort()) {
    const d = await arrays[k].data();
    parts.push(new TextEncoder().encode(k), new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.length) - p.length);
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(h.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The network: an MLP with a wide layer (so a save takes a while), width `hidden`. Every
 * node is named: automatic names count up per process, and a network rebuilt with other
 * names is another symbol file (whose stamp a checkpoint's parameters would not match).
 */
function network(hidden: number): mx.sym.Symbol {
  const data = mx.sym.Variable("data");
  const fcw = mx.sym.FullyConnected({ data, numHidden: WIDE, name: "wide" });
  const wide = mx.sym.Activation({ data: fcw, actType: "relu", name: "wide_relu" });
  const fc1 = mx.sym.FullyConnected({ data: wide, numHidden: hidden, name: "fc1" });
  const bn = mx.sym.Activation({
    data: mx.sym.BatchNorm({ data: fc1, name: "bn" }),
    actType: "relu",
    name: "bn_relu",
  });
  const fc2 = mx.sym.FullyConnected({ data: bn, numHidden: OUT, name: "fc2" });
  return mx.sym.SoftmaxOutput({ data: fc2, name: "softmax" });
}

function rssMB(): number {
  const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * The child: resume, then train and save forever (or for `longS` seconds), reporting.
 * Returns true when it changed the network (then it starts over, as a restart would).
 */
async function child(dir: string, longS: number): Promise<boolean> {
  const prefix = `${dir}/net`, stateFile = `${dir}/state.nd`;
  const say = (line: string) => console.log(line);
  let hidden = HIDDEN[0], resumed: string | null = null;
  let params: { argParams: Record<string, mx.NDArray>; auxParams: Record<string, mx.NDArray> };
  try {
    const c = await mx.model.loadCheckpoint(prefix, 0);
    hidden = c.argParams.fc1_bias.shape[0];
    params = { argParams: c.argParams, auxParams: c.auxParams };
    resumed = "checkpoint";
  } catch (e) {
    // A first start (no files) or a pair refused by its stamp: start afresh.
    if (!(e instanceof mx.FileNotFoundError) && !/was not saved with/.test(String(e))) throw e;
    params = { argParams: {}, auxParams: {} };
  }
  const mod = new mx.mod.Module({ symbol: network(hidden), context: mx.cpu() });
  mod.bind({ dataShapes: [["data", [BATCH, IN]]], labelShapes: [["softmax_label", [BATCH]]] });
  if (resumed) {
    mod.setParams(params.argParams, params.auxParams);
    // setParams copied them: free the loaded arrays now, not whenever the collector runs
    // their finalizers (which would change the live-array count mid-run).
    for (const a of [...Object.values(params.argParams), ...Object.values(params.auxParams)]) {
      a.dispose();
    }
  } else mod.initParams({ initializer: new mx.init.Xavier() });
  mod.initOptimizer({ optimizer: "sgd", optimizerParams: { learningRate: 0.05, momentum: 0.9 } });
  const x = mx.random.uniform(-1, 1, [BATCH, IN]);
  const y = mx.nd.array(Array.from({ length: BATCH }, (_, i) => i % OUT));
  const batch = new mx.io.DataBatch({ data: [x], label: [y] });
  const state = mx.nd.zeros([2 ** 21]); // an 8 MB array saved on its own each epoch
  const w = mx.nd.ones([256]);
  w.attachGrad();
  say(`START ${Deno.pid} ${resumed ?? "fresh"} hidden=${hidden}`);
  const t0 = performance.now();
  for (let epoch = 0;; epoch++) {
    for (let step = 0; step < 20; step++) {
      mod.forward(batch, { isTrain: true });
      mod.backward();
      mod.update();
      // Imperative and autograd work between steps, freed every step.
      mx.nd.scope(() => {
        const loss = mx.autograd.record(() => w.mul(w).sum());
        loss.backward();
        w.subInPlace(w.grad!.mul(0.001));
        state.addInPlace(mx.nd.ones([2 ** 21]).mul(1e-3));
      });
    }
    await mod.getOutputs()[0].waitToRead();
    // Now and then a new architecture: a save that replaces the symbol file too (not in
    // a long run, which measures memory).
    const change = longS === 0 && Math.random() < 0.1;
    const { argParams, auxParams } = mod.getParams();
    let net = network(hidden);
    if (change) {
      hidden = HIDDEN[(HIDDEN.indexOf(hidden) + 1) % HIDDEN.length];
      net = network(hidden);
      // Parameters of the new width: fc1/bn/fc2 re-made, the rest kept.
      for (const k of ["fc1_weight", "fc1_bias", "bn_gamma", "bn_beta", "fc2_weight"]) {
        argParams[k].dispose();
      }
      for (const k of ["bn_moving_mean", "bn_moving_var"]) auxParams[k].dispose();
      argParams.fc1_weight = mx.random.uniform(-0.1, 0.1, [hidden, WIDE]);
      argParams.fc1_bias = mx.nd.zeros([hidden]);
      argParams.bn_gamma = mx.nd.ones([hidden]);
      argParams.bn_beta = mx.nd.zeros([hidden]);
      argParams.fc2_weight = mx.random.uniform(-0.1, 0.1, [OUT, hidden]);
      auxParams.bn_moving_mean = mx.nd.zeros([hidden]);
      auxParams.bn_moving_var = mx.nd.ones([hidden]);
    }
    const all: Record<string, mx.NDArray> = {};
    for (const [k, v] of Object.entries(argParams)) all[`arg:${k}`] = v;
    for (const [k, v] of Object.entries(auxParams)) all[`aux:${k}`] = v;
    const ckpt = await digest(all, net.toJSON());
    say(`SAVING ckpt ${ckpt}${change ? " change" : ""}`);
    let t = performance.now();
    await mx.model.saveCheckpoint(prefix, 0, net, argParams, auxParams);
    say(`SAVED ckpt ${ckpt} ${(performance.now() - t).toFixed(1)}`);
    const st = await digest({ state });
    say(`SAVING state ${st}`);
    t = performance.now();
    await mx.nd.save(stateFile, { state });
    say(`SAVED state ${st} ${(performance.now() - t).toFixed(1)}`);
    for (const a of [...Object.values(argParams), ...Object.values(auxParams)]) a.dispose();
    (globalThis as { gc?: () => void }).gc?.();
    const info = mx.nd.memoryInfo();
    say(`MEM ${epoch} ${rssMB().toFixed(1)} ${info.count} ${info.bytes}`);
    if (change || (longS > 0 && performance.now() - t0 > longS * 1000)) {
      mod.dispose();
      for (const a of [x, y, state, w, w.grad!]) a.dispose();
      return change;
    }
  }
}

interface Saves {
  /** The last complete save's digest, and the one in progress (null: none). */
  done: string | null;
  pending: string | null;
  pendingChange: boolean;
}

function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(s);
  if (!m) throw new Error(`--duration: expected e.g. 3600, 90s, 10m or 1h, got ${s}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? "s") as "s"];
}

/** The parent: start, kill and check children until the time is up. */
async function parent(opts: { durationS: number; dir: string; longEvery: number; longS: number }) {
  const { dir } = opts;
  await Deno.mkdir(dir, { recursive: true });
  for await (const e of Deno.readDir(dir)) await Deno.remove(`${dir}/${e.name}`);
  const saves: Record<"ckpt" | "state", Saves> = {
    ckpt: { done: null, pending: null, pendingChange: false },
    state: { done: null, pending: null, pendingChange: false },
  };
  const stats = {
    cycles: 0,
    kills: 0,
    killsInSave: 0,
    /** Files checked after a kill: the previous save's content, or the interrupted one's. */
    loadsOld: 0,
    loadsNew: 0,
    /** Of those, files whose save the kill interrupted (a SAVING line with no SAVED). */
    interruptedOld: 0,
    interruptedNew: 0,
    tornPairsRefused: 0,
    /** Temporary files killed saves left that a later save removed. */
    staleTempsRemoved: 0,
    longRuns: 0,
    /** Growth of the resident size after warm-up in each long run, and live arrays. */
    rssMB: [] as number[],
    liveArrays: [] as number[],
    violations: [] as string[],
    /** How long saves took (ms), summarised at the end. */
    saveMs: { ckpt: [] as number[], state: [] as number[] },
  };
  const fail = (msg: string) => {
    stats.violations.push(msg);
    console.error(`VIOLATION: ${msg}`);
  };
  const end = Date.now() + opts.durationS * 1000;
  /** The cycle each child ran in; temporaries seen (not yet removed). */
  const cycleOf = new Map<number, number>();
  const staleSeen = new Set<string>();
  /** The last cycle that completed a save of each file. */
  const savedIn: Record<"ckpt" | "state", number> = { ckpt: -1, state: -1 };
  while (Date.now() < end) {
    const long = opts.longEvery > 0 && stats.cycles % opts.longEvery === opts.longEvery - 1;
    stats.cycles++;
    const proc = new Deno.Command(Deno.execPath(), {
      // --expose-gc: the child collects garbage before each memory reading, so the reading
      // is what the process holds, not how far the collector happens to lag (8 MB host
      // copies per epoch are garbage until the next major GC: a sawtooth of ~90 MB).
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        new URL(import.meta.url).pathname,
        "--child",
        "--dir",
        dir,
      ],
      env: { MXTS_SOAK_LONG: long ? String(opts.longS) : "0" },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    // Killed at a random moment: half of the time right after a save starts.
    cycleOf.set(proc.pid, stats.cycles);
    const inSave = Math.random() < 0.5;
    const killAfterMs = 300 + Math.random() * 4000;
    const startedAt = Date.now();
    let killed = false;
    const mem: { rss: number; count: number }[] = [];
    const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    const kill = (why: "save" | "time") => {
      if (killed || long) return;
      killed = true;
      stats.kills++;
      if (why === "save") stats.killsInSave++;
      try {
        proc.kill("SIGKILL");
      } catch { /* already gone */ }
    };
    const timer = setTimeout(() => !inSave && kill("time"), killAfterMs);
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      buf += value;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [tag, which, d, extra] = line.split(" ");
        if (tag === "SAVING") {
          const s = saves[which as "ckpt" | "state"];
          s.pending = d;
          s.pendingChange = extra === "change";
          if (inSave && Date.now() - startedAt > killAfterMs && !killed) {
            const delay = Math.random() * 25;
            setTimeout(() => kill("save"), delay);
          }
        } else if (tag === "SAVED") {
          const s = saves[which as "ckpt" | "state"];
          s.done = d;
          s.pending = null;
          savedIn[which as "ckpt" | "state"] = stats.cycles;
          stats.saveMs[which as "ckpt" | "state"].push(Number(extra));
        } else if (tag === "MEM") {
          mem.push({ rss: Number(d), count: Number(extra) });
        }
      }
    }
    clearTimeout(timer);
    const status = await proc.status;
    if (!killed && status.code !== 0) fail(`child ${proc.pid} exited with ${status.code}`);
    if (long) {
      stats.longRuns++;
      // Memory: after a warm-up of a third of the epochs, flat.
      const tail = mem.slice(Math.floor(mem.length / 3));
      if (tail.length >= 4) {
        const rss = tail.map((m) => m.rss), counts = new Set(tail.map((m) => m.count));
        const growth = Math.max(...rss) - Math.min(...rss);
        stats.rssMB.push(Math.round(growth));
        stats.liveArrays.push(...counts);
        if (counts.size !== 1) fail(`live arrays changed during a long run: ${[...counts]}`);
        if (growth > 64) fail(`RSS grew ${growth.toFixed(0)} MB over ${tail.length} epochs`);
      }
    }
    // The files now: the last complete save or the one the kill interrupted, never else.
    for (const which of ["ckpt", "state"] as const) {
      const s = saves[which];
      let got: string | null = null;
      try {
        if (which === "ckpt") {
          const c = await mx.model.loadCheckpoint(`${dir}/net`, 0);
          const all: Record<string, mx.NDArray> = {};
          for (const [k, v] of Object.entries(c.argParams)) all[`arg:${k}`] = v;
          for (const [k, v] of Object.entries(c.auxParams)) all[`aux:${k}`] = v;
          got = await digest(all, c.symbol.toJSON());
          for (const a of Object.values(all)) a.dispose();
        } else {
          const d = await mx.nd.load(`${dir}/state.nd`) as Record<string, mx.NDArray>;
          got = await digest(d);
          d.state.dispose();
        }
      } catch (e) {
        if (e instanceof mx.FileNotFoundError && s.done === null) continue;
        if (which === "ckpt" && /was not saved with/.test(String(e)) && s.pendingChange) {
          // Killed between the two renames of a save that changed the network: refused.
          stats.tornPairsRefused++;
          s.done = null;
          s.pending = null;
          await Deno.remove(`${dir}/net-symbol.json`);
          await Deno.remove(`${dir}/net-0000.params`);
          continue;
        }
        fail(`${which}: load after kill failed: ${e}`);
        continue;
      }
      const interrupted = s.pending !== null && s.pending !== s.done;
      if (got === s.done) {
        stats.loadsOld++;
        if (interrupted) stats.interruptedOld++;
      } else if (got === s.pending) {
        stats.loadsNew++;
        stats.interruptedNew++;
        s.done = got;
      } else fail(`${which}: loaded ${got}, expected ${s.done} or ${s.pending}`);
      s.pending = null;
    }
    // Temporary files: a killed save's may be left, until the next completed save of the
    // same file (by a later child) removes them.
    const temps = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).filter((n) =>
      n.endsWith(".tmp")
    );
    for (const t of temps) {
      const pid = Number(/\.(\d+)-[0-9a-f]{8}\.tmp$/.exec(t)?.[1]);
      const made = cycleOf.get(pid) ?? -1;
      const which = t.startsWith("state.nd") ? "state" : "ckpt";
      if (savedIn[which] > made) fail(`stale temporary ${t} (pid ${pid}) survived a later save`);
      else staleSeen.add(t);
    }
    for (const t of staleSeen) {
      if (!temps.includes(t)) (staleSeen.delete(t), stats.staleTempsRemoved++);
    }
    if (stats.cycles % 10 === 0) {
      console.error(
        `soak: ${stats.cycles} cycles, ${stats.kills} kills (${stats.killsInSave} in a save), ` +
          `${stats.violations.length} violations, ${Math.round((end - Date.now()) / 1000)} s left`,
      );
    }
  }
  const summary = (ms: number[]) => {
    const v = [...ms].sort((a, b) => a - b);
    return { saves: v.length, median: v[v.length >> 1], max: v[v.length - 1] };
  };
  console.log(JSON.stringify(
    { ...stats, saveMs: { ckpt: summary(stats.saveMs.ckpt), state: summary(stats.saveMs.state) } },
    null,
    1,
  ));
  if (stats.violations.length) Deno.exit(1);
}

if (import.meta.main) {
  const args = Deno.args;
  const arg = (name: string, dflt: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const dir = arg("dir", `${Deno.env.get("TMPDIR") ?? "/tmp"}/mxts-soak`);
  if (args.includes("--child")) {
    // Continues on a new architecture as a restart would; a long run ends by itself.
    while (await child(dir, Number(Deno.env.get("MXTS_SOAK_LONG") ?? 0)));
  } else {
    await parent({
      durationS: parseDuration(arg("duration", "1h")),
      dir,
      longEvery: Number(arg("long-every", "8")),
      longS: parseDuration(arg("long", "60s")),
    });
  }
}
