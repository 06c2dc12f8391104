/**
 * Section "remote": `mx.nd.save` / `mx.nd.load` of a 256 MiB array list (four 64 MiB
 * float32 arrays) on `s3://` against a local S3 server (s3rver from npm, on 127.0.0.1,
 * storing on this machine's disk), next to the same save and load on local disk: MB/s.
 * The peer is local disk, so the ratio is the share of disk speed that going through the
 * S3 protocol (HTTP, multipart upload, the server's own file writes) keeps; the target
 * is that S3 keeps a fifth of it.
 * @module
 */
import S3rver from "s3rver";
import * as mx from "../mod.ts";
import { _resetRemoteStores } from "../src/core/remote/mod.ts";
import { progress, type Row } from "./_util.ts";

const ARRAYS = 4, ELEMENTS = 16 << 20; // 4 x 64 MiB
const MB = ARRAYS * ELEMENTS * 4 / 1e6;

/** Seconds for one save and one load of the list at `where`. */
async function roundTrip(where: string, list: mx.NDArray[]): Promise<[number, number]> {
  let t = performance.now();
  await mx.nd.save(where, list);
  const save = (performance.now() - t) / 1000;
  t = performance.now();
  const back = await mx.nd.load(where) as mx.NDArray[];
  await Promise.all(back.map((a) => a.waitToRead()));
  const load = (performance.now() - t) / 1000;
  for (const a of back) a.dispose();
  return [save, load];
}

/** Runs the section. */
export async function run(): Promise<Row[]> {
  const dir = await Deno.makeTempDir({ prefix: "mxts-bench-s3-" });
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: `${dir}/s3`,
    configureBuckets: [{ name: "bench", configs: [] }],
  });
  const { port } = await server.run();
  const saved = ["S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]
    .map((k) => [k, Deno.env.get(k)] as const);
  Deno.env.set("S3_ENDPOINT", `http://127.0.0.1:${port}`);
  Deno.env.set("AWS_ACCESS_KEY_ID", "S3RVER");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "S3RVER");
  Deno.env.set("AWS_REGION", "us-east-1");
  _resetRemoteStores();
  const list = Array.from({ length: ARRAYS }, (_, i) => mx.nd.full([ELEMENTS], i));
  try {
    // Best of three alternating rounds of each (the machine's speed drifts).
    let s3 = [Infinity, Infinity], disk = [Infinity, Infinity];
    for (let round = 1; round <= 3; round++) {
      progress(`remote: round ${round} of 3 (256 MiB to local disk and to s3://)...`);
      const d = await roundTrip(`${dir}/list.params`, list);
      const s = await roundTrip("s3://bench/list.params", list);
      disk = disk.map((v, i) => Math.min(v, d[i]));
      s3 = s3.map((v, i) => Math.min(v, s[i]));
    }
    const row = (what: string, i: number): Row => ({
      section: "remote: s3:// (local s3rver) vs local disk, 256 MiB array list",
      workload: `mx.nd.${what} 4 x 64 MiB float32, MB/s`,
      ours: MB / s3[i],
      theirs: MB / disk[i],
      sense: "throughput",
      target: 0.2,
      oursName: "s3://",
      theirsName: "local disk",
    });
    return [row("save", 0), row("load", 1)];
  } finally {
    for (const a of list) a.dispose();
    await server.close();
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    _resetRemoteStores();
    await Deno.remove(dir, { recursive: true });
  }
}
