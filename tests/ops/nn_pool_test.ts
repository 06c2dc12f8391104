/** Pooling values (each type, global, full convention, padding rules, 1-D) and gradients. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

const pool = (x: mx.NDArray, params: Record<string, unknown>) =>
  mx.engine.invokeOp("Pooling", [x], params)[0];
const arr = (v: number[], shape: number[]) => mx.nd.array(new Float32Array(v), { shape });

interface P {
  k: [number, number];
  s: [number, number];
  p: [number, number];
  type: "max" | "avg" | "sum";
  full?: boolean;
  includePad?: boolean;
}

/** MXNet's pooling loop over one [h, w] plane per (n, c). */
function refPool(x: number[], planes: number, h: number, w: number, q: P) {
  const len = (n: number, a: 0 | 1) => {
    const steps = (n + 2 * q.p[a] - q.k[a]) / q.s[a];
    return 1 + (q.full ? Math.ceil(steps) : Math.floor(steps));
  };
  const oh = len(h, 0), ow = len(w, 1);
  const out: number[] = [];
  for (let pl = 0; pl < planes; pl++) {
    for (let y = 0; y < oh; y++) {
      for (let z = 0; z < ow; z++) {
        const hs0 = y * q.s[0] - q.p[0], ws0 = z * q.s[1] - q.p[1];
        const he0 = Math.min(hs0 + q.k[0], h + q.p[0]), we0 = Math.min(ws0 + q.k[1], w + q.p[1]);
        const hs = Math.max(hs0, 0), ws = Math.max(ws0, 0);
        const he = Math.min(he0, h), we = Math.min(we0, w);
        let acc = q.type === "max" ? -Infinity : 0;
        for (let i = hs; i < he; i++) {
          for (let j = ws; j < we; j++) {
            const v = x[(pl * h + i) * w + j];
            acc = q.type === "max" ? Math.max(acc, v) : acc + v;
          }
        }
        if (q.type === "avg") {
          acc /= q.includePad === false ? (he - hs) * (we - ws) : (he0 - hs0) * (we0 - ws0);
        }
        out.push(acc);
      }
    }
  }
  return { out, oh, ow };
}

const CASES: { name: string; q: P; shape: [number, number, number, number] }[] = [
  { name: "max 2x2/2", q: { k: [2, 2], s: [2, 2], p: [0, 0], type: "max" }, shape: [2, 3, 4, 6] },
  {
    name: "max 3x3/1 pad 1",
    q: { k: [3, 3], s: [1, 1], p: [1, 1], type: "max" },
    shape: [1, 2, 5, 4],
  },
  {
    name: "avg 3x3/2 pad 1",
    q: { k: [3, 3], s: [2, 2], p: [1, 1], type: "avg" },
    shape: [1, 2, 5, 5],
  },
  {
    name: "avg without padding in the count",
    q: { k: [3, 3], s: [2, 2], p: [1, 1], type: "avg", includePad: false },
    shape: [1, 2, 5, 5],
  },
  {
    name: "sum 2x3/(1,2)",
    q: { k: [2, 3], s: [1, 2], p: [0, 1], type: "sum" },
    shape: [2, 1, 4, 7],
  },
  {
    name: "max full convention",
    q: { k: [2, 2], s: [2, 2], p: [0, 0], type: "max", full: true },
    shape: [1, 2, 5, 5],
  },
  {
    name: "avg full convention",
    q: { k: [3, 3], s: [2, 2], p: [0, 0], type: "avg", full: true },
    shape: [1, 1, 6, 6],
  },
];

for (const { name, q, shape } of CASES) {
  backendTest(`Pooling ${name} matches a reference loop`, async () => {
    const xv = randomValues(shape.reduce((a, b) => a * b), 5);
    const y = pool(arr(xv, shape), {
      kernel: q.k,
      stride: q.s,
      pad: q.p,
      poolType: q.type,
      poolingConvention: q.full ? "full" : "valid",
      countIncludePad: q.includePad,
    });
    const ref = refPool(xv, shape[0] * shape[1], shape[2], shape[3], q);
    assert.deepEqual(y.shape, [shape[0], shape[1], ref.oh, ref.ow]);
    assertClose(await values(y), ref.out, { rtol: 1e-5 });
  });
}

