"""Writes tests/ops/fixtures/ops-math.json: inputs and float64 references for the math
operators of issue #19 (src/ops/math_extra.ts), read by tests/ops/values_ops-math_test.ts.

References come from PyTorch and NumPy in float64. Where MXNet 1.9.1 defines a value
differently from them (src/operator/mshadow_op.h), the reference applies MXNet's rule
on top, and the comment says so:
  - mod(a, 0) is 0 (NumPy/PyTorch: NaN for floats);
  - rint sends halves to the floor (2.5 -> 2, 3.5 -> 3, -2.5 -> -3), not to even;
  - logical operators treat NaN as true (C's truth), as NumPy does.

Inputs are rounded to float32 (so the float32 run of the same case sees the same
numbers), except in cases marked "f64only", which test values float32 cannot hold.

Run: /work/venv-torch/bin/python tools/gen_ops-math_cases.py
"""

import json
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "ops", "fixtures", "ops-math.json")
NAN = float("nan")
INF = float("inf")


def f32(values):
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def t64(a):
    return torch.tensor(a, dtype=torch.float64)


def enc(a, dtype="float64"):
    a = np.asarray(a)
    flat = []
    for v in a.reshape(-1).tolist():
        v = float(v)
        flat.append("nan" if math.isnan(v) else ("inf" if v == INF else ("-inf" if v == -INF else v)))
    return {"values": flat, "shape": list(a.shape), "dtype": dtype}


cases = []


def case(cid, op, inputs, expect, params=None, f64only=False, dtype="float"):
    cases.append({
        "id": cid,
        "op": op,
        "inputs": [enc(x, "int32" if dtype == "int32" else "float64") for x in inputs],
        "params": params or {},
        "expect": enc(expect, "int32" if dtype == "int32" else "float64"),
        "f64only": f64only,
        "dtype": dtype,
    })


def unary(cid, op, values, fn, params=None, f64only=False):
    x = np.asarray(values, dtype=np.float64) if f64only else f32(values)
    case(cid, op, [x], fn(x), params, f64only)


def torch_fn(f):
    return lambda x: f(t64(x)).numpy()


def gamma_ref(x):
    out = []
    for v in x.reshape(-1):
        if math.isnan(v):
            out.append(NAN)
        elif v == 0:
            out.append(math.copysign(INF, v))
        elif v < 0 and v == math.floor(v):
            out.append(NAN)
        else:
            try:
                out.append(math.gamma(v))
            except OverflowError:
                out.append(INF)
    return np.asarray(out).reshape(x.shape)


