"""Writes tests/ops/fixtures/optim.json: cases for MXNet's optimizer update operators.

Each formula below is a float64 NumPy transcription of the kernel in MXNet 1.9.1's
src/operator/optimizer_op-inl.h (and contrib/adamw-inl.h, contrib/optimizer_op-inl.h,
contrib/multi_lars-inl.h, contrib/multi_sum_sq-inl.h, contrib/all_finite-inl.h), written
from the C++ sources independently of mxts. tests/ops/values_optim_test.ts runs every case
through mx.nd on each backend and compares the result and every array written in place.

Run: /work/venv-torch/bin/python tools/gen_optim_cases.py
"""
import json
import os

import numpy as np

rng = np.random.default_rng(19)
SHAPE = (2, 3)


def arr(x, dtype="float64"):
    x = np.asarray(x, dtype=np.float64)
    return {"values": [float(v) for v in x.ravel()], "shape": list(x.shape), "dtype": dtype}


def rnd(lo=-1.0, hi=1.0, shape=SHAPE):
    return rng.uniform(lo, hi, size=shape)


def clip(x, c):
    return np.clip(x, -c, c) if c >= 0 else x


cases = []


def case(id, fn, inputs, opts, result=None, written=None, out_weight=True, dtypes=None):
    """inputs: arrays; written: {input index: expected array after the call}."""
    dtypes = dtypes or ["float64"] * len(inputs)
    c = {
        "id": id,
        "fn": fn,
        "inputs": [arr(x, d) for x, d in zip(inputs, dtypes)],
        "opts": opts,
        "outWeight": out_weight,
        "written": {str(k): arr(v, dtypes[k]) for k, v in (written or {}).items()},
    }
    if result is not None:
        c["result"] = result if isinstance(result, list) else arr(result, result_dtype(dtypes))
    cases.append(c)


def result_dtype(dtypes):
    return dtypes[0]


# ---- sgd_update
for tag, o in [("plain", {}), ("wd", {"wd": 0.1}), ("clip", {"rescale_grad": 2.0, "clip_gradient": 0.5, "wd": 0.01})]:
    w, g = rnd(), rnd(-2, 2)
    lr, wd, rs, cg = 0.1, o.get("wd", 0.0), o.get("rescale_grad", 1.0), o.get("clip_gradient", -1.0)
    nw = (1 - lr * wd) * w - lr * clip(rs * g, cg)
    case(f"sgd_update {tag}", "sgdUpdate", [w, g], {"lr": lr, **o}, written={0: nw})

# ---- sgd_mom_update / nag_mom_update / mp forms
for tag, o in [("plain", {}), ("wd clip", {"wd": 0.05, "rescale_grad": 0.5, "clip_gradient": 0.3})]:
    w, g, m = rnd(), rnd(-2, 2), rnd(-0.1, 0.1)
    lr, mo = 0.1, 0.9
    wd, rs, cg = o.get("wd", 0.0), o.get("rescale_grad", 1.0), o.get("clip_gradient", -1.0)
    m1 = mo * m - lr * wd * w - lr * clip(rs * g, cg)
    case(f"sgd_mom_update {tag}", "sgdMomUpdate", [w, g, m], {"lr": lr, "momentum": mo, **o},
         written={0: w + m1, 2: m1})
    # NAG, MXNet's kernel as written.
    gg = clip(rs * g, cg) + wd * w
    mm = mo * m
    nw = w - mm + (mo + 1) * (mm - lr * gg)
    case(f"nag_mom_update {tag}", "nagMomUpdate", [w, g, m], {"lr": lr, "momentum": mo, **o},
         written={0: nw, 2: mm - lr * gg})
    # Mixed precision: float16 weight and grad, float32 master and momentum.
    w16 = w.astype(np.float16).astype(np.float64)
    g16 = g.astype(np.float16).astype(np.float64)
    m1 = mo * m - lr * wd * w16 - lr * clip(rs * g16, cg)
    case(f"mp_sgd_mom_update {tag}", "mpSgdMomUpdate", [w16, g16, m, w16],
         {"lr": lr, "momentum": mo, **o}, written={0: w16 + m1, 2: m1, 3: w16 + m1},
         dtypes=["float16", "float16", "float32", "float32"])
    nw = (1 - lr * wd) * w16 - lr * clip(rs * g16, cg)
    case(f"mp_sgd_update {tag}", "mpSgdUpdate", [w16, g16, w16], {"lr": lr, **o},
         written={0: nw, 2: nw}, dtypes=["float16", "float16", "float32"])
    gg = clip(rs * g16, cg) + wd * w16
    mm = mo * m
    nw = w16 - mm + (mo + 1) * (mm - lr * gg)
    case(f"mp_nag_mom_update {tag}", "mpNagMomUpdate", [w16, g16, m, w16],
         {"lr": lr, "momentum": mo, **o}, written={0: nw, 2: mm - lr * gg, 3: nw},
         dtypes=["float16", "float16", "float32", "float32"])

