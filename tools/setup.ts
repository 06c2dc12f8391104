/**
 * One-time set-up that the README's commands run before the demo and the tests:
 * installs the Debian packages optional parts need (when running as root with apt),
 * otherwise says what is missing and which tests will be skipped, then builds the
 * native library when its build script exists.
 *
 *   deno run -A tools/setup.ts            # the demo's set-up
 *   deno run -A tools/setup.ts --tests    # also the CUDA kernels' host-emulation build
 *   MXTS_SETUP_APT=0 deno task test       # never run apt-get (MXTS_NO_APT=1 still works)
 *
 * Before running apt-get it prints each package it is about to install and why.
 * @module
 */

/** A Debian package an optional part needs. */
export interface Requirement {
  /** Debian package. */
  pkg: string;
  /** A file the package installs: present means installed. */
  marker: string;
  /** What needs it (printed when it cannot be installed). */
  why: string;
}

const REQUIREMENTS: Requirement[] = [
  {
    pkg: "libopenblas-dev",
    marker: "/usr/lib/x86_64-linux-gnu/libopenblas.so",
    why: "the native CPU backend (GEMM through OpenBLAS); without it only the TS backend runs",
  },
  {
    pkg: "mesa-vulkan-drivers",
    marker: "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
    why: "a software WebGPU adapter; without it the webgpu tests are skipped",
  },
  {
    pkg: "chromium",
    marker: "/usr/bin/chromium",
    why: "headless Chromium for the browser-bundle test (skipped without it)",
  },
  {
    pkg: "openmpi-bin",
    marker: "/usr/bin/mpirun",
    why: "MPI for the distributed kvstore (dist_sync/dist_async); its tests are skipped without it",
  },
  {
    pkg: "libopenmpi-dev",
    marker: "/usr/lib/x86_64-linux-gnu/libmpi.so",
    why: "libmpi for the distributed kvstore",
  },
  {
    pkg: "dataset-fashion-mnist",
    marker: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
    why: "Fashion-MNIST for the demo and the MNISTIter tests (skipped without it)",
  },
];

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    const p = new Deno.Command(cmd, { args, stdout: "inherit", stderr: "inherit" });
    return (await p.output()).success;
  } catch {
    return false;
  }
}

/** apt-get runs unless `MXTS_SETUP_APT=0` (or the older `MXTS_NO_APT=1`) says not to. */
export function aptAllowed(env: (name: string) => string | undefined): boolean {
  return env("MXTS_SETUP_APT") !== "0" && env("MXTS_NO_APT") !== "1";
}

/** What is printed before apt-get runs: each package about to be installed, and why. */
export function aptPlan(missing: readonly Requirement[]): string {
  const width = Math.max(...missing.map((r) => r.pkg.length));
  return [
    `setup: installing ${missing.length} Debian package(s) with apt-get ` +
    `(MXTS_SETUP_APT=0 skips this; the parts that need them are then skipped):`,
    ...missing.map((r) => `  ${r.pkg.padEnd(width)}  ${r.why}`),
  ].join("\n");
}

/** The Debian packages not installed yet. */
export async function missingRequirements(): Promise<Requirement[]> {
  const missing: Requirement[] = [];
  for (const r of REQUIREMENTS) if (!(await exists(r.marker))) missing.push(r);
  return missing;
}

async function installPackages(): Promise<void> {
  const missing = await missingRequirements();
  if (!missing.length) return;
  const isRoot = Deno.uid?.() === 0;
  const hasApt = await exists("/usr/bin/apt-get");
  if (isRoot && hasApt && aptAllowed((n) => Deno.env.get(n))) {
    console.log(aptPlan(missing));
    await run("apt-get", ["update", "-qq"]);
    await run("env", [
      "DEBIAN_FRONTEND=noninteractive",
      "apt-get",
      "install",
      "-y",
      "-qq",
      ...missing.map((r) => r.pkg),
    ]);
  }
  for (const r of missing) {
    if (!(await exists(r.marker))) {
      console.log(`setup: ${r.pkg} is not installed (apt-get install -y ${r.pkg}): ${r.why}`);
    }
  }
}

async function buildNative(): Promise<void> {
  if (!(await exists(new URL("./build_native.ts", import.meta.url).pathname))) return;
  const ok = await run(Deno.execPath(), [
    "run",
    "-A",
    new URL("./build_native.ts", import.meta.url).pathname,
  ]);
  if (!ok) console.log("setup: the native build failed; the TS backend serves cpu contexts");
  // The tests check the CUDA kernels on the CPU through this build when no GPU is present.
  if (ok && Deno.args.includes("--tests")) {
    const emu = await run(Deno.execPath(), [
      "run",
      "-A",
      new URL("./build_native.ts", import.meta.url).pathname,
      "--emu",
    ]);
    if (!emu) console.log("setup: the CUDA emulation build failed; its tests will be skipped");
  }
}

if (import.meta.main) {
  await installPackages();
  await buildNative();
}
