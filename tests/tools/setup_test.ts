/** tools/setup.ts says what apt-get will install and why first; MXTS_SETUP_APT=0 skips apt. */
import assert from "node:assert/strict";
import { aptAllowed, aptPlan } from "../../tools/setup.ts";

Deno.test("setup: the apt plan names every package and why; MXTS_SETUP_APT=0 skips apt", () => {
  const plan = aptPlan([
    { pkg: "libopenblas-dev", marker: "/x", why: "the native CPU backend" },
    { pkg: "chromium", marker: "/y", why: "the browser-bundle test" },
  ]);
  assert.match(plan, /installing 2 Debian package\(s\) with apt-get \(MXTS_SETUP_APT=0 skips/);
  assert.ok(
    plan.includes("\n  libopenblas-dev  the native CPU backend\n  chromium         the browser"),
    plan,
  );
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(aptAllowed(env({})), true);
  assert.equal(aptAllowed(env({ MXTS_SETUP_APT: "0" })), false);
  assert.equal(aptAllowed(env({ MXTS_SETUP_APT: "1" })), true);
  assert.equal(aptAllowed(env({ MXTS_NO_APT: "1" })), false, "the older switch still works");
});
