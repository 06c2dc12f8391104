/**
 * The distributed kvstore, run for real: each test starts an MPI job with mpirun (or the
 * launcher) and checks what the ranks print. Skipped, with the reason printed, when
 * mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev).
 * @module
 */
import assert from "node:assert/strict";
import { loadNative } from "../../backends/native/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const hasMpirun = (() => {
  try {
    return new Deno.Command("mpirun", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();
if (!hasMpirun) {
  console.log("tests/dist: mpirun not found; install openmpi-bin libopenmpi-dev to run these");
}

interface Run {
  code: number;
  out: string;
  seconds: number;
}

/** Runs `cmd` in the repository root, killed after `timeoutS` seconds. */
async function run(cmd: string, args: string[], env: Record<string, string>, timeoutS: number) {
  const t0 = performance.now();
  const p = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env: { MXTS_KVSTORE_TIMEOUT: "60", ...env },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutS * 1000),
  });
  const o = await p.output();
  const dec = new TextDecoder();
  return {
    code: o.code,
    out: dec.decode(o.stdout) + dec.decode(o.stderr),
    seconds: (performance.now() - t0) / 1000,
  } satisfies Run;
}

function mpirun(np: number, script: string, env: Record<string, string> = {}, timeoutS = 120) {
  const args = ["--allow-run-as-root", "--oversubscribe", "-np", String(np)];
  return run("mpirun", [...args, Deno.execPath(), "run", "-A", script], env, timeoutS);
}

function launch(
  n: number,
  s: number,
  extra: string[],
  script: string,
  timeoutS = 120,
  env: Record<string, string> = {},
) {
  return run(
    Deno.execPath(),
    ["run", "-A", "tools/launch.ts", "-n", String(n), "-s", String(s), ...extra, "--", script],
    env,
    timeoutS,
  );
}

const opts = { ignore: !hasMpirun, sanitizeOps: false, sanitizeResources: false };

for (const np of [2, 4]) {
  Deno.test({
    name: `dist_sync: MXNet's dist_sync_kvstore conformance on ${np} workers`,
    ...opts,
    async fn() {
      const r = await mpirun(np, "tests/dist/sync_worker.ts");
      assert.equal(r.code, 0, r.out);
      for (let i = 0; i < np; i++) assert.match(r.out, new RegExp(`OK rank ${i} of ${np}`));
    },
  });
}

Deno.test({
  name: "dist_sync: pushPull writes the sum straight into the outputs, copy-on-write store",
  ...opts,
  async fn() {
    // The bound splits the biggest key into chunks; 3 workers: an odd count.
    const r = await mpirun(3, "tests/dist/pushpull_worker.ts", {
      MXNET_KVSTORE_BIGARRAY_BOUND: "500000",
    });
    assert.equal(r.code, 0, r.out);
    for (let i = 0; i < 3; i++) assert.match(r.out, new RegExp(`OK rank ${i}`));
    // And as a singleton without mpirun (rank 0 of 1).
    const one = await run(Deno.execPath(), ["run", "-A", "tests/dist/pushpull_worker.ts"], {}, 60);
    assert.equal(one.code, 0, one.out);
    assert.match(one.out, /OK rank 0/);
  },
});

for (const np of [2, 3, 4]) {
  Deno.test({
    name: `MPI binding: allreduce sums exactly and bit-identically on ${np} ranks, all paths`,
    ...opts,
    async fn() {
      const r = await mpirun(np, "tests/dist/allreduce_worker.ts", {}, 300);
      assert.equal(r.code, 0, r.out);
      // The library's steps when it is built and not turned off, else the TS ones.
      const off = Deno.env.get("MXTS_MPI_NATIVE") === "0" ||
        Deno.env.get("MXTS_CPU_BACKEND") === "ts";
      const path = loadNative() && !off ? "native" : "js";
      for (let i = 0; i < np; i++) {
        assert.match(r.out, new RegExp(`OK rank ${i} of ${np} \\(.*, ${path} steps\\)`));
      }
    },
  });
}

