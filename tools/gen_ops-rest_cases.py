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

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"generator": "tools/gen_ops-rest_cases.py", "cases": cases}, f)
print(f"wrote {len(cases)} cases to {OUT}")
