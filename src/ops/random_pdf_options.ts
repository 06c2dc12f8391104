/**
 * The call signature of the density functions (`mx.nd.randomPdfNormal`,
 * `mx.nd.random.pdfNormal`, `mx.sym.randomPdfNormal`, ...).
 * @module
 */
import type { NodeNaming } from "./nn/options.ts";

/** Options of a density function: `isLog`, and the inputs by name (options form). */
export interface PdfOptions<T> {
  /** Return the log-density instead of the density (default false). */
  isLog?: boolean;
  /** The samples (options form). */
  sample?: T;
  /** Any parameter array by MXNet's name (`mu`, `sigma`, `lam`, `alpha`, ...). */
  [param: string]: T | boolean | string | undefined;
}

/**
 * A density function: `f(sample, ...params)`, `f(sample, ...params, { isLog })` or
 * `f({ sample, mu, sigma, isLog })`.
 */
export interface PdfFn<T> {
  /** Sample and parameter arrays positionally, then the options. */
  (...args: [...inputs: T[], opts: PdfOptions<T> & NodeNaming]): T;
  /** Sample and parameter arrays positionally. */
  (...inputs: T[]): T;
  /** Options form, arrays by name. */
  (opts: PdfOptions<T> & NodeNaming): T;
}