Deno.test({
  name: "MPI binding: the TS point-to-point steps (MXTS_MPI_NATIVE=0) sum exactly on 3 ranks",
  ...opts,
  async fn() {
    const r = await mpirun(3, "tests/dist/allreduce_worker.ts", { MXTS_MPI_NATIVE: "0" }, 300);
    assert.equal(r.code, 0, r.out);
    for (let i = 0; i < 3; i++) {
      assert.match(r.out, new RegExp(`OK rank ${i} of 3 \\(.*, js steps\\)`));
    }
  },
});

Deno.test({
  name: "MPI binding: allreduce through MPI_Allreduce only (MXTS_MPI_P2P_BYTES=0) on 2 ranks",
  ...opts,
  async fn() {
    const r = await mpirun(2, "tests/dist/allreduce_worker.ts", { MXTS_MPI_P2P_BYTES: "0" }, 300);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /OK rank 1 of 2 \(\d+ cases, p2p bound 0 bytes, /);
  },
});

Deno.test({
  name: "MPI binding: a small allreduce a peer never joins aborts after the timeout, named",
  ...opts,
  async fn() {
    const r = await mpirun(2, "tests/dist/allreduce_worker.ts", {
      MXTS_KVSTORE_TIMEOUT: "2",
      STUCK: "1",
    }, 60);
    assert.notEqual(r.code, 0);
    assert.ok(r.seconds < 30, `took ${r.seconds} s`);
    assert.match(r.out, /rank 0: test allreduce of 16 floats did not complete within 2 s/, r.out);
  },
});

Deno.test({
  name: "dist_device_sync: the same conformance on 2 workers",
  ...opts,
  async fn() {
    const r = await mpirun(2, "tests/dist/sync_worker.ts", { KV_TYPE: "dist_device_sync" });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /OK rank 1 of 2/);
  },
});

Deno.test({
  name: "dist_sync: a singleton without mpirun is rank 0 of 1",
  ignore: !hasMpirun,
  async fn() {
    const r = await run(Deno.execPath(), ["run", "-A", "tests/dist/sync_worker.ts"], {}, 60);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /OK rank 0 of 1/);
  },
});

Deno.test({
  name: "dist_async: 2 workers pushing at different rates, 2 servers, no update lost",
  ...opts,
  async fn() {
    const r = await launch(
      2,
      2,
      [],
      "tests/dist/async_worker.ts",
    );
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /OK rank 0 of 2 \(dist_async, value 26\)/);
    assert.match(r.out, /OK rank 1 of 2 \(dist_async, value 26\)/);
  },
});

Deno.test({
  name: "dist_async: the server applies the optimizer's FactorScheduler to its own updates",
  ...opts,
  async fn() {
    const r = await launch(2, 1, [], "tests/dist/sched_worker.ts");
    assert.equal(r.code, 0, r.out);
    // 6 updates: 1 - (1 + 1 + 0.5 + 0.5 + 0.25 + 0.25)
    assert.match(r.out, /OK rank 0 of 2 \(dist_async, value -2\.5\)/);
    assert.match(r.out, /OK rank 1 of 2 \(dist_async, value -2\.5\)/);
  },
});

Deno.test({
  name: "dist_async optimizer wire: schedulers rebuild with the same schedule",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const { encodeOptimizer, decodeOptimizer } = await import("../../src/kvstore/dist/mod.ts");
  const { SGD } = await import("../../src/optimizer/mod.ts");
  const L = await import("../../src/optimizer/lr_scheduler.ts");
  const make = () => [
    new L.FactorScheduler({ step: 3, factor: 0.5, stopFactorLr: 0.05, warmupSteps: 2 }),
    new L.MultiFactorScheduler({ step: [2, 5, 9], factor: 0.1, warmupBeginLr: 0.001 }),
    new L.PolyScheduler({ maxUpdate: 12, pwr: 3, finalLr: 0.01, warmupSteps: 3 }),
    new L.CosineScheduler({ maxUpdate: 10, finalLr: 0.02, warmupMode: "constant" }),
  ];
  for (let i = 0; i < make().length; i++) {
    for (const [start, consulted] of [[0, false], [4, true], [4, false], [7, true]] as const) {
      // The sender's optimizer at update `start` (resumed, or with updates made before
      // setOptimizer); its schedule possibly already consulted there.
      const sent = new SGD({ learningRate: 0.4, lrScheduler: make()[i], beginNumUpdate: start });
      if (consulted) void sent.learningRate;
      const got = decodeOptimizer(encodeOptimizer(sent));
      const name = `${sent.lrScheduler!.constructor.name} from ${start}`;
      assert.equal(got.lrScheduler?.constructor, sent.lrScheduler!.constructor, name);
      for (let u = start + 1; u <= 16; u++) {
        sent.numUpdate = got.numUpdate = u;
        assert.equal(got.learningRate, sent.learningRate, `${name} @${u}`);
      }
    }
  }
  class Mine extends L.FactorScheduler {}
  assert.throws(
    () => encodeOptimizer(new SGD({ lrScheduler: new Mine({ step: 2, baseLr: 1 }) })),
    /cannot send lrScheduler Mine to the servers: only FactorScheduler, MultiFactorScheduler/,
  );
});

