/**
 * A clone is the whole project: nothing in the library, its tests, benchmarks or examples
 * may reach outside the repository for files (the fixtures live in tests/fixtures).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const FORBIDDEN = "../" + "shared";
// Fixtures are data; build outputs and downloaded packages are not ours.
const SKIP_DIRS = new Set(["fixtures", "out", "target", "node_modules"]);

function* files(dir: URL): Generator<URL> {
  for (const e of Deno.readDirSync(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) {
      if (SKIP_DIRS.has(e.name) || e.name.startsWith(".")) continue;
      yield* files(u);
    } else if (/\.(ts|js|json|md|sh|py|rs|cu|cuh|c|h)$/.test(e.name)) yield u;
  }
}

Deno.test("no file under src/, tests/, bench/, examples/ names the folder beside the repository", () => {
  const offenders: string[] = [];
  for (const top of ["src/", "tests/", "bench/", "examples/", "backends/", "ffi/", "tools/"]) {
    const dir = new URL(top, ROOT);
    try {
      Deno.statSync(dir);
    } catch {
      continue;
    }
    for (const f of files(dir)) {
      const text = Deno.readTextFileSync(f);
      if (text.includes(FORBIDDEN)) offenders.push(f.pathname.slice(ROOT.pathname.length));
    }
  }
  assert.deepEqual(offenders, [], `these files reach outside the repository: ${offenders}`);
});

Deno.test("the library imports no bare specifiers (they resolve only through this repo's deno.json)", () => {
  // A script elsewhere that imports mod.ts, or a bundle, does not see deno.json's import
  // map: the library's own imports must be relative, node:, npm: or jsr: specifiers.
  const bare = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+["']([^"'.][^"']*)["']/g;
  const offenders: string[] = [];
  for (const top of ["src/", "backends/"]) {
    for (const f of files(new URL(top, ROOT))) {
      if (!f.pathname.endsWith(".ts")) continue;
      for (const m of Deno.readTextFileSync(f).matchAll(bare)) {
        if (!/^(node|npm|jsr|https?):/.test(m[1])) {
          offenders.push(`${f.pathname.slice(ROOT.pathname.length)}: ${m[1]}`);
        }
      }
    }
  }
  for (const m of Deno.readTextFileSync(new URL("mod.ts", ROOT)).matchAll(bare)) {
    if (!/^(node|npm|jsr|https?):/.test(m[1])) offenders.push(`mod.ts: ${m[1]}`);
  }
  assert.deepEqual(offenders, []);
});