# ---- signsgd / signum
w, g, m = rnd(), rnd(-2, 2), rnd(-0.1, 0.1)
case("signsgd_update", "signsgdUpdate", [w, g], {"lr": 0.1, "wd": 0.2},
     written={0: (1 - 0.1 * 0.2) * w - 0.1 * np.sign(g)})
lr, mo, wd, wdlh, rs, cg = 0.1, 0.8, 0.05, 0.01, 2.0, 1.0
m1 = mo * m - (1 - mo) * wd * w - (1 - mo) * clip(rs * g, cg)
case("signum_update", "signumUpdate", [w, g, m],
     {"lr": lr, "momentum": mo, "wd": wd, "wd_lh": wdlh, "rescale_grad": rs, "clip_gradient": cg},
     written={0: (1 - lr * wdlh) * w + lr * np.sign(m1), 2: m1})

# ---- adam_update
for tag, o in [("plain", {}), ("wd clip", {"wd": 0.1, "rescale_grad": 3.0, "clip_gradient": 0.5})]:
    w, g, mean, var = rnd(), rnd(-2, 2), rnd(-0.1, 0.1), rnd(0, 0.1)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    wd, rs, cg = o.get("wd", 0.0), o.get("rescale_grad", 1.0), o.get("clip_gradient", -1.0)
    gr = clip(g * rs + w * wd, cg)
    m1 = b1 * mean + (1 - b1) * gr
    v1 = b2 * var + (1 - b2) * gr * gr
    case(f"adam_update {tag}", "adamUpdate", [w, g, mean, var], {"lr": lr, **o},
         written={0: w - lr * m1 / (np.sqrt(v1) + eps), 2: m1, 3: v1})

# ---- _adamw_update / _mp_adamw_update
w, g, mean, var = rnd(), rnd(-2, 2), rnd(-0.1, 0.1), rnd(0, 0.1)
lr, b1, b2, eps, wd, eta, cg = 0.01, 0.9, 0.99, 1e-6, 0.1, 0.5, 0.4
for scale in [0.5]:
    gr = clip(scale * g, cg)
    m1 = b1 * mean + (1 - b1) * gr
    v1 = b2 * var + (1 - b2) * gr * gr
    nw = w - eta * (lr * m1 / (np.sqrt(v1) + eps) + wd * w)
    opts = {"lr": lr, "beta1": b1, "beta2": b2, "epsilon": eps, "wd": wd, "eta": eta,
            "clip_gradient": cg}
    case("_adamw_update", "adamwUpdate", [w, g, mean, var, [scale]], opts,
         written={0: nw, 2: m1, 3: v1})
    w16 = w.astype(np.float16).astype(np.float64)
    g16 = g.astype(np.float16).astype(np.float64)
    gr = clip(scale * g16, cg)
    m1 = b1 * mean + (1 - b1) * gr
    v1 = b2 * var + (1 - b2) * gr * gr
    nw = w16 - eta * (lr * m1 / (np.sqrt(v1) + eps) + wd * w16)
    case("_mp_adamw_update", "mpAdamwUpdate", [w16, g16, mean, var, w16, [scale]], opts,
         written={0: nw, 2: m1, 3: v1, 4: nw},
         dtypes=["float16", "float16", "float32", "float32", "float32", "float32"])