Deno.test({
  name: "dist_async: without servers create() says how to start them",
  ...opts,
  async fn() {
    const r = await mpirun(1, "tests/dist/async_worker.ts");
    assert.notEqual(r.code, 0);
    assert.match(r.out, /dist_async needs server ranks/);
  },
});

Deno.test({
  name:
    "dist_sync: Module.fit on 2 workers matches 1 worker, weights bit-identical (Fashion-MNIST)",
  ...opts,
  async fn() {
    const parse = (out: string) =>
      out.split("\n").filter((l) => l.startsWith("RESULT ")).map((l) => JSON.parse(l.slice(7)));
    const one = await mpirun(1, "tests/dist/train_worker.ts");
    assert.equal(one.code, 0, one.out);
    const two = await mpirun(2, "tests/dist/train_worker.ts");
    assert.equal(two.code, 0, two.out);
    const [single] = parse(one.out), pair = parse(two.out);
    assert.equal(pair.length, 2);
    assert.equal(pair[0].hash, pair[1].hash, "workers' final weights differ");
    // Fashion-MNIST (4,096 images, 4 epochs) is harder than the synthetic fallback.
    const floor = single.fashion ? 0.75 : 0.85;
    assert.ok(single.acc > floor, `1 worker reached only ${single.acc}`);
    assert.ok(Math.abs(pair[0].acc - single.acc) <= 0.02, `${pair[0].acc} vs ${single.acc}`);
  },
});

Deno.test({
  name: "dist_sync: a killed worker ends the job with an error within the timeout",
  ...opts,
  async fn() {
    const r = await mpirun(2, "tests/dist/kill_worker.ts", {}, 60);
    assert.notEqual(r.code, 0);
    assert.ok(r.seconds < 60, `took ${r.seconds} s`);
    assert.match(r.out, /signal 9|Killed|exited on signal/i, r.out);
  },
});

Deno.test({
  name: "dist_sync: a stuck collective aborts the job after MXTS_KVSTORE_TIMEOUT",
  ...opts,
  async fn() {
    // Worker 1 sleeps instead of pushing: worker 0 waits alone in its first collective.
    const r = await mpirun(2, "tests/dist/mismatch_worker.ts", {
      MXTS_KVSTORE_TIMEOUT: "3",
      STUCK: "1",
    }, 60);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /did not complete within 3 s/, r.out);
  },
});

Deno.test({
  name: "dist_sync: a worker stuck in a push its peer will never join ends the job, named",
  ...opts,
  async fn() {
    const r = await mpirun(2, "tests/dist/stuck_worker.ts", {}, 60);
    assert.notEqual(r.code, 0);
    assert.ok(r.seconds < 30, `took ${r.seconds} s`);
    assert.match(
      r.out,
      /rank 1 reached barrier #1 having pushed key 5 1 times, while rank 0 waits in push 2/,
      r.out,
    );
  },
});

Deno.test({
  name: "dist_sync: mismatched push counts fail at barrier() naming keys and ranks",
  ...opts,
  async fn() {
    const r = await mpirun(2, "tests/dist/mismatch_worker.ts");
    assert.notEqual(r.code, 0);
    for (const rank of [0, 1]) {
      assert.match(r.out, new RegExp(`rank ${rank}: kvstore.barrier: the workers' pushes differ`));
    }
    assert.match(r.out, /key 3 was pushed 2 times by rank 0, 1 times by rank 1/);
    assert.match(r.out, /key 5 was pushed 1 times by rank 0, 2 times by rank 1/);
  },
});

