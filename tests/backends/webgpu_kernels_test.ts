/**
 * Every webgpu kernel against the TS reference backend: the same operator on cpu(0) and
 * gpu(0), float32 within float tolerance, integers and Philox uniform/randint exactly.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { applyOp } from "../../src/ndarray/apply.ts";
import { BINARY, TERNARY, UNARY } from "../../src/ops/elementwise_table.ts";
import { getOp } from "../../src/ops/registry.ts";
import { assertClose, randomValues } from "../_harness.ts";
import { gpuTest, onBoth } from "./_webgpu.ts";

const op = mx.engine.invokeOp;
const arr = (v: number[], shape: number[], ctx: mx.Context, dtype: mx.DType = "float32") =>
  mx.nd.array(v, { ctx, dtype }).reshape(shape);

async function same(
  f: (ctx: mx.Context) => mx.NDArray,
  opts: { rtol?: number; atol?: number; msg?: string; exact?: boolean } = {},
): Promise<void> {
  const r = await onBoth(f);
  if (opts.exact) assert.deepEqual(r.gpu, r.cpu, opts.msg);
  else assertClose(r.gpu, r.cpu, { rtol: 1e-5, atol: 1e-6, ...opts });
}

/** The parameters of the unary rows with two scalars. */
const TWO_SCALAR_PARAMS: Record<string, Record<string, number>> = {
  clip: { aMin: -0.3, aMax: 0.4 },
  hard_sigmoid: { alpha: 1.5, beta: 0.4 }, // both clipped ends in range
};

gpuTest("every unary row over two ranges", async () => {
  for (const row of Object.values(UNARY)) {
    for (const [lo, hi] of [[-0.95, 0.95], [0.1, 1.5]]) {
      const v = randomValues(37, row.name.length + lo * 10, lo, hi);
      const params = row.scalars === 2
        ? TWO_SCALAR_PARAMS[row.name]
        : row.scalars === 1
        ? { scalar: 0.7 }
        : {};
      await same((ctx) => op(row.name, [arr(v, [37], ctx)], params)[0], {
        msg: `${row.name} [${lo}, ${hi})`,
      });
    }
  }
});

gpuTest("binary rows broadcast; where selects; strided inputs", async () => {
  const a = randomValues(12, 1, 0.2, 2), b = randomValues(4, 2, 0.2, 2);
  for (const row of Object.values(BINARY)) {
    await same((ctx) => op(row.name, [arr(a, [3, 4], ctx), arr(b, [4], ctx)])[0], {
      msg: row.name,
    });
    await same((ctx) => op(row.name, [arr(a, [3, 1, 4], ctx), arr(b, [1, 4, 1], ctx)])[0], {
      msg: `${row.name} outer`,
    });
  }
  const cond = [1, 0, 0, 1, 0, 1];
  await same((ctx) =>
    op(TERNARY.where.name, [
      arr(cond, [2, 3], ctx),
      arr(a.slice(0, 6), [2, 3], ctx),
      arr(b, [4], ctx).slice([0], [3]).broadcastTo([2, 3]),
    ])[0]
  );
  // Views with offsets and negative strides go through the strided copy.
  await same((ctx) => arr(a, [3, 4], ctx).transpose().flip(0).slice([1, 0], [3, 3]).exp());
  // In place: the output buffer is also an input (bound once).
  await same((ctx) => arr(a, [3, 4], ctx).copy().addInPlace(arr(b, [4], ctx)).mulInPlace(3));
});

