/**
 * MXNet's other samplers, composed from the Philox uniform and normal streams
 * (`_random_uniform` / `_random_normal`, identical on every backend) and elementwise
 * operators, so every backend draws the same numbers for one seed (to float rounding of
 * the transcendental functions): exponential, gamma, poisson, negative_binomial and
 * generalized_negative_binomial, each in three forms: `_random_*` (scalar parameters
 * and a shape), `_sample_*` (array parameters: shape = param shape + sample shape) and
 * `_random_*_like` (the shape and dtype of an input).
 *
 * The rejection samplers (gamma: Marsaglia & Tsang 2000; poisson for lam >= 12: Hörmann's
 * PTRS 1993) run a fixed number of rounds for every element and keep the first accepted
 * candidate, so the draw does not depend on the backend's scheduling. With the rounds
 * used here, an element rejects every round with probability below 1e-12 (gamma: each
 * round accepts >= 95%; PTRS: >= 86%); it then keeps the last round's candidate.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkShape } from "../core/shape.ts";
import { triangleMask } from "./linalg_util.ts";
import type { Builder, OpDef, Params, ParamSpec } from "./op_def.ts";

const FLOAT_DTYPES = ["float32", "float64", "float16"];
const GAMMA_ROUNDS = 10;
const PTRS_ROUNDS = 14;
/** Poisson means below this are drawn by inversion over this many terms... */
const INVERSION_LIMIT = 12;
/** ...P(X >= 48) < 1e-13 for lam < 12. */
const INVERSION_TERMS = 48;

/** Builder shorthand for the sampler formulas: every operand broadcasts. */
class Ops<T> {
  constructor(readonly b: Builder<T>, readonly shape: number[], readonly dtype: string) {}
  add = (x: T, y: T) => this.b.op("broadcast_add", [x, y]);
  sub = (x: T, y: T) => this.b.op("broadcast_sub", [x, y]);
  mul = (x: T, y: T) => this.b.op("broadcast_mul", [x, y]);
  div = (x: T, y: T) => this.b.op("broadcast_div", [x, y]);
  addS = (x: T, s: number) => this.b.op("_plus_scalar", [x], { scalar: s });
  mulS = (x: T, s: number) => this.b.op("_mul_scalar", [x], { scalar: s });
  rsubS = (s: number, x: T) => this.b.op("_rminus_scalar", [x], { scalar: s });
  rdivS = (s: number, x: T) => this.b.op("_rdiv_scalar", [x], { scalar: s });
  f = (name: string, x: T) => this.b.op(name, [x]);
  cmpS = (name: string, x: T, s: number) => this.b.op(name, [x], { scalar: s });
  cmp = (name: string, x: T, y: T) => this.b.op(name, [x, y]);
  /** where(cond, x, y) with every operand broadcast to the sample shape. */
  where = (c: T, x: T, y: T) => this.b.op("where", [this.full(c), this.full(x), this.full(y)]);
  full = (x: T) => {
    const s = this.b.shape(x);
    return s.length === this.shape.length && s.every((d, i) => d === this.shape[i])
      ? x
      : this.b.op("broadcast_to", [x], { shape: this.shape });
  };
  uniform = () =>
    this.b.op("_random_uniform", [], { low: 0, high: 1, shape: this.shape, dtype: this.dtype });
  normal = () =>
    this.b.op("_random_normal", [], { loc: 0, scale: 1, shape: this.shape, dtype: this.dtype });
}

/** Exponential with rate `lam`: -log(1 - u) / lam (1 - u lies in (0, 1]). */
function exponential<T>(o: Ops<T>, lam: T): T {
  return o.div(o.f("negative", o.f("log", o.rsubS(1, o.uniform()))), lam);
}

