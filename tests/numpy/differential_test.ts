/**
 * Differential test: mx.np against NumPy. tools/gen_numpy_cases.py wrote fixed inputs and
 * NumPy's float64 results (and MXNet's result dtypes for the type-promotion cases) to
 * fixtures/cases.json; every case is run here on each float64-capable backend and must
 * match within 1e-6 relative.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest } from "../_harness.ts";

const { np } = mx;

interface Encoded {
  values: (number | boolean | string)[];
  shape: number[];
  dtype: string;
}
interface Case {
  id: string;
  fn: string;
  args: unknown[];
  opts: Record<string, unknown>;
  expect: Encoded | Encoded[];
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/cases.json", import.meta.url)),
) as { cases: Case[] };

const isEncoded = (v: unknown): v is Encoded =>
  typeof v === "object" && v !== null && "values" in v && "shape" in v && "dtype" in v;

const num = (v: number | boolean | string) =>
  typeof v === "string" ? Number(v.replace("inf", "Infinity")) : Number(v);

function decode(v: unknown): unknown {
  if (isEncoded(v)) {
    const values = v.dtype === "bool" ? v.values.map((b) => b === true) : v.values.map(num);
    return np.array(values as number[], { shape: v.shape, dtype: v.dtype as mx.DType });
  }
  if (Array.isArray(v)) return v.map(decode);
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

/** Index items from JSON: ":" is a whole-axis slice, lists are index arrays. */
const items = (v: unknown[]) => v.map((x) => (x === ":" ? mx.slice() : x)) as mx.IndexItem[];

type Fn = (...a: unknown[]) => unknown;
const SPECIAL: Record<string, (args: unknown[], opts: Record<string, unknown>) => unknown> = {
  get: ([x, idx]) => (x as mx.np.NpArray).get(idx as mx.Index),
  getItems: ([x, idx]) => (x as mx.np.NpArray).get(items(idx as unknown[])),
  setAt: ([x, idx, v]) => (x as mx.np.NpArray).setAt(idx as mx.Index, v as number),
  setAtItems: ([x, idx, v]) => (x as mx.np.NpArray).setAt(items(idx as unknown[]), v as number),
  "linalg.svdvals": ([a]) => np.linalg.svd(a as mx.NDArray)[1],
};

function lookup(path: string): Fn {
  let f: unknown = np;
  for (const part of path.split(".")) f = (f as Record<string, unknown>)[part];
  assert.equal(typeof f, "function", `mx.np.${path} is not a function`);
  return f as Fn;
}

function run(c: Case): unknown {
  const args = c.args.map(decode);
  const opts = decode(c.opts) as Record<string, unknown>;
  if (c.fn in SPECIAL) return SPECIAL[c.fn](args, opts);
  const extra = Object.keys(opts).length ? [opts] : [];
  return lookup(c.fn)(...args, ...extra);
}

async function check(got: unknown, want: Encoded, id: string): Promise<void> {
  assert.ok(got instanceof np.ndarray, `${id}: result is not an np array`);
  const g = got as mx.np.NpArray;
  assert.deepEqual([...g.shape], want.shape, `${id}: shape`);
  assert.equal(g.dtype, want.dtype, `${id}: dtype`);
  const values = Array.from(await g.data() as ArrayLike<number | bigint>, Number);
  assertClose(values, want.values.map(num), { rtol: 1e-6, atol: 1e-9, msg: id });
}

assert.ok(fixture.cases.length >= 100, "the fixture holds at least 100 cases");

for (const c of fixture.cases) {
  backendTest(`np vs NumPy: ${c.id}`, async () => {
    const got = run(c);
    if (Array.isArray(c.expect)) {
      assert.ok(Array.isArray(got), `${c.id}: expected a list of arrays`);
      assert.equal((got as unknown[]).length, c.expect.length, `${c.id}: number of arrays`);
      for (let i = 0; i < c.expect.length; i++) {
        await check((got as unknown[])[i], c.expect[i], `${c.id} [${i}]`);
      }
    } else await check(got, c.expect, c.id);
  }, { dtypes: ["float64", "int64"] });
}
