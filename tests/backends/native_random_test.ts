/**
 * The native Philox kernel reproduces the TS stream: uniform and randint bit for bit
 * (threads fill disjoint ranges, so large sizes are checked too), normal to float
 * tolerance (libm vs V8 transcendentals).
 */
import assert from "node:assert/strict";
import type { RandomDist } from "../../backends/backend.ts";
import { tsBackend } from "../../backends/mod.ts";
import { nativeBackend, nativeLoadFailure } from "../../backends/native/mod.ts";
import type { DType } from "../../src/core/dtype.ts";

const native = nativeBackend();
const ignore = native === undefined;
if (ignore) console.log(`native tests skipped: ${nativeLoadFailure()}`);

async function sample(
  be: NonNullable<typeof native>,
  dist: RandomDist,
  dtype: DType,
  n: number,
  p: { a: number; b: number; seed: number; offset: number },
): Promise<number[]> {
  const buf = be.alloc(dtype, n, 0);
  await be.kernels.random(dist, buf, p);
  const out = Array.from(await be.read(buf));
  be.free(buf);
  return out;
}

const CASES: [RandomDist, DType, number, number][] = [
  ["uniform", "float32", -2.5, 7],
  ["uniform", "float64", -2.5, 7],
  ["uniform", "float16", 0, 1],
  ["uniform", "int64", -3, 3],
  ["randint", "int32", -1000, 2 ** 31 - 1],
  ["randint", "int64", -(2 ** 40), 2 ** 32 - 2 ** 40],
  ["randint", "uint8", 0, 256],
  ["randint", "int8", -128, 128],
  ["randint", "float64", 1, 7],
];

Deno.test({
  name: "native uniform and randint equal the TS Philox stream bit for bit",
  ignore,
  async fn() {
    for (const [dist, dtype, a, b] of CASES) {
      for (const [n, seed, offset] of [[1, 0, 0], [7, -5, 3], [50001, 2 ** 40 + 3, 2 ** 33 + 1]]) {
        const p = { a, b, seed, offset };
        const want = await sample(tsBackend(), dist, dtype, n, p);
        const got = await sample(native!, dist, dtype, n, p);
        assert.deepEqual(got, want, `${dist} ${dtype} n=${n} seed=${seed} offset=${offset}`);
      }
    }
  },
});

Deno.test({
  name: "native normal matches the TS stream to float tolerance",
  ignore,
  async fn() {
    for (const dtype of ["float32", "float64"] as const) {
      const p = { a: 1.5, b: 2, seed: 11, offset: 5 };
      const want = await sample(tsBackend(), "normal", dtype, 30001, p);
      const got = await sample(native!, "normal", dtype, 30001, p);
      const tol = dtype === "float32" ? 1e-5 : 1e-12;
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${dtype} [${i}]`);
      }
    }
  },
});

Deno.test({
  name: "native random rejects what the TS backend rejects, with the same errors",
  ignore,
  async fn() {
    for (
      const [dist, dtype, p] of [
        ["randint", "float32", { a: 0, b: 5, seed: 1, offset: 0 }],
        ["randint", "uint8", { a: 0, b: 300, seed: 1, offset: 0 }],
        ["uniform", "float32", { a: 0, b: 1, seed: 0.5, offset: 0 }],
      ] as const
    ) {
      const message = await sample(tsBackend(), dist, dtype, 4, p).then(
        () => "no error",
        (e) => String(e),
      );
      assert.notEqual(message, "no error");
      await assert.rejects(() => sample(native!, dist, dtype, 4, p), (e) => String(e) === message);
    }
  },
});