gpuTest("int32, int8, uint8, bool and float16 store as the TS backend does", async () => {
  const v = [7, -7, 3, 200, -129, 0, 2147483, -5];
  await same(
    (ctx) => arr(v, [8], ctx, "int32").div(arr([2, 2, 2, 3, 3, 1, 7, 2], [8], ctx, "int32")),
    { exact: true },
  );
  await same((ctx) => arr(v, [8], ctx, "int32").mul(3).sub(1), { exact: true });
  await same(
    (ctx) => arr([200.7, -1.2, 300, -300.5, 0.5, 1e10, -1e10, NaN], [8], ctx).astype("int8"),
    { exact: true },
  );
  await same(
    (ctx) => arr([200.7, -1.2, 300, -300.5, 0.5, 1e10, -1e10, NaN], [8], ctx).astype("uint8"),
    { exact: true },
  );
  await same(
    (ctx) => arr([200.7, -1.2, 3e9, -3e9, 0.5, 1e10, -1e10, NaN], [8], ctx).astype("int32"),
    { exact: true },
  );
  await same((ctx) => arr([0, 0.5, -2, 0, NaN, 1, 3, 0], [8], ctx).astype("bool"), { exact: true });
  await same(
    (ctx) => arr([250, 3, 0, 1], [4], ctx, "uint8").add(arr([10, 4, 255, 255], [4], ctx, "uint8")),
    { exact: true },
  );
  await same(
    (ctx) =>
      arr([100, -100, 5, 127], [4], ctx, "int8").add(arr([100, -100, 5, 1], [4], ctx, "int8")),
    { exact: true },
  );
  await same((ctx) => arr([1, 0, 2, 0], [4], ctx, "bool").astype("float32").add(1), {
    exact: true,
  });
  await same((ctx) => arr([0.1, 1000.3, 70000, -3], [4], ctx).astype("float16"), { exact: true });
  await same(
    (ctx) =>
      arr([0.1, 1000.3, 3, 7], [4], ctx, "float16").add(
        arr([0.2, 0.1, 1 / 3, 1], [4], ctx, "float16"),
      ),
    { rtol: 1e-3 },
  );
  await same((ctx) => arr([0.1, 2.5, 3, 7], [2, 2], ctx, "float16").sum({ axis: 1 }), {
    rtol: 1e-3,
  });
});

gpuTest("fill, arange, Cast, ones on every dtype", async () => {
  for (const dtype of ["float32", "float16", "int32", "int8", "uint8"] as mx.DType[]) {
    await same((ctx) => mx.nd.full([5], 2.5, { ctx, dtype }), { exact: true, msg: dtype });
    await same((ctx) => mx.nd.ones([3], { ctx, dtype }), { exact: true, msg: dtype });
    await same((ctx) => mx.nd.arange(-3, 7, 2, { ctx, dtype }), { exact: true, msg: dtype });
  }
  // bool holds 0/1 (the TS backend's fill and arange store raw uint8 values into bool).
  const g = mx.gpu(0);
  assert.deepEqual(
    Array.from(await mx.nd.full([3], 2.5, { ctx: g, dtype: "bool" }).data() as Uint8Array),
    [
      1,
      1,
      1,
    ],
  );
  // MXNet's arange takes no bool dtype; the arange kernel is reached through _iota.
  assert.throws(() => mx.nd.arange(-1, 2, 1, { ctx: g, dtype: "bool" }), mx.ParamError);
  const iota = applyOp(getOp("_iota"), [], { size: 3, start: -1, step: 1, dtype: "bool" }, {
    ctx: g,
  })[0];
  assert.deepEqual(Array.from(await iota.data() as Uint8Array), [1, 0, 1]);
  await same((ctx) => mx.nd.arange(0, 100, 0.25, { ctx }), { exact: true });
});