for scale in [float("inf"), 0.0]:
    opts = {"lr": lr, "eta": eta}
    case(f"_adamw_update skipped (rescale_grad {scale})", "adamwUpdate",
         [w, g, mean, var, [1.0]], opts, written={0: w, 2: mean, 3: var})
    cases[-1]["inputs"][4]["values"] = ["inf" if scale == float("inf") else 0.0]

# ---- LAMB
w, g, mean, var = rnd(), rnd(-2, 2), rnd(-0.1, 0.1), rnd(0, 0.1)
b1, b2, eps, t, wd, rs, cg = 0.9, 0.999, 1e-6, 3, 0.01, 1.5, 1.0
for bc in [True, False]:
    gr = clip(g * rs, cg)
    m1 = b1 * mean + (1 - b1) * gr
    v1 = b2 * var + (1 - b2) * gr * gr
    if bc:
        r = (m1 / (1 - b1 ** t)) / (np.sqrt(v1 / (1 - b2 ** t)) + eps) + wd * w
    else:
        r = m1 / (np.sqrt(v1) + eps) + wd * w
    case(f"lamb_update_phase1 bias_correction={bc}", "lambUpdatePhase1", [w, g, mean, var],
         {"t": t, "wd": wd, "rescale_grad": rs, "clip_gradient": cg, "bias_correction": bc},
         result=r, written={2: m1, 3: v1}, out_weight=False)


def lamb2(w, g, r1, r2, lr, lo, hi):
    n1 = r1
    if lo >= 0:
        n1 = max(n1, lo)
    if hi >= 0:
        n1 = min(n1, hi)
    ratio = 1.0 if n1 == 0 or r2 == 0 else n1 / r2
    return w - lr * ratio * g


w, g = rnd(), rnd(-0.5, 0.5)
r1, r2 = float(np.linalg.norm(w)), float(np.linalg.norm(g))
for tag, lo, hi in [("no bounds", -1, -1), ("upper", -1, 0.5), ("lower", 5.0, -1)]:
    opts = {"lr": 0.05}
    if lo >= 0:
        opts["lower_bound"] = lo
    if hi >= 0:
        opts["upper_bound"] = hi
    case(f"lamb_update_phase2 {tag}", "lambUpdatePhase2", [w, g, [r1], [r2]], opts,
         written={0: lamb2(w, g, r1, r2, 0.05, lo, hi)})
case("lamb_update_phase2 zero r2", "lambUpdatePhase2", [w, g, [r1], [0.0]], {"lr": 0.05},
     written={0: w - 0.05 * g})

# ---- RMSProp
w, g, n, gm, delta = rnd(), rnd(-2, 2), rnd(0, 0.1), rnd(-0.05, 0.05), rnd(-0.01, 0.01)
lr, g1, g2, eps, wd, rs, cg, cw = 0.01, 0.95, 0.9, 1e-8, 0.1, 2.0, 1.5, 0.7
gr = clip(rs * g + wd * w, cg)
n1 = (1 - g1) * gr * gr + g1 * n
case("rmsprop_update", "rmspropUpdate", [w, g, n],
     {"lr": lr, "wd": wd, "rescale_grad": rs, "clip_gradient": cg, "clip_weights": cw},
     written={0: clip(w - lr * gr / np.sqrt(n1 + eps), cw), 2: n1})
