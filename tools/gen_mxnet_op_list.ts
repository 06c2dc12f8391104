/**
 * Writes `tests/fixtures/mxnet_1.9.1_ops.json`: the operators Apache MXNet 1.9.1 registers
 * in C++ (`src/operator/**.cc`), each with the aliases registered with it. The coverage test
 * (`tests/ops/mxnet_coverage_test.ts`) checks every legacy name against this project's
 * registry.
 *
 * Usage (MXNet's sources, e.g. `git archive 1.9.1 src/operator | tar -x -C /tmp/mx191`):
 *
 *     deno run -A tools/gen_mxnet_op_list.ts /tmp/mx191
 *
 * How names are found: registration macros (`NNVM_REGISTER_OP(x)`,
 * `MXNET_REGISTER_OP_PROPERTY(x, ...)`, the `MXNET_OPERATOR_REGISTER_*(x, ...)` family) and
 * each `.add_alias("y")` that follows one. The registration macros' `#define`s (in `.h` and
 * `.cc` files) are read first, so a macro that pastes its name together
 * (`NNVM_REGISTER_OP(_npi_##name)`, `_sample_##distr`) or calls another macro expands to the
 * names it really registers.
 * @module
 */
import { join, relative } from "node:path";

/** One registered operator and its aliases, as the fixture stores it. */
interface RegisteredOp {
  name: string;
  aliases: string[];
  file: string;
}

/** A registration macro: its parameters and the operator names its body registers. */
interface MacroDef {
  params: string[];
  /** Each registration in the body: `##`-joined pieces, each a parameter or literal text. */
  registers: string[][];
  /** Calls to other registration macros in the body: macro name and argument templates. */
  calls: { macro: string; args: string[] }[];
}

const REGISTER_MACRO =
  /^(NNVM_REGISTER_OP|MXNET_REGISTER_OP_PROPERTY|MXNET_OPERATOR_REGISTER_[A-Z0-9_]+|NNVM_REGISTER_ATLEAST_ND)$/;
const ALIAS = /\.add_alias\(\s*"([A-Za-z0-9_]+)"/g;

/** The arguments of the call whose "(" is at `open`, split at top-level commas. */
function callArgs(src: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let cur = "";
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === "(") {
      if (depth++ > 0) cur += c;
    } else if (c === ")") {
      if (--depth === 0) {
        args.push(cur.trim());
        return { args, end: i };
      }
      cur += c;
    } else if (c === "," && depth === 1) {
      args.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  return { args, end: src.length };
}

/** Splits source into `#define` bodies (by macro name) and the rest. */
function splitDefines(src: string): { defines: [string, string[], string][]; rest: string } {
  const defines: [string, string[], string][] = [];
  const rest: string[] = [];
  const lines = src.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*#\s*define\b/.test(lines[i])) {
      rest.push(lines[i]);
      continue;
    }
    let text = lines[i];
    rest.push("");
    while (text.trimEnd().endsWith("\\") && i + 1 < lines.length) {
      text = text.trimEnd().slice(0, -1) + "\n" + lines[++i];
      rest.push("");
    }
    const m = /#\s*define\s+([A-Za-z0-9_]+)\(([^)]*)\)([\s\S]*)/.exec(text);
    if (m) defines.push([m[1], m[2].split(",").map((p) => p.trim()), m[3]]);
  }
  return { defines, rest: rest.join("\n") };
}