gpuTest("reductions over every axis pattern, short and long, NaN rules", async () => {
  const v = randomValues(60, 3);
  for (const r of ["sum", "prod", "max", "min", "mean"] as const) {
    for (const axis of [null, 0, 1, 2, [0, 2], [1, 2], [0, 1]]) {
      await same((ctx) => op(r, [arr(v, [3, 4, 5], ctx)], { axis })[0], {
        msg: `${r} ${axis}`,
      });
    }
  }
  for (const r of ["argmax", "argmin"]) {
    for (const axis of [null, 0, 1, 2]) {
      await same((ctx) => op(r, [arr(v, [3, 4, 5], ctx)], { axis })[0], { exact: true });
    }
  }
  // Long reductions take the workgroup path; ties and NaNs follow the TS rules.
  const long = randomValues(300 * 7, 4);
  for (const r of ["sum", "max", "min", "argmax", "argmin"]) {
    for (const axis of [0, 1]) {
      await same((ctx) => op(r, [arr(long, [300, 7], ctx)], { axis })[0], { rtol: 1e-4 });
      await same((ctx) => op(r, [arr(long, [7, 300], ctx)], { axis })[0], { rtol: 1e-4 });
    }
  }
  const special = [NaN, 1, 5, 5, NaN, 2, 5, 0];
  for (const r of ["max", "min", "argmax", "argmin", "sum"]) {
    await same((ctx) => op(r, [arr(special, [2, 4], ctx)], { axis: 1 })[0], { msg: r });
    const big = [...special, ...randomValues(400, 5)];
    await same((ctx) => op(r, [arr(big, [408], ctx)], {})[0], { msg: `${r} long` });
  }
  await same((ctx) => arr([3, -2, 7, 1, 9, 9], [2, 3], ctx, "int32").sum({ axis: 0 }), {
    exact: true,
  });
  await same((ctx) => arr([3, -2, 7, 1, 9, 9], [2, 3], ctx, "int32").max({ axis: 1 }), {
    exact: true,
  });
});

gpuTest("matmul: tiles, edges, transposes, batches, int32", async () => {
  for (const [m, k, n] of [[1, 1, 1], [2, 3, 4], [65, 33, 70], [128, 64, 130], [5, 200, 3]]) {
    const a = randomValues(m * k, m + k), b = randomValues(k * n, k + n);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      await same((ctx) => {
        const A = arr(a, ta ? [k, m] : [m, k], ctx), B = arr(b, tb ? [n, k] : [k, n], ctx);
        return mx.nd.dot(A, B, { transposeA: ta, transposeB: tb });
      }, { rtol: 1e-4, atol: 1e-5, msg: `${m}x${k}x${n} ${ta} ${tb}` });
    }
  }
  const x = randomValues(3 * 17 * 9, 8), y = randomValues(3 * 9 * 5, 9);
  await same((ctx) => mx.nd.batchDot(arr(x, [3, 17, 9], ctx), arr(y, [3, 9, 5], ctx)), {
    rtol: 1e-4,
    atol: 1e-5,
  });
  await same(
    (ctx) => mx.nd.dot(arr(x.slice(0, 12), [3, 4], ctx), arr(x.slice(0, 12), [4, 3], ctx)),
    { rtol: 1e-4, atol: 1e-5 },
  );
  const ints = [1, 2, 3, 4, 5, 6];
  await same((ctx) => mx.nd.dot(arr(ints, [2, 3], ctx, "int32"), arr(ints, [3, 2], ctx, "int32")), {
    exact: true,
  });
});

gpuTest("take / _take_backward / pick / one_hot, clip and wrap", async () => {
  const x = randomValues(4 * 3 * 2, 10);
  for (const mode of ["clip", "wrap"]) {
    for (const dtype of ["float32", "int32"] as mx.DType[]) {
      for (const axis of [0, 1, 2]) {
        await same((ctx) =>
          arr(x, [4, 3, 2], ctx).take(arr([3, 0, -1, 5, 1.7], [5], ctx, dtype), {
            axis,
            mode: mode as "clip" | "wrap",
          }), { exact: true, msg: `${mode} ${dtype} ${axis}` });
      }
      await same(
        (ctx) =>
          op("_take_backward", [
            arr(x.slice(0, 10), [5, 2], ctx),
            arr([1, 0, 1, 7, -2], [5], ctx, dtype),
          ], {
            shape: [4, 2],
            mode,
          })[0],
        { msg: `backward ${mode} ${dtype}` },
      );
    }
  }
  await same((ctx) => arr(x.slice(0, 12), [3, 4], ctx).pick(arr([0, 3, 2], [3], ctx), { axis: 1 }));
  await same((ctx) => arr([0, 2, 1], [3], ctx).oneHot(4));
});

