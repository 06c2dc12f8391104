/**
 * gluon.Trainer on the distributed kvstore, run for real with mpirun (2 workers): with
 * dist_sync every worker ends with the weights one process gets on two contexts with
 * the "device" kvstore; with dist_async (one server) training runs and the workers agree
 * after a final pull. Skipped, saying why, when mpirun is not installed.
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const WORKER = "tests/gluon/dist_trainer_worker.ts";
const hasMpirun = (() => {
  try {
    return new Deno.Command("mpirun", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();
if (!hasMpirun) {
  console.log(
    "tests/gluon/dist: mpirun not found; install openmpi-bin libopenmpi-dev to run these",
  );
}

interface Result {
  rank: number;
  workers: number;
  weights: number[];
  loss: [number, number];
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const o = await new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env: { MXTS_KVSTORE_TIMEOUT: "60", ...env },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  const out = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
  const results = out.split("\n").filter((l) => l.startsWith("RESULT "))
    .map((l) => JSON.parse(l.slice(7)) as Result).sort((a, b) => a.rank - b.rank);
  return { code: o.code, out, results };
}

const opts = { ignore: !hasMpirun, sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "gluon.Trainer dist_sync on 2 workers equals one process on two contexts (device kvstore)",
  ...opts,
  async fn() {
    const ref = await run(Deno.execPath(), ["run", "-A", WORKER], { MODE: "local" });
    assert.equal(ref.code, 0, ref.out);
    const mpi = await run("mpirun", [
      "--allow-run-as-root",
      "--oversubscribe",
      "-np",
      "2",
      Deno.execPath(),
      "run",
      "-A",
      WORKER,
    ], { KV_TYPE: "dist_sync" });
    assert.equal(mpi.code, 0, mpi.out);
    assert.equal(mpi.results.length, 2, mpi.out);
    const [a, b] = mpi.results;
    assert.equal(a.workers, 2);
    assert.deepEqual(a.weights, b.weights, "workers' weights differ");
    const want = ref.results[0].weights;
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(a.weights[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]), `weight ${i}`);
    }
    assert.ok(a.loss[1] < a.loss[0], `loss ${a.loss}`);
  },
});

Deno.test({
  name: "gluon.Trainer dist_async: 2 workers and a server train, then agree after a pull",
  ...opts,
  async fn() {
    const r = await run(Deno.execPath(), [
      "run",
      "-A",
      "tools/launch.ts",
      "-n",
      "2",
      "-s",
      "1",
      "--",
      WORKER,
    ], { KV_TYPE: "dist_async" });
    assert.equal(r.code, 0, r.out);
    assert.equal(r.results.length, 2, r.out);
    assert.deepEqual(r.results[0].weights, r.results[1].weights);
    assert.ok(r.results.every((x) => x.weights.every(Number.isFinite)));
  },
});
