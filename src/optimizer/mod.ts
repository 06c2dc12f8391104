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

export * from "./optimizer.ts";
export * from "./sgd.ts";
export * from "./adam.ts";
export * from "./adaptive.ts";
export * from "./updater.ts";
export * as lr_scheduler from "./lr_scheduler.ts";

/** A constructor of an optimizer from its options. */
// deno-lint-ignore no-explicit-any
export type OptimizerClass = new (opts?: any) => Optimizer;

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
]);

/** Registers a custom optimizer class under `name` (case-insensitive). */
export function register(name: string, cls: OptimizerClass): void {
  REGISTRY.set(name.toLowerCase(), cls);
}

/** Creates an optimizer by name (`"sgd"`, `"adam"`, ... case-insensitive) with its options. */
export function create(name: string, opts: Record<string, unknown> = {}): Optimizer {
  const cls = REGISTRY.get(name.toLowerCase());
  if (!cls) {
    throw new ParamError(
      `optimizer.create: unknown optimizer ${JSON.stringify(name)}; known: ${
        [...REGISTRY.keys()].join(", ")
      }`,
    );
  }
  return new cls(opts);
}
