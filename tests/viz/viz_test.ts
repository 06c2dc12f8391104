/** #19: mx.viz.printSummary and plotNetwork, against MXNet's visualization.py rules. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

function smallNet(): mx.sym.Symbol {
  const sym = mx.sym;
  let net = sym.Variable("data");
  net = sym.Convolution({ data: net, kernel: [3, 3], pad: [1, 1], numFilter: 8, name: "conv1" });
  net = sym.BatchNorm({ data: net, name: "bn1" });
  net = sym.Activation({ data: net, actType: "relu", name: "relu1" });
  net = sym.Pooling({ data: net, kernel: [2, 2], stride: [2, 2], poolType: "max", name: "pool1" });
  net = sym.Flatten({ data: net, name: "flatten" });
  net = sym.FullyConnected({ data: net, numHidden: 10, name: "fc1" });
  return sym.SoftmaxOutput({ data: net, name: "softmax" });
}

/** A row as MXNet's print_row lays it out: columns ending at 52, 76, 88, 120. */
const row = (a: string, b: string, c: string, d: string) =>
  a.padEnd(52) + b.padEnd(24) + c.padEnd(12) + d.padEnd(32);

Deno.test("viz: printSummary prints MXNet's table with its parameter counts", () => {
  const lines: string[] = [];
  const text = mx.viz.printSummary(smallNet(), { data: [2, 3, 8, 8] }, {
    logger: (l) => lines.push(l),
  });
  const under = "_".repeat(120), double = "=".repeat(120);
  // Counts by MXNet's rules: conv 3*8*3*3 + 8 = 224; BatchNorm 2*8 = 16; fc (128+1)*10.
  assert.deepEqual(lines, [
    under,
    row("Layer (type)", "Output Shape", "Param #", "Previous Layer"),
    double,
    row("data(null)", "3x8x8", "0", ""),
    under,
    row("conv1(Convolution)", "8x8x8", "224", "data"),
    under,
    row("bn1(BatchNorm)", "8x8x8", "16", "conv1"),
    under,
    row("relu1(Activation)", "8x8x8", "0", "bn1"),
    under,
    row("pool1(Pooling)", "8x4x4", "0", "relu1"),
    under,
    row("flatten(Flatten)", "128", "0", "pool1"),
    under,
    row("fc1(FullyConnected)", "10", "1290", "flatten"),
    under,
    row("softmax(SoftmaxOutput)", "10", "0", "fc1"),
    double,
    "Total params: 1530",
    under,
  ]);
  assert.equal(text, lines.join("\n") + "\n");
  // Without shapes: no shapes, and counts that need an input width are MXNet's zeros.
  const bare = mx.viz.printSummary(smallNet(), null, { logger: null, lineLength: 80 });
  // Input widths unknown: conv 0 * 8 * 9 + 8, BatchNorm 0, fc (0 + 1) * 10, as MXNet's.
  assert.match(bare, /\nTotal params: 18\n/);
});

Deno.test("viz: printSummary lists every previous layer of a join", () => {
  const a = mx.sym.Variable("a"), b = mx.sym.Variable("b");
  const fa = mx.sym.FullyConnected({ data: a, numHidden: 4, name: "fa" });
  const fb = mx.sym.FullyConnected({ data: b, numHidden: 4, name: "fb" });
  const cat = mx.sym.Concat([fa, fb], { dim: 1, name: "cat" });
  const lines: string[] = [];
  mx.viz.printSummary(cat, { a: [1, 3], b: [1, 5] }, { logger: (l) => lines.push(l) });
  const i = lines.findIndex((l) => l.startsWith("cat(Concat)"));
  assert.equal(lines[i], row("cat(Concat)", "8", "0", "fa"));
  assert.equal(lines[i + 1], row("", "", "", "fb"));
  // fa reads `a`, node 0 (in MXNet's head set): (3+1)*4; fb reads `b`, not a head: (0+1)*4.
  assert.ok(lines.includes("Total params: 20"));
});

Deno.test("viz: plotNetwork writes MXNet's Graphviz source and renders SVG with dot", async () => {
  const plot = mx.viz.plotNetwork(smallNet(), {
    title: "small",
    saveFormat: "svg",
    shape: { data: [2, 3, 8, 8] },
  });
  const src = plot.source;
  assert.ok(src.startsWith("digraph small {\n"));
  const box = "fixedsize=true width=1.3 height=0.8034 style=filled";
  assert.ok(src.includes(`\tdata [label=data shape=oval ${box} fillcolor="#8dd3c7"]`));
  assert.ok(
    src.includes(`\tconv1 [label="Convolution\\n3x3/1, 8" shape=box ${box} fillcolor="#fb8072"]`),
  );
  assert.ok(src.includes(`\tpool1 [label="Pooling\\nmax, 2x2/2x2" shape=box ${box}`));
  assert.ok(src.includes(`\tfc1 [label="FullyConnected\\n10" shape=box ${box}`));
  assert.ok(src.includes(`\tconv1 -> data [dir=back arrowtail=open label="3x8x8"]`));
  assert.ok(src.includes(`\tfc1 -> flatten [dir=back arrowtail=open label=128]`));
  // Weights hidden: neither nodes nor edges.
  assert.ok(!src.includes("conv1_weight"));
  // Shown: edges to them, no declaration (Graphviz draws plain ovals), as MXNet.
  const shown = mx.viz.plotNetwork(smallNet(), { hideWeights: false, dtype: { data: "float32" } });
  assert.ok(
    shown.source.includes(`\tconv1 -> conv1_weight [dir=back arrowtail=open label="(float32)"]`),
  );
  assert.ok(!shown.source.includes("\tconv1_weight ["));
  assert.throws(
    () => mx.viz.plotNetwork(smallNet(), { save_format: "svg" } as never),
    /saveFormat/,
  );

  const hasDot = await new Deno.Command("dot", { args: ["-V"], stderr: "null" }).output()
    .then((r) => r.success, () => false);
  if (!hasDot) {
    console.log("viz: SVG rendering not tested: Graphviz's dot is not installed");
    await assert.rejects(() => plot.render(`${Deno.makeTempDirSync()}/small`), /not installed/);
    return;
  }
  const dir = await Deno.makeTempDir();
  try {
    const out = await plot.render(`${dir}/small`);
    assert.equal(out, `${dir}/small.svg`);
    const svg = await Deno.readTextFile(out);
    assert.match(svg, /<svg[\s>]/);
    for (const label of ["conv1", "Convolution", "FullyConnected", "3x8x8"]) {
      assert.ok(svg.includes(label), label);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