/** Gamma with shape `alpha` and scale `beta` (Marsaglia-Tsang, boosted for alpha < 1). */
function gamma<T>(o: Ops<T>, alpha: T, beta: T): T {
  const small = o.cmpS("_lesser_scalar", alpha, 1);
  const a = o.add(alpha, small); // alpha + 1 when alpha < 1
  const d = o.addS(a, -1 / 3);
  const c = o.rdivS(1, o.f("sqrt", o.mulS(d, 9)));
  let value = o.full(d), pending = o.full(o.cmpS("_greater_scalar", d, -1));
  for (let r = 0; r < GAMMA_ROUNDS; r++) {
    const z = o.normal(), u = o.uniform();
    const t = o.addS(o.mul(c, z), 1);
    const v = o.mul(o.mul(t, t), t);
    // log u < z^2 / 2 + d - d v + d log v, with v > 0 (a NaN log fails the test).
    const bound = o.add(
      o.add(o.mulS(o.mul(z, z), 0.5), d),
      o.mul(d, o.sub(o.f("log", v), v)),
    );
    const ok = o.mul(
      o.cmpS("_greater_scalar", t, 0),
      o.cmp("broadcast_lesser", o.f("log", u), bound),
    );
    const take = o.mul(ok, pending);
    value = o.where(take, o.mul(d, v), value);
    pending = o.mul(pending, o.rsubS(1, ok));
  }
  // alpha < 1: Gamma(alpha) = Gamma(alpha + 1) * U^(1 / alpha).
  const boost = o.f("exp", o.div(o.f("log", o.rsubS(1, o.uniform())), alpha));
  const boosted = o.where(small, o.mul(value, boost), value);
  return o.mul(boosted, beta);
}

/** log Gamma(k + 1) = log k! for k >= 0: Stirling's series for log Gamma(k + 7) = log (k + 6)!, less log (k + 1) ... log (k + 6). */
function logFactorial<T>(o: Ops<T>, k: T): T {
  const x = o.addS(k, 7);
  const inv = o.rdivS(1, x), inv2 = o.mul(inv, inv);
  // (x - 0.5) log x - x + log(2 pi) / 2 + 1/(12x) - 1/(360x^3) + 1/(1260x^5)
  const series = o.mul(inv, o.addS(o.mul(inv2, o.addS(o.mulS(inv2, 1 / 1260), -1 / 360)), 1 / 12));
  let lg = o.add(
    o.sub(o.mul(o.addS(x, -0.5), o.f("log", x)), x),
    o.addS(series, 0.5 * Math.log(2 * Math.PI)),
  );
  for (let i = 1; i <= 6; i++) lg = o.sub(lg, o.f("log", o.addS(k, i)));
  return lg;
}

/**
 * Poisson by inversion for means below 12: the count of k with CDF(k) < u over the first
 * `terms` terms (P(X >= 48) < 1e-13 there).
 */
function poissonInversion<T>(o: Ops<T>, lam: T, terms = INVERSION_TERMS): T {
  const lamSmall = o.b.op("_minimum_scalar", [lam], { scalar: INVERSION_LIMIT });
  const u = o.uniform();
  let p = o.f("exp", o.f("negative", lamSmall)), cdf = p;
  let count = o.cmp("broadcast_greater", u, cdf);
  for (let k = 1; k < terms; k++) {
    p = o.mulS(o.mul(p, lamSmall), 1 / k);
    cdf = o.add(cdf, p);
    count = o.add(count, o.cmp("broadcast_greater", u, cdf));
  }
  return count;
}

/** Poisson by Hörmann's PTRS (1993) for means of 12 and more. */
function poissonPtrs<T>(o: Ops<T>, lam: T): T {
  const lamBig = o.b.op("_maximum_scalar", [lam], { scalar: INVERSION_LIMIT });
  const slam = o.f("sqrt", lamBig), logLam = o.f("log", lamBig);
  const b = o.addS(o.mulS(slam, 2.53), 0.931);
  const a = o.addS(o.mulS(b, 0.02483), -0.059);
  const logInvAlpha = o.f("log", o.addS(o.rdivS(1.1328, o.addS(b, -3.4)), 1.1239));
  const vr = o.rsubS(0.9277, o.rdivS(3.6224, o.addS(b, -2)));
  let value = o.full(o.f("floor", lamBig)),
    pending = o.full(o.cmpS("_greater_equal_scalar", lamBig, 0));
  for (let r = 0; r < PTRS_ROUNDS; r++) {
    const uu = o.addS(o.uniform(), -0.5), v = o.uniform();
    const us = o.rsubS(0.5, o.f("abs", uu));
    const k = o.f(
      "floor",
      o.addS(o.add(o.mul(o.add(o.div(o.mulS(a, 2), us), b), uu), lamBig), 0.43),
    );
    const quick = o.mul(
      o.cmpS("_greater_equal_scalar", us, 0.07),
      o.cmp("broadcast_lesser_equal", v, vr),
    );
    const bad = o.b.op("broadcast_maximum", [
      o.cmpS("_lesser_scalar", k, 0),
      o.mul(o.cmpS("_lesser_scalar", us, 0.013), o.cmp("broadcast_greater", v, us)),
    ]);
    const lhs = o.sub(
      o.add(o.f("log", v), logInvAlpha),
      o.f("log", o.add(o.div(a, o.mul(us, us)), b)),
    );
    const kSafe = o.b.op("_maximum_scalar", [k], { scalar: 0 });
    const rhs = o.sub(o.sub(o.mul(kSafe, logLam), lamBig), logFactorial(o, kSafe));
    const slow = o.mul(o.rsubS(1, bad), o.cmp("broadcast_lesser_equal", lhs, rhs));
    const ok = o.b.op("broadcast_maximum", [quick, slow]);
    const take = o.mul(ok, pending);
    value = o.where(take, k, value);
    pending = o.mul(pending, o.rsubS(1, ok));
  }
  return value;
}

