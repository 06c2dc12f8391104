/**
 * `mx.np.random`.
 * @module
 */
export {
  bernoulli,
  choice,
  exponential,
  gumbel,
  laplace,
  logistic,
  lognormal,
  multinomial,
  normal,
  pareto,
  permutation,
  power,
  rand,
  randint,
  randn,
  randomSample,
  rayleigh,
  type SampleOptions,
  seed,
  shuffle,
  type Size,
  uniform,
  weibull,
} from "./random.ts";
export { multivariateNormal } from "./extra.ts";