gm1 = (1 - g1) * gr + g1 * gm
d1 = g2 * delta - lr * gr / np.sqrt(n1 - gm1 * gm1 + eps)
case("rmspropalex_update", "rmspropalexUpdate", [w, g, n, gm, delta],
     {"lr": lr, "gamma2": g2, "wd": wd, "rescale_grad": rs, "clip_gradient": cg},
     written={0: w + d1, 2: n1, 3: gm1, 4: d1})

# ---- FTRL
w, g, z, n = rnd(), rnd(-2, 2), rnd(-0.5, 0.5), rnd(0, 0.5)
lr, l1, beta, wd = 0.1, 0.05, 1.0, 0.01
gr = g
z1 = z + gr - (np.sqrt(n + gr * gr) - np.sqrt(n)) * w / lr
n1 = n + gr * gr
nw = (np.sign(z1) * l1 - z1) / ((beta + np.sqrt(n1)) / lr + wd) * (np.abs(z1) > l1)
case("ftrl_update", "ftrlUpdate", [w, g, z, n], {"lr": lr, "lamda1": l1, "beta": beta, "wd": wd},
     written={0: nw, 2: z1, 3: n1})

# ---- FTML
w, g, d, v, z = rnd(), rnd(-2, 2), rnd(0.5, 1.0), rnd(0, 0.1), rnd(-0.1, 0.1)
lr, b1, b2, eps, t, wd, rs, cg = 0.02, 0.6, 0.999, 1e-8, 4, 0.01, 1.0, 1.2
gr = clip(rs * g + wd * w, cg)
v1 = b2 * v + (1 - b2) * gr * gr
dt = (1 - b1 ** t) / lr * (np.sqrt(v1 / (1 - b2 ** t)) + eps)
z1 = b1 * z + (1 - b1) * gr - (dt - b1 * d) * w
case("ftml_update", "ftmlUpdate", [w, g, d, v, z],
     {"lr": lr, "t": t, "wd": wd, "clip_grad": cg},
     written={0: -z1 / dt, 2: dt, 3: v1, 4: z1})

# ---- group adagrad
w, g, h = rnd(), rnd(-2, 2), rnd(0, 0.5, (2, 1))
lr, eps, rs = 0.1, 1e-5, 0.5
gr = g * rs
h1 = h + np.mean(gr * gr, axis=1, keepdims=True)
case("_contrib_group_adagrad_update", "groupAdagradUpdate", [w, g, h],
     {"lr": lr, "epsilon": eps, "rescale_grad": rs},
     written={0: w - lr * gr / np.sqrt(h1 + eps), 2: h1})

# ---- multi-tensor
ws = [rnd(), rnd(shape=(4,))]
gs = [rnd(-2, 2), rnd(-2, 2, (4,))]
ms = [rnd(-0.1, 0.1), rnd(-0.1, 0.1, (4,))]
lrs, wds, mo = [0.1, 0.2], [0.0, 0.05], 0.9
flat, written, outs = [], {}, []
for i in range(2):
    m1 = mo * ms[i] - lrs[i] * wds[i] * ws[i] - lrs[i] * gs[i]
    flat += [ws[i], gs[i], ms[i]]
    written[3 * i] = ws[i] + m1
    written[3 * i + 2] = m1
case("multi_sgd_mom_update", "multiSgdMomUpdate", flat, {"lrs": lrs, "wds": wds, "momentum": mo},
     written=written)
flat, written = [], {}
for i in range(2):
    flat += [ws[i], gs[i]]
    written[2 * i] = (1 - lrs[i] * wds[i]) * ws[i] - lrs[i] * gs[i]
