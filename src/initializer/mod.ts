/**
 * `mx.init` / `mx.initializer`: parameter initializers.
 * @module
 */
export {
  Bilinear,
  Constant,
  create,
  InitDesc,
  Initializer,
  Load,
  Mixed,
  MSRAPrelu,
  Normal,
  One,
  Orthogonal,
  register,
  Uniform,
  Xavier,
  type XavierOptions,
  Zero,
} from "./initializer.ts";
