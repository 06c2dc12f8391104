/**
 * Parameter checks for the native random kernel, done on the JS side so the errors are
 * the reference's own: the TS fill functions validate before they generate anything,
 * so calling them on an empty array runs exactly their checks.
 * @module
 */
import { allocCompute, type DType } from "../../src/core/dtype.ts";
import { MXNetError, ParamError } from "../../src/core/errors.ts";
import { fillRandint, fillUniform } from "../../src/core/philox.ts";
import type { RandomDist } from "../backend.ts";

const TWO_53 = 2 ** 53;

/** Throws what the TS backend would throw for this request; returns when it is valid. */
export function validateRandom(
  dist: RandomDist,
  dtype: DType,
  n: number,
  p: { a: number; b: number; seed: number; offset: number },
): void {
  if (dist === "randint") {
    const empty = allocCompute(dtype, 0);
    if (
      empty instanceof Float32Array || !(empty instanceof Int32Array ||
        empty instanceof Float64Array || empty instanceof Uint8Array ||
        empty instanceof Int8Array)
    ) {
      throw new MXNetError(`randint: dtype ${dtype} is not an integer type`);
    }
    fillRandint(empty, p.a, p.b, p.seed, p.offset);
  } else {
    fillUniform(new Float64Array(0), 0, 1, p.seed, p.offset);
  }
  if (p.offset > TWO_53 - n) {
    throw new ParamError(
      `philox: offset must be an integer with 0 <= offset and offset + n <= 2^53, ` +
        `got offset=${p.offset}, n=${n}`,
    );
  }
}
