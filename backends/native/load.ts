/**
 * Finds, configures and opens the native library once per process. The library is
 * never closed: closing it with a nonblocking call in flight crashes the process, and
 * the OS releases it at exit.
 * @module
 */
import { configureOpenBlas, type OpenBlasConfig } from "./coretype.ts";
import { ABI_VERSION, type NativeLibrary, SYMBOLS } from "./symbols.ts";

/** An opened, checked library plus what it reported at start-up. */
export interface LoadedNative {
  readonly lib: NativeLibrary;
  /** Path it was loaded from. */
  readonly path: string;
  /** Cores the kernels may use. */
  readonly cores: number;
  /** OpenBLAS's thread count and core name (as OpenBLAS reports them). */
  readonly blasThreads: number;
  readonly blasCore: string;
  /** The OpenBLAS environment set before loading. */
  readonly openblas: OpenBlasConfig;
  /** Compiled elementwise rows: name -> id and the Rust expression compiled for it. */
  readonly rows: ReadonlyMap<string, { id: number; rust: string }>;
}

const LIB_FILE: Record<string, string> = {
  linux: "libmxts_native.so",
  darwin: "libmxts_native.dylib",
  windows: "mxts_native.dll",
};

/**
 * The message of error `id`, which a library call returned as its status (each message
 * is taken once; the library then forgets it).
 */
export function takeError(symbols: NativeLibrary["symbols"], id: number): string {
  const text = new Uint8Array(4096);
  const n = symbols.mx_take_error(id, text, text.length);
  return n < 0 ? `native error ${id}` : new TextDecoder().decode(text.subarray(0, n));
}

/** Where the library is looked for: `MXTS_NATIVE_LIB`, else ffi/target/release. */
export function libraryPath(): string {
  const override = Deno.env.get("MXTS_NATIVE_LIB");
  if (override) return override;
  const url = new URL(`../../ffi/target/release/${LIB_FILE[Deno.build.os] ?? ""}`, import.meta.url);
  if (url.protocol !== "file:") {
    throw new Error(`the module was loaded from ${url.protocol} and cannot open a local library`);
  }
  return decodeURIComponent(url.pathname);
}

let loaded: LoadedNative | undefined;
let failure: string | undefined;

/** The library, or undefined with {@link nativeLoadFailure} saying why. */
export function loadNative(): LoadedNative | undefined {
  if (loaded || failure) return loaded;
  try {
    loaded = open();
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
  return loaded;
}

/** Why the library did not load (undefined when it did or was not tried). */
export function nativeLoadFailure(): string | undefined {
  return failure;
}

function open(): LoadedNative {
  const path = libraryPath();
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(`${path} not found (build it: deno run -A tools/build_native.ts)`);
  }
  const openblas = configureOpenBlas();
  const lib = Deno.dlopen(path, SYMBOLS);
  const info = new Float64Array(8);
  const name = new Uint8Array(64);
  const n = lib.symbols.mx_init(info, name, name.length);
  if (n < 0) throw new Error(`${path}: initialisation failed`);
  if (info[0] !== ABI_VERSION) {
    throw new Error(
      `${path} has ABI ${info[0]}, this code expects ${ABI_VERSION}: rebuild with ` +
        "deno run -A tools/build_native.ts",
    );
  }
  const text = new Uint8Array(1 << 16);
  const len = lib.symbols.mx_rows(text, text.length);
  const rows = new Map(
    new TextDecoder().decode(text.subarray(0, len)).split("\n").map((line, id) => {
      const [name, rust] = line.split("\t");
      return [name, { id, rust }];
    }),
  );
  return {
    lib,
    path,
    cores: info[1],
    blasThreads: info[2],
    blasCore: new TextDecoder().decode(name.subarray(0, n)),
    openblas,
    rows,
  };
}
