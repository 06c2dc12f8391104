/**
 * MXNet's CTCLoss (aliases `ctc_loss`, `_contrib_CTCLoss`, `_contrib_ctc_loss`,
 * `_npx_ctc_loss`): connectionist temporal classification loss of unnormalised
 * activations [T, N, C] against labels [N, L]. A primitive (the `ctcLoss` kernel, which
 * every backend runs on the host) that also returns, as a hidden second output, the
 * gradient with respect to the activations; the operator's gradient scales it by the
 * head gradient per sequence, as MXNet's `_backward_ctc_loss` does.
 * @module
 */
import type { CtcParams } from "../../../backends/backend.ts";
import { isFloat } from "../../core/dtype.ts";
import { DTypeError, ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { OpDef, Params } from "../op_def.ts";

function inputNames(p: Params): string[] {
  return [
    "data",
    "label",
    ...(p.useDataLengths ? ["data_lengths"] : []),
    ...(p.useLabelLengths ? ["label_lengths"] : []),
  ];
}

function expectVector(arg: string, s: Shape, n: number): void {
  if (s.length !== 1 || s[0] !== n) {
    throw new ShapeError(
      `CTCLoss: ${arg} has shape ${formatShape(s)}, expected [${n}] (one per sequence)`,
    );
  }
}

function check(shapes: readonly Shape[], p: Params): CtcParams {
  const [x, label] = shapes;
  if (x.length !== 3) {
    throw new ShapeError(
      `CTCLoss: data must be 3-D (sequence length, batch, alphabet size), got ${formatShape(x)}`,
    );
  }
  if (label.length !== 2) {
    throw new ShapeError(
      `CTCLoss: label must be 2-D (batch, label length), got ${formatShape(label)}`,
    );
  }
  const [t, n, c] = x;
  if (label[0] !== n) {
    throw new ShapeError(
      `CTCLoss: label ${formatShape(label)} and data ${formatShape(x)} have different ` +
        `batch sizes (${label[0]} vs ${n})`,
    );
  }
  if (label[1] > t) {
    throw new ShapeError(
      `CTCLoss: label length ${label[1]} exceeds the sequence length ${t} of data ` +
        formatShape(x),
    );
  }
  let i = 2;
  if (p.useDataLengths) expectVector("data_lengths", shapes[i++], n);
  if (p.useLabelLengths) expectVector("label_lengths", shapes[i], n);
  const blank = p.blankLabel === "first" ? 0 : c - 1;
  return { seqLen: t, batch: n, alphabet: c, labelLen: label[1], blank, padding: blank ? -1 : 0 };
}

const ctcLoss: OpDef = {
  name: "CTCLoss",
  aliases: ["ctc_loss", "_contrib_CTCLoss", "_contrib_ctc_loss", "_npx_ctc_loss"],
  inputs: inputNames,
  params: {
    useDataLengths: { type: "bool", default: false },
    useLabelLengths: { type: "bool", default: false },
    blankLabel: { type: "string", default: "first", values: ["first", "last"] },
  },
  numOutputs: 2,
  numVisibleOutputs: 1,
  inferShape: (shapes, p) => {
    const c = check(shapes, p);
    return [[c.batch], [...shapes[0]]];
  },
  inferType: ([t]) => {
    if (!isFloat(t)) {
      throw new DTypeError(
        `CTCLoss: data has dtype ${t}; it takes float16, float32 or float64 activations`,
      );
    }
    return [t, t];
  },
  gradient: (b, { inputs, outputs: [, grad], outGrads: [g] }) => {
    const n = b.shape(g)[0];
    return [
      ops(b).mul(ops(b).reshape(g, [1, n, 1]), grad),
      ...inputs.slice(1).map(() => null),
    ];
  },
  lowering: {
    kind: "primitive",
    run: (k, ins, [loss, grad], p) => {
      const c = check(ins.map((t) => t.shape), p);
      const dataLengths = p.useDataLengths ? ins[2].buf : null;
      const labelLengths = p.useLabelLengths ? ins[p.useDataLengths ? 3 : 2].buf : null;
      return k.ctcLoss(ins[0].buf, ins[1].buf, dataLengths, labelLengths, loss.buf, grad.buf, c);
    },
  },
};

/** CTC loss. */
export const CTC_OPS: readonly OpDef[] = [ctcLoss];
