/**
 * `hdfs://` through WebHDFS, and `http(s)://` reads. No HDFS can be installed here, so the
 * WebHDFS client is tested against a test server written from the WebHDFS REST spec: a
 * namenode that answers OPEN and CREATE with a 307 redirect to a datanode URL, RENAME and
 * DELETE with `{"boolean": ...}`, a missing file with 404 and a `RemoteException` body,
 * and a datanode that serves and stores the bytes (all in memory). It checks the calls the
 * client makes as well as the files that result.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { readFileChecked, writeFileAtomic } from "../../src/core/files.ts";
import { _resetRemoteStores } from "../../src/core/remote/mod.ts";

interface Call {
  /** True for a datanode call (after a redirect). */
  datanode: boolean;
  method: string;
  path: string;
  op: string | null;
  user: string | null;
}

/** The in-memory WebHDFS server (namenode and datanode on one port). */
function webhdfsServer() {
  const files = new Map<string, Uint8Array>();
  const calls: Call[] = [];
  let failDatanodeWrites = false;
  const notFound = (path: string) =>
    Response.json({
      RemoteException: {
        exception: "FileNotFoundException",
        javaClassName: "java.io.FileNotFoundException",
        message: `File does not exist: ${path}`,
      },
    }, { status: 404 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const op = url.searchParams.get("op");
    const data = url.pathname.startsWith("/datanode");
    const path = decodeURIComponent(url.pathname.replace(/^\/(webhdfs\/v1|datanode)/, ""));
    calls.push({
      datanode: data,
      method: req.method,
      path,
      op,
      user: url.searchParams.get("user.name"),
    });
    if (data) {
      if (req.method === "GET") {
        const f = files.get(path);
        return f ? new Response(f as Uint8Array<ArrayBuffer>) : notFound(path);
      }
      if (failDatanodeWrites) {
        await req.body?.cancel();
        return new Response("datanode down", { status: 500 });
      }
      files.set(path, new Uint8Array(await req.arrayBuffer()));
      return new Response(null, { status: 201 });
    }
    const redirect = () =>
      new Response(null, {
        status: 307,
        headers: { location: `${url.origin}/datanode${url.pathname.slice(11)}${url.search}` },
      });
    switch (`${req.method} ${op}`) {
      case "GET OPEN":
        return files.has(path) ? redirect() : notFound(path);
      case "PUT CREATE":
        return redirect();
      case "PUT RENAME": {
        const dest = url.searchParams.get("destination")!;
        if (!files.has(path) || files.has(dest)) return Response.json({ boolean: false });
        files.set(dest, files.get(path)!);
        files.delete(path);
        return Response.json({ boolean: true });
      }
      case "DELETE DELETE":
        return Response.json({ boolean: files.delete(path) });
      default:
        return new Response(`unsupported ${req.method} ${op}`, { status: 400 });
    }
  });
  return {
    files,
    calls,
    origin: `http://127.0.0.1:${server.addr.port}`,
    failWrites(on: boolean) {
      failDatanodeWrites = on;
    },
    close: () => server.shutdown(),
  };
}

