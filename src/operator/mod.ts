/**
 * `mx.operator`: operators written in TypeScript (MXNet's `mx.operator` module). Subclass
 * `CustomOp` and `CustomOpProp`, `register` the Prop under a name, and call it as
 * `mx.nd.Custom(x, { opType: name })` or `mx.sym.Custom({ data, opType: name })`.
 * @module
 */
export {
  CustomOp,
  CustomOpProp,
  type CustomOpPropClass,
  type OpReq,
  register,
  registeredNames,
} from "./custom.ts";