/** Registration macro calls (macro name, arguments, offset) in `src`. */
function* macroCalls(src: string): Generator<{ macro: string; args: string[]; at: number }> {
  for (const m of src.matchAll(/\b([A-Z][A-Z0-9_]+)\s*\(/g)) {
    if (!REGISTER_MACRO.test(m[1])) continue;
    const { args } = callArgs(src, m.index! + m[0].length - 1);
    yield { macro: m[1], args, at: m.index! };
  }
}

function learnMacros(files: string[]): Map<string, MacroDef[]> {
  const macros = new Map<string, MacroDef[]>();
  for (const f of files) {
    for (const [name, params, body] of splitDefines(Deno.readTextFileSync(f)).defines) {
      if (!REGISTER_MACRO.test(name)) continue;
      const def: MacroDef = { params, registers: [], calls: [] };
      for (const call of macroCalls(body)) {
        if (call.macro === "NNVM_REGISTER_OP" || call.macro === "MXNET_REGISTER_OP_PROPERTY") {
          def.registers.push(call.args[0].split("##").map((t) => t.trim()));
        } else def.calls.push({ macro: call.macro, args: call.args });
      }
      macros.set(name, [...(macros.get(name) ?? []), def]);
    }
  }
  return macros;
}

/** The operator names a call of `macro` with `args` registers. */
function expand(
  macros: Map<string, MacroDef[]>,
  macro: string,
  args: string[],
  depth = 0,
): string[] {
  if (macro === "NNVM_REGISTER_OP" || macro === "MXNET_REGISTER_OP_PROPERTY") return [args[0]];
  const defs = macros.get(macro);
  // A macro defined nowhere scanned registers its first argument (as the simple ones do).
  if (!defs || depth > 8) return /^[A-Za-z_][A-Za-z0-9_]*$/.test(args[0]) ? [args[0]] : [];
  const names: string[] = [];
  for (const def of defs) {
    const sub = (t: string) => {
      const k = def.params.indexOf(t);
      return k >= 0 ? (args[k] ?? "") : t;
    };
    for (const pieces of def.registers) names.push(pieces.map(sub).join(""));
    for (const call of def.calls) {
      const inner = call.args.map((a) => a.split("##").map((t) => sub(t.trim())).join(""));
      names.push(...expand(macros, call.macro, inner, depth + 1));
    }
  }
  return names.filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
}

function scanFile(
  path: string,
  rel: string,
  macros: Map<string, MacroDef[]>,
  into: Map<string, RegisteredOp>,
): void {
  const src = splitDefines(Deno.readTextFileSync(path)).rest;
  type Hit = { at: number; kind: "op" | "alias"; name: string };
  const hits: Hit[] = [];
  for (const call of macroCalls(src)) {
    for (const name of expand(macros, call.macro, call.args)) {
      hits.push({ at: call.at, kind: "op", name });
    }
  }
  for (const m of src.matchAll(ALIAS)) hits.push({ at: m.index!, kind: "alias", name: m[1] });
  hits.sort((a, b) => a.at - b.at);
  let current: RegisteredOp | undefined;
  for (const hit of hits) {
    if (hit.kind === "op") {
      current = into.get(hit.name) ?? { name: hit.name, aliases: [], file: rel };
      into.set(hit.name, current);
    } else if (current && !current.aliases.includes(hit.name)) {
      current.aliases.push(hit.name);
    }
  }
}

function walk(dir: string, out: string[]): void {
  for (const entry of Deno.readDirSync(dir)) {
    const p = join(dir, entry.name);
    if (entry.isDirectory) walk(p, out);
    else if (/\.(cc|h)$/.test(entry.name)) out.push(p);
  }
}

if (import.meta.main) {
  const root = Deno.args[0];
  if (!root) {
    console.error("usage: deno run -A tools/gen_mxnet_op_list.ts <mxnet source root>");
    Deno.exit(2);
  }
  const files: string[] = [];
  walk(join(root, "src", "operator"), files);
  files.sort();
  const macros = learnMacros(files);
  const ops = new Map<string, RegisteredOp>();
  for (const f of files.filter((f) => f.endsWith(".cc"))) {
    scanFile(f, relative(root, f), macros, ops);
  }
  const list = [...ops.values()].sort((a, b) => a.name < b.name ? -1 : 1);
  for (const op of list) op.aliases.sort();
  const out = new URL("../tests/fixtures/mxnet_1.9.1_ops.json", import.meta.url);
  Deno.writeTextFileSync(
    out,
    JSON.stringify({ mxnet: "1.9.1", source: "src/operator/**/*.cc", ops: list }, null, 1) +
      "\n",
  );
  console.log(`${list.length} operators written to ${out.pathname}`);
}