gpuTest("sort, argsort, topk: stable, descending, NaN last", async () => {
  const v = [3, 1, NaN, 2, 1, -0, 0, 5, NaN, 2, 2, -4];
  for (const isAscend of [true, false]) {
    await same((ctx) => arr(v, [2, 6], ctx).sort({ isAscend }), { exact: true });
    await same((ctx) => arr(v, [2, 6], ctx).argsort({ isAscend }), { exact: true });
    await same((ctx) => arr(v, [2, 6], ctx).argsort({ isAscend, axis: 0, dtype: "int32" }), {
      exact: true,
    });
  }
  await same((ctx) => arr(v, [2, 6], ctx).topk({ k: 3, retTyp: "value" }), { exact: true });
  await same((ctx) => arr(randomValues(500, 3), [500], ctx).sort(), { exact: true });
  await same((ctx) => arr([5, -3, 9, 9, 0], [5], ctx, "int32").argsort({ isAscend: false }), {
    exact: true,
  });
});

gpuTest("Philox: uniform and randint bit-exact, normal within float tolerance", async () => {
  for (const [seed, shape] of [[5, [1001]], [-3, [2, 7]], [2 ** 40 + 17, [9]]] as const) {
    const draw = (ctx: mx.Context) => {
      mx.random.seed(seed);
      mx.random.uniform(0, 1, [3], { ctx }); // advance the stream: offset 4 next
      return mx.random.uniform(-2, 3, [...shape], { ctx });
    };
    await same(draw, { exact: true, msg: `uniform seed ${seed}` });
    await same((ctx) => {
      mx.random.seed(seed);
      return mx.withContext(
        ctx,
        () => op("_random_randint", [], { low: -5, high: 1000, shape })[0],
      );
    }, { exact: true, msg: `randint seed ${seed}` });
    await same((ctx) => {
      mx.random.seed(seed);
      return mx.random.normal(1, 2, [...shape], { ctx });
    }, { rtol: 1e-5, atol: 1e-5, msg: `normal seed ${seed}` });
  }
  await same((ctx) => {
    mx.random.seed(9);
    return mx.withContext(
      ctx,
      () => op("_random_randint", [], { low: -(2 ** 31), high: 2 ** 31, shape: [64] })[0],
    );
  }, { exact: true, msg: "randint full range" });
  await same((ctx) => {
    mx.random.seed(1);
    return mx.random.uniform(0, 1, [33], { ctx, dtype: "float16" });
  }, { exact: true, msg: "uniform float16" });
});

gpuTest("im2col, col2im, pool and its gradient", async () => {
  const x = randomValues(2 * 3 * 7 * 6, 12);
  const win = { kernel: [3, 2], stride: [2, 1], pad: [1, 1], dilate: [1, 2] };
  await same((ctx) => op("_im2col", [arr(x, [2, 3, 7, 6], ctx)], win)[0], { exact: true });
  const cols = op("_im2col", [arr(x, [2, 3, 7, 6], mx.cpu())], win)[0].shape;
  const c = randomValues(cols.reduce((a, b) => a * b, 1), 13);
  await same((ctx) => op("_col2im", [arr(c, [...cols], ctx)], { ...win, shape: [2, 3, 7, 6] })[0], {
    rtol: 1e-5,
  });
  for (const poolType of ["max", "avg", "sum"]) {
    for (const countIncludePad of [true, false]) {
      const p = { kernel: [3, 3], stride: [2, 2], pad: [1, 1], poolType, countIncludePad };
      await same((ctx) => op("_pool", [arr(x, [2, 3, 7, 6], ctx)], p)[0], { msg: poolType });
      const outShape = op("_pool", [arr(x, [2, 3, 7, 6], mx.cpu())], p)[0].shape;
      const g = randomValues(outShape.reduce((a, b) => a * b, 1), 14);
      await same(
        (ctx) =>
          op("_pool_backward", [arr(x, [2, 3, 7, 6], ctx), arr(g, [...outShape], ctx)], p)[0],
        {
          msg: `${poolType} backward`,
        },
      );
    }
  }
});