/**
 * Poisson with mean `lam`: inversion below 12, PTRS above. With a known scalar mean
 * only its branch is built (and the inversion sized to it: P(X >= lam + 8 sqrt(lam) +
 * 12) < 1e-13); an array of means runs both and picks per element.
 */
function poisson<T>(o: Ops<T>, lam: T, known?: number): T {
  if (known !== undefined) {
    if (known >= INVERSION_LIMIT) return poissonPtrs(o, lam);
    const terms = Math.min(INVERSION_TERMS, Math.ceil(known + 8 * Math.sqrt(known) + 12));
    return poissonInversion(o, lam, terms);
  }
  const small = o.cmpS("_lesser_scalar", lam, INVERSION_LIMIT);
  return o.where(small, poissonInversion(o, lam), poissonPtrs(o, lam));
}

/** A distribution: its MXNet parameter names/defaults and its sampler. */
interface Dist {
  /** MXNet's suffix: `_random_<name>`, `_sample_<name>`, `_random_<name>_like`. */
  name: string;
  params: [string, number][];
  /** Parameter checks: the message when a value is out of range, else undefined. */
  check?: (v: number[]) => string | undefined;
  /** Draws with parameters `p`; `known` holds their values when they are scalars. */
  draw<T>(o: Ops<T>, p: T[], known?: number[]): T;
}

const DISTS: Dist[] = [
  {
    name: "exponential",
    params: [["lam", 1]],
    check: ([lam]) => (lam > 0 ? undefined : `lam must be > 0, got ${lam}`),
    draw: (o, [lam]) => exponential(o, lam),
  },
  {
    name: "gamma",
    params: [["alpha", 1], ["beta", 1]],
    check: ([a, b]) => (a > 0 && b > 0 ? undefined : `alpha and beta must be > 0, got ${a}, ${b}`),
    draw: (o, [a, b]) => gamma(o, a, b),
  },
  {
    name: "poisson",
    params: [["lam", 1]],
    check: ([lam]) => (lam >= 0 ? undefined : `lam must be >= 0, got ${lam}`),
    draw: (o, [lam], known) => poisson(o, lam, known?.[0]),
  },
  {
    // MXNet: Poisson(Gamma(k, (1 - p) / p)).
    name: "negative_binomial",
    params: [["k", 1], ["p", 1]],
    check: ([k, p]) =>
      k > 0 && p > 0 && p <= 1 ? undefined : `k must be > 0 and p in (0, 1], got ${k}, ${p}`,
    draw: (o, [k, p]) => poisson(o, gamma(o, k, o.div(o.rsubS(1, p), p))),
  },
  {
    // MXNet: Poisson(Gamma(1 / alpha, alpha mu)), or Poisson(mu) when alpha = 0.
    name: "generalized_negative_binomial",
    params: [["mu", 1], ["alpha", 1]],
    check: ([mu, a]) =>
      mu >= 0 && a >= 0 ? undefined : `mu and alpha must be >= 0, got ${mu}, ${a}`,
    draw: (o, [mu, alpha]) => {
      const zero = o.cmpS("_equal_scalar", alpha, 0);
      const safe = o.add(alpha, zero); // alpha = 0 draws a gamma that is not used
      const g = gamma(o, o.rdivS(1, safe), o.mul(safe, mu));
      return poisson(o, o.where(zero, mu, g));
    },
  },
];

