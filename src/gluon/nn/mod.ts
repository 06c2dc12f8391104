/**
 * `mx.gluon.nn`: layers and containers, plus Block, HybridBlock and SymbolBlock (Python's
 * `from mxnet.gluon import nn; nn.Block`).
 * @module
 */
export { Block, type BlockOptions, HookHandle } from "../block.ts";
export { HybridBlock, type HybridizeOptions, SymbolBlock } from "../hybrid_block.ts";
export {
  Concatenate,
  Dense,
  type DenseOptions,
  Dropout,
  Embedding,
  type EmbeddingOptions,
  Flatten,
  HybridConcatenate,
  HybridLambda,
  HybridSequential,
  Identity,
  Lambda,
  Sequential,
} from "./basic_layers.ts";
export {
  Activation,
  type ActType,
  ELU,
  GELU,
  LeakyReLU,
  PReLU,
  type PReLUOptions,
  SELU,
  SiLU,
  Swish,
} from "./activations.ts";
export {
  BatchNorm,
  type BatchNormOptions,
  GroupNorm,
  InstanceNorm,
  LayerNorm,
  type NormOptions,
} from "./norm_layers.ts";
export {
  AvgPool1D,
  AvgPool2D,
  AvgPool3D,
  type AvgPoolOptions,
  Conv1D,
  Conv1DTranspose,
  Conv2D,
  Conv2DTranspose,
  Conv3D,
  Conv3DTranspose,
  type ConvOptions,
  type ConvTransposeOptions,
  GlobalAvgPool1D,
  GlobalAvgPool2D,
  GlobalAvgPool3D,
  GlobalMaxPool1D,
  GlobalMaxPool2D,
  GlobalMaxPool3D,
  MaxPool1D,
  MaxPool2D,
  MaxPool3D,
  type PoolOptions,
  ReflectionPad2D,
} from "./conv_layers.ts";
