/**
 * `mx.testUtils`: MXNet's `check_numeric_gradient` and `check_consistency` for symbols,
 * usable in any project's tests.
 * @module
 */
import { checkOptions } from "./core/options.ts";
import { availableBackends, backendByName, setCpuBackend } from "../backends/mod.ts";
import { type Context, cpu } from "./core/context.ts";
import { MXNetError } from "./core/errors.ts";
import { array } from "./ndarray/creation.ts";
import type { NDArray } from "./ndarray/ndarray.ts";
import { scope } from "./ndarray/scope.ts";
import { uniform } from "./ndarray/random.ts";
import type { Executor } from "./symbol/executor.ts";
import type { Symbol } from "./symbol/symbol.ts";

/** Input values by argument name, or in `listArguments()` order. */
export type Location = Record<string, NDArray> | readonly NDArray[];

function named(sym: Symbol, loc: Location): Record<string, NDArray> {
  if (!Array.isArray(loc)) return loc as Record<string, NDArray>;
  const names = sym.listArguments();
  return Object.fromEntries((loc as NDArray[]).map((a, i) => [names[i], a]));
}

async function hostOf(a: NDArray): Promise<Float64Array> {
  return Float64Array.from(await a.data() as ArrayLike<number>);
}

function compare(
  what: string,
  got: Float64Array,
  want: Float64Array,
  rtol: number,
  atol: number,
): void {
  for (let i = 0; i < want.length; i++) {
    const a = got[i], e = want[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)) && !(Number.isNaN(a) && Number.isNaN(e))) {
      throw new MXNetError(
        `${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`,
      );
    }
  }
}

/**
 * Checks the executor's gradients against central differences of
 * `sum(proj * output)` for a random projection `proj`, perturbing each input element by
 * `numericEps` (MXNet's `check_numeric_gradient`). Loss layers, whose backward ignores
 * the head gradient, need their own objective and are not checked this way.
 */
export async function checkNumericGradient(
  sym: Symbol,
  location: Location,
  opts: {
    auxStates?: Record<string, NDArray>;
    numericEps?: number;
    rtol?: number;
    atol?: number;
    gradNodes?: readonly string[];
    ctx?: Context;
  } = {},
): Promise<void> {
  checkOptions("checkNumericGradient", opts, [
    "auxStates",
    "numericEps",
    "rtol",
    "atol",
    "gradNodes",
    "ctx",
  ]);
  const ctx = opts.ctx ?? cpu();
  const eps = opts.numericEps ?? 1e-3, rtol = opts.rtol ?? 1e-2, atol = opts.atol ?? 1e-4;
  const loc = named(sym, location);
  const nodes = opts.gradNodes ?? Object.keys(loc);
  await scope(async () => {
    const args = Object.fromEntries(Object.entries(loc).map(([k, v]) => [k, v.copyTo(ctx)]));
    const grads = Object.fromEntries(nodes.map((n) => [n, args[n].zerosLike()]));
    const aux = Object.fromEntries(
      Object.entries(opts.auxStates ?? {}).map(([k, v]) => [k, v.copyTo(ctx)]),
    );
    const ex: Executor = sym.bind(ctx, args, { argsGrad: grads, auxStates: aux });
    try {
      const outs = ex.forward({ isTrain: true });
      const proj = outs.map((o) => uniform(-1, 1, o.shape, { ctx, dtype: o.dtype }));
      ex.backward(proj);
      const projHost = await Promise.all(proj.map(hostOf));
      const objective = async () => {
        const os = ex.forward({ isTrain: true });
        let total = 0;
        for (let i = 0; i < os.length; i++) {
          const v = await hostOf(os[i]);
          for (let j = 0; j < v.length; j++) total += v[j] * projHost[i][j];
        }
        return total;
      };
      for (const n of nodes) {
        const analytic = await hostOf(grads[n]);
        const base = await hostOf(args[n]);
        const numeric = new Float64Array(base.length);
        for (let j = 0; j < base.length; j++) {
          const at = (delta: number) => {
            const v = base.slice();
            v[j] += delta;
            args[n].set(array(v, { dtype: args[n].dtype, shape: args[n].shape, ctx }));
          };
          at(eps);
          const plus = await objective();
          at(-eps);
          const minus = await objective();
          numeric[j] = (plus - minus) / (2 * eps);
          at(0);
        }
        compare(`checkNumericGradient: gradient of ${n}`, analytic, numeric, rtol, atol);
      }
    } finally {
      ex.dispose();
    }
  });
}

/**
 * Runs `sym` forward and backward on every available backend and checks outputs and
 * gradients against the first one (the TS reference), MXNet's `check_consistency`.
 * Returns the names of the backends compared.
 */
export async function checkConsistency(
  sym: Symbol,
  location: Location,
  opts: { rtol?: number; atol?: number; backends?: readonly string[] } = {},
): Promise<string[]> {
  checkOptions("checkConsistency", opts, ["rtol", "atol", "backends"]);
  const names = opts.backends ?? availableBackends();
  const rtol = opts.rtol ?? 1e-4, atol = opts.atol ?? 1e-5;
  const loc = named(sym, location);
  const host = Object.fromEntries(
    await Promise.all(Object.entries(loc).map(async ([k, v]) => [k, await v.data()] as const)),
  );
  let reference: Float64Array[] | null = null;
  for (const name of names) {
    setCpuBackend(backendByName(name));
    try {
      const results = await scope(async () => {
        const args = Object.fromEntries(
          Object.entries(loc).map((
            [k, v],
          ) => [k, array(host[k], { shape: v.shape, dtype: v.dtype })]),
        );
        const grads = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v.zerosLike()]));
        const ex = sym.bind(cpu(), args, { argsGrad: grads });
        try {
          const outs = ex.forward({ isTrain: true });
          ex.backward(outs.map((o) => o.onesLike()));
          return await Promise.all([...outs, ...Object.values(grads)].map(hostOf));
        } finally {
          ex.dispose();
        }
      });
      if (!reference) reference = results;
      else {results.forEach((r, i) =>
          compare(`checkConsistency: ${name} result ${i}`, r, reference![i], rtol, atol)
        );}
    } finally {
      setCpuBackend(undefined);
    }
  }
  return [...names];
}