case("multi_sgd_update", "multiSgdUpdate", flat, {"lrs": lrs, "wds": wds}, written=written)
# ---- preloaded multi-tensor SGD: lrs and wds as float32 arrays after the groups
# lrs and wds are float32 arrays in MXNet: the reference uses their float32 values.
plrs = np.array([0.1, 0.2], dtype=np.float32).astype(np.float64)
pwds = np.array([0.01, 0.05], dtype=np.float32).astype(np.float64)
rs, cg = 2.0, 0.8
for mom_on in [False, True]:
    flat, written = [], {}
    k = 3 if mom_on else 2
    for i in range(2):
        mprev = ms[i] if mom_on else 0.0
        m1 = (mo if mom_on else 0.0) * mprev - plrs[i] * pwds[i] * ws[i] - plrs[i] * clip(rs * gs[i], cg)
        flat += [ws[i], gs[i]] + ([ms[i]] if mom_on else [])
        written[k * i] = ws[i] + m1
        if mom_on:
            written[k * i + 2] = m1
    opts = {"rescale_grad": rs, "clip_gradient": cg, **({"momentum": mo} if mom_on else {})}
    name = "preloaded_multi_sgd_mom_update" if mom_on else "preloaded_multi_sgd_update"
    fn = "preloadedMultiSgdMomUpdate" if mom_on else "preloadedMultiSgdUpdate"
    case(name, fn, flat + [plrs, pwds], opts, written=written,
         dtypes=["float64"] * len(flat) + ["float32", "float32"])

# ---- multi-tensor AdamW and LAMB (per weight: the single-tensor kernels above)
mws = [rnd(), rnd(shape=(4,))]
mgs = [rnd(-2, 2), rnd(-2, 2, (4,))]
mms = [rnd(-0.1, 0.1), rnd(-0.1, 0.1, (4,))]
mvs = [rnd(0, 0.1), rnd(0, 0.1, (4,))]
lrs2, wds2, etas2 = [0.01, 0.02], [0.1, 0.0], [1.0, 0.5]
b1, b2, eps, cg, scale = 0.9, 0.999, 1e-8, 0.6, 0.5
flat, written = [], {}
for i in range(2):
    gr = clip(scale * mgs[i], cg)
    m1 = b1 * mms[i] + (1 - b1) * gr
    v1 = b2 * mvs[i] + (1 - b2) * gr * gr
    flat += [mws[i], mgs[i], mms[i], mvs[i]]
    written[4 * i] = mws[i] - etas2[i] * (lrs2[i] * m1 / (np.sqrt(v1) + eps) + wds2[i] * mws[i])
    written[4 * i + 2], written[4 * i + 3] = m1, v1
case("_multi_adamw_update", "multiAdamwUpdate", flat + [[scale]],
     {"lrs": lrs2, "wds": wds2, "etas": etas2, "clip_gradient": cg}, written=written)
steps, lb_eps, rs = [3, 5], 1e-6, 1.5
flat, written = [], {}
for i in range(2):
    gr = clip(rs * mgs[i], cg)
    m1 = b1 * mms[i] + (1 - b1) * gr
    v1 = b2 * mvs[i] + (1 - b2) * gr * gr
    t = steps[i]
    g = (m1 / (1 - b1 ** t)) / (np.sqrt(v1 / (1 - b2 ** t)) + lb_eps) + wds2[i] * mws[i]
    flat += [mws[i], mgs[i], mms[i], mvs[i]]
    written[4 * i] = lamb2(mws[i], g, float(np.linalg.norm(mws[i])), float(np.linalg.norm(g)),
                           lrs2[i], -1, 2.0)
    written[4 * i + 2], written[4 * i + 3] = m1, v1
case("_multi_lamb_update", "multiLambUpdate", flat,
     {"learning_rates": lrs2, "wds": wds2, "step_count": steps, "rescale_grad": rs,
      "clip_gradient": cg, "upper_bound": 2.0}, written=written)

