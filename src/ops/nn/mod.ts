/**
 * Neural-network operators (MXNet's src/operator/nn and the loss layers).
 * @module
 */
import type { OpDef } from "../op_def.ts";
import { ACTIVATION_OPS } from "./activation.ts";
import { CONV_OPS } from "./convolution.ts";
import { CONV2D_OPS } from "./conv2d.ts";
import { CTC_OPS } from "./ctc.ts";
import { DROPOUT_OPS } from "./dropout.ts";
import { EMBEDDING_OPS } from "./embedding.ts";
import { FC_OPS } from "./fully_connected.ts";
import { LOCAL_NORM_OPS } from "./local_norm.ts";
import { LOSS_OPS } from "./loss.ts";
import { NORM_OPS } from "./norm.ts";
import { PAD_OPS } from "./pad.ts";
import { POOLING_OPS } from "./pooling.ts";
import { RESHAPE_LIKE_OPS } from "./reshape_like.ts";
import { RNN_OPS } from "./rnn.ts";
import { WINDOW_OPS } from "./window_ops.ts";

/** Every neural-network operator. */
export const NN_OPS: readonly OpDef[] = [
  ...FC_OPS,
  ...ACTIVATION_OPS,
  ...CONV_OPS,
  ...CONV2D_OPS,
  ...POOLING_OPS,
  ...WINDOW_OPS,
  ...NORM_OPS,
  ...LOCAL_NORM_OPS,
  ...DROPOUT_OPS,
  ...EMBEDDING_OPS,
  ...LOSS_OPS,
  ...CTC_OPS,
  ...PAD_OPS,
  ...RESHAPE_LIKE_OPS,
  ...RNN_OPS,
];
