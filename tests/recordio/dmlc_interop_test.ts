/**
 * Files written here parse, byte for byte, with an independent Python reader of dmlc-core's
 * format (tools/dmlc_recordio.py), and its writer produces the same bytes as ours.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { trickyRecords } from "./_records.ts";

const TOOL = new URL("../../tools/dmlc_recordio.py", import.meta.url).pathname;

function hasPython(): boolean {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const python = hasPython();
if (!python) console.warn("dmlc_interop_test: skipped, python3 is not installed");

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

async function tool(args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command("python3", {
    args: [TOOL, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `dmlc_recordio.py ${args.join(" ")} failed: ${err}`);
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "an independent Python reader parses our files byte for byte (split records too)",
  ignore: !python,
  async fn() {
    const dir = Deno.makeTempDirSync();
    try {
      const records = [
        ...trickyRecords(),
        mx.recordio.pack(
          { flag: 0, label: 3, id: 7, id2: 0 },
          Uint8Array.from([0x0a, 0x23, 0xd7, 0xce]),
        ),
        mx.recordio.pack({ flag: 0, label: [1, 2.5], id: 8, id2: 1 }, new Uint8Array(13)),
      ];
      const w = new mx.recordio.MXRecordIO(`${dir}/a.rec`, "w");
      const offsets = records.map((rec) => {
        const at = w.tell();
        w.write(rec);
        return at;
      });
      w.close();
      const parsed = JSON.parse(await tool(["read", `${dir}/a.rec`])) as {
        offset: number;
        hex: string;
      }[];
      assert.deepEqual(parsed.map((p) => p.offset), offsets);
      assert.deepEqual(parsed.map((p) => p.hex), records.map(hex));

      // The Python writer, from the same description, writes the very same bytes.
      await tool(["write", `${dir}/py.rec`], JSON.stringify(records.map(hex)));
      assert.deepEqual(Deno.readFileSync(`${dir}/py.rec`), Deno.readFileSync(`${dir}/a.rec`));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
