/**
 * Short names for writing composites and gradients against any `Builder`.
 * @module
 */
import type { Shape } from "../core/shape.ts";
import type { Builder } from "./op_def.ts";

/** Arithmetic helpers bound to a builder. */
export interface Ops<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  addS(a: T, s: number): T;
  mulS(a: T, s: number): T;
  /** `s / a` */
  rdivS(a: T, s: number): T;
  /** `s - a` */
  rsubS(a: T, s: number): T;
  un(name: string, a: T): T;
  /** Elementwise `a <cmp> s` as 0/1 of a's dtype (e.g. "_greater_scalar"). */
  cmpS(name: string, a: T, s: number): T;
  /** Sums `g` down to `shape` (the adjoint of broadcasting `shape` up to g's shape). */
  sumTo(g: T, shape: Shape): T;
  reshape(a: T, shape: Shape): T;
  broadcastTo(a: T, shape: Shape): T;
}

/** Binds the helpers to builder `b`. */
export function ops<T>(b: Builder<T>): Ops<T> {
  const bin = (name: string) => (x: T, y: T) => b.op(name, [x, y]);
  const scal = (name: string) => (x: T, s: number) => b.op(name, [x], { scalar: s });
  return {
    add: bin("broadcast_add"),
    sub: bin("broadcast_sub"),
    mul: bin("broadcast_mul"),
    div: bin("broadcast_div"),
    neg: (x) => b.op("negative", [x]),
    addS: scal("_plus_scalar"),
    mulS: scal("_mul_scalar"),
    rdivS: scal("_rdiv_scalar"),
    rsubS: scal("_rminus_scalar"),
    un: (name, x) => b.op(name, [x]),
    cmpS: (name, x, s) => b.op(name, [x], { scalar: s }),
    reshape: (x, shape) => b.op("Reshape", [x], { shape: [...shape] }),
    broadcastTo: (x, shape) => b.op("broadcast_to", [x], { shape: [...shape] }),
    sumTo(g, shape) {
      const gs = b.shape(g);
      if (gs.length === shape.length && gs.every((d, i) => d === shape[i])) return g;
      const lead = gs.length - shape.length;
      const axes: number[] = [];
      for (let i = 0; i < gs.length; i++) {
        if (i < lead || (shape[i - lead] === 1 && gs[i] !== 1)) axes.push(i);
      }
      const summed = axes.length ? b.op("sum", [g], { axis: axes, keepdims: true }) : g;
      return b.op("Reshape", [summed], { shape: [...shape] });
    },
  };
}
