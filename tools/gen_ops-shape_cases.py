"""Writes tests/ops/fixtures/ops-shape.json: inputs and float64 NumPy/PyTorch results for the
shape and indexing operators of #19 (add_n, broadcast_axis, slice_like, gather_nd, ...).

Each reference is written from the operator's definition in MXNet 1.9.1's documentation
(element loops or NumPy/PyTorch equivalents), not from mxts. Run with
/work/venv-torch/bin/python tools/gen_ops-shape_cases.py
"""

import json
import os

import numpy as np
import torch

rng = np.random.default_rng(19)
cases = []


def enc(a, dtype=None):
    a = np.asarray(a)
    kind = "float64" if a.dtype.kind == "f" else "uint8" if a.dtype == np.uint8 else "int64"
    dt = dtype or kind
    values = [None if np.isnan(v) else float(v) for v in a.reshape(-1).astype(np.float64)]
    return {"values": values, "shape": list(a.shape), "dtype": dt}


def case(cid, op, inputs, params, outs):
    cases.append({
        "id": cid,
        "op": op,
        "inputs": [enc(x, d) for x, d in inputs],
        "params": params,
        "expect": [enc(o) for o in outs],
    })


def rand(*shape):
    return rng.uniform(-1, 1, size=shape)


# add_n
a, b, c = rand(2, 3), rand(2, 3), rand(2, 3)
case("add_n", "add_n", [(a, None), (b, None), (c, None)], {"numArgs": 3}, [a + b + c])
case("ElementWiseSum", "ElementWiseSum", [(a, None)], {"numArgs": 1}, [a])

# broadcast_axis / broadcast_like with axes
x = rand(1, 3, 1)
case("broadcast_axis", "broadcast_axis", [(x, None)], {"axis": [0, 2], "size": [2, 4]},
     [np.broadcast_to(x, (2, 3, 4))])
case("broadcast_axes negative", "broadcast_axes", [(x, None)], {"axis": [-1], "size": [5]},
     [np.broadcast_to(x, (1, 3, 5))])
lhs, rhs = rand(1, 3), rand(2, 4, 5)
case("broadcast_like axes", "broadcast_like", [(lhs, None), (rhs, None)],
     {"lhsAxes": [0], "rhsAxes": [2]}, [np.broadcast_to(lhs, (5, 3))])
case("broadcast_like", "broadcast_like", [(lhs, None), (rand(4, 3), None)], {},
     [np.broadcast_to(lhs, (4, 3))])

# slice_like
x = rand(3, 4, 5)
case("slice_like all", "slice_like", [(x, None), (rand(2, 3, 4), None)], {}, [x[:2, :3, :4]])
case("slice_like axes", "slice_like", [(x, None), (rand(1, 2), None)], {"axes": [0, -2]},
     [x[:1, :2, :]])

# gather_nd / scatter_nd / _scatter_set_nd
data = rand(3, 4, 2)
idx = np.array([[0, 2, 1, -1], [3, 0, -4, 1]])
case("gather_nd", "gather_nd", [(data, None), (idx, "int32")], {},
     [np.stack([data[i, j] for i, j in zip(idx[0], idx[1])])])
idx1 = np.array([[2, 0, -3]])
case("gather_nd one axis", "gather_nd", [(data, None), (idx1, "float64")], {},
     [data[idx1[0]]])
vals = rand(3, 2)
sidx = np.array([[0, 1, 1], [3, 0, 2]])
out = np.zeros((2, 4, 2))
for k in range(3):
    out[sidx[0, k], sidx[1, k]] = vals[k]
case("scatter_nd", "scatter_nd", [(vals, None), (sidx, "int32")], {"shape": [2, 4, 2]}, [out])
base = rand(2, 4, 2)
setv = base.copy()
for k in range(3):
    setv[sidx[0, k], sidx[1, k]] = vals[k]
case("_scatter_set_nd", "_scatter_set_nd", [(base, None), (vals, None), (sidx, "int32")],
     {"shape": [2, 4, 2]}, [setv])