# ---- mixed-precision multi-tensor and LAMB forms: float16 weights and grads, float32 states
f16 = lambda x: x.astype(np.float16).astype(np.float64)
flat, written, dts = [], {}, []
for i in range(2):
    w16, g16 = f16(ws[i]), f16(gs[i])
    m1 = mo * ms[i] - lrs[i] * wds[i] * w16 - lrs[i] * g16
    flat += [w16, g16, ms[i], w16]
    dts += ["float16", "float16", "float32", "float32"]
    written[4 * i], written[4 * i + 2], written[4 * i + 3] = w16 + m1, m1, w16 + m1
case("multi_mp_sgd_mom_update", "multiMpSgdMomUpdate", flat,
     {"lrs": lrs, "wds": wds, "momentum": mo}, written=written, dtypes=dts)
w16, g16 = f16(mws[0]), f16(mgs[0])
t, wd, rs = 2, 0.01, 1.5
gr = clip(rs * g16, cg)
m1 = b1 * mms[0] + (1 - b1) * gr
v1 = b2 * mvs[0] + (1 - b2) * gr * gr
g = (m1 / (1 - b1 ** t)) / (np.sqrt(v1 / (1 - b2 ** t)) + 1e-6) + wd * w16
case("mp_lamb_update_phase1", "mpLambUpdatePhase1", [w16, g16, mms[0], mvs[0], w16],
     {"t": t, "wd": wd, "rescale_grad": rs, "clip_gradient": cg}, result=g,
     written={2: m1, 3: v1}, out_weight=False,
     dtypes=["float16", "float16", "float32", "float32", "float32"])
cases[-1]["result"]["dtype"] = "float32"
r1, r2 = float(np.linalg.norm(w16)), float(np.linalg.norm(g))
nw = lamb2(w16, g, r1, r2, 0.05, -1, -1)
case("mp_lamb_update_phase2", "mpLambUpdatePhase2", [w16, g, [r1], [r2], w16], {"lr": 0.05},
     written={0: nw, 4: nw}, dtypes=["float16", "float32", "float32", "float32", "float32"])

case("multi_sum_sq", "multiSumSq", ws + gs, {},
     result=np.array([np.sum(x * x) for x in ws + gs]), out_weight=False)
cases[-1]["result"]["dtype"] = "float32"
lr_in, wss, gss, wd_in = np.array([0.1, 0.2, 0.3]), np.array([4.0, 0.0, 9.0]), np.array([1.0, 2.0, 0.25]), np.array([0.01, 0.0, 0.1])
eta, eps, rs = 0.001, 1e-8, 0.5
wn = np.sqrt(wss)
lars = np.where((wn > 0) & (gss > 0), lr_in * eta * wn / (np.sqrt(gss) * rs + wd_in * wn + eps), lr_in)
case("multi_lars", "multiLars", [lr_in, wss, gss, wd_in], {"eta": eta, "eps": eps, "rescale_grad": rs},
     result=lars, out_weight=False, dtypes=["float32"] * 4)
case("all_finite finite", "allFinite", [rnd()], {}, result=np.array([1.0]), out_weight=False)
cases[-1]["result"]["dtype"] = "float32"
case("all_finite with inf", "allFinite", [rnd()], {}, result=np.array([0.0]), out_weight=False)
cases[-1]["result"]["dtype"] = "float32"
cases[-1]["inputs"][0]["values"][4] = "inf"
case("multi_all_finite with nan", "multiAllFinite", [rnd(), rnd()], {}, result=np.array([0.0]),
     out_weight=False)
cases[-1]["result"]["dtype"] = "float32"
cases[-1]["inputs"][1]["values"][2] = "nan"
case("reset_arrays", "resetArrays", [rnd(), rnd(shape=(4,))], {}, out_weight=False,
     written={0: np.zeros(SHAPE), 1: np.zeros(4)})

out = os.path.join(os.path.dirname(__file__), "..", "tests", "ops", "fixtures", "optim.json")
with open(out, "w") as f:
    json.dump({"generator": "tools/gen_optim_cases.py", "cases": cases}, f, indent=0)
print(f"{len(cases)} cases -> {os.path.normpath(out)}")
