/**
 * `deno doc` documents the public surface from mod.ts: every namespace has its members
 * (deno doc follows only `export *` inside a namespace module, not `export { x } from`),
 * the doc lint finds nothing, and internals (`_`-prefixed members, @ignore'd helpers) stay
 * out of the reference.
 */
import assert from "node:assert/strict";

const root = new URL("..", import.meta.url).pathname;

async function denoDoc(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = await new Deno.Command(Deno.execPath(), {
    args: ["doc", ...args, "mod.ts"],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: p.code, out: dec.decode(p.stdout), err: dec.decode(p.stderr) };
}

interface DocNode {
  name: string;
  declarations: {
    kind: string;
    def?: {
      elements?: DocNode[];
      properties?: { name: string }[];
      methods?: { name: string }[];
    };
  }[];
}

/** Every documented name, with its path (`nd.array`, `NDArray#_alloc`). */
function names(nodes: readonly DocNode[], prefix = ""): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const path = prefix + n.name;
    out.push(path);
    for (const d of n.declarations) {
      if (d.kind === "namespace") out.push(...names(d.def?.elements ?? [], `${path}.`));
      for (const m of [...(d.def?.properties ?? []), ...(d.def?.methods ?? [])]) {
        out.push(`${path}#${m.name}`);
      }
    }
  }
  return out;
}

Deno.test("deno doc --lint mod.ts reports no problem", async () => {
  const r = await denoDoc("--lint");
  assert.equal(r.code, 0, r.out + r.err);
});

Deno.test("deno doc documents every namespace's members and no internals", async () => {
  const r = await denoDoc("--json");
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { nodes: Record<string, { symbols: DocNode[] }> };
  const all = new Set(names(Object.values(doc.nodes)[0].symbols));
  const wanted = [
    "nd.array",
    "nd.zeros",
    "nd.ones",
    "nd.empty",
    "nd.arange",
    "nd.save",
    "nd.load",
    "nd.scope",
    "nd.NDArray",
    "mod.Module",
    "io.NDArrayIter",
    "io.MNISTIter",
    "io.ImageRecordIter",
    "recordio.MXRecordIO",
    "recordio.MXIndexedRecordIO",
    "recordio.unpack",
    "recordio.packImg",
    "image.imdecode",
    "image.imresize",
    "image.centerCrop",
    "image.ImageIter",
    "image.CreateAugmenter",
    "kv.create",
    "kv.KVStore",
    "model.FeedForward",
    "model.loadCheckpoint",
    "init.Xavier",
    "metric.Accuracy",
    "engine.waitAll",
    "engine.invokeOp",
    "optimizer.SGD",
    "optimizer.create",
    "sym.Variable",
    "sym.Executor",
    "name.prefix",
    "random.seed",
    "random.uniform",
    "NDArray#data",
    "np.array",
    "np.linalg.norm",
    "npx.relu",
    "gluon.Trainer",
    "gluon.Parameter",
    "gluon.HybridBlock",
    "gluon.nn.Dense",
    "gluon.loss.SoftmaxCrossEntropyLoss",
    "gluon.utils.splitAndLoad",
    "gluon.data.DataLoader",
    "gluon.data.vision.FashionMNIST",
    "gluon.data.RecordFileDataset",
    "gluon.data.vision.ImageRecordDataset",
    "gluon.data.vision.ImageFolderDataset",
    "gluon.data.vision.transforms.ToTensor",
  ];
  for (const w of wanted) assert.ok(all.has(w), `deno doc mod.ts lacks ${w}`);
  const internal = [...all].filter((n) => /(^|[.#])_[a-z]/.test(n));
  assert.deepEqual(internal, [], "internals appear in the reference");
  for (const hidden of ["nd.scopes", "nd.collectCreated", "engine.runNow", "metric.hostPairs"]) {
    assert.ok(!all.has(hidden), `${hidden} is internal (@ignore) but documented`);
  }
});

Deno.test("deno doc --filter mod.Module documents Module", async () => {
  const r = await denoDoc("--filter", "mod.Module");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /class Module/);
  assert.match(r.out, /fit\(/);
});

Deno.test("the TypeScript in README.md and docs/ type-checks against the library", async () => {
  const files = [
    "README.md",
    "docs/porting.md",
    "docs/architecture.md",
    "docs/numpy.md",
    "docs/gluon.md",
    "docs/gluon_data.md",
  ];
  const p = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--doc-only", ...files],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.equal(p.code, 0, dec.decode(p.stdout) + dec.decode(p.stderr));
});

Deno.test("README and docs: the porting guide is linked, nothing beside the repository is", () => {
  const readme = Deno.readTextFileSync(`${root}README.md`);
  assert.match(readme, /\]\(docs\/porting\.md\)/);
  assert.match(readme, /import \* as mx from "jsr:@mxts\/mxnet"/);
  const forbidden = "../" + "shared";
  for (
    const f of [
      "README.md",
      ...[...Deno.readDirSync(`${root}docs`)].map((e) => `docs/${e.name}`),
    ]
  ) {
    if (!f.endsWith(".md")) continue;
    assert.ok(!Deno.readTextFileSync(`${root}${f}`).includes(forbidden), `${f} names ${forbidden}`);
  }
});

Deno.test("README's table lists every environment variable the code reads", () => {
  const readme = Deno.readTextFileSync(`${root}README.md`);
  const table = readme.slice(readme.indexOf("## Environment variables"));
  // Deno.env.get("X"), env("X"), envNumber("X"), getenv("X") (C), env::var("X") (Rust).
  const read = /(?:env\.get|\benv|envNumber|getenv|env::var)\(\s*"([A-Z][A-Z0-9_]+)"/g;
  const missing = new Set<string>();
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(`${root}${dir}`)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) {
        if (!["target", "node_modules", "fixtures"].includes(e.name)) walk(path);
      } else if (/\.(ts|rs|cpp|cu|h)$/.test(e.name)) {
        for (const m of Deno.readTextFileSync(`${root}${path}`).matchAll(read)) {
          if (!table.includes(`\`${m[1]}\``) && m[1] !== "MXTS_CI_ISOLATED") missing.add(m[1]);
        }
      }
    }
  };
  // tests/ is left out but for the harness: its worker scripts get their settings from the
  // tests that start them.
  for (const dir of ["src", "backends", "tools", "ffi/src", "ffi/cuda", "examples", "bench"]) {
    walk(dir);
  }
  for (const file of ["tests/_harness.ts", "ffi/build.rs"]) {
    for (const m of Deno.readTextFileSync(`${root}${file}`).matchAll(read)) {
      // OUT_DIR is cargo's own.
      if (!table.includes(`\`${m[1]}\``) && m[1] !== "OUT_DIR") missing.add(m[1]);
    }
  }
  assert.deepEqual([...missing], [], "variables read by the code but not in README's table");
});