backendTest("Pooling: hand-computed max, avg and full-convention shapes", async () => {
  const x = mx.nd.arange(0, 16).reshape([1, 1, 4, 4]);
  assert.deepEqual(await pool(x, { kernel: [2, 2], stride: [2, 2] }).array(), [[[[5, 7], [
    13,
    15,
  ]]]]);
  assert.deepEqual(
    await pool(x, { kernel: [2, 2], stride: [2, 2], pool_type: "avg" }).array(),
    [[[[2.5, 4.5], [10.5, 12.5]]]],
  );
  // 5 wide, kernel 2, stride 2: valid gives 2 windows, full gives 3.
  const x5 = mx.nd.ones([1, 1, 5, 5]);
  assert.deepEqual(pool(x5, { kernel: [2, 2], stride: [2, 2] }).shape, [1, 1, 2, 2]);
  assert.deepEqual(
    pool(x5, { kernel: [2, 2], stride: [2, 2], pooling_convention: "full" }).shape,
    [1, 1, 3, 3],
  );
  // The full convention's edge window has one column: avg over it divides by 2 * 1.
  const edge = await values(
    pool(x5, { kernel: [2, 2], stride: [2, 2], pooling_convention: "full", pool_type: "sum" }),
  );
  assert.deepEqual(edge, [4, 4, 2, 4, 4, 2, 2, 2, 1]);
});

backendTest("Pooling: global pooling ignores kernel, stride and pad", async () => {
  const xv = randomValues(2 * 3 * 4 * 5, 9);
  const x = arr(xv, [2, 3, 4, 5]);
  const mean = pool(x, { global_pool: "True", pool_type: "avg", kernel: "(2, 2)", pad: "(1, 1)" });
  const max = pool(x, { globalPool: true });
  assert.deepEqual(mean.shape, [2, 3, 1, 1]);
  const planes = [0, 1, 2, 3, 4, 5].map((i) => xv.slice(i * 20, i * 20 + 20));
  assertClose(await values(mean), planes.map((p) => p.reduce((a, b) => a + b) / 20), {
    rtol: 1e-5,
  });
  assertClose(await values(max), planes.map((p) => Math.max(...p)), { rtol: 1e-6 });
  // 1-D global pooling keeps a length-1 axis.
  assert.deepEqual(pool(mx.nd.ones([2, 3, 7]), { globalPool: true }).shape, [2, 3, 1]);
});

backendTest("Pooling 1-D and lp pooling", async () => {
  const xv = randomValues(2 * 7, 3);
  const y = pool(arr(xv, [1, 2, 7]), { kernel: [3], stride: [2], pad: [1], poolType: "max" });
  const ref = refPool(xv, 2, 1, 7, { k: [1, 3], s: [1, 2], p: [0, 1], type: "max" });
  assert.deepEqual(y.shape, [1, 2, 4]);
  assertClose(await values(y), ref.out);
  const lp = pool(arr([3, 4, 1, 1], [1, 1, 4]), {
    kernel: [2],
    stride: [2],
    poolType: "lp",
    pValue: 2,
  });
  assertClose(await values(lp), [5, Math.SQRT2], { rtol: 1e-6 });
});

backendTest("Pooling gradients: max to the first maximum, avg spread by the divisor", async () => {
  const x = arr([1, 3, 3, 0, 2, 0, 1, 1, 0, 0, 5, 5, 0, 0, 5, 5], [1, 1, 4, 4]);
  x.attachGrad();
  const y = mx.autograd.record(() => pool(x, { kernel: [2, 2], stride: [2, 2] }));
  y.backward();
  // Window maxima 3 (first of two at [0,1]), 3, 0 ... ties go to the first in row order.
  assert.deepEqual(await values(x.grad!), [0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  const z = arr(randomValues(9, 4), [1, 1, 3, 3]);
  z.attachGrad();
  const a = mx.autograd.record(() =>
    pool(z, { kernel: [2, 2], stride: [1, 1], pad: [1, 1], poolType: "avg" })
  );
  a.backward();
  // Every window (4 cells counting padding) gives 1/4 to each of its image cells; each
  // image cell lies in 4 windows.
  assertClose(await values(z.grad!), new Array(9).fill(1));
});

backendTest("Pooling rejects the unsupported: 4-D windows and the 'same' convention", () => {
  assert.throws(
    () => pool(mx.nd.ones([1, 1, 2, 2, 2, 2]), { kernel: [2, 2, 2, 2] }),
    /4-D pooling; 1-D, 2-D and 3-D are supported/,
  );
  assert.throws(
    () => pool(mx.nd.ones([1, 1, 4, 4]), { kernel: [2, 2], poolingConvention: "same" }),
    /same/,
  );
});
