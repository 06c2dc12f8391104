// deno-lint-ignore-file no-explicit-any -- the fuzz edits arbitrary JSON documents
/**
 * Loading Symbol JSON from damaged or hostile files: structure errors are FormatErrors
 * with the JSON path, entries are checked against the nodes they name, and a seeded fuzz
 * of mutated real files never escapes with anything but an MXNetError.
 * @module
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { ALL_OPS } from "../../src/ops/registry.ts";
import { fixturePath } from "../fixtures/mod.ts";

/** Asserts loadJSON(text) throws a FormatError matching `pattern`. */
function rejects(text: string, pattern: RegExp): void {
  assert.throws(() => mx.sym.loadJSON(text, "net.json"), (e: unknown) => {
    assert.ok(e instanceof mx.FormatError, `expected FormatError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

const GOOD = {
  nodes: [
    { op: "null", name: "x", inputs: [] },
    { op: "null", name: "w", inputs: [] },
    { op: "null", name: "b", inputs: [] },
    {
      op: "FullyConnected",
      name: "fc",
      attrs: { num_hidden: "3" },
      inputs: [[0, 0, 0], [1, 0, 0], [2, 0, 0]],
    },
    {
      op: "BatchNorm",
      name: "bn",
      inputs: [[3, 0, 0], [1, 0, 0], [2, 0, 0], [1, 0, 0], [2, 0, 0]],
    },
  ],
  arg_nodes: [0, 1, 2],
  heads: [[4, 0, 0]],
};

/** GOOD with `edit` applied to a deep copy. */
function variant(edit: (d: any) => void): string {
  const d = structuredClone(GOOD);
  edit(d);
  return JSON.stringify(d);
}

Deno.test("structure errors are FormatErrors naming the JSON path", () => {
  assert.deepEqual(mx.sym.loadJSON(JSON.stringify(GOOD)).listOutputs(), ["bn_output"]);
  rejects("null", /^net\.json: the top level: expected an object with nodes and heads, got null/);
  rejects("[1, 2]", /the top level: expected an object/);
  rejects(variant((d) => d.nodes = {}), /^net\.json: nodes: expected an array of nodes, got {}/);
  rejects(variant((d) => delete d.heads), /heads: expected an array of entries, got nothing/);
  rejects(variant((d) => d.nodes[3] = null), /nodes\[3\]: expected a node object, got null/);
  rejects(variant((d) => d.nodes[3].inputs = "abc"), /nodes\[3\]\.inputs: expected an array/);
  rejects(
    variant((d) => d.nodes[3].inputs[0] = "abc"),
    /nodes\[3\]\.inputs\[0\]: expected \[node, output\] or \[node, output, version\] of integers >= 0, got "abc"/,
  );
  rejects(variant((d) => d.nodes[3].inputs[1] = [1, -1, 0]), /nodes\[3\]\.inputs\[1\]: expected/);
  rejects(variant((d) => d.nodes[3].inputs[1] = [1.5, 0]), /nodes\[3\]\.inputs\[1\]: expected/);
  rejects(variant((d) => d.nodes[2].name = 7), /nodes\[2\]\.name: expected a string, got 7/);
  rejects(variant((d) => delete d.nodes[2].op), /nodes\[2\]\.op: expected an operator name/);
  rejects(
    variant((d) => d.nodes[3].attrs.num_hidden = 3),
    /nodes\[3\]\.attrs\.num_hidden: expected a string, got 3/,
  );
  rejects(
    variant((d) => d.nodes[3].attrs = []),
    /nodes\[3\]\.attrs: expected an object of strings/,
  );
  rejects(variant((d) => d.heads[0] = [4]), /heads\[0\]: expected/);
  rejects(variant((d) => d.arg_nodes = [0, "1"]), /arg_nodes\[1\]: expected an integer >= 0/);
  rejects('{"nodes": [', /not valid JSON/);
});

Deno.test("entries must name an earlier node and an output it has", () => {
  rejects(
    variant((d) => d.nodes[3].inputs[0] = [4, 0, 0]),
    /nodes\[3\]\.inputs\[0\]: input 0 of node 3 \(fc\) refers to node 4, which is not defined before it \(3 nodes are\)/,
  );
  rejects(
    variant((d) => d.nodes[4].inputs[0] = [3, 1, 0]),
    /^net\.json: nodes\[4\]\.inputs\[0\]: input 0 of node 4 \(bn\) uses output 1 of node 3 \(fc\), which has 1 output$/,
  );
  rejects(
    variant((d) => d.heads[0] = [4, 3, 0]),
    /heads\[0\]: head 0 uses output 3 of node 4 \(bn\), which has 3 outputs/,
  );
  rejects(variant((d) => d.heads[0] = [9, 0]), /heads\[0\]: head 0 refers to node 9/);
  // BatchNorm's hidden outputs (mean, var) exist, as in MXNet's graphs.
  assert.equal(mx.sym.loadJSON(variant((d) => d.heads[0] = [4, 2, 0])).outputs[0].index, 2);
});

Deno.test("a bad operator parameter names the file, the node and the parameter", () => {
  const cases: [(d: any) => void, RegExp][] = [
    [
      (d) => d.nodes[3].attrs.num_hidden = "-5",
      /^net\.json: node 3 \(fc\): FullyConnected: parameter numHidden \(num_hidden\) expects an integer >= 1, got "-5"$/,
    ],
    [
      (d) => d.nodes[4].attrs = { eps: "abc" },
      /^net\.json: node 4 \(bn\): BatchNorm: parameter eps .*got "abc"$/,
    ],
  ];
  for (const [edit, pattern] of cases) {
    assert.throws(() => mx.sym.loadJSON(variant(edit), "net.json"), (e: unknown) => {
      assert.ok(e instanceof mx.ParamError, `expected ParamError, got ${e}`);
      assert.match(e.message, pattern);
      return true;
    });
  }
});

Deno.test("attribute names that are Object properties are plain attributes", () => {
  for (const k of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
    const s = mx.sym.loadJSON(variant((d) => {
      d.nodes[3].attrs = JSON.parse(`{"num_hidden": "3", ${JSON.stringify(k)}: "1"}`);
    }));
    assert.equal(s.outputs[0].node.inputs[0].node.attrs[k], "1");
  }
});

/** xorshift32, seeded: failures are reproducible. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const ROUNDS = 2500;

Deno.test("fuzz: 2,500 structure mutations of real symbol files load or throw MXNetError", async () => {
  const t0 = performance.now();
  const rand = xorshift(0x51b01);
  const below = (n: number): number => rand() % Math.max(1, n);
  const pick = <T>(xs: readonly T[]): T => xs[below(xs.length)];
  const files = [
    "apache-mxnet/test-symbol.json.ref",
    "apache-mxnet/save_000800.json",
    "apache-mxnet/test_mkldnn_test_mkldnn_model_model1.json",
    "sagemaker-mnist/model-symbol.json",
    "sagemaker-linreg/model-symbol.json",
    "go-mxnet-predictor/go_test-symbol.json",
    "gluon/net-symbol.json",
  ];
  const texts = await Promise.all(files.map((f) => Deno.readTextFile(fixturePath(f))));
  texts.push(JSON.stringify(GOOD));
  const docs = texts.map((t) => JSON.parse(t));
  const opNames = ALL_OPS.map((o) => o.name);
  const oddValues = (): unknown =>
    pick([
      null,
      0,
      -1,
      1.5,
      2 ** 53,
      1e308,
      "abc",
      "",
      "-5",
      "1e309",
      "(1,",
      "None",
      [],
      {},
      true,
      [0],
      [0, 0, 0, 0],
      [below(40), below(4)],
      [2 ** 31, 0, 0],
      { op: "null" },
    ]);
  // Every [container, key] in the document, to pick a place to damage.
  const places = (doc: unknown): [any, string | number][] => {
    const out: [any, string | number][] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), walk(x)));
      else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) (out.push([v, k]), walk(x));
      }
    };
    walk(doc);
    return out;
  };
  const mutateDoc = (doc: any): string => {
    const nodes: any[] = Array.isArray(doc.nodes) ? doc.nodes : [];
    const node = () => nodes[below(nodes.length)];
    switch (below(9)) {
      case 0:
      case 1: { // any value replaced by an odd one
        const ps = places(doc);
        if (ps.length) {
          const [c, k] = pick(ps);
          c[k] = oddValues();
        }
        break;
      }
      case 2: { // a key deleted, or an array element removed
        const ps = places(doc);
        if (ps.length) {
          const [c, k] = pick(ps);
          if (Array.isArray(c)) c.splice(k as number, 1);
          else delete c[k];
        }
        break;
      }
      case 3: // duplicate node names
        if (nodes.length > 1) node().name = node().name;
        break;
      case 4: { // another operator, real or not
        const n = node();
        if (n) n.op = pick([...opNames, "null", "__proto__", "constructor", "toString", "nope"]);
        break;
      }
      case 5: { // an entry pointing elsewhere: forward, far away, at a missing output
        const n = node();
        if (n?.inputs?.length) {
          n.inputs[below(n.inputs.length)] = [below(nodes.length + 3), below(4)];
        } else if (Array.isArray(doc.heads)) doc.heads[0] = [below(nodes.length + 3), below(5)];
        break;
      }
      case 6: { // hostile or malformed attributes
        const n = node();
        if (n) {
          const key = pick(["attrs", "attr", "param"]);
          n[key] = { ...(typeof n[key] === "object" ? n[key] : {}) };
          n[key][
            pick([
              "__proto__",
              "toString",
              "num_hidden",
              "kernel",
              "axis",
              "shape",
              "dim",
              "num_args",
              "__shape__",
              "act_type",
            ])
          ] = pick([
            "-5",
            "0",
            "1e309",
            "(1,",
            "None",
            "abc",
            "(0, 0)",
            "2147483648",
            "[]",
            "relu",
          ]);
        }
        break;
      }
      case 7: // nodes reordered (inputs then point forward)
        if (nodes.length > 1) {
          const i = below(nodes.length), j = below(nodes.length);
          [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
        }
        break;
      default: { // text-level damage
        const t = JSON.stringify(doc);
        const at = below(t.length);
        return below(2)
          ? t.slice(0, at)
          : t.slice(0, at) + pick(["}", "]", ",", '"', "0", "null"]) + t.slice(at + 1);
      }
    }
    return JSON.stringify(doc);
  };
  let loaded = 0, rejected = 0;
  for (let iter = 0; iter < ROUNDS; iter++) {
    const doc = structuredClone(docs[iter % docs.length]);
    let text = mutateDoc(doc);
    if (below(3) === 0) text = mutateDoc(JSON.parse(text.length && safeParse(text) ? text : "{}"));
    try {
      const s = mx.sym.loadJSON(text, "fuzz");
      // A graph that loads is whole: it lists, writes and reads back.
      s.listArguments();
      s.listOutputs();
      mx.sym.loadJSON(s.toJSON(), "round trip");
      loaded++;
    } catch (e) {
      assert.ok(e instanceof mx.MXNetError, `iteration ${iter}: ${(e as Error)?.stack ?? e}`);
      rejected++;
    }
  }
  assert.ok(
    loaded > ROUNDS / 10 && rejected > ROUNDS / 4,
    `${loaded} loaded, ${rejected} rejected`,
  );
  console.log(
    `symbol JSON fuzz: ${ROUNDS} inputs, ${rejected} rejected, ${loaded} loaded, ` +
      `${(performance.now() - t0).toFixed(0)} ms`,
  );
});

function safeParse(t: string): boolean {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}
