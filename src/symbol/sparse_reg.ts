/**
 * `IdentityAttachKLSparseReg` on Symbols: the identity, whose backward pass adds a KL
 * sparseness penalty's gradient (MXNet's operator of that name).
 * @module
 */
import type { KLSparseRegOptions } from "../ops/nn/kl_sparse_reg.ts";
import type { VisionFn } from "../ops/vision/options.ts";
import { symFunction } from "./_frontend.ts";
import type { Symbol } from "./symbol.ts";

/** Identity forward; backward adds penalty * (-target / avg + (1 - target) / (1 - avg)). */
export const IdentityAttachKLSparseReg: VisionFn<Symbol, KLSparseRegOptions<Symbol>> = symFunction(
  "IdentityAttachKLSparseReg",
);
