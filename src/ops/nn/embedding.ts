/**
 * Embedding: rows of `weight` picked by integer `data` (`take` on axis 0, indices clipped
 * as MXNet does); the weight's gradient scatters back through `take`'s gradient.
 * @module
 */
import { NON_BOOL_DTYPES, type OpDef } from "../op_def.ts";
import { expectShape } from "./_util.ts";

const embedding: OpDef = {
  name: "Embedding",
  inputs: ["data", "weight"],
  params: {
    inputDim: { type: "int", required: true, min: 1 },
    outputDim: { type: "int", required: true, min: 1 },
    dtype: { type: "dtype", default: "float32", values: NON_BOOL_DTYPES },
    sparseGrad: { type: "bool", default: false },
  },
  inferShape: ([x, w], p) => {
    const want = [p.inputDim as number, p.outputDim as number];
    expectShape("Embedding", "weight", w, want, "input_dim, output_dim");
    return [[...x, p.outputDim as number]];
  },
  inferInputShapes: ([x, w], p) => [x, w ?? [p.inputDim as number, p.outputDim as number]],
  // The output has the weight's dtype; data holds indices of any numeric type.
  inferType: ([, w]) => [w],
  lowering: {
    kind: "composite",
    compose: (b, [x, w]) => [b.op("take", [w, x], { axis: 0, mode: "clip" })],
  },
};

/** Embedding. */
export const EMBEDDING_OPS: readonly OpDef[] = [embedding];
