/**
 * Random sampling from the Philox stream (src/core/philox.ts), identical on every
 * backend for one seed, and shuffle.
 * @module
 */
import type { RandomDist } from "../../backends/backend.ts";
import { checkShape } from "../core/shape.ts";
import type { OpDef, ParamSpec } from "./op_def.ts";

function sampler(
  name: string,
  dist: RandomDist,
  a: [string, ParamSpec],
  b: [string, ParamSpec],
  dtype: string,
  dtypes: readonly string[],
  aliases: string[],
): OpDef {
  return {
    name,
    aliases,
    inputs: [],
    params: {
      [a[0]]: a[1],
      [b[0]]: b[1],
      shape: { type: "shape", default: [] },
      dtype: { type: "dtype", default: dtype, values: dtypes },
    },
    inferShape: (_s, p) => [checkShape(p.shape, `${name}: shape`)],
    inferType: (_t, p) => [p.dtype as "float32"],
    differentiable: false,
    random: true,
    lowering: {
      kind: "primitive",
      run: (k, _in, [out], p, rng) =>
        k.random(dist, out.buf, {
          a: p[a[0]] as number,
          b: p[b[0]] as number,
          seed: rng.seed,
          offset: rng.offset,
        }),
    },
  };
}

const shuffle: OpDef = {
  name: "_shuffle",
  aliases: ["shuffle"],
  inputs: ["data"],
  params: {},
  inferShape: (s) => [s[0]],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x]) => {
      // Sorting uniform keys gives a uniform permutation of the first axis on any backend.
      const n = b.shape(x)[0] ?? 1;
      // int32 keys: 32 random bits (few ties) and a dtype every backend holds.
      const keys = b.op("_random_randint", [], {
        low: -(2 ** 31),
        high: 2 ** 31,
        shape: [n],
        dtype: "int32",
      });
      const perm = b.op("argsort", [keys], { dtype: "int32" });
      return [b.op("take", [x, perm], { axis: 0 })];
    },
  },
};

/** The dtypes MXNet's uniform and normal samplers write (randint: int32, int64). */
const FLOAT_DTYPES = ["float32", "float64", "float16"];

/** Random operators. */
export const RANDOM_OPS: readonly OpDef[] = [
  sampler(
    "_random_uniform",
    "uniform",
    ["low", { type: "float", default: 0 }],
    ["high", { type: "float", default: 1 }],
    "float32",
    FLOAT_DTYPES,
    ["uniform", "random_uniform"],
  ),
  sampler(
    "_random_normal",
    "normal",
    ["loc", { type: "float", default: 0 }],
    ["scale", { type: "float", default: 1 }],
    "float32",
    FLOAT_DTYPES,
    ["normal", "random_normal"],
  ),
  sampler(
    "_random_randint",
    "randint",
    ["low", { type: "int", required: true }],
    ["high", { type: "int", required: true }],
    "int32",
    ["int32", "int64"],
    ["random_randint"],
  ),
  shuffle,
];
