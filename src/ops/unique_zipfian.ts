/**
 * MXNet's `_sample_unique_zipfian(range_max, shape=(batch, n))` (issue #19): for each of
 * `batch` rows, `n` distinct classes in [0, range_max) drawn from the log-uniform
 * (Zipfian) distribution P(k) = log((k + 2) / (k + 1)) / log(range_max + 1), by rejection
 * as MXNet does (a draw is round(exp(u * log(range_max))) - 1, repeated until `n` distinct
 * values are found), and the number of draws each row took. Both outputs are int64.
 *
 * The number of draws depends on the values, so it runs on the host (`hostCompute`, every
 * backend). Its uniforms come from a Philox substream keyed by the call's reserved slice
 * of the seeded stream: the same seed gives the same samples on every backend, and calls
 * do not share numbers.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { fillUint32, fillUniform } from "../core/philox.ts";
import type { OpDef, Params } from "./op_def.ts";

const NAME = "_sample_unique_zipfian";
/** Uniforms drawn from the substream at a time. */
const CHUNK = 256;

/** The (batch, n) shape, checked against range_max. */
function batchShape(p: Params): [number, number] {
  const shape = p.shape as readonly number[];
  if (shape.length !== 2) {
    throw new ParamError(`${NAME}: shape must be (batch, n), got (${shape.join(", ")})`);
  }
  if (shape[1] > (p.rangeMax as number)) {
    throw new ParamError(
      `${NAME}: cannot draw ${shape[1]} distinct classes from range_max=${p.rangeMax}`,
    );
  }
  return [shape[0], shape[1]];
}

/** `_sample_unique_zipfian`: [samples (batch, n), tries (batch)]. */
const uniqueZipfian: OpDef = {
  name: NAME,
  inputs: [],
  params: {
    rangeMax: { type: "int", required: true, min: 1 },
    shape: { type: "shape", default: [] },
  },
  numOutputs: 2,
  inferShape: (_s, p) => {
    const [batch, n] = batchShape(p);
    return [[batch, n], [batch]];
  },
  inferType: () => ["int64", "int64"],
  differentiable: false,
  random: true,
  lowering: {
    kind: "primitive",
    run: (k, _in, [samples, tries], p, rng) =>
      k.hostCompute([], [samples.buf, tries.buf], (_ins, [out, counts]) => {
        const [batch, n] = batchShape(p);
        const logRange = Math.log(p.rangeMax as number);
        const key = new Uint32Array(1);
        fillUint32(key, rng.seed, rng.offset);
        const u = new Float64Array(CHUNK);
        let drawn = 0, used = CHUNK;
        const next = () => {
          if (used === CHUNK) {
            fillUniform(u, 0, 1, key[0], drawn);
            drawn += CHUNK;
            used = 0;
          }
          return u[used++];
        };
        for (let row = 0; row < batch; row++) {
          const seen = new Set<number>();
          let count = 0;
          while (seen.size < n) {
            const value = Math.round(Math.exp(next() * logRange)) - 1;
            if (!seen.has(value)) {
              out[row * n + seen.size] = value; // host int64 arrays hold numbers
              seen.add(value);
            }
            count++;
          }
          counts[row] = count;
        }
      }),
  },
};

/** The candidate sampler. */
export const UNIQUE_ZIPFIAN_OPS: readonly OpDef[] = [uniqueZipfian];
