/**
 * The samplers' densities on Symbols (`mx.sym.randomPdfNormal`),
 * MXNet's `random_pdf_*`.
 * @module
 */
import type { PdfFn } from "../ops/random_pdf_options.ts";
import { symFunction } from "./_frontend.ts";
import type { Symbol } from "./symbol.ts";

/** Uniform density on [low, high) (not checked: 1 / (high - low) everywhere). */
export const randomPdfUniform: PdfFn<Symbol> = symFunction("randomPdfUniform");
/** Normal density with mean `mu` and standard deviation `sigma`. */
export const randomPdfNormal: PdfFn<Symbol> = symFunction("randomPdfNormal");
/** Gamma density with shape `alpha` and rate `beta`. */
export const randomPdfGamma: PdfFn<Symbol> = symFunction("randomPdfGamma");
/** Exponential density with rate `lam`. */
export const randomPdfExponential: PdfFn<Symbol> = symFunction("randomPdfExponential");
/** Poisson probability with rate `lam`. */
export const randomPdfPoisson: PdfFn<Symbol> = symFunction("randomPdfPoisson");
/** Negative binomial probability with limit `k` and failure probability `p`. */
export const randomPdfNegativeBinomial: PdfFn<Symbol> = symFunction(
  "randomPdfNegativeBinomial",
);
/** Negative binomial probability with mean `mu` and dispersion `alpha`. */
export const randomPdfGeneralizedNegativeBinomial: PdfFn<Symbol> = symFunction(
  "randomPdfGeneralizedNegativeBinomial",
);
/** Dirichlet density: alpha [P..., k], sample [P..., N..., k] -> [P..., N...]. */
export const randomPdfDirichlet: PdfFn<Symbol> = symFunction("randomPdfDirichlet");
