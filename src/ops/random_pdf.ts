/**
 * MXNet's probability densities of its samplers (issue #19): `_random_pdf_uniform`,
 * `_normal`, `_gamma`, `_exponential`, `_poisson`, `_negative_binomial`,
 * `_generalized_negative_binomial` and `_dirichlet` (aliases without the leading `_`).
 *
 * `sample` has the parameters' shape as its leftmost subshape: sample [P..., N...] with
 * parameters [P...] gives densities [P..., N...], each sample read with the parameters at
 * its leading index. Dirichlet's parameter is a vector: alpha [P..., k] and sample
 * [P..., N..., k] give [P..., N...] (a lone vector sample [k] gives [1]). `is_log` returns
 * the log-density.
 *
 * Each is a composite of elementwise operators (gammaln included), so every backend runs
 * it and the gradient comes from its parts. That gradient is MXNet's: for the parameters
 * and, for the continuous distributions, the sample; the discrete ones (Poisson and the
 * negative binomials) and the uniform give the sample no gradient, as MXNet's do, so
 * their sample goes through BlockGrad.
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import type { Shape } from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import { sameDTypes } from "./elementwise.ts";
import type { Builder, OpDef } from "./op_def.ts";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** The log-density from the sample and the parameters (broadcast to the sample's shape). */
type LogPdf = <T>(b: Builder<T>, x: T, params: readonly T[]) => T;

/** One scalar-parameter distribution. */
interface Dist {
  /** MXNet's suffix (`_random_pdf_<name>`). */
  readonly name: string;
  /** The parameter arrays' names, in order. */
  readonly params: readonly string[];
  /** True when the sample gets a gradient (continuous distributions but the uniform). */
  readonly sampleGrad: boolean;
  readonly logPdf: LogPdf;
}

/** The negative binomial log-density with limit `k` and failure probability `p`. */
function negBinomialLogPdf<T>(b: Builder<T>, x: T, k: T, p: T): T {
  const o = ops(b);
  const lg = (t: T) => b.op("gammaln", [t]);
  const comb = o.sub(o.sub(lg(o.add(x, k)), lg(o.addS(x, 1))), lg(k));
  return o.add(o.add(comb, o.mul(k, b.op("log", [p]))), o.mul(x, b.op("log", [o.rsubS(p, 1)])));
}

const DISTS: readonly Dist[] = [
  {
    // -log(high - low) everywhere: MXNet does not check that the sample is in [low, high).
    name: "uniform",
    params: ["low", "high"],
    sampleGrad: false,
    logPdf: (b, x, [low, high]) => {
      const o = ops(b);
      return o.broadcastTo(o.neg(b.op("log", [o.sub(high, low)])), b.shape(x));
    },
  },
  {
    name: "normal",
    params: ["mu", "sigma"],
    sampleGrad: true,
    logPdf: (b, x, [mu, sigma]) => {
      const o = ops(b);
      const z = o.div(o.sub(x, mu), sigma);
      const logNorm = o.addS(b.op("log", [sigma]), LOG_SQRT_2PI);
      return o.sub(o.mulS(o.mul(z, z), -0.5), logNorm);
    },
  },
  {
    // alpha is the shape, beta the rate: a log(b) + (a-1) log(x) - b x - lgamma(a).
    name: "gamma",
    params: ["alpha", "beta"],
    sampleGrad: true,
    logPdf: (b, x, [alpha, beta]) => {
      const o = ops(b);
      const head = o.mul(alpha, b.op("log", [beta]));
      const body = o.sub(o.mul(o.addS(alpha, -1), b.op("log", [x])), o.mul(beta, x));
      return o.sub(o.add(head, body), b.op("gammaln", [alpha]));
    },
  },
  {
    name: "exponential",
    params: ["lam"],
    sampleGrad: true,
    logPdf: (b, x, [lam]) => {
      const o = ops(b);
      return o.sub(b.op("log", [lam]), o.mul(lam, x));
    },
  },
  {
    name: "poisson",
    params: ["lam"],
    sampleGrad: false,
    logPdf: (b, x, [lam]) => {
      const o = ops(b);
      const xLogLam = o.mul(x, b.op("log", [lam]));
      return o.sub(o.sub(xLogLam, b.op("gammaln", [o.addS(x, 1)])), lam);
    },
  },
  {
    // p is the failure probability, as MXNet's sampler has it.
    name: "negative_binomial",
    params: ["k", "p"],
    sampleGrad: false,
    logPdf: (b, x, [k, p]) => negBinomialLogPdf(b, x, k, p),
  },
  {
    // The negative binomial with k = 1 / alpha and p = 1 / (mu alpha + 1).
    name: "generalized_negative_binomial",
    params: ["mu", "alpha"],
    sampleGrad: false,
    logPdf: (b, x, [mu, alpha]) => {
      const o = ops(b);
      const k = o.rdivS(alpha, 1);
      const p = o.rdivS(o.addS(o.mul(mu, alpha), 1), 1);
      return negBinomialLogPdf(b, x, k, p);
    },
  },
];