function checkScalars(op: string, d: Dist, p: Params): void {
  const msg = d.check?.(d.params.map(([n]) => p[n] as number));
  if (msg) throw new ParamError(`${op}: ${msg}`);
}

/** The scalar parameters as (1,) arrays of the output dtype. */
function scalarParams<T>(o: Ops<T>, d: Dist, p: Params): T[] {
  return d.params.map(([n]) =>
    o.b.op("_full", [], { shape: [1], value: p[n] as number, dtype: o.dtype })
  );
}

function randomOp(d: Dist): OpDef {
  const name = `_random_${d.name}`;
  const params: Record<string, ParamSpec> = Object.fromEntries(
    d.params.map(([n, v]) => [n, { type: "float", default: v }]),
  );
  return {
    name,
    aliases: [`random_${d.name}`],
    inputs: [],
    params: {
      ...params,
      shape: { type: "shape", default: [] },
      dtype: { type: "dtype", default: "float32", values: FLOAT_DTYPES },
    },
    inferShape: (_s, p) => {
      checkScalars(name, d, p);
      return [checkShape(p.shape, `${name}: shape`)];
    },
    inferType: (_t, p) => [p.dtype as "float32"],
    differentiable: false,
    lowering: {
      kind: "composite",
      compose: (b, _in, p) => {
        const o = new Ops(b, [...(p.shape as number[])], p.dtype as string);
        return [d.draw(o, scalarParams(o, d, p), d.params.map(([n]) => p[n] as number))];
      },
    },
  };
}

function likeOp(d: Dist): OpDef {
  const name = `_random_${d.name}_like`;
  return {
    name,
    inputs: ["data"],
    params: Object.fromEntries(d.params.map(([n, v]) => [n, { type: "float", default: v }])),
    inferShape: ([s], p) => {
      checkScalars(name, d, p);
      return [s];
    },
    differentiable: false,
    lowering: {
      kind: "composite",
      compose: (b, [x], p) => {
        const o = new Ops(b, [...b.shape(x)], b.dtype(x));
        return [d.draw(o, scalarParams(o, d, p), d.params.map(([n]) => p[n] as number))];
      },
    },
  };
}

/** Output shape of a `_sample_*` op: the parameters' (equal) shape, then `shape`. */
function sampleShape(name: string, inputs: readonly number[][], p: Params): number[] {
  const first = inputs[0];
  for (const s of inputs) {
    if (s.length !== first.length || s.some((v, i) => v !== first[i])) {
      throw new ParamError(
        `${name}: the parameter arrays must have the same shape, got ${
          inputs.map((x) => `(${x})`).join(" and ")
        }`,
      );
    }
  }
  return [...first, ...checkShape(p.shape, `${name}: shape`)];
}

function sampleOp(d: Dist | "uniform" | "normal"): OpDef {
  const dist = typeof d === "string" ? undefined : d;
  const suffix = typeof d === "string" ? d : d.name;
  const names = typeof d === "string"
    ? (d === "uniform" ? ["low", "high"] : ["mu", "sigma"])
    : d.params.map(([n]) => n);
  const name = `_sample_${suffix}`;
  return {
    name,
    aliases: [`sample_${suffix}`],
    inputs: names,
    params: {
      shape: { type: "shape", default: [] },
      dtype: { type: "dtype", default: "float32", values: FLOAT_DTYPES },
    },
    inferShape: (s, p) => [sampleShape(name, s as number[][], p)],
    inferType: (_t, p) => [p.dtype as "float32"],
    differentiable: false,
    lowering: {
      kind: "composite",
      compose: (b, ins, p) => {
        const out = sampleShape(name, ins.map((x) => [...b.shape(x)]), p);
        const o = new Ops(b, out, p.dtype as string);
        // Each parameter broadcasts over the trailing sample axes.
        const extra = (p.shape as number[]).length;
        const ps = ins.map((x) => {
          const c = b.dtype(x) === p.dtype ? x : b.op("Cast", [x], { dtype: p.dtype });
          return b.op("Reshape", [c], { shape: [...b.shape(x), ...Array(extra).fill(1)] });
        });
        if (dist) return [dist.draw(o, ps)];
        const base = d === "uniform" ? o.uniform() : o.normal();
        // uniform: low + (high - low) u; normal: mu + sigma z.
        const scale = d === "uniform" ? o.sub(ps[1], ps[0]) : ps[1];
        return [o.add(ps[0], o.mul(scale, base))];
      },
    },
  };
}

