/**
 * Helpers shared by the module files (not public).
 * @module
 */

/** `x` as a list: undefined is empty, a single value a list of one. */
export const asList = <T>(x: T | readonly T[] | undefined): T[] =>
  x === undefined ? [] : Array.isArray(x) ? [...x] : [x as T];
