"""Writes tests/ops/fixtures/ops-rest.json: inputs, float64 references and gradients for
the samplers' densities of issue #19 (src/ops/random_pdf.ts, MXNet's _random_pdf_*), read
by tests/ops/values_ops-rest_test.ts.

References are torch.distributions log_prob in float64 (exp'd for is_log=False), with
gradients from torch autograd of sum(head * out) with respect to the parameters and the
sample. MXNet 1.9.1 (src/operator/random/pdf_op.h) differs from torch in ways the
reference follows:
  - the sample of the uniform and of the discrete distributions (Poisson, negative
    binomials) gets a zero gradient (torch: none or d/dx of the continuous extension);
  - MXNet's negative binomial p is the failure probability: torch's probs is 1 - p;
    the generalized one is k = 1 / alpha, p = 1 / (mu alpha + 1);
  - the uniform density is 1 / (high - low) without a support check (the cases keep the
    samples inside [low, high), where torch agrees);
  - the Dirichlet sample need not lie on the simplex (validate_args=False).
Parameters have the sample's leftmost subshape: the reference broadcasts them by adding
trailing axes, as MXNet reads them.

Run: /work/venv-torch/bin/python tools/gen_ops-rest_cases.py
"""

import json
import os

import numpy as np
import torch
import torch.distributions as D

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "ops", "fixtures", "ops-rest.json")
rng = np.random.default_rng(19)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def enc(a):
    a = np.asarray(a, dtype=np.float64)
    return {"values": a.reshape(-1).tolist(), "shape": list(a.shape)}


def align(p, rank):
    return p.reshape(tuple(p.shape) + (1,) * (rank - p.dim()))


# name -> (parameter names, log_prob(sample, params aligned), sample has a gradient)
DISTS = {
    "uniform": (["low", "high"], lambda x, lo, hi: D.Uniform(lo, hi, validate_args=False).log_prob(x), False),
    "normal": (["mu", "sigma"], lambda x, m, s: D.Normal(m, s).log_prob(x), True),
    "gamma": (["alpha", "beta"], lambda x, a, b: D.Gamma(a, b).log_prob(x), True),
    "exponential": (["lam"], lambda x, l: D.Exponential(l).log_prob(x), True),
    "poisson": (["lam"], lambda x, l: D.Poisson(l, validate_args=False).log_prob(x), False),
    "negative_binomial": (
        ["k", "p"],
        lambda x, k, p: D.NegativeBinomial(k, probs=1 - p, validate_args=False).log_prob(x),
        False,
    ),
    "generalized_negative_binomial": (
        ["mu", "alpha"],
        lambda x, mu, a: D.NegativeBinomial(
            1 / a, probs=1 - 1 / (mu * a + 1), validate_args=False).log_prob(x),
        False,
    ),
}

cases = []


