"""Writes tests/ops/fixtures/ops-linalg.json: inputs and PyTorch float64 results for
MXNet's _linalg_* operators (read by tests/ops/values_ops-linalg_test.ts).

Run: /work/venv-torch/bin/python tools/gen_ops-linalg_cases.py
The packed triangle layout of extracttrian/maketrian is MXNet's (la_op-inl.h CopyTrian):
a lower triangle row by row; an upper one column by column (its transpose row by row).
"""
import json
import pathlib

import numpy as np
import torch

rng = np.random.default_rng(19)
T = lambda a: torch.tensor(a, dtype=torch.float64)
cases = []


def enc(t):
    a = np.asarray(t, dtype=np.float64)
    return {"shape": list(a.shape), "values": [v if np.isfinite(v) else str(v) for v in a.ravel().tolist()]}


def add(name, op, inputs, params, outputs, host):
    cases.append({"name": name, "op": op, "params": params, "host": host,
                  "inputs": [enc(x) for x in inputs],
                  "outputs": [enc(y) for y in outputs]})


def rand(*s):
    return rng.uniform(-1, 1, s)


def spd(*lead, n):
    a = rand(*lead, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def tri(*lead, n, lower):
    a = rand(*lead, n, n) + 3 * np.eye(n)
    return np.tril(a) if lower else np.triu(a)


def mt(x):
    return x.transpose(-1, -2)


# gemm / gemm2 (alpha, beta, transposes, batch, a rows axis other than -2)
for ta in (False, True):
    for tb in (False, True):
        a = rand(2, 4, 3) if ta else rand(2, 3, 4)
        b = rand(2, 5, 4) if tb else rand(2, 4, 5)
        c = rand(2, 3, 5)
        op = lambda x, t: mt(T(x)) if t else T(x)
        prod = op(a, ta) @ op(b, tb)
        p = {"transpose_a": ta, "transpose_b": tb, "alpha": 1.5}
        add(f"gemm2 ta={ta} tb={tb}", "_linalg_gemm2", [a, b], p, [1.5 * prod], False)
        add(f"gemm ta={ta} tb={tb}", "linalg_gemm", [a, b, c], {**p, "beta": -0.5},
            [1.5 * prod - 0.5 * T(c)], False)
a, b = rand(3, 2, 4), rand(4, 2, 5)  # rows on axis 0, batch on axis 1
prod = (T(a).transpose(0, 1) @ T(b).transpose(0, 1)).transpose(0, 1)
add("gemm2 axis=0", "_linalg_gemm2", [a, b], {"axis": 0}, [prod], False)
add("gemm2 2-D", "_linalg_gemm2", [rand(3, 4), rand(4, 2)], {}, [], False)
cases[-1]["outputs"] = [enc(T(cases[-1]["inputs"][0]["values"]).reshape(3, 4) @
                            T(cases[-1]["inputs"][1]["values"]).reshape(4, 2))]

# syrk
a = rand(2, 3, 4)
add("syrk", "_linalg_syrk", [a], {"alpha": 2.0}, [2 * T(a) @ mt(T(a))], False)
add("syrk transpose", "_linalg_syrk", [a], {"transpose": True}, [mt(T(a)) @ T(a)], False)

# trmm / trsm: every side, transpose and triangle; A's other triangle holds junk.
for lower in (True, False):
    for transpose in (False, True):
        for right in (False, True):
            full = rand(2, 3, 3) + 3 * np.eye(3)
            triA = T(np.tril(full) if lower else np.triu(full))
            opA = mt(triA) if transpose else triA
            b = rand(2, 4, 3) if right else rand(2, 3, 4)
            p = {"lower": lower, "transpose": transpose, "rightside": right, "alpha": 0.5}
            tag = f"lower={lower} transpose={transpose} rightside={right}"
            add(f"trmm {tag}", "_linalg_trmm", [full, b], p,
                [0.5 * (T(b) @ opA if right else opA @ T(b))], False)
            if right:  # X op(A) = alpha B  <=>  op(A)^T X^T = alpha B^T
                x = mt(torch.linalg.solve(mt(opA), mt(0.5 * T(b))))
            else:
                x = torch.linalg.solve_triangular(opA, 0.5 * T(b),
                                                  upper=(lower == transpose))
            add(f"trsm {tag}", "linalg_trsm", [full, b], p, [x], True)

# potrf / potri
a = spd(2, n=4)
L = torch.linalg.cholesky(T(a))
add("potrf", "_linalg_potrf", [a], {}, [L], True)
add("potrf upper", "linalg_potrf", [a], {"lower": False}, [mt(L)], True)
add("potri", "_linalg_potri", [L.numpy()], {}, [torch.cholesky_inverse(L)], True)
add("potri upper", "_linalg_potri", [mt(L).numpy()], {"lower": False},
    [torch.cholesky_inverse(mt(L), upper=True)], True)

# inverse / det / slogdet
a = rand(2, 3, 3) + 2 * np.eye(3)
a[1] = -a[1]
add("inverse", "_linalg_inverse", [a], {}, [torch.linalg.inv(T(a))], True)
add("det", "_linalg_det", [a], {}, [torch.linalg.det(T(a))], True)
s, ld = torch.linalg.slogdet(T(a))
add("slogdet", "_linalg_slogdet", [a], {}, [s, ld], True)

# sumlogdiag, diagonal and triangle packing
a = spd(2, n=3)
add("sumlogdiag", "_linalg_sumlogdiag", [a], {},
    [torch.log(torch.diagonal(T(a), dim1=-2, dim2=-1)).sum(-1)], False)
add("sumlogdiag 2-D", "_linalg_sumlogdiag", [a[0]], {},
    [torch.log(torch.diagonal(T(a[0]))).sum().reshape(1)], False)
a = rand(2, 4, 4)
for off in (0, 1, -2):
    d = torch.diagonal(T(a), offset=off, dim1=-2, dim2=-1)
    add(f"extractdiag offset={off}", "_linalg_extractdiag", [a], {"offset": off}, [d], False)
    add(f"makediag offset={off}", "_linalg_makediag", [d.numpy()], {"offset": off},
        [torch.diag_embed(d, offset=off)], False)


def packed(m, off, lower):
    """MXNet's packed triangle of one n x n matrix."""
    n = m.shape[-1]
    upper = off > 0 or (off == 0 and not lower)
    src = m.T if upper else m
    k = abs(off)
    return [src[r + k, c] for r in range(n - k) for c in range(r + 1)]


for off, lower in ((0, True), (0, False), (1, True), (-1, True), (-2, False)):
    x = np.stack([np.array(packed(m, off, lower)) for m in a])
    add(f"extracttrian offset={off} lower={lower}", "_linalg_extracttrian", [a],
        {"offset": off, "lower": lower}, [x], False)
    n = 4
    back = np.zeros_like(a)
    for i in range(2):
        pos = packed(np.arange(n * n).reshape(n, n), off, lower)
        back[i].reshape(-1)[pos] = x[i]
    add(f"maketrian offset={off} lower={lower}", "linalg_maketrian", [x],
        {"offset": off, "lower": lower}, [back], False)

# gelqf: A = L Q from the QR factorization of A^T (LAPACK's signs on both sides)
a = rand(2, 3, 5)
q, r = torch.linalg.qr(mt(T(a)))
add("gelqf", "_linalg_gelqf", [a], {}, [mt(q), mt(r)], True)

# syevd: rows of U are eigenvectors, largest-magnitude entry positive
a = spd(2, n=4)
w, v = torch.linalg.eigh(T(a))
u = mt(v).clone()
for bi in range(u.shape[0]):
    for i in range(u.shape[1]):
        j = int(torch.argmax(torch.abs(u[bi, i])))
        if u[bi, i, j] < 0:
            u[bi, i] = -u[bi, i]
add("syevd", "_linalg_syevd", [a], {}, [u, w], True)

out = pathlib.Path(__file__).resolve().parent.parent / "tests/ops/fixtures/ops-linalg.json"
out.write_text(json.dumps({"generator": "tools/gen_ops-linalg_cases.py", "cases": cases}))
print(f"wrote {len(cases)} cases to {out}")
