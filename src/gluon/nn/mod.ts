/**
 * `mx.gluon.nn`: layers and containers, plus Block, HybridBlock and SymbolBlock (Python's
 * `from mxnet.gluon import nn; nn.Block`).
 * @module
 */
export { Block, type BlockOptions, HookHandle } from "../block.ts";
export { HybridBlock, type HybridizeOptions, SymbolBlock } from "../hybrid_block.ts";
export * from "./basic_layers.ts";
export * from "./activations.ts";
export * from "./norm_layers.ts";
export * from "./conv_layers.ts";