def mx_mod(a, b):
    """MXNet's mod: Python's sign convention, and 0 where the divisor is 0."""
    a, b = np.broadcast_arrays(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.remainder(a, b)
    return np.where(b == 0, 0.0, r)


def mx_rint(x):
    fl, ce = np.floor(x), np.ceil(x)
    with np.errstate(invalid="ignore"):
        return np.where(x - fl <= ce - x, fl, ce)


# ---- unary ---------------------------------------------------------------------------
unary("log2", "log2", [0, 1e-30, 0.5, 1, 2, 3.7, 1024, -1, INF, NAN], torch_fn(torch.log2))
unary("log10", "log10", [0, 1e-5, 0.1, 1, 10, 12345.6, -2, INF], torch_fn(torch.log10))
unary("arcsinh", "arcsinh", [-1e5, -3.2, -1, -1e-3, 0, 1e-6, 0.5, 2, 1e5], torch_fn(torch.asinh))
unary("arccosh domain", "arccosh", [0.5, 1, 1.0001, 1.5, 3, 1e4, -2, INF], torch_fn(torch.acosh))
unary("arctanh domain", "arctanh", [-1, -0.999, -0.5, -1e-4, 0, 0.3, 0.9, 1, 1.5],
      torch_fn(torch.atanh))
unary("degrees", "degrees", [-math.pi, -1, 0, 0.5, 3.14159, 100], np.degrees)
unary("radians", "radians", [-180, -45, 0, 30, 90, 1000], np.radians)
# MXNet's rint: the nearer of floor and ceil, the floor on a tie.
unary("rint halves to floor", "rint", [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.7, 2.2, 0, 1000.5,
                                       -1000.5], mx_rint)
unary("fix", "fix", [-2.7, -0.5, 0, 0.5, 2.7, -3, 3, NAN], np.fix)
unary("gamma", "gamma", [-3.5, -2.5, -1.5, -0.5, 0.1, 0.5, 1, 1.5, 2.5, 4, 5.5, 10, 20.3, 34.5],
      gamma_ref)
unary("gamma poles", "gamma", [0, -1, -2, -10, NAN], gamma_ref)
unary("gamma large", "gamma", [50.5, 100, 170.5, 171.5, 180], gamma_ref, f64only=True)
unary("gammaln", "gammaln", [-2.5, -0.5, 0.1, 0.5, 1, 2, 3.3, 10, 100, 1e4, 1e10],
      torch_fn(torch.lgamma))
unary("gammaln poles", "gammaln", [0, -1, -2, INF], torch_fn(torch.lgamma))
unary("gammaln negative", "gammaln", [-0.1, -1.3, -7.7, -50.5], torch_fn(torch.lgamma),
      f64only=True)
unary("erfinv", "erfinv", [-0.999, -0.9, -0.5, -1e-6, 0, 1e-3, 0.3, 0.7, 0.99, 0.9999],
      torch_fn(torch.erfinv))
unary("erfinv domain edges", "erfinv", [-1, 1, 1.5, -2, NAN], torch_fn(torch.erfinv))
unary("erfinv tails", "erfinv", [1 - 1e-12, -(1 - 1e-9), 0.999999, 1e-300, -1e-200],
      torch_fn(torch.erfinv), f64only=True)
unary("rcbrt", "rcbrt", [-125, -8, -1, -0.001, 0.001, 1, 8, 27, 1e6], lambda x: 1 / np.cbrt(x))
# C's !a: NaN and infinities are true.
unary("logical_not", "logical_not", [-2, 0, 1, NAN, 0.5, INF], lambda x: (x == 0).astype(float))
HS = [-5, -2.5, -1, 0, 1, 2.5, 5, NAN]
unary("hard_sigmoid", "hard_sigmoid", HS, lambda x: np.clip(0.2 * x + 0.5, 0, 1))
unary("hard_sigmoid alpha beta", "hard_sigmoid", HS, lambda x: np.clip(0.3 * x + 0.1, 0, 1),
      {"alpha": 0.3, "beta": 0.1})

# ---- scalar forms --------------------------------------------------------------------
MODV = [-7, -3, -2.5, 0, 2.5, 7, 7.5, -0.4]
for s in [3, -3, 2.5, 0]:
    unary(f"_mod_scalar {s}", "_mod_scalar", MODV, lambda x, s=s: mx_mod(x, s), {"scalar": s})
    unary(f"_rmod_scalar {s}", "_rmod_scalar", MODV, lambda x, s=s: mx_mod(s, x), {"scalar": s})
unary("_hypot_scalar", "_hypot_scalar", [-3, 0, 4, 1e3, -1e-3], lambda x: np.hypot(x, 4),
      {"scalar": 4})
LOGV = [-1, 0, NAN, 2, 0.5, -0.0]
for s in [0, 2]:
    for name, fn in [("and", np.logical_and), ("or", np.logical_or), ("xor", np.logical_xor)]:
        unary(f"_logical_{name}_scalar {s}", f"_logical_{name}_scalar", LOGV,
              lambda x, fn=fn, s=s: fn(x, s).astype(float), {"scalar": s})

# ---- broadcasting binaries -----------------------------------------------------------
A = f32([[-7, -3, -2.5, 0], [2.5, 7, 7.5, -0.4], [5.3, -5.3, 1e3, -1e-3]])
B = f32([3, -3, 0, 2.5])
case("broadcast_mod signs and zero", "broadcast_mod", [A, B], mx_mod(A, B))
case("broadcast_mod column", "broadcast_mod", [A, f32([[2], [-1.5], [0.7]])],
     mx_mod(A, f32([[2], [-1.5], [0.7]])))
AI = np.array([[-7, -3, 5, 0], [7, 8, -9, 4]])
BI = np.array([3, -3, 0, 2])
case("broadcast_mod int32", "broadcast_mod", [AI, BI], mx_mod(AI, BI).astype(np.int64),
     dtype="int32")
case("broadcast_hypot", "broadcast_hypot", [A, B], np.hypot(A, B))
LA = f32([[-1, 0, NAN, 2], [0, 0, 3, NAN]])
LB = f32([0, NAN, 1, -0.0])
for name, fn in [("and", np.logical_and), ("or", np.logical_or), ("xor", np.logical_xor)]:
    case(f"broadcast_logical_{name}", f"broadcast_logical_{name}", [LA, LB],
         fn(LA, LB).astype(float))

# ---- softmin, nansum, nanprod --------------------------------------------------------
S = f32([[0.5, -1.2, 3.0, 0.1], [2.2, 2.2, -0.3, 1.7]])
case("softmin", "softmin", [S], torch.nn.functional.softmin(t64(S), dim=-1).numpy())
case("softmin axis 0 temperature 2", "softmin", [S], torch.nn.functional.softmin(t64(S) / 2, dim=0).numpy(),
     {"axis": 0, "temperature": 2})
N = f32([[1.5, NAN, -2.0], [NAN, NAN, 4.0], [0.5, 3.0, 2.0]])
case("nansum all", "nansum", [N], np.array([np.nansum(N)]))
case("nansum axis 1", "nansum", [N], np.nansum(N, axis=1), {"axis": 1})
case("nansum axis 0 keepdims", "nansum", [N], np.nansum(N, axis=0, keepdims=True),
     {"axis": 0, "keepdims": True})
case("nansum exclude", "nansum", [N], np.nansum(N, axis=1), {"axis": 0, "exclude": True})
case("nanprod all", "nanprod", [N], np.array([np.nanprod(N)]))
case("nanprod axis 1", "nanprod", [N], np.nanprod(N, axis=1), {"axis": 1})

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"generator": "tools/gen_ops-math_cases.py", "torch": torch.__version__,
               "numpy": np.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")
