/**
 * The launcher's multi-host parts that need no hosts: per-app host lists (servers on
 * machines of their own) and the lines by which it knows the job is being aborted.
 * @module
 */
import assert from "node:assert/strict";
import { isAbortLine, mpirunArgs, parseArgs } from "../../tools/launch.ts";

Deno.test("launcher: --worker-hosts and --server-hosts become each app's --host", () => {
  const o = parseArgs([
    "-n",
    "2",
    "-s",
    "1",
    "--hostfile",
    "hf",
    "--worker-hosts",
    "a,b",
    "--server-hosts",
    "c",
    "--",
    "train.ts",
  ]);
  const s = mpirunArgs(o, false).join(" ");
  assert.match(s, /--hostfile hf -np 2 --host a,b env DMLC_ROLE=worker /);
  assert.match(s, / train\.ts : -np 1 --host c env DMLC_ROLE=server /);
  // Without them the command is as before: OpenMPI places ranks by the hostfile.
  assert.doesNotMatch(mpirunArgs(parseArgs(["-n", "2", "--", "t.ts"]), false).join(" "), /--host /);
});

Deno.test("launcher: knows the abort lines of mpirun and of a rank", () => {
  assert.ok(isAbortLine("MPI_ABORT was invoked on rank 0 in communicator MPI_COMM_WORLD"));
  assert.ok(
    isAbortLine(
      "mxts: rank 2: kvstore.push(0) did not complete within 5 s (MXTS_KVSTORE_TIMEOUT); " +
        "worker rank 1 on host h2 (10.77.0.2) cannot be reached; aborting the MPI job",
    ),
  );
  assert.ok(!isAbortLine("STEP 10 rank 0"));
  assert.ok(!isAbortLine("the user wrote: mxts: rank 1: aborting the MPI job"));
});