const fmt = (s: Shape) => `[${s.join(", ")}]`;

/**
 * Checks MXNet's shape rule: every parameter has the first one's shape, which is the
 * sample's leftmost subshape (for a vector parameter: with the sample's last dimension
 * as its last).
 */
function checkShapes(name: string, names: readonly string[], s: readonly Shape[], vector: boolean) {
  const [sample, first] = [s[0], s[1]];
  for (let i = 2; i < s.length; i++) {
    if (s[i].length !== first.length || s[i].some((d, j) => d !== first[j])) {
      throw new ShapeError(
        `${name}: ${names[i]} has shape ${fmt(s[i])} but ${names[1]} has ${fmt(first)}; ` +
          `the parameters must have the same shape`,
      );
    }
  }
  const want = sample.slice(0, first.length);
  if (vector && first.length > 0) want[want.length - 1] = sample[sample.length - 1];
  if (
    first.length > sample.length || (vector && first.length === 0) ||
    want.some((d, j) => d !== first[j])
  ) {
    throw new ShapeError(
      `${name}: ${names[1]} has shape ${fmt(first)}, expected ${
        vector ? "the leading dimensions and the last" : "the leftmost subshape"
      } of sample ${fmt(sample)}${vector ? " (the vector size last)" : ""}`,
    );
  }
}

/** `p` (shape P) reshaped to broadcast against a sample of rank `rank` (P then 1s). */
function alignLeft<T>(b: Builder<T>, p: T, rank: number): T {
  const shape = b.shape(p);
  if (shape.length === rank) return p;
  return ops(b).reshape(p, [...shape, ...new Array(rank - shape.length).fill(1)]);
}

const IS_LOG = { isLog: { type: "bool", default: false } } as const;

function pdfOp(d: Dist): OpDef {
  const name = `_random_pdf_${d.name}`;
  const inputs = ["sample", ...d.params];
  const checkTypes = sameDTypes(name, inputs);
  return {
    name,
    aliases: [`random_pdf_${d.name}`],
    inputs,
    params: IS_LOG,
    inferShape: (s) => {
      checkShapes(name, inputs, s, false);
      return [s[0]];
    },
    inferType: (t) => {
      checkTypes(t);
      return [t[0]];
    },
    lowering: {
      kind: "composite",
      compose: (b, [sample, ...params], p) => {
        const rank = b.shape(sample).length;
        const x = d.sampleGrad ? sample : b.op("BlockGrad", [sample]);
        const lpdf = d.logPdf(b, x, params.map((t) => alignLeft(b, t, rank)));
        return [p.isLog ? lpdf : b.op("exp", [lpdf])];
      },
    },
  };
}

/** The Dirichlet density: alpha [P..., k], sample [P..., N..., k] -> [P..., N...]. */
const dirichlet: OpDef = {
  name: "_random_pdf_dirichlet",
  aliases: ["random_pdf_dirichlet"],
  inputs: ["sample", "alpha"],
  params: IS_LOG,
  inferShape: ([sample, alpha]) => {
    checkShapes("_random_pdf_dirichlet", ["sample", "alpha"], [sample, alpha], true);
    return [sample.length === 1 ? [1] : sample.slice(0, -1)];
  },
  inferType: (t) => {
    sameDTypes("_random_pdf_dirichlet", ["sample", "alpha"])(t);
    return [t[0]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [sample, alpha], p) => {
      const o = ops(b);
      const sampleShape = b.shape(sample);
      const alphaShape = b.shape(alpha);
      const lead = alphaShape.slice(0, -1);
      const k = alphaShape[alphaShape.length - 1];
      // alpha [P..., 1..., k] against the sample; the normaliser [P..., 1...].
      const fill = new Array(sampleShape.length - alphaShape.length).fill(1);
      const a = o.reshape(alpha, [...lead, ...fill, k]);
      const last = sampleShape.length - 1;
      const body = b.op("sum", [o.mul(o.addS(a, -1), b.op("log", [sample]))], { axis: [last] });
      const sumAlpha = b.op("sum", [alpha], { axis: [alphaShape.length - 1] });
      const sumLgamma = b.op("sum", [b.op("gammaln", [alpha])], {
        axis: [alphaShape.length - 1],
      });
      const logBeta = o.sub(b.op("gammaln", [sumAlpha]), sumLgamma);
      const outShape = sampleShape.length === 1 ? [1] : sampleShape.slice(0, -1);
      const norm = o.reshape(
        logBeta,
        outShape.length === 1 && lead.length === 0 ? [1] : [
          ...lead,
          ...fill,
        ],
      );
      const lpdf = o.reshape(o.add(body, norm), outShape);
      return [p.isLog ? lpdf : b.op("exp", [lpdf])];
    },
  },
};

/** Every density operator. */
export const RANDOM_PDF_OPS: readonly OpDef[] = [...DISTS.map(pdfOp), dirichlet];