# depth_to_space / space_to_depth (DCR order, from the element definition)
x = rand(2, 8, 2, 3)
bs = 2
n, ch, h, w = x.shape
d2s = np.zeros((n, ch // 4, h * 2, w * 2))
for i in range(n):
    for cc in range(ch // 4):
        for y in range(h * 2):
            for xx in range(w * 2):
                by, bx = y % bs, xx % bs
                d2s[i, cc, y, xx] = x[i, (by * bs + bx) * (ch // 4) + cc, y // bs, xx // bs]
case("depth_to_space", "depth_to_space", [(x, None)], {"blockSize": 2}, [d2s])
x = rand(1, 3, 4, 6)
n, ch, h, w = x.shape
s2d = np.zeros((n, ch * 4, h // 2, w // 2))
for i in range(n):
    for oc in range(ch * 4):
        blk, cc = divmod(oc, ch)
        by, bx = divmod(blk, bs)
        for y in range(h // 2):
            for xx in range(w // 2):
                s2d[i, oc, y, xx] = x[i, cc, y * bs + by, xx * bs + bx]
case("space_to_depth", "space_to_depth", [(x, None)], {"blockSize": 2}, [s2d])

# SequenceLast / SequenceReverse (lengths as float, as MXNet feeds them)
x = rand(4, 3, 2)
lens = np.array([2, 4, 1])
case("SequenceLast", "SequenceLast", [(x, None), (lens, "float64")], {"useSequenceLength": True},
     [np.stack([x[lens[j] - 1, j] for j in range(3)])])
case("SequenceLast no lengths", "SequenceLast", [(x, None)], {}, [x[-1]])
xn = rand(3, 4, 2)
case("SequenceLast axis 1", "SequenceLast", [(xn, None), (lens, "float64")],
     {"useSequenceLength": True, "axis": 1}, [np.stack([xn[j, lens[j] - 1] for j in range(3)])])
rev = x.copy()
for j in range(3):
    rev[: lens[j], j] = x[: lens[j], j][::-1]
case("SequenceReverse", "SequenceReverse", [(x, None), (lens, "float64")],
     {"useSequenceLength": True}, [rev])
case("SequenceReverse no lengths", "SequenceReverse", [(x, None)], {}, [x[::-1]])

# diag
m = rand(3, 4)
case("diag 2d", "diag", [(m, None)], {}, [np.diag(m)])
case("diag 2d k=2", "diag", [(m, None)], {"k": 2}, [np.diag(m, 2)])
case("diag 2d k=-1", "diag", [(m, None)], {"k": -1}, [np.diag(m, -1)])
v = rand(3)
case("diag 1d k=1", "diag", [(v, None)], {"k": 1}, [np.diag(v, 1)])
case("diag 1d k=-2", "diag", [(v, None)], {"k": -2}, [np.diag(v, -2)])
t = rand(2, 3, 4)
case("diag 3d axes", "diag", [(t, None)], {"k": 1, "axis1": 2, "axis2": 0},
     [np.diagonal(t, 1, 2, 0)])
case("diag 3d negative axes", "diag", [(t, None)], {"axis1": -2, "axis2": -1},
     [np.diagonal(t, 0, -2, -1)])

# moments (torch.var_mean, population variance)
x = rand(2, 3, 4)
tv, tm = torch.var_mean(torch.tensor(x), dim=(0, 2), unbiased=False)
case("moments axes", "moments", [(x, None)], {"axes": [0, 2]}, [tm.numpy(), tv.numpy()])
tv, tm = torch.var_mean(torch.tensor(x), dim=(1,), unbiased=False, keepdim=True)
case("moments keepdims", "moments", [(x, None)], {"axes": [1], "keepdims": True},
     [tm.numpy(), tv.numpy()])
case("moments all", "moments", [(x, None)], {}, [np.array(x.mean()), np.array(x.var())])

# cumsum
x = rand(3, 7)
case("cumsum axis 1", "cumsum", [(x, None)], {"axis": 1}, [torch.cumsum(torch.tensor(x), 1).numpy()])
case("cumsum axis -2", "_np_cumsum", [(x, None)], {"axis": -2}, [np.cumsum(x, axis=0)])
case("cumsum flat", "cumsum", [(x, None)], {}, [np.cumsum(x)])
xi = rng.integers(-5, 5, size=(2, 5))
case("cumsum int32", "cumsum", [(xi, "int32")], {"axis": 1}, [np.cumsum(xi, axis=1)])

# batch_take (indices clipped to the row), argmax_channel
a = rand(4, 3)
bi = np.array([0, 2, 5, -1])
case("batch_take", "batch_take", [(a, None), (bi, "int32")], {},
     [np.array([a[i, min(max(j, 0), 2)] for i, j in enumerate(bi)])])
x = rand(3, 5)
case("argmax_channel", "argmax_channel", [(x, None)], {}, [np.argmax(x, axis=1).astype(np.float64)])
x3 = rand(2, 4, 3)
case("argmax_channel 3d", "argmax_channel", [(x3, None)], {}, [np.argmax(x3, axis=1).astype(np.float64)])

# shape_array / size_array / identity / div_sqrt_dim
x = rand(2, 3, 4)
case("shape_array", "shape_array", [(x, None)], {}, [np.array([2, 3, 4])])
case("size_array", "size_array", [(x, None)], {}, [np.array([24])])
case("identity", "identity", [(x, None)], {}, [x])
case("_copy", "_copy", [(x, None)], {}, [x])
case("div_sqrt_dim", "_contrib_div_sqrt_dim", [(x, None)], {}, [x / np.sqrt(4)])

# arange_like
case("arange_like", "_contrib_arange_like", [(rand(2, 3), None)], {"start": 1.5, "step": 0.5},
     [np.arange(1.5, 1.5 + 0.5 * 6, 0.5)[:6].reshape(2, 3)])
case("arange_like repeat axis", "_contrib_arange_like", [(rand(2, 6), None)],
     {"start": 2, "step": 3, "repeat": 3, "axis": 1}, [np.repeat(np.arange(2, 8, 3), 3)])

# index_copy
old = rand(5, 2)
ii = np.array([4, 0, 2])
new = rand(3, 2)
cp = old.copy()
cp[ii] = new
case("index_copy", "_contrib_index_copy", [(old, None), (ii, "int32"), (new, None)], {}, [cp])

# ravel / unravel
mi = np.array([[1, 2, 0], [3, 0, 1]])
case("ravel_multi_index", "_ravel_multi_index", [(mi, "float64")], {"shape": [3, 4]},
     [np.ravel_multi_index(tuple(mi), (3, 4)).astype(np.float64)])
fi = np.array([0, 7, 11, 23])
case("unravel_index", "_unravel_index", [(fi, "float64")], {"shape": [2, 3, 4]},
     [np.stack(np.unravel_index(fi, (2, 3, 4))).astype(np.float64)])

# _split_v2 (indices start with 0, as Python's split_v2 passes them)
x = rand(3, 7)
case("split_v2 indices", "_split_v2", [(x, None)], {"indices": [0, 2, 3], "axis": 1},
     np.split(x, [2, 3], axis=1))
case("split_v2 sections squeeze", "_split_v2", [(x, None)],
     {"sections": 3, "axis": 0, "squeezeAxis": True}, [r[0] for r in np.split(x, 3, axis=0)])

# khatri_rao: column-wise Kronecker product
mats = [rand(2, 3), rand(3, 3), rand(1, 3)]
kr = np.stack([np.kron(np.kron(mats[0][:, k], mats[1][:, k]), mats[2][:, k]) for k in range(3)], axis=1)
case("khatri_rao", "khatri_rao", [(m, None) for m in mats], {"numArgs": 3}, [kr])

# histogram: bin count and range, or bin bounds (counts int64, bounds in data's dtype)
x = rng.uniform(-1, 4, size=(3, 7))
counts, edges = np.histogram(x, bins=4, range=(0, 3))
case("histogram bin_cnt", "_histogram", [(x, None)], {"binCnt": 4, "range": [0, 3]},
     [counts, edges])
bounds = np.array([-1, 0.5, 1, 2.5, 4])
counts, edges = np.histogram(x, bins=bounds)
case("histogram bins", "_histogram", [(x, None), (bounds, None)], {}, [counts, edges])

# allclose (uint8 scalar)
a = rand(2, 3)
b = a * (1 + 1e-6)
case("allclose true", "_contrib_allclose", [(a, None), (b, None)], {},
     [np.array(np.allclose(a, b), dtype=np.uint8)])
case("allclose false", "_contrib_allclose", [(a, None), (a + 0.01, None)], {"atol": 0.001},
     [np.array(np.allclose(a, a + 0.01, atol=0.001), dtype=np.uint8)])
an = a.copy()
an[0, 1] = np.nan
case("allclose nan", "_contrib_allclose", [(an, None), (an, None)], {"equalNan": False},
     [np.array(np.allclose(an, an, equal_nan=False), dtype=np.uint8)])

path = os.path.join(os.path.dirname(__file__), "..", "tests", "ops", "fixtures", "ops-shape.json")
with open(path, "w") as f:
    json.dump({"generator": "tools/gen_ops-shape_cases.py", "cases": cases}, f, indent=1)
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