function likeBasic(kind: "uniform" | "normal"): OpDef {
  const [a, b] = kind === "uniform" ? ["low", "high"] : ["loc", "scale"];
  const float = (v: number): ParamSpec => ({ type: "float", default: v });
  return {
    name: `_random_${kind}_like`,
    inputs: ["data"],
    params: { [a]: float(0), [b]: float(1) },
    inferShape: ([s]) => [s],
    differentiable: false,
    lowering: {
      kind: "composite",
      compose: (bd, [x], p) => [
        bd.op(`_random_${kind}`, [], {
          [a]: p[a],
          [b]: p[b],
          shape: [...bd.shape(x)],
          dtype: bd.dtype(x),
        }),
      ],
    },
  };
}

/**
 * `_sample_multinomial`: for each distribution in the last axis of `data` (k outcome
 * probabilities summing to 1), `shape` draws of an outcome index by inversion of the
 * cumulative sum against one uniform each; with `get_prob` also their log probabilities.
 * No gradient (MXNet's get_prob gradient for REINFORCE is not provided).
 */
const multinomial: OpDef = {
  name: "_sample_multinomial",
  aliases: ["sample_multinomial"],
  inputs: ["data"],
  numOutputs: (p) => (p.getProb ? 2 : 1),
  params: {
    shape: { type: "shape", default: [] },
    getProb: { type: "bool", default: false },
    dtype: {
      type: "dtype",
      default: "int32",
      values: ["uint8", "int32", "float16", "float32", "float64"],
    },
  },
  inferShape: ([s], p) => {
    if (s.length < 1) {
      throw new ParamError("_sample_multinomial: data must have >= 1 dims (the outcomes last)");
    }
    const out = [...s.slice(0, -1), ...checkShape(p.shape, "_sample_multinomial: shape")];
    return p.getProb ? [out, out] : [out];
  },
  inferType: ([t], p) => (p.getProb ? [p.dtype as "int32", t] : [p.dtype as "int32"]),
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [data], p) => {
      const s = b.shape(data), k = s[s.length - 1], lead = s.slice(0, -1);
      const extra = p.shape as number[], dt = b.dtype(data);
      const out = [...lead, ...extra];
      // cdf[..., j] = sum of p_i for i <= j: a product with the upper triangle of ones.
      const flat = b.op("Reshape", [data], { shape: [-1, k] });
      const cdf = b.op("dot", [flat, triangleMask(b, k, false, true, dt)]);
      const cdfB = b.op("Reshape", [cdf], { shape: [...lead, ...extra.map(() => 1), k] });
      const u = b.op("_random_uniform", [], { low: 0, high: 1, shape: out, dtype: dt });
      const above = b.op("broadcast_greater", [b.op("expand_dims", [u], { axis: -1 }), cdfB]);
      // Rounding may leave the total just below 1: clamp to the last outcome.
      const idx = b.op("_minimum_scalar", [b.op("sum", [above], { axis: [out.length] })], {
        scalar: k - 1,
      });
      const cast = p.dtype === dt ? idx : b.op("Cast", [idx], { dtype: p.dtype });
      if (!p.getProb) return [cast];
      const dataB = b.op("Reshape", [data], { shape: [...lead, ...extra.map(() => 1), k] });
      const hot = b.op("one_hot", [idx], { depth: k, dtype: dt });
      const prob = b.op("sum", [b.op("broadcast_mul", [hot, dataB])], { axis: [out.length] });
      return [cast, b.op("log", [prob])];
    },
  },
};

/** The composite samplers. */
export const RANDOM_DIST_OPS: readonly OpDef[] = [
  ...DISTS.flatMap((d) => [randomOp(d), likeOp(d), sampleOp(d)]),
  sampleOp("uniform"),
  sampleOp("normal"),
  likeBasic("uniform"),
  likeBasic("normal"),
  multinomial,
];
