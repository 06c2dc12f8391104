/**
 * The native library's LAPACK entries (ffi/src/lapack.rs, OpenBLAS) as the backend's
 * `lapack` kernels; undefined for a library built without them.
 * @module
 */
import type { HostLapack } from "../backend.ts";
import type { NativeLibrary } from "./symbols.ts";

/** LAPACK through `lib`, or undefined when the library lacks the entries. */
export function hostLapack(lib: NativeLibrary): HostLapack | undefined {
  const s = lib.symbols;
  const { mx_lapack_potrf, mx_lapack_getrf, mx_lapack_inverse, mx_lapack_gelqf } = s;
  const { mx_lapack_syevd, mx_lapack_trsm } = s;
  if (
    !mx_lapack_potrf || !mx_lapack_getrf || !mx_lapack_inverse || !mx_lapack_gelqf ||
    !mx_lapack_syevd || !mx_lapack_trsm
  ) return undefined;
  return {
    potrf: (a, n) => mx_lapack_potrf(a, n),
    getrf: (a, n, ipiv) => mx_lapack_getrf(a, n, ipiv),
    inverse: (a, n) => mx_lapack_inverse(a, n),
    gelqf: (a, l, m, n) => mx_lapack_gelqf(a, l, m, n),
    syevd: (a, w, n) => mx_lapack_syevd(a, w, n),
    trsm: (a, b, rows, cols, p) => {
      // Bit flags as ffi/src/lapack.rs reads them.
      const flags = (p.rightside ? 1 : 0) | (p.lower ? 2 : 0) | (p.transpose ? 4 : 0);
      mx_lapack_trsm(a, b, rows, cols, flags, p.alpha);
    },
  };
}
