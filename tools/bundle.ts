/**
 * `deno task bundle`: builds the browser ESM bundle of mod.ts with esbuild.
 *
 *   deno run -A tools/bundle.ts [outfile]     # default dist/mxts.js
 *
 * Deno resolves the module graph (local files only: the library has no runtime
 * dependencies), esbuild bundles it. The native backend (FFI) is replaced by a module that
 * reports "not available in browsers", so `cpu` contexts use the TS backend and `gpu`
 * contexts WebGPU. Top-level await (the adapter probe) needs an ES2022 target.
 *
 * The bundle needs no cross-origin isolation (COOP/COEP headers): without
 * SharedArrayBuffer the TS kernels run on one thread, as they do in any browser. Files
 * need Deno: in a page, `mx.nd.saveBytes` gives a file's bytes and `mx.nd.load` takes
 * bytes or a Blob (tests/browser/bundle_test.ts runs both on an ordinary page).
 * @module
 */
// Until deno.json maps "esbuild" (requested from the lead).
import * as esbuild from "esbuild";

/** What the bundle replaces the native backend's module with. */
const NATIVE_STUB = `
const why = "the native backend needs Deno FFI, which browsers do not have";
export function nativeBackend() { return undefined; }
export function nativeLoadFailure() { return why; }
export function loadNative() { return undefined; }
`;

/** Builds the bundle into `outfile`; returns its size in bytes. */
export async function bundle(outfile: string): Promise<number> {
  const root = new URL("..", import.meta.url).pathname;
  const result = await esbuild.build({
    entryPoints: [`${root}mod.ts`],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: false,
    sourcemap: false,
    logLevel: "warning",
    metafile: true,
    plugins: [{
      name: "mxts-browser",
      setup(build) {
        // The library's npm: imports (jpeg-js, fast-png) are the packages Deno installed
        // into node_modules: resolve `npm:name@version` as `name` from there.
        build.onResolve({ filter: /^npm:/ }, (args) => {
          const m = /^npm:((?:@[^/]+\/)?[^@/]+)(?:@[^/]+)?(\/.*)?$/.exec(args.path);
          if (!m) return undefined;
          return build.resolve(m[1] + (m[2] ?? ""), { resolveDir: root, kind: args.kind });
        });
        build.onResolve({ filter: /native\/mod\.ts$/ }, () => ({
          path: "native-stub",
          namespace: "mxts-browser",
        }));
        build.onLoad({ filter: /.*/, namespace: "mxts-browser" }, () => ({
          contents: NATIVE_STUB,
          loader: "js",
        }));
      },
    }],
  });
  await esbuild.stop();
  const out = Object.values(result.metafile!.outputs)[0];
  return out.bytes;
}

if (import.meta.main) {
  const outfile = Deno.args[0] ?? "dist/mxts.js";
  const bytes = await bundle(outfile);
  console.log(`wrote ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
}
