/**
 * Every operator Apache MXNet 1.9.1 registers (tests/fixtures/mxnet_1.9.1_ops.json, written
 * by tools/gen_mxnet_op_list.ts from MXNet's C++ sources) is either in this project's
 * registry (by its name or one of its aliases) or listed, with a reason, in README.md's
 * "Operators MXNet has that mxts does not provide" (excluded on purpose) or in
 * docs/operators.md's "Not yet" list (planned). Both lists must stay true: a listed operator
 * that now exists fails the test until it is taken off the list.
 *
 * The NumPy interface (`_np*`, `_npi_*`, `_npx_*`) is covered by tests/numpy; gradient
 * operators (`_backward_*`) are internal to MXNet's graph.
 */
import assert from "node:assert/strict";
import { ALL_OPS } from "../../src/ops/registry.ts";

interface MxnetOp {
  name: string;
  aliases: string[];
}

const root = new URL("../../", import.meta.url);
const fixture: { ops: MxnetOp[] } = JSON.parse(
  Deno.readTextFileSync(new URL("tests/fixtures/mxnet_1.9.1_ops.json", root)),
);
const legacy = fixture.ops.filter((o) =>
  !/^(_np|__)/.test(o.name) && !o.name.includes("_backward")
);

const registered = new Set<string>();
for (const op of ALL_OPS) for (const n of [op.name, ...(op.aliases ?? [])]) registered.add(n);
const implemented = (o: MxnetOp) => [o.name, ...o.aliases].some((n) => registered.has(n));

/** The operator names in the `- ...: reason` bullets of the markdown section `heading`. */
function listedIn(file: string, heading: string): Map<string, string> {
  const text = Deno.readTextFileSync(new URL(file, root));
  const start = text.indexOf(heading);
  assert.ok(start >= 0, `${file} has no section "${heading}"`);
  const body = text.slice(start + heading.length).split(/\n#{1,6} /)[0];
  const listed = new Map<string, string>();
  // A bullet runs on over the indented lines below it (deno fmt wraps them).
  const bullets = body.split(/\n(?=- )/).filter((b) => b.startsWith("- "))
    .map((b) => b.split(/\n(?! {2})/)[0].replace(/\n +/g, " "));
  for (const line of bullets) {
    const colon = line.indexOf(": ");
    assert.ok(colon > 0, `${file}: "${line.slice(0, 60)}" gives no reason after a colon`);
    for (const m of line.slice(0, colon).matchAll(/`([A-Za-z0-9_]+)`/g)) {
      listed.set(m[1], line.slice(colon + 2));
    }
  }
  return listed;
}

const excluded = listedIn("README.md", "### Operators MXNet has that mxts does not provide");
const notYet = listedIn("docs/operators.md", "## Not yet");

Deno.test("MXNet 1.9.1 coverage: every legacy operator exists, is excluded with a reason, or is planned", () => {
  const unaccounted = legacy.filter((o) =>
    !implemented(o) && !excluded.has(o.name) && !notYet.has(o.name)
  )
    .map((o) => o.name);
  assert.deepEqual(
    unaccounted,
    [],
    `MXNet operators neither implemented nor listed: ${unaccounted.join(" ")}`,
  );
  const have = legacy.filter(implemented).length;
  console.log(
    `MXNet 1.9.1 legacy operators: ${legacy.length}; implemented ${have}, ` +
      `excluded ${excluded.size}, not yet ${notYet.size}`,
  );
});

Deno.test("MXNet 1.9.1 coverage: the lists name real MXNet operators that are not implemented", () => {
  const byName = new Map(legacy.map((o) => [o.name, o]));
  for (
    const [list, names] of [["README exclusions", excluded], ["docs/operators.md", notYet]] as const
  ) {
    for (const name of names.keys()) {
      const op = byName.get(name);
      assert.ok(
        op,
        `${list} lists ${name}, which MXNet 1.9.1 does not register (as a legacy operator)`,
      );
      assert.ok(
        !implemented(op),
        `${list} lists ${name}, which is implemented now: take it off the list`,
      );
    }
  }
  const both = [...excluded.keys()].filter((n) => notYet.has(n));
  assert.deepEqual(both, [], "listed as excluded and as planned");
});
