/**
 * `mx.optimizer`: optimizers by class or by name, and the kvstore updater.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * import { create } from "./mod.ts";
 * const opt = create("sgd", { learningRate: 0.1, momentum: 0.9 });
 * const w = mx.nd.ones([3]);
 * opt.update(0, w, mx.nd.ones([3]), opt.createState(0, w));
 * console.log(await w.data()); // Float32Array [0.9, 0.9, 0.9]
 * ```
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { Adam, Adamax, LAMB, Nadam } from "./adam.ts";
import { AdaDelta, AdaGrad, Ftrl, RMSProp } from "./adaptive.ts";
import type { Optimizer } from "./optimizer.ts";
import { NAG, SGD, Signum } from "./sgd.ts";
import { DCASGD, FTML, SGLD, Test } from "./extra.ts";
import { GroupAdaGrad } from "./contrib.ts";
import { LARS, LBSGD } from "./lars.ts";

export * from "./optimizer.ts";
export * from "./sgd.ts";
export * from "./adam.ts";
export * from "./adaptive.ts";
export * from "./updater.ts";
export * as lr_scheduler from "./lr_scheduler.ts";
export * from "./extra.ts";
export * from "./lars.ts";
export * as contrib from "./contrib.ts";

/** A constructor of an optimizer from its options. */
// deno-lint-ignore no-explicit-any
export type OptimizerClass = (new (opts?: any) => Optimizer) & {
  /** The options it accepts. */
  readonly optionNames: readonly string[];
};

const REGISTRY = new Map<string, OptimizerClass>([
  ["sgd", SGD],
  ["nag", NAG],
  ["signum", Signum],
  ["adam", Adam],
  ["adamax", Adamax],
  ["nadam", Nadam],
  ["lamb", LAMB],
  ["adagrad", AdaGrad],
  ["rmsprop", RMSProp],
  ["adadelta", AdaDelta],
  ["ftrl", Ftrl],

  ["ftml", FTML],
  ["sgld", SGLD],
  ["dcasgd", DCASGD],
  ["test", Test],
  ["groupadagrad", GroupAdaGrad],
  ["ccsgd", SGD], // MXNet's deprecated alias of SGD
  ["lars", LARS],
  ["lbsgd", LBSGD],
]);

/** Registers a custom optimizer class under `name` (case-insensitive). */
export function register(name: string, cls: OptimizerClass): void {
  REGISTRY.set(name.toLowerCase(), cls);
}

/**
 * The option names the optimizer registered as `name` accepts (its class's `optionNames`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * console.log(mx.optimizer.optionNames("sgd").includes("momentum")); // true
 * ```
 */
export function optionNames(name: string): readonly string[] {
  return classOf(name).optionNames;
}

function classOf(name: string): OptimizerClass {
  const cls = REGISTRY.get(String(name).toLowerCase());
  if (!cls) {
    throw new ParamError(
      `optimizer.create: unknown optimizer ${JSON.stringify(name)}; known: ${
        [...REGISTRY.keys()].join(", ")
      }`,
    );
  }
  return cls;
}

/** Creates an optimizer by name (`"sgd"`, `"adam"`, ... case-insensitive) with its options. */
export function create(name: string, opts: Record<string, unknown> = {}): Optimizer {
  return new (classOf(name))(opts);
}
