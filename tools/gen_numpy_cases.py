#!/usr/bin/env python3
"""Writes tests/numpy/fixtures/cases.json: fixed inputs and NumPy's float64 results for the
differential test of mx.np (tests/numpy/differential_test.ts).

Run: python3 tools/gen_numpy_cases.py && deno fmt tests/numpy/fixtures   (NumPy 1.x or 2.x;
the output is deterministic; deno fmt lays the JSON out as the repository keeps it)

Each case names an mx.np function (`fn`, the TypeScript name), its positional arguments
(arrays as {"values", "shape", "dtype"}, or plain numbers / lists / strings), an options
object (`opts`, camelCase keys) and the expected result(s). Inputs are float64 unless a
case is about type promotion; there the expected dtype is MXNet's rule (float32 is the
default float: int / int true division and int op float32 give float32, where NumPy would
say float64), and the values NumPy's.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20261207)
cases = []


def arr(a, dtype=None):
    a = np.asarray(a)
    if dtype is not None:
        a = a.astype(dtype)
    vals = a.reshape(-1).tolist()
    if a.dtype == np.bool_:
        vals = [bool(v) for v in vals]
    elif a.dtype.kind == "f":
        # JSON has no NaN or Infinity: those travel as strings.
        vals = [v if np.isfinite(v) else str(v) for v in vals]
    return {"values": vals, "shape": list(a.shape), "dtype": str(a.dtype)}


def rand(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).round(6)


def ints(*shape, lo=-5, hi=6, dtype="int32"):
    return rng.integers(lo, hi, size=shape).astype(dtype)


def result(r, dtype=None):
    if isinstance(r, (list, tuple)):
        return [result(x) for x in r]
    r = np.asarray(r)
    out = arr(r)
    if dtype is not None:
        out["dtype"] = dtype
    return out


def enc(a):
    if isinstance(a, np.ndarray):
        return arr(a)
    if isinstance(a, (list, tuple)) and any(isinstance(x, np.ndarray) for x in a):
        return [enc(x) for x in a]
    return a


def case(fn, args, expect, opts=None, dtype=None, name=None):
    enc_args = [enc(a) for a in args]
    cases.append({
        "id": name or f"{fn}#{len(cases)}",
        "fn": fn,
        "args": enc_args,
        "opts": opts or {},
        "expect": result(expect, dtype),
    })


A = rand(3, 4)
B = rand(3, 4)
P = rand(3, 4, lo=0.1, hi=3.0)
U = rand(3, 4, lo=-0.9, hi=0.9)
row = rand(4)
col = rand(3, 1)
C3 = rand(2, 3, 4)

# Binary arithmetic with broadcasting.
for fn, f in [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
              ("divide", np.divide), ("maximum", np.maximum), ("minimum", np.minimum),
              ("hypot", np.hypot), ("arctan2", np.arctan2), ("logaddexp", np.logaddexp),
              ("copysign", np.copysign)]:
    case(fn, [A, B], f(A, B))
    case(fn, [A, row], f(A, row))
    case(fn, [col, row], f(col, row))
case("power", [P, B], np.power(P, B))
case("power", [P, 2.5], np.power(P, 2.5))
case("add", [A, 1.5], A + 1.5)
case("subtract", [3.0, A], 3.0 - A)
case("divide", [2.0, P], 2.0 / P)
case("mod", [A, P], np.mod(A, P))
case("fmod", [A, P], np.fmod(A, P))
case("floorDivide", [A, P], np.floor_divide(A, P))
E = ints(3, 4, lo=-3, hi=4)
case("ldexp", [A, E.astype("float64")], np.ldexp(A, E))

# Comparisons (bool results).
for fn, f in [("equal", np.equal), ("notEqual", np.not_equal), ("greater", np.greater),
              ("greaterEqual", np.greater_equal), ("less", np.less), ("lessEqual", np.less_equal)]:
    Bq = np.where(rng.uniform(size=(3, 4)) < 0.3, A, B)
    case(fn, [A, Bq], f(A, Bq))
case("greater", [A, 0.0], A > 0)
Lb = rng.uniform(size=(3, 4)) < 0.5
Rb = rng.uniform(size=(3, 4)) < 0.5
for fn, f in [("logicalAnd", np.logical_and), ("logicalOr", np.logical_or), ("logicalXor", np.logical_xor)]:
    case(fn, [Lb.astype("float64"), Rb.astype("float64")], f(Lb, Rb))
case("logicalNot", [Lb.astype("float64")], np.logical_not(Lb))

# Unary functions.
for fn, f, x in [("negative", np.negative, A), ("abs", np.abs, A), ("sign", np.sign, A),
                 ("square", np.square, A), ("exp", np.exp, A), ("expm1", np.expm1, A),
                 ("exp2", np.exp2, A), ("log", np.log, P), ("log1p", np.log1p, P),
                 ("log2", np.log2, P), ("log10", np.log10, P), ("sqrt", np.sqrt, P),
                 ("cbrt", np.cbrt, P), ("reciprocal", np.reciprocal, P), ("sin", np.sin, A),
                 ("cos", np.cos, A), ("tan", np.tan, U), ("arcsin", np.arcsin, U),
                 ("arccos", np.arccos, U), ("arctan", np.arctan, A), ("sinh", np.sinh, A),
                 ("cosh", np.cosh, A), ("tanh", np.tanh, A), ("arcsinh", np.arcsinh, A),
                 ("arccosh", np.arccosh, P + 1), ("arctanh", np.arctanh, U),
                 ("degrees", np.degrees, A), ("radians", np.radians, A), ("floor", np.floor, A),
                 ("ceil", np.ceil, A), ("trunc", np.trunc, A), ("rint", np.rint, A * 3),
                 ("fabs", np.fabs, A)]:
    case(fn, [x], f(x))
case("rint", [np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6])],
     np.rint(np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6])), name="rint halves to even")
case("round", [A, 2], np.round(A, 2))
case("clip", [A, -0.5, 0.5], np.clip(A, -0.5, 0.5))
case("clip", [A, None, 0.5], np.clip(A, None, 0.5))

# Reductions.
for fn, f in [("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("max", np.max),
              ("min", np.min), ("std", np.std), ("variance", np.var), ("ptp", np.ptp)]:
    case(fn, [C3], f(C3))
    case(fn, [C3], f(C3, axis=1), opts={"axis": 1})
    case(fn, [C3], f(C3, axis=(0, 2), keepdims=True), opts={"axis": [0, 2], "keepdims": True})
case("std", [A], np.std(A, axis=0, ddof=1), opts={"axis": 0, "ddof": 1})
for fn, f in [("argmax", np.argmax), ("argmin", np.argmin)]:
    case(fn, [A], f(A), dtype="int64")
    case(fn, [C3], f(C3, axis=2), opts={"axis": 2}, dtype="int64")
case("cumsum", [C3], np.cumsum(C3))
case("cumsum", [C3], np.cumsum(C3, axis=1), opts={"axis": 1})
R7p = rand(7, lo=0.5, hi=1.5)
case("cumprod", [R7p], np.cumprod(R7p))
case("any", [np.array([[0.0, 0.0], [0.0, 1.0]])], np.any(np.array([[0, 0], [0, 1]]), axis=1), opts={"axis": 1})
case("all", [np.array([[1.0, 2.0], [0.0, 1.0]])], np.all(np.array([[1, 2], [0, 1]]), axis=1), opts={"axis": 1})
case("median", [C3], np.median(C3, axis=2), opts={"axis": 2})
case("percentile", [A, 30], np.percentile(A, 30))
case("quantile", [A, [0.25, 0.75]], np.quantile(A, [0.25, 0.75], axis=0), opts={"axis": 0})
case("average", [A], np.average(A, axis=1, weights=row), opts={"axis": 1, "weights": arr(row)})
case("countNonzero", [np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])], np.count_nonzero(np.array([[0, 1, 2], [0, 0, 3]]), axis=0), opts={"axis": 0}, dtype="int64")

# Manipulation.
case("reshape", [C3, [4, -1]], C3.reshape(4, -1))
case("transpose", [C3, [2, 0, 1]], np.transpose(C3, (2, 0, 1)))
case("swapaxes", [C3, 0, 2], np.swapaxes(C3, 0, 2))
case("moveaxis", [C3, 0, -1], np.moveaxis(C3, 0, -1))
case("expandDims", [A, 1], np.expand_dims(A, 1))
S131 = rand(1, 3, 1)
case("squeeze", [S131], S131.squeeze())
case("broadcastTo", [row, [3, 4]], np.broadcast_to(row, (3, 4)))
case("concatenate", [[A, B]], np.concatenate([A, B], axis=1), opts={"axis": 1})
case("stack", [[A, B]], np.stack([A, B], axis=2), opts={"axis": 2})
case("vstack", [[row, row]], np.vstack([row, row]))
case("hstack", [[A, B]], np.hstack([A, B]))
case("dstack", [[A, B]], np.dstack([A, B]))
case("columnStack", [[row, row]], np.column_stack([row, row]))
case("split", [C3, 2], np.split(C3, 2, axis=2), opts={"axis": 2})
case("split", [A, [1, 3]], np.split(A, [1, 3], axis=1), opts={"axis": 1})
R7 = rand(7)
case("arraySplit", [R7, 3], np.array_split(R7, 3))
case("tile", [A, [2, 1]], np.tile(A, (2, 1)))
case("repeat", [A, 2], np.repeat(A, 2, axis=0), opts={"axis": 0})
case("repeat", [A, 3], np.repeat(A, 3))
case("flip", [A], np.flip(A, axis=1), opts={"axis": 1})
case("roll", [A, 2], np.roll(A, 2))
case("roll", [A, -1], np.roll(A, -1, axis=1), opts={"axis": 1})
case("rot90", [A], np.rot90(A))
case("pad", [A, [[1, 0], [2, 1]]], np.pad(A, ((1, 0), (2, 1))))
case("pad", [row, 2], np.pad(row, 2, mode="reflect"), opts={"mode": "reflect"})
case("pad", [row, 3], np.pad(row, 3, mode="edge"), opts={"mode": "edge"})
case("pad", [row, 2], np.pad(row, 2, mode="symmetric"), opts={"mode": "symmetric"})
case("tril", [A], np.tril(A))
case("triu", [A, 1], np.triu(A, 1))
case("diag", [row], np.diag(row))
case("diag", [row, -1], np.diag(row, -1))
case("diagonal", [A], np.diagonal(A, 1), opts={"offset": 1})
case("trace", [A], np.trace(A))
case("deleteAt", [A, [0, 2]], np.delete(A, [0, 2], axis=1), opts={"axis": 1})
case("insert", [row, 1, 9.0], np.insert(row, 1, 9.0))
case("append", [A, B], np.append(A, B, axis=0), opts={"axis": 0})
case("where", [(A > 0).astype("float64"), A, B], np.where(A > 0, A, B))
case("sort", [A], np.sort(A))
case("sort", [A], np.sort(A, axis=0), opts={"axis": 0})
case("argsort", [A], np.argsort(A, axis=1, kind="stable"), dtype="int64")
case("searchsorted", [np.sort(row), np.array([-1.0, 0.0, 1.0])], np.searchsorted(np.sort(row), [-1.0, 0.0, 1.0]), dtype="int64")
case("nanToNum", [np.array([np.nan, np.inf, -np.inf, 1.0])], np.nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0])))
case("isnan", [np.array([np.nan, 1.0])], np.isnan(np.array([np.nan, 1.0])))
case("isfinite", [np.array([np.nan, np.inf, 1.0])], np.isfinite(np.array([np.nan, np.inf, 1.0])))

# Composed extras.
case("diff", [A], np.diff(A))
case("diff", [C3, 2], np.diff(C3, 2, axis=1), opts={"axis": 1})
case("ediff1d", [A], np.ediff1d(A))
V3a, V3b = rand(4, 3), rand(4, 3)
case("cross", [V3a, V3b], np.cross(V3a, V3b))
Nn = np.array([1.0, np.nan, 2.0, 3.0])
case("nansum", [Nn], np.nansum(Nn))
case("nanprod", [Nn], np.nanprod(Nn))
case("isclose", [A, A + 1e-9], np.isclose(A, A + 1e-9))
case("allclose", [A, B], np.allclose(A, B))
case("arrayEqual", [A, A], np.array_equal(A, A))
case("cov", [A], np.cov(A))
case("corrcoef", [A], np.corrcoef(A))
case("heaviside", [np.array([-1.0, 0.0, 2.0]), 0.5], np.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5))

# Creation.
case("arange", [2, 11, 3], np.arange(2, 11, 3, dtype="float64"), opts={"dtype": "float64"})
case("linspace", [0, 1, 7], np.linspace(0, 1, 7), opts={"dtype": "float64"})
case("linspace", [0, 1, 5], np.linspace(0, 1, 5, endpoint=False), opts={"dtype": "float64", "endpoint": False})
case("logspace", [0, 2, 3], np.logspace(0, 2, 3), opts={"dtype": "float64"})
case("eye", [3, 4, 1], np.eye(3, 4, 1), opts={"dtype": "float64"})
case("tri", [3, 4, -1], np.tri(3, 4, -1), opts={"dtype": "float64"})
case("meshgrid", [row[:3], row[:2]], np.meshgrid(row[:3], row[:2]))
case("meshgrid", [row[:3], row[:2], {"indexing": "ij"}], np.meshgrid(row[:3], row[:2], indexing="ij"))

# Products and linear algebra.
M = rand(4, 4) + 4 * np.eye(4)
SPD = M @ M.T
case("dot", [A, row], np.dot(A, row))
R42 = rand(4, 2)
case("dot", [A, R42], np.dot(A, R42))
case("dot", [row, row], np.dot(row, row))
R243 = rand(2, 4, 3)
case("dot", [C3, R243], np.dot(C3, R243))
K = rand(2, 4, 5)
case("matmul", [C3, K], np.matmul(C3, K))
case("matmul", [C3, R42], np.matmul(C3, R42))
R43 = rand(4, 3)
case("matmul", [row, R43], np.matmul(row, R43))
R342 = rand(3, 4, 2)
case("tensordot", [C3, R342], np.tensordot(C3, R342))
case("inner", [A, B], np.inner(A, B))
case("outer", [row, row[:3]], np.outer(row, row[:3]))
case("vdot", [A, B], np.vdot(A, B))
R22, R23 = rand(2, 2), rand(2, 3)
case("kron", [R22, R23], np.kron(R22, R23))
case("einsum", ["ij,jk->ik", A, R42], np.einsum("ij,jk->ik", A, R42))
case("einsum", ["bij,bjk->bik", C3, K], np.einsum("bij,bjk->bik", C3, K))
case("einsum", ["ii->i", M], np.einsum("ii->i", M))
case("einsum", ["ij->", A], np.einsum("ij->", A))
case("einsum", ["ij,ij->i", A, B], np.einsum("ij,ij->i", A, B))
case("einsum", ["i,j->ij", row, row], np.einsum("i,j->ij", row, row))
case("linalg.norm", [A], np.linalg.norm(A))
case("linalg.norm", [A], np.linalg.norm(A, ord=1, axis=1), opts={"ord": 1, "axis": 1})
case("linalg.norm", [row], np.linalg.norm(row, ord=np.inf), opts={"ord": "inf"})
case("linalg.norm", [row], np.linalg.norm(row, ord=3), opts={"ord": 3})
case("linalg.norm", [A], np.linalg.norm(A, ord=1), opts={"ord": 1})
case("linalg.norm", [A], np.linalg.norm(A, ord="fro"), opts={"ord": "fro"})
case("linalg.norm", [A], np.linalg.norm(A, ord=2), opts={"ord": 2})
case("linalg.norm", [A], np.linalg.norm(A, ord="nuc"), opts={"ord": "nuc"})
case("linalg.inv", [M], np.linalg.inv(M))
case("linalg.det", [M], np.linalg.det(M))
case("linalg.solve", [M, R42], np.linalg.solve(M, R42))
case("linalg.cholesky", [SPD], np.linalg.cholesky(SPD))
case("linalg.eigvalsh", [SPD], np.linalg.eigvalsh(SPD))
case("linalg.svdvals", [A], np.linalg.svd(A, compute_uv=False))
case("linalg.pinv", [A], np.linalg.pinv(A))
case("linalg.matrixRank", [np.outer(row, row)], np.linalg.matrix_rank(np.outer(row, row)), dtype="int64")
case("linalg.matrixPower", [M / 4, 3], np.linalg.matrix_power(M / 4, 3))
case("linalg.slogdet", [M], np.linalg.slogdet(M))

# Type promotion (MXNet's rules; values from NumPy).
I32 = ints(3, 4)
I32b = ints(3, 4, lo=1, hi=5)
U8 = ints(3, 4, lo=0, hi=9, dtype="uint8")
F32 = rand(3, 4).astype("float32")
case("add", [I32, I32b], I32 + I32b, name="int32 + int32 -> int32")
case("add", [I32, F32], I32 + F32.astype("float64"), dtype="float32", name="int32 + float32 -> float32")
case("add", [I32, A], I32 + A, name="int32 + float64 -> float64")
case("add", [U8, I32], U8.astype("int32") + I32, name="uint8 + int32 -> int32")
case("add", [F32, A], F32.astype("float64") + A, name="float32 + float64 -> float64")
case("add", [I32, 2], I32 + 2, name="int32 + int scalar -> int32")
case("add", [I32, 0.5], I32 + 0.5, dtype="float32", name="int32 + float scalar -> float32")
case("multiply", [Lb, I32], Lb.astype("int32") * I32, name="bool * int32 -> int32")
case("divide", [I32, I32b], I32 / I32b, dtype="float32", name="int32 / int32 -> float32 (true division)")
case("mod", [I32, I32b], np.mod(I32, I32b), name="int32 % int32 -> int32 (floored)")
case("floorDivide", [I32, I32b], np.floor_divide(I32, I32b), name="int32 // int32 -> int32")
case("sum", [I32], np.sum(I32.astype("int64")), name="sum of int32 -> int64")
case("mean", [I32], np.mean(I32), dtype="float32", name="mean of int32 -> float32")
case("sqrt", [I32b], np.sqrt(I32b), dtype="float32", name="sqrt of int32 -> float32")
case("maximum", [I32, F32], np.maximum(I32, F32.astype("float64")), dtype="float32", name="maximum(int32, float32)")
case("where", [Lb, I32, A], np.where(Lb, I32, A), name="where(bool, int32, float64) -> float64")
case("concatenate", [[I32, A]], np.concatenate([I32, A]), name="concatenate int32 with float64")

# Indexing (values of x[idx]; x = arange(60) as float64 of shape (3, 4, 5)).
X = np.arange(60, dtype="float64").reshape(3, 4, 5)
for idx, key in [
    ("1", X[1]), ("-1", X[-1]), ("1:3", X[1:3]), ("::2", X[::2]), (":, 1:3", X[:, 1:3]),
    ("1, 2", X[1, 2]), ("1, 2, 3", X[1, 2, 3]), ("..., 1", X[..., 1]), ("::-1, :, 4", X[::-1, :, 4]),
    ("None, 1", X[None, 1]), ("0, None, 1:3", X[0, None, 1:3]), (":, ::-2, 1:4:2", X[:, ::-2, 1:4:2]),
    ("-2:, -3", X[-2:, -3]), ("1:100", X[1:100]), ("5:", X[5:]),
]:
    cases.append({"id": f"get {idx}", "fn": "get", "args": [arr(X), idx], "opts": {},
                  "expect": result(key)})
for items, key in [
    ([[0, 2]], X[[0, 2]]),
    ([[2, 0], [1, 3]], X[[2, 0], [1, 3]]),
    ([0, [1, 3], ":"], X[0, [1, 3], :]),
    ([":", [[0], [2]], [1, 4]], X[:, [[0], [2]], [1, 4]]),
    ([[1, 2], ":", [0, 4]], X[[1, 2], :, [0, 4]]),
    ([[-1, 0]], X[[-1, 0]]),
]:
    cases.append({"id": f"get {json.dumps(items)}", "fn": "getItems", "args": [arr(X), items],
                  "opts": {}, "expect": result(key)})
mask = (X % 7 == 0)
cases.append({"id": "get boolean mask", "fn": "get", "args": [arr(X), arr(mask)], "opts": {},
              "expect": result(X[mask])})
row_mask = np.array([True, False, True])
cases.append({"id": "get row mask", "fn": "get", "args": [arr(X), arr(row_mask)], "opts": {},
              "expect": result(X[row_mask])})
for idx, value in [("1", 7.0), (":, 1:3", -1.0), ("..., 0", arr(np.arange(4.0))),
                   ("0, :, ::2", arr(np.arange(3.0).reshape(1, 3))), ("None, 2, 1", 5.0)]:
    Y = X.copy()
    v = np.asarray(value["values"]).reshape(value["shape"]) if isinstance(value, dict) else value
    exec(f"Y[{idx}] = v")
    cases.append({"id": f"setAt {idx}", "fn": "setAt", "args": [arr(X), idx, value], "opts": {},
                  "expect": result(Y)})
for items, value in [([[0, 2]], 1.0), ([[2, 0], [1, 3]], arr(np.array([10.0, 20.0]).reshape(2, 1)))]:
    Y = X.copy()
    v = np.asarray(value["values"]).reshape(value["shape"]) if isinstance(value, dict) else value
    Y[tuple(items) if len(items) > 1 else items[0]] = v
    cases.append({"id": f"setAt {json.dumps(items)}", "fn": "setAtItems", "args": [arr(X), items, value],
                  "opts": {}, "expect": result(Y)})
Y = X.copy()
Y[mask] = 0
cases.append({"id": "setAt boolean mask", "fn": "setAt", "args": [arr(X), arr(mask), 0.0], "opts": {},
              "expect": result(Y)})

out = os.path.join(os.path.dirname(__file__), "..", "tests", "numpy", "fixtures", "cases.json")
with open(out, "w") as f:
    json.dump({"generator": "tools/gen_numpy_cases.py", "numpy": np.__version__, "cases": cases}, f,
              indent=None, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
