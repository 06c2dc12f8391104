/**
 * Which attributes a node of an MXNet graph file may carry: its operator's parameters,
 * MXNet's hidden (`__x__`) attributes, and the few MXNet parameters mxts's operators do
 * not model. Anything else is a typo or a file from another program, and loading it would
 * silently compute something else, so `loadJSON` rejects it.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { nearestKey } from "../core/options.ts";
import type { OpDef } from "../ops/op_def.ts";
import { isParamKey, jsonKey } from "../ops/params.ts";

const FALSE = ["False", "false", "0"];
const NONE = ["None", ""];

/**
 * MXNet 1.9.1 parameters that mxts's operators do not have, by operator name (aliases
 * resolve to it): `null` when any value gives the same result here (where MXNet runs, the
 * scalar's integer flag, a storage-type hint), else the values that do (MXNet's default).
 * An operator that gains the parameter must leave this table (a test checks).
 * @ignore
 */
export const UNMODELLED: Readonly<
  Record<string, Readonly<Record<string, readonly string[] | null>>>
> = {
  Reshape: { keep_highest: FALSE, target_shape: ["()", "[]", "(0,)", ""] },
  _arange: { ctx: null, infer_range: FALSE },
  _linspace: { ctx: null, infer_range: FALSE },
  _eye: { ctx: null },
  _ones: { ctx: null },
  _zeros: { ctx: null },
  _full: { ctx: null },
  _random_uniform: { ctx: null },
  _random_normal: { ctx: null },
  _random_randint: { ctx: null },
  dot: { forward_stype: NONE },
  batch_dot: { forward_stype: NONE },
  softmin: { dtype: NONE, use_length: FALSE },
  norm: { out_dtype: NONE },
  _npi_eigh: { UPLO: ["L"] },
};

/** The scalar operators' `is_int` (MXNet 1.8+) only says how MXNet printed the scalar. */
const IS_INT: Readonly<Record<string, null>> = { is_int: null };

/** Hidden attributes MXNet before 1.0 wrote without underscores (`lr_mult` for `__lr_mult__`). */
export const LEGACY_HIDDEN: readonly string[] = [
  "ctx_group",
  "lr_mult",
  "wd_mult",
  "force_mirroring",
  "mirror_stage",
];

/** MXNet's hidden attributes: `__init__`, `__lr_mult__`, `__shape__`, `__ctx_group__`, ... */
const isHidden = (k: string): boolean => /^__\w+__$/.test(k);

/**
 * Checks the attributes `attrs` of a node of operator `op` read from an MXNet graph file
 * (`where` names the file and node): each must be a parameter of the operator, a hidden
 * attribute, or an MXNet parameter mxts does not model at a value that changes nothing.
 * @throws ParamError naming the node, the operator and the attribute, with the closest
 * parameter name.
 */
export function checkNodeAttributes(
  op: OpDef,
  attrs: Readonly<Record<string, string>>,
  where: string,
): void {
  const unmodelled = UNMODELLED[op.name] ?? (op.name.endsWith("_scalar") ? IS_INT : {});
  for (const [k, v] of Object.entries(attrs)) {
    if (isHidden(k) || isParamKey(op, k)) continue;
    if (Object.hasOwn(unmodelled, k)) {
      const fine = unmodelled[k];
      if (fine === null || fine.includes(v)) continue;
      throw new ParamError(
        `${where}: ${op.name}: MXNet's parameter ${k}=${v} is not supported by mxts (only ` +
          `${fine.map((f) => JSON.stringify(f)).join(", ")}, MXNet's default)`,
      );
    }
    const known = [
      ...Object.entries(op.params).map(([key, spec]) => jsonKey(key, spec)),
      ...Object.keys(unmodelled),
    ];
    // Compared without underscores, so that act_typ finds act_type.
    const bare = (key: string) => key.replaceAll("_", "");
    const nearBare = nearestKey(bare(k), known.map(bare));
    const near = known.find((key) => bare(key) === nearBare);
    throw new ParamError(
      `${where}: ${op.name} has no parameter or attribute ${k}` +
        (near ? `; did you mean ${near}?` : "") +
        (known.length ? ` (${op.name} takes ${known.join(", ")};` : ` (${op.name} takes none;`) +
        ` hidden attributes are written __name__, as __lr_mult__ or __init__)`,
    );
  }
}

/**
 * Checks the `attr` option of a new operator node as MXNet's `_set_attr` re-parses it:
 * besides what `checkNodeAttributes` accepts, MXNet's old unprefixed hidden names
 * (`ctx_group`, `lr_mult`) and per-input multipliers (`weight_lr_mult`).
 */
export function checkUserAttributes(
  op: OpDef,
  attr: Readonly<Record<string, string>>,
  where: string,
): void {
  const rest = Object.entries(attr).filter(([k]) =>
    !LEGACY_HIDDEN.includes(k) && !/_(lr_mult|wd_mult)$/.test(k)
  );
  checkNodeAttributes(op, Object.fromEntries(rest), where);
}

/**
 * User attributes with MXNet's old unprefixed hidden names written hidden (`lr_mult` becomes
 * `__lr_mult__`), as MXNet's `MXSymbolCreateAtomicSymbol` and `MXSymbolSetAttr` store them:
 * only the hidden spelling is what the optimizer (`__lr_mult__`, `__wd_mult__`) and
 * `group2ctx` (`__ctx_group__`) read.
 */
export function hideLegacyKeys(attr: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attr).map(([k, v]) => [LEGACY_HIDDEN.includes(k) ? `__${k}__` : k, v]),
  );
}