def add(cid, dist, sample, params, is_log, log_prob, sample_grad):
    xs = [torch.tensor(sample, dtype=torch.float64, requires_grad=True)]
    xs += [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    lp = log_prob(*xs)
    out = lp if is_log else lp.exp()
    head = torch.tensor(f32(rng.uniform(-1, 1, out.shape)))
    (out * head).sum().backward()
    grads = [x.grad.numpy() if x.grad is not None else np.zeros(x.shape) for x in xs]
    if not sample_grad:
        grads[0] = np.zeros_like(sample)
    cases.append({
        "id": cid,
        "op": f"_random_pdf_{dist}",
        "inputs": [enc(sample)] + [enc(p) for p in params],
        "params": {"isLog": is_log},
        "expect": enc(out.detach().numpy()),
        "head": enc(head.numpy()),
        "grads": [enc(g) for g in grads],
    })


def draw(dist, pshape, sshape):
    """Parameters of shape pshape and samples of shape pshape + sshape in each support."""
    full = pshape + sshape
    u = lambda lo, hi, s: f32(rng.uniform(lo, hi, s))
    counts = lambda s: np.floor(rng.uniform(0, 6, s))
    if dist == "uniform":
        lo = u(-2, 0, pshape)
        hi = lo + u(0.5, 3, pshape)
        t = u(0, 1, full)
        x = f32(align(torch.tensor(lo), len(full)).numpy() + t * align(torch.tensor(hi - lo), len(full)).numpy())
        return x, [lo, hi]
    if dist == "normal":
        return u(-2, 2, full), [u(-1, 1, pshape), u(0.5, 2, pshape)]
    if dist == "gamma":
        return u(0.2, 4, full), [u(0.5, 4, pshape), u(0.5, 2, pshape)]
    if dist == "exponential":
        return u(0, 3, full), [u(0.3, 2, pshape)]
    if dist == "poisson":
        return counts(full), [u(0.5, 4, pshape)]
    if dist == "negative_binomial":
        return counts(full), [u(0.5, 4, pshape), u(0.2, 0.8, pshape)]
    return counts(full), [u(0.5, 3, pshape), u(0.3, 2, pshape)]


for dist, (names, log_prob, sample_grad) in DISTS.items():
    for pshape, sshape in [((3,), ()), ((2,), (4,)), ((2, 2), (3,))]:
        x, params = draw(dist, pshape, sshape)
        rank = len(pshape + sshape)

        def aligned(x, *ps, log_prob=log_prob, rank=rank):
            return log_prob(x, *[align(p, rank) for p in ps])

        for is_log in (True, False):
            add(f"{dist} p{list(pshape)} s{list(sshape)} is_log={is_log}", dist, x, params,
                is_log, aligned, sample_grad)

# MXNet's documented examples (pdf_op.cc), as values only.
add("normal doc example", "normal", f32([[-2, -1, 0, 1, 2]]), [f32([0]), f32([1])], False,
    lambda x, m, s: D.Normal(align(m, 2), align(s, 2)).log_prob(x), True)


def dirichlet(x, alpha):
    """log_prob with alpha [P..., k] against x [P..., N..., k]."""
    lead = alpha.shape[:-1]
    a = alpha.reshape(tuple(lead) + (1,) * (x.dim() - alpha.dim()) + (alpha.shape[-1],))
    lp = D.Dirichlet(a.expand(x.shape), validate_args=False).log_prob(x)
    return lp.reshape(1) if x.dim() == 1 else lp


for ashape, nshape in [((3,), ()), ((3,), (4,)), ((2, 3), (2,)), ((2, 4), ())]:
    lead, k = ashape[:-1], ashape[-1]
    alpha = f32(rng.uniform(0.5, 3, ashape))
    x = f32(rng.uniform(0.05, 1, lead + nshape + (k,)))
    for is_log in (True, False):
        add(f"dirichlet a{list(ashape)} n{list(nshape)} is_log={is_log}", "dirichlet", x, [alpha],
            is_log, dirichlet, True)
add("dirichlet doc example", "dirichlet", f32([[1, 2], [2, 3], [3, 4]]), [f32([2.5, 2.5])], False,
    dirichlet, True)

# --- index_array and the image operators: values only ("plain" cases) -----------------
# Their references are NumPy index grids, transposes and per-channel arithmetic, and for
# _image_resize torch's interpolate on float64 images: bilinear with align_corners=False
# and "nearest" (floor(dst * in / out)) sample where OpenCV's INTER_LINEAR and
# INTER_NEAREST do, which MXNet's resize calls.
plain = []


def add_plain(cid, op, inputs, params, expect, dtypes=None, out_dtype="float64"):
    dtypes = dtypes or ["float64"] * len(inputs)
    plain.append({
        "id": cid,
        "op": op,
        "inputs": [dict(enc(x), dtype=d) for x, d in zip(inputs, dtypes)],
        "params": params,
        "expect": enc(expect),
        "outDtype": out_dtype,
    })


for shape, axes in [((3, 2), None), ((3, 2, 2), (1, 0)), ((2, 3, 4), (-1,)), ((4,), None)]:
    grids = np.indices(shape)
    picked = [grids[a] for a in (axes if axes is not None else range(len(shape)))]
    params = {} if axes is None else {"axes": list(axes)}
    add_plain(f"index_array {list(shape)} axes={axes}", "_contrib_index_array",
              [np.zeros(shape)], params, np.stack(picked, -1), out_dtype="int64")

for shape in [(4, 3, 3), (2, 3, 2, 1)]:
    img = np.floor(rng.uniform(0, 256, shape))
    axes = (2, 0, 1) if len(shape) == 3 else (0, 3, 1, 2)
    add_plain(f"to_tensor uint8 {list(shape)}", "_image_to_tensor", [img], {},
              f32(np.transpose(img, axes) / 255.0), ["uint8"], "float32")
    add_plain(f"to_tensor float32 {list(shape)}", "_image_to_tensor", [img], {},
              f32(np.transpose(img, axes) / 255.0), ["float32"], "float32")

for shape, mean, std in [((3, 2, 4), [0.5, 0.4, 0.3], [2, 1, 0.5]),
                         ((2, 3, 2, 2), [0.2], [0.25]),
                         ((2, 1, 3, 2), [0.1], [2.0])]:
    x = f32(rng.uniform(0, 1, shape))
    c = shape[-3]
    m = np.resize(np.asarray(mean), c).reshape(c, 1, 1)
    s = np.resize(np.asarray(std), c).reshape(c, 1, 1)
    add_plain(f"normalize {list(shape)} mean={mean} std={std}", "_image_normalize", [x],
              {"mean": mean, "std": std}, (x - m) / s)

for shape, (x0, y0, w, h) in [((4, 5, 3), (1, 2, 3, 2)), ((2, 4, 4, 1), (0, 1, 4, 3))]:
    img = f32(rng.uniform(0, 1, shape))
    sl = img[..., y0:y0 + h, x0:x0 + w, :]
    add_plain(f"crop {list(shape)} x={x0} y={y0} w={w} h={h}", "_image_crop", [img],
              {"x": x0, "y": y0, "width": w, "height": h}, sl)


def torch_resize(img, out_h, out_w, mode):
    t = torch.tensor(img, dtype=torch.float64)
    batched = t.dim() == 4
    t = (t if batched else t[None]).permute(0, 3, 1, 2)
    kw = {"align_corners": False} if mode == "bilinear" else {}
    r = torch.nn.functional.interpolate(t, size=(out_h, out_w), mode=mode, **kw)
    r = r.permute(0, 2, 3, 1)
    return (r if batched else r[0]).numpy()


for shape, params, (oh, ow) in [
    ((4, 5, 3), {"size": [7, 3]}, (3, 7)),
    ((4, 5, 3), {"size": [3, 6], "interp": 0}, (6, 3)),
    ((2, 3, 4, 1), {"size": [6]}, (6, 6)),
    ((6, 4, 3), {"size": [2], "keepRatio": True}, (3, 2)),
    ((4, 6, 1), {"size": [8], "keepRatio": True, "interp": 0}, (8, 12)),
]:
    img = f32(rng.uniform(0, 1, shape))
    mode = "nearest" if params.get("interp") == 0 else "bilinear"
    add_plain(f"resize {list(shape)} {params}", "_image_resize", [img], params,
              torch_resize(img, oh, ow, mode))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"generator": "tools/gen_ops-rest_cases.py", "cases": cases, "plain": plain}, f)
print(f"wrote {len(cases)} cases to {OUT}")
