/**
 * The samplers' densities on NDArrays (`mx.nd.randomPdfNormal`, also
 * `mx.nd.random.pdfNormal`), MXNet's `random_pdf_*`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const d = mx.nd.randomPdfNormal(mx.nd.array([[0, 1]]), mx.nd.array([0]), mx.nd.array([1]));
 * console.log(d.shape); // [1, 2]
 * ```
 * @module
 */
import type { PdfFn } from "../ops/random_pdf_options.ts";
import { ndFunction } from "./_frontend.ts";
import type { NDArray } from "./ndarray.ts";

/** Uniform density on [low, high) (not checked: 1 / (high - low) everywhere). */
export const randomPdfUniform: PdfFn<NDArray> = ndFunction("randomPdfUniform");
/** Normal density with mean `mu` and standard deviation `sigma`. */
export const randomPdfNormal: PdfFn<NDArray> = ndFunction("randomPdfNormal");
/** Gamma density with shape `alpha` and rate `beta`. */
export const randomPdfGamma: PdfFn<NDArray> = ndFunction("randomPdfGamma");
/** Exponential density with rate `lam`. */
export const randomPdfExponential: PdfFn<NDArray> = ndFunction("randomPdfExponential");
/** Poisson probability with rate `lam`. */
export const randomPdfPoisson: PdfFn<NDArray> = ndFunction("randomPdfPoisson");
/** Negative binomial probability with limit `k` and failure probability `p`. */
export const randomPdfNegativeBinomial: PdfFn<NDArray> = ndFunction(
  "randomPdfNegativeBinomial",
);
/** Negative binomial probability with mean `mu` and dispersion `alpha`. */
export const randomPdfGeneralizedNegativeBinomial: PdfFn<NDArray> = ndFunction(
  "randomPdfGeneralizedNegativeBinomial",
);
/** Dirichlet density: alpha [P..., k], sample [P..., N..., k] -> [P..., N...]. */
export const randomPdfDirichlet: PdfFn<NDArray> = ndFunction("randomPdfDirichlet");
