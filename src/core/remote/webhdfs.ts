/**
 * `hdfs://namenode:port/path` and `hdfs:///path` through WebHDFS, HDFS's REST API (what a
 * client without a JVM can speak): `OPEN` and `CREATE` are answered by the namenode with a
 * redirect to a datanode, which is followed; a save creates `<path>.<pid>-<random>.tmp`,
 * then deletes the old file and renames the temporary over it (HDFS's rename does not
 * replace a file), so a failed save never leaves a half-written file at the path.
 *
 * Where the namenode's HTTP address comes from: `MXTS_HDFS_NAMENODE`
 * (`http://namenode:9870`) when set; else the URI's host with `MXTS_HDFS_HTTP_PORT` (9870,
 * Hadoop 3's default); for `hdfs:///path`, `dfs.namenode.http-address` in
 * `$HADOOP_CONF_DIR/hdfs-site.xml`. The user is Hadoop's simple auth `user.name`:
 * `HADOOP_USER_NAME`, else `USER`.
 * @module
 */
import { FileNotFoundError, MXNetError } from "../errors.ts";
import { env } from "../env.ts";
import { type FileContent, partsOf, type RemoteStaged, type RemoteStore } from "./mod.ts";

/** The WebHDFS base URL and the file's absolute path for an `hdfs://` URI. */
export function resolveHdfs(uri: string, where: string): { base: string; path: string } {
  const m = /^hdfs:\/\/([^/]*)(\/.*)$/i.exec(uri);
  if (!m || m[2] === "/") {
    throw new MXNetError(
      `${where}: ${uri} is not an HDFS file URI (expected hdfs://host:port/path)`,
    );
  }
  const [, authority, path] = m;
  const configured = env("MXTS_HDFS_NAMENODE");
  if (configured) return { base: configured.replace(/\/+$/, ""), path };
  if (authority) {
    const host = authority.replace(/:\d+$/, "");
    return { base: `http://${host}:${env("MXTS_HDFS_HTTP_PORT") ?? "9870"}`, path };
  }
  const fromConf = namenodeFromConf();
  if (!fromConf) {
    throw new MXNetError(
      `${where}: ${uri} names no namenode; set MXTS_HDFS_NAMENODE (e.g. http://namenode:9870) ` +
        `or HADOOP_CONF_DIR (with dfs.namenode.http-address in hdfs-site.xml)`,
    );
  }
  return { base: fromConf, path };
}

/** `dfs.namenode.http-address` from `$HADOOP_CONF_DIR/hdfs-site.xml`, as a URL. */
function namenodeFromConf(): string | undefined {
  const dir = env("HADOOP_CONF_DIR");
  if (!dir) return undefined;
  let xml: string;
  try {
    xml = Deno.readTextFileSync(`${dir}/hdfs-site.xml`);
  } catch {
    return undefined;
  }
  const m = /<name>\s*dfs\.namenode\.http-address\s*<\/name>\s*<value>\s*([^<\s]+)\s*<\/value>/
    .exec(xml);
  return m ? `http://${m[1]}` : undefined;
}

function user(): string {
  return env("HADOOP_USER_NAME") ?? env("USER") ?? "mxts";
}

function opUrl(base: string, path: string, op: string, extra: Record<string, string> = {}) {
  const q = new URLSearchParams({ op, "user.name": user(), ...extra });
  return `${base}/webhdfs/v1${path.split("/").map(encodeURIComponent).join("/")}?${q}`;
}

/** A failed WebHDFS call as an MXNetError (FileNotFoundError for a missing file). */
async function hdfsError(where: string, uri: string, r: Response): Promise<MXNetError> {
  let exception = "", message = await r.text().catch(() => "");
  try {
    const j = JSON.parse(message).RemoteException;
    exception = j.exception ?? "";
    message = j.message ?? message;
  } catch {
    // Not WebHDFS's JSON error body: keep the text.
  }
  if (r.status === 404 || exception === "FileNotFoundException") {
    return new FileNotFoundError(where, uri);
  }
  return new MXNetError(`${where}: ${uri}: ${exception || "error"} (HTTP ${r.status}): ${message}`);
}

/** `fetch`, with a connection failure named as an MXNetError. */
async function call(where: string, uri: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new MXNetError(`${where}: ${uri}: cannot reach ${new URL(url).origin}: ${e}`, {
      cause: e,
    });
  }
}

/** Calls an operation answered with JSON (`RENAME`, `DELETE`); returns its `boolean`. */
async function jsonOp(
  where: string,
  uri: string,
  method: string,
  url: string,
): Promise<boolean> {
  const r = await call(where, uri, url, { method });
  if (!r.ok) throw await hdfsError(where, uri, r);
  return Boolean((await r.json()).boolean);
}

/** A body stream of `content` in 1 MiB pieces. */
function bodyOf(content: FileContent): ReadableStream<Uint8Array> {
  const parts = partsOf(content, 1 << 20);
  return new ReadableStream({
    async pull(c) {
      const { value, done } = await parts.next();
      if (done) c.close();
      else c.enqueue(value);
    },
  });
}

/** The WebHDFS store. */
export function webhdfsStore(): RemoteStore {
  return {
    async read(uri, where) {
      const { base, path } = resolveHdfs(uri, where);
      const r = await call(where, uri, opUrl(base, path, "OPEN"), { redirect: "follow" });
      if (!r.ok) throw await hdfsError(where, uri, r);
      return new Uint8Array(await r.arrayBuffer());
    },
    async stage(uri: string, content: FileContent, where: string): Promise<RemoteStaged> {
      const { base, path } = resolveHdfs(uri, where);
      const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(16).padStart(8, "0");
      const temp = `${path}.${Deno.pid}-${rand}.tmp`;
      // Step 1: the namenode answers CREATE with the datanode to send the bytes to.
      const r = await call(where, uri, opUrl(base, temp, "CREATE", { overwrite: "true" }), {
        method: "PUT",
        redirect: "manual",
      });
      const location = r.headers.get("location");
      await r.body?.cancel();
      if (r.status !== 307 || !location) {
        throw r.ok
          ? new MXNetError(`${where}: ${uri}: the namenode sent no datanode for CREATE`)
          : await hdfsError(where, uri, r);
      }
      const discard = async () => {
        await jsonOp(where, uri, "DELETE", opUrl(base, temp, "DELETE")).catch(() => false);
      };
      const put = await call(where, uri, location, { method: "PUT", body: bodyOf(content) })
        .catch(async (e) => {
          await discard();
          throw e;
        });
      if (put.status !== 201 && !put.ok) {
        const e = await hdfsError(where, uri, put);
        await discard();
        throw e;
      }
      await put.body?.cancel();
      return {
        async commit() {
          await jsonOp(where, uri, "DELETE", opUrl(base, path, "DELETE"));
          const ok = await jsonOp(
            where,
            uri,
            "PUT",
            opUrl(base, temp, "RENAME", { destination: path }),
          );
          if (!ok) {
            await discard();
            throw new MXNetError(`${where}: ${uri}: the namenode refused to rename ${temp}`);
          }
        },
        discard,
      };
    },
  };
}