for (
  const [mode, want] of [
    ["dtype", /disagree on key 3: rank 0: float32 \[2,3\]; ranks 1, 2: int32 \[2,3\]/],
    ["shape", /disagree on key 3: rank 0: float32 \[2,3\]; ranks 1, 2: float32 \[3,2\]/],
    ["key", /initialise different keys here: rank 0: key 3: float32 \[2,3\]; ranks 1, 2: key 5:/],
  ] as const
) {
  Deno.test({
    name: `kvstore.init: workers that disagree on a key (${mode}) all throw, naming it`,
    ...opts,
    async fn() {
      const r = await mpirun(3, "tests/dist/init_mismatch_worker.ts", { MISMATCH: mode }, 60);
      assert.notEqual(r.code, 0);
      assert.ok(r.seconds < 30, `took ${r.seconds} s`);
      for (const rank of [0, 1, 2]) {
        assert.match(r.out, new RegExp(`rank ${rank}: MXNetError: kvstore\\.init: `), r.out);
      }
      assert.match(r.out, want, r.out);
    },
  });
}

Deno.test({
  name: "kvstore.init: dist_async workers that disagree on a shape throw too; agreeing ones run",
  ...opts,
  async fn() {
    const worker = "tests/dist/init_mismatch_worker.ts";
    const env = { KV_TYPE: "dist_async", MISMATCH: "shape" };
    const bad = await launch(2, 1, [], worker, 60, env);
    assert.notEqual(bad.code, 0);
    // The workers end with Deno.exit(3): the servers still learn they are done.
    assert.ok(bad.seconds < 30, `took ${bad.seconds} s`);
    assert.match(bad.out, /rank 1: MXNetError: kvstore.init: the workers disagree on key 3/);
    const good = await launch(2, 1, [], worker, 60, { KV_TYPE: "dist_async" });
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /OK rank 1: -2/);
  },
});

for (
  const [at, exit, want] of [
    [
      "push",
      "",
      /rank 0 waits in push 1 of key 3, but worker rank 1 left the job: its process exited/,
    ],
    // Deno.exit can end worker 1 before its share of init's broadcast ran: then worker 0
    // fails waiting in that broadcast instead of in its first push; both name worker 1.
    [
      "push",
      "1",
      /rank 0 waits in (push 1 of key 3|the broadcast of key 3's initial value), but worker rank 1 left the job/,
    ],
    ["init", "", /kvstore.init\(3\): worker rank 1 left the job \(its process exited\) after 0/],
    [
      "barrier",
      "",
      /rank 0: kvstore.barrier #1: worker rank 1 left the job \(its process exited\)/,
    ],
  ] as const
) {
  Deno.test({
    name: `dist_sync: a worker that leaves before the ${at} (${
      exit ? "Deno.exit(0)" : "script ends"
    }) fails the others at once, named`,
    ...opts,
    async fn() {
      // Without the departure notice worker 0 would wait the whole timeout.
      const r = await mpirun(2, "tests/dist/leave_worker.ts", {
        LEAVE: at,
        EXIT: exit,
        MXTS_KVSTORE_TIMEOUT: "120",
      }, 100);
      assert.notEqual(r.code, 0);
      assert.ok(r.seconds < 30, `took ${r.seconds} s`);
      assert.match(r.out, /rank 1: leaving/);
      assert.match(r.out, want, r.out);
    },
  });
}

Deno.test("launcher: builds the MPMD mpirun command with roles", async () => {
  const { parseArgs, mpirunArgs } = await import("../../tools/launch.ts");
  const o = parseArgs(["-n", "2", "-s", "1", "--hostfile", "hosts", "--", "train.ts", "--lr", "1"]);
  const args = mpirunArgs(o, false);
  const s = args.join(" ");
  assert.match(
    s,
    /--hostfile hosts -np 2 env DMLC_ROLE=worker DMLC_NUM_WORKER=2 DMLC_NUM_SERVER=1 /,
  );
  assert.match(s, / run -A train\.ts --lr 1 : -np 1 env DMLC_ROLE=server /);
  assert.match(s, /server_main\.ts$/);
  assert.throws(() => parseArgs(["-n", "2"]), /give the script after --/);
});