Deno.test("hdfs: nd.save / nd.load on hdfs:/// through WebHDFS, byte for byte", async () => {
  const hdfs = webhdfsServer();
  Deno.env.set("MXTS_HDFS_NAMENODE", hdfs.origin);
  Deno.env.set("HADOOP_USER_NAME", "myname");
  _resetRemoteStores();
  try {
    const a = mx.nd.array([[1, 2], [3, 4]]), b = mx.nd.ones([3], { dtype: "int32" });
    const uri = "hdfs:///users/myname/mydata.bin";
    await mx.nd.save(uri, [a, b]);
    const [a2, b2] = await mx.nd.load(uri) as mx.NDArray[];
    assert.deepEqual(await a2.array(), [[1, 2], [3, 4]]);
    assert.deepEqual(await b2.array(), [1, 1, 1]);
    const local = await Deno.makeTempFile();
    await mx.nd.save(local, [a, b]);
    assert.deepEqual(hdfs.files.get("/users/myname/mydata.bin"), await Deno.readFile(local));
    await Deno.remove(local);
    // The save: CREATE of a temporary name (redirected to the datanode), DELETE of the old
    // file, RENAME over it; every namenode call carries the user.
    const ops = hdfs.calls.map((c) => `${c.datanode ? "datanode " : ""}${c.method} ${c.op}`);
    assert.deepEqual(ops.slice(0, 6), [
      "PUT CREATE",
      "datanode PUT CREATE",
      "DELETE DELETE",
      "PUT RENAME",
      "GET OPEN",
      "datanode GET OPEN",
    ]);
    assert.match(hdfs.calls[0].path, /^\/users\/myname\/mydata\.bin\.\d+-[0-9a-f]{8}\.tmp$/);
    assert.ok(hdfs.calls.every((c) => c.user === "myname"));
    assert.deepEqual([...hdfs.files.keys()], ["/users/myname/mydata.bin"]);
    // Saving again replaces the file; a checkpoint pair works the same way.
    await mx.nd.save(uri, [b]);
    assert.equal((await mx.nd.load(uri) as mx.NDArray[]).length, 1);
    const x = mx.sym.Variable("data");
    const net = mx.sym.FullyConnected({ data: x, numHidden: 2, name: "fc" });
    await mx.model.saveCheckpoint("hdfs:///users/myname/ck", 1, net, {
      fc_weight: mx.nd.ones([2, 2]),
      fc_bias: mx.nd.zeros([2]),
    });
    const ck = await mx.model.loadCheckpoint("hdfs:///users/myname/ck", 1);
    assert.deepEqual(await ck.argParams.fc_weight.array(), [[1, 1], [1, 1]]);
  } finally {
    await hdfs.close();
    Deno.env.delete("MXTS_HDFS_NAMENODE");
    Deno.env.delete("HADOOP_USER_NAME");
    _resetRemoteStores();
  }
});

Deno.test("hdfs: a missing file is FileNotFoundError; a failed write leaves the old file", async () => {
  const hdfs = webhdfsServer();
  Deno.env.set("MXTS_HDFS_NAMENODE", hdfs.origin);
  _resetRemoteStores();
  try {
    await assert.rejects(mx.nd.load("hdfs:///nope.bin"), mx.FileNotFoundError);
    await mx.nd.save("hdfs:///keep.bin", [mx.nd.ones([2])]);
    hdfs.failWrites(true);
    await assert.rejects(
      mx.nd.save("hdfs:///keep.bin", [mx.nd.zeros([5])]),
      (e: unknown) =>
        e instanceof mx.MXNetError && /keep\.bin/.test(String(e)) && /500/.test(String(e)),
    );
    hdfs.failWrites(false);
    const [old] = await mx.nd.load("hdfs:///keep.bin") as mx.NDArray[];
    assert.deepEqual(await old.array(), [1, 1]);
    // No temporary is left behind.
    assert.deepEqual([...hdfs.files.keys()], ["/keep.bin"]);
    // hdfs://host:port/path takes the namenode from MXTS_HDFS_NAMENODE too.
    assert.deepEqual(
      await readFileChecked("hdfs://namenode:8020/keep.bin", "t"),
      hdfs.files.get("/keep.bin"),
    );
  } finally {
    await hdfs.close();
    Deno.env.delete("MXTS_HDFS_NAMENODE");
    _resetRemoteStores();
  }
  // Without a namenode configured, hdfs:/// says how to configure one.
  await assert.rejects(
    readFileChecked("hdfs:///x.bin", "load"),
    (e: unknown) => e instanceof mx.MXNetError && /MXTS_HDFS_NAMENODE/.test(String(e)),
  );
});

Deno.test("http(s): loaders read from a URL; 404 is FileNotFoundError; writes are refused", async () => {
  const local = await Deno.makeTempFile();
  await mx.nd.save(local, { w: mx.nd.arange(0, 4) });
  const bytes = await Deno.readFile(local);
  await Deno.remove(local);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/model.params"
        ? new Response(bytes)
        : new Response("missing", { status: 404 }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const d = await mx.nd.loadDict(`${base}/model.params`);
    assert.deepEqual(await d.w.array(), [0, 1, 2, 3]);
    await assert.rejects(mx.nd.load(`${base}/other.params`), mx.FileNotFoundError);
    await assert.rejects(
      writeFileAtomic(`${base}/model.params`, bytes, "save"),
      (e: unknown) => e instanceof mx.MXNetError && /read-only/.test(String(e)),
    );
  } finally {
    await server.shutdown();
  }
  // file:// URIs name local files.
  const f = await Deno.makeTempFile();
  await mx.nd.save(`file://${f}`, [mx.nd.ones([2])]);
  assert.equal((await mx.nd.load(f) as mx.NDArray[]).length, 1);
  await Deno.remove(f);
});
