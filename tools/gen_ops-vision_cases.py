"""Writes tests/ops/fixtures/ops-vision.json: reference results of the vision operators.

Each case holds float32-representable inputs, the float64 result of a reference, and the
float64 gradient of sum(head * output) with respect to each differentiable input (head a
fixed random array), computed with PyTorch (interpolate, adaptive_avg_pool2d,
conv_transpose2d) or with NumPy implementations of MXNet's documented semantics where
PyTorch has no equivalent. tests/ops/values_ops-vision_test.ts runs every case on every
backend.

Run: /work/venv-torch/bin/python tools/gen_ops-vision_cases.py
     deno fmt tests/ops/fixtures/ops-vision.json
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(19)
cases = []


def rand(shape, lo=-1.0, hi=1.0):
    """Random float32-representable values, as float64."""
    return rng.uniform(lo, hi, size=shape).astype(np.float32).astype(np.float64)


def enc(a):
    """Shape and values; 9 significant digits round-trip the float32 inputs and keep the
    float64 references far inside the test's 1e-4 tolerance."""
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "values": [float(f"{v:.9g}") for v in a.ravel()]}


def add(id_, fn, inputs, opts, forward, diff=None):
    """forward(*torch tensors) -> torch tensor; gradients for inputs listed in diff."""
    diff = list(range(len(inputs))) if diff is None else diff
    ts = [torch.tensor(x, requires_grad=(i in diff)) for i, x in enumerate(inputs)]
    out = forward(*ts)
    head = rand(tuple(out.shape))
    grads = []
    if diff:
        g = torch.autograd.grad((out * torch.tensor(head)).sum(), [ts[i] for i in diff],
                                allow_unused=True)
        grads = [enc(np.zeros(inputs[i].shape) if gi is None else gi.detach().numpy())
                 for i, gi in zip(diff, g)]
    cases.append({
        "id": id_, "fn": fn, "inputs": [enc(x) for x in inputs], "opts": opts,
        "expect": enc(out.detach().numpy()), "head": enc(head), "diff": diff, "grads": grads,
    })


# --- contrib.BilinearResize2D: torch's bilinear interpolate has MXNet's source index rule.
def bilinear_matrix(out, inp, align):
    """MXNet's bilinear weights of one axis (area_pixel_compute_source_index): the scale
    is 0 for an output of size 1 (where PyTorch's align_corners=False differs)."""
    scale = 0.0 if out <= 1 else ((inp - 1) / (out - 1) if align else inp / out)
    m = np.zeros((out, inp))
    for o in range(out):
        src = scale * o if align else max(scale * (o + 0.5) - 0.5, 0.0)
        i0 = int(src)
        lam = src - i0
        i1 = i0 + 1 if i0 < inp - 1 else i0
        m[o, i0] += 1 - lam
        m[o, i1] += lam
    return torch.tensor(m)


def bilinear(size, align):
    def f(x):
        rows = bilinear_matrix(size[0], x.shape[2], align)
        cols = bilinear_matrix(size[1], x.shape[3], align)
        out = rows @ x @ cols.T
        if min(size) > 1:  # PyTorch agrees with MXNet there: check the matrices against it
            ref = F.interpolate(x, size=size, mode="bilinear", align_corners=align)
            assert torch.allclose(out, ref, atol=1e-12), size
        return out
    return f


x = rand((2, 3, 4, 5))
for (h, w) in [(7, 9), (2, 3), (4, 5), (1, 6)]:
    for align in [True, False]:
        add(f"BilinearResize2D {h}x{w} align_corners={align}", "contrib.BilinearResize2D",
            [x], {"height": h, "width": w, "alignCorners": align}, bilinear((h, w), align))
add("BilinearResize2D scale 1.5x0.6", "contrib.BilinearResize2D", [x],
    {"scaleHeight": 1.5, "scaleWidth": 0.6}, bilinear((6, 3), True))
add("BilinearResize2D like", "contrib.BilinearResize2D", [x, rand((1, 1, 3, 8))],
    {"mode": "like", "alignCorners": False}, lambda a, b: bilinear((3, 8), False)(a), [0])
x_odd = rand((1, 2, 5, 4))
add("BilinearResize2D to_even_up", "contrib.BilinearResize2D", [x_odd],
    {"mode": "to_even_up"}, bilinear((6, 4), True))
add("BilinearResize2D odd_scale", "contrib.BilinearResize2D", [x_odd],
    {"mode": "odd_scale", "scaleHeight": 2, "scaleWidth": 2}, bilinear((9, 8), True))

# --- contrib.AdaptiveAvgPooling2D: torch uses MXNet's floor/ceil windows.
for size in [[3], [2, 4], [5, 7], []]:
    out = size if len(size) == 2 else (size * 2 if size else [1, 1])
    add(f"AdaptiveAvgPooling2D {size}", "contrib.AdaptiveAvgPooling2D", [rand((2, 3, 5, 7))],
        {"outputSize": size}, lambda a, o=out: F.adaptive_avg_pool2d(a, o))


# --- UpSampling.
def nearest(a, s):
    return a.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3)


add("UpSampling nearest scale 3", "UpSampling", [rand((2, 2, 2, 3))],
    {"scale": 3, "sampleType": "nearest"}, lambda a: nearest(a, 3))
a1, a2 = rand((1, 2, 2, 2)), rand((1, 3, 4, 4))
add("UpSampling nearest concat", "UpSampling", [a1, a2], {"scale": 2, "sampleType": "nearest"},
    lambda p, q: torch.cat([nearest(p, 2), nearest(q, 1)], dim=1))
a3 = rand((1, 2, 1, 1))
add("UpSampling nearest sum", "UpSampling", [a1, a3],
    {"scale": 2, "sampleType": "nearest", "multiInputMode": "sum"},
    lambda p, q: nearest(p, 2) + nearest(q, 4))
for s in [2, 3]:
    k = 2 * s - s % 2
    pad = int(np.ceil((s - 1) / 2))
    add(f"UpSampling bilinear scale {s}", "UpSampling", [rand((2, 3, 3, 2)), rand((3, 1, k, k))],
        {"scale": s, "sampleType": "bilinear", "numFilter": 3},
        lambda d, wt, s=s, pad=pad: F.conv_transpose2d(d, wt, stride=s, padding=pad, groups=3))

# --- Crop.
d = rand((2, 2, 5, 6))
add("Crop h_w offset", "Crop", [d], {"hW": [3, 4], "offset": [1, 2]},
    lambda a: a[:, :, 1:4, 2:6])
add("Crop center like", "Crop", [d, rand((1, 1, 2, 3))], {"centerCrop": True},
    lambda a, b: a[:, :, 1:3, 1:4], [0])

# --- L2Normalization: x / sqrt(sum x^2 + eps).
d = rand((2, 3, 2, 2))
for mode, axes in [("instance", (1, 2, 3)), ("channel", (1,)), ("spatial", (2, 3))]:
    add(f"L2Normalization {mode}", "L2Normalization", [d], {"mode": mode, "eps": 1e-3},
        lambda a, ax=axes: a / torch.sqrt((a * a).sum(dim=ax, keepdim=True) + 1e-3))

# --- SVMOutput: identity forward; MXNet's L1/L2 hinge gradient, whatever the head.
scores = rand((4, 3))
labels = np.array([0.0, 2.0, 1.0, 2.0])
for linear in [False, True]:
    margin, coef = 0.7, 1.5
    sign = 1.0 - 2.0 * np.eye(3)[labels.astype(int)]
    t = margin + sign * scores
    g = coef * sign * (t > 0) if linear else 2 * coef * sign * np.maximum(t, 0)
    cases.append({
        "id": f"SVMOutput use_linear={linear}", "fn": "SVMOutput",
        "inputs": [enc(scores), enc(labels)],
        "opts": {"margin": margin, "regularizationCoefficient": coef, "useLinear": linear},
        "expect": enc(scores), "head": enc(rand((4, 3))), "diff": [0], "grads": [enc(g)],
    })

# --- softmax / log_softmax with use_length: positions at or past the length output 0.
def masked(fn, axis):
    def f(a, lengths):
        moved = a.movedim(axis, -1)
        pos = torch.arange(moved.shape[-1])
        keep = pos < lengths.unsqueeze(-1)
        z = fn(moved.masked_fill(~keep, float("-inf")), dim=-1)
        return torch.where(keep, z, torch.zeros_like(z)).movedim(-1, axis)
    return f


d = rand((2, 5, 3))
for name, fn in [("softmax", torch.softmax), ("logSoftmax", torch.log_softmax)]:
    add(f"{name} use_length axis 1", name, [d, np.array([[5.0, 2, 0], [1, 3, 4]])],
        {"axis": 1, "useLength": True}, masked(fn, 1), [0])
    add(f"{name} use_length last axis temperature 2", name, [d, np.array([[3.0] * 5, [1, 2, 3, 3, 0]])],
        {"useLength": True, "temperature": 2.0}, lambda a, l, fn=fn: masked(fn, 2)(a / 2, l), [0])

# --- contrib.boxIou / boxEncode / boxDecode: NumPy versions of MXNet's kernels
# (bounding_box-inl.h: areas of boxes with a negative extent are 0; no +1 on widths).
def corners(b, fmt):
    if fmt == "corner":
        return b
    x, y, w, h = np.moveaxis(b, -1, 0)
    return np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=-1)


def box_iou(lhs, rhs, fmt):
    lc, rc = corners(lhs, fmt).reshape(-1, 4), corners(rhs, fmt).reshape(-1, 4)
    iw = np.maximum(0, np.minimum(lc[:, None, 2], rc[None, :, 2]) -
                    np.maximum(lc[:, None, 0], rc[None, :, 0]))
    ih = np.maximum(0, np.minimum(lc[:, None, 3], rc[None, :, 3]) -
                    np.maximum(lc[:, None, 1], rc[None, :, 1]))
    ext = (lambda b: b[:, 2:4] if fmt == "center" else b[:, 2:4] - b[:, 0:2])
    le, re = ext(lhs.reshape(-1, 4)), ext(rhs.reshape(-1, 4))
    area = (lambda e: np.where((e[:, 0] < 0) | (e[:, 1] < 0), 0, e[:, 0] * e[:, 1]))
    inter = iw * ih
    out = inter / (area(le)[:, None] + area(re)[None, :] - inter)
    return out.reshape(lhs.shape[:-1] + rhs.shape[:-1])


def plain(id_, fn, inputs, opts, outs):
    cases.append({"id": id_, "fn": fn, "inputs": [enc(x) for x in inputs], "opts": opts,
                  "expect": [enc(o) for o in outs], "head": None, "diff": [], "grads": []})


def rand_corner(shape):
    xy = rand(shape + (2,), 0, 4)
    wh = rand(shape + (2,), 0.5, 3)
    return np.concatenate([xy, xy + wh], axis=-1).astype(np.float32).astype(np.float64)


lhs, rhs = rand_corner((2, 3)), rand_corner((4,))
lhs[0, 0] = [1, 1, 0.5, 2]  # a box with a negative width: area 0, as MXNet
plain("box_iou corner", "contrib.boxIou", [lhs, rhs], {}, [box_iou(lhs, rhs, "corner")])
lc, rcn = rand((3, 4), 0.5, 3), rand((2, 4), 0.5, 3)
plain("box_iou center", "contrib.boxIou", [lc, rcn], {"format": "center"},
      [box_iou(lc, rcn, "center")])


def center_of(b):
    w, h = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]
    return b[..., 0] + w / 2, b[..., 1] + h / 2, w, h


samples = np.array([[1.0, -1.0, 1.0], [0.0, 1.0, 1.0]])
matches = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
anchors, refs = rand_corner((2, 3)), rand_corner((2, 2))
means, stds = np.array([0.1, -0.1, 0.0, 0.2]), np.array([0.1, 0.1, 0.2, 0.2])
ref = refs[np.arange(2)[:, None], matches.astype(int)]
rx, ry, rw, rh = center_of(ref)
ax, ay, aw, ah = center_of(anchors)
raw = np.stack([(rx - ax) / aw, (ry - ay) / ah, np.log(rw / aw), np.log(rh / ah)], axis=-1)
valid = np.repeat((samples > 0.5)[..., None], 4, axis=-1).astype(np.float64)
plain("box_encode", "contrib.boxEncode", [samples, matches, anchors, refs, means, stds], {},
      [np.where(valid > 0, (raw - means) / stds, 0), valid])

offsets = rand((2, 3, 4), -0.5, 0.5)
for fmt, clip in [("center", -1.0), ("corner", 0.1)]:
    anc = rand_corner((1, 3)) if fmt == "corner" else rand((1, 3, 4), 0.5, 3)
    if fmt == "corner":
        ax, ay, aw, ah = center_of(anc)
    else:
        ax, ay, aw, ah = np.moveaxis(anc, -1, 0)
    stdv = [0.1, 0.2, 0.3, 0.4]
    dw, dh = offsets[..., 2] * stdv[2], offsets[..., 3] * stdv[3]
    if clip > 0:
        dw, dh = np.minimum(dw, clip), np.minimum(dh, clip)
    ox, oy = offsets[..., 0] * stdv[0] * aw + ax, offsets[..., 1] * stdv[1] * ah + ay
    hw, hh = np.exp(dw) * aw / 2, np.exp(dh) * ah / 2
    plain(f"box_decode {fmt} clip {clip}", "contrib.boxDecode", [offsets, anc],
          {"std0": 0.1, "std1": 0.2, "std2": 0.3, "std3": 0.4, "clip": clip, "format": fmt},
          [np.stack([ox - hw, oy - hh, ox + hw, oy + hh], axis=-1)])

# --- ROIPooling / contrib.ROIAlign: NumPy versions of MXNet's CPU kernels. Both are
# linear in data given the ROIs (ROIPooling through the position of each maximum), so the
# gradient of sum(head * out) is the transposed map applied to head.
def with_grads(id_, fn, inputs, opts, out, data_grad):
    head = rand(out.shape)
    cases.append({"id": id_, "fn": fn, "inputs": [enc(x) for x in inputs], "opts": opts,
                  "expect": enc(out), "head": enc(head), "diff": [0],
                  "grads": [enc(data_grad(head))]})


def mx_round(v):
    return float(np.sign(v) * np.floor(abs(v) + 0.5))


def roi_pool(data, rois, ph, pw, scale):
    n, c, h, w = data.shape
    out = np.zeros((len(rois), c, ph, pw))
    arg = -np.ones((len(rois), c, ph, pw), dtype=int)
    for r, roi in enumerate(rois):
        b = int(roi[0])
        x1, y1, x2, y2 = (mx_round(v * scale) for v in roi[1:])
        rh, rw = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
        for i in range(ph):
            hs = int(min(max(np.floor(i * rh / ph) + y1, 0), h))
            he = int(min(max(np.ceil((i + 1) * rh / ph) + y1, 0), h))
            for j in range(pw):
                ws = int(min(max(np.floor(j * rw / pw) + x1, 0), w))
                we = int(min(max(np.ceil((j + 1) * rw / pw) + x1, 0), w))
                if he <= hs or we <= ws or not 0 <= b < n:
                    continue
                for ch in range(c):
                    win = data[b, ch, hs:he, ws:we]
                    k = np.argmax(win)  # the first maximum in row-major order, as MXNet
                    out[r, ch, i, j] = win.flat[k]
                    arg[r, ch, i, j] = ((b * c + ch) * h + hs + k // (we - ws)) * w + ws + k % (we - ws)
    def grad(head):
        g = np.zeros(data.size)
        for o, a in zip(head.ravel(), arg.ravel()):
            if a >= 0:
                g[a] += o
        return g.reshape(data.shape)
    return out, grad


def roi_align_matrix(shape, rois, ph, pw, scale, ratio, ps, aligned):
    """The linear map [R*C'*PH*PW, N*C*H*W] of MXNet's ROIAlignForward."""
    n, c, h, w = shape
    oc = c // (ph * pw) if ps else c
    m = np.zeros((len(rois) * oc * ph * pw, n * c * h * w))
    off = 0.5 if aligned else 0.0
    for r, roi in enumerate(rois):
        b, box = (int(roi[0]), roi[1:]) if len(roi) == 5 else (0, roi)
        sw, sh, ew, eh = (v * scale - off for v in box)
        rw, rh = ew - sw, eh - sh
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph, rw / pw
        gh = ratio if ratio > 0 else int(np.ceil(rh / ph))
        gw = ratio if ratio > 0 else int(np.ceil(rw / pw))
        count = max(gh * gw, 1)
        for ch in range(oc):
            for i in range(ph):
                for j in range(pw):
                    row = ((r * oc + ch) * ph + i) * pw + j
                    cin = (ch * ph + i) * pw + j if ps else ch
                    plane = (b * c + cin) * h * w
                    for iy in range(gh):
                        y = sh + i * bh + (iy + 0.5) * bh / gh
                        for ix in range(gw):
                            x = sw + j * bw + (ix + 0.5) * bw / gw
                            if y < -1 or y > h or x < -1 or x > w:
                                continue
                            y, x = max(y, 0.0), max(x, 0.0)
                            y0, x0 = int(y), int(x)
                            if y0 >= h - 1:
                                y0 = y1 = h - 1
                                yy = float(y0)
                            else:
                                y1, yy = y0 + 1, y
                            if x0 >= w - 1:
                                x0 = x1 = w - 1
                                xx = float(x0)
                            else:
                                x1, xx = x0 + 1, x
                            ly, lx = yy - y0, xx - x0
                            for (py, px, wt) in [(y0, x0, (1 - ly) * (1 - lx)), (y0, x1, (1 - ly) * lx),
                                                 (y1, x0, ly * (1 - lx)), (y1, x1, ly * lx)]:
                                m[row, plane + py * w + px] += wt / count
    return m, (len(rois), oc, ph, pw)


feat = rand((2, 3, 6, 7))
rois5 = np.array([[0, 0, 0, 10, 8], [1, 3.2, 1.6, 9.9, 11.5], [1, -2, -2, 3, 2],
                  [0, 12, 10, 13.5, 11.5]], dtype=np.float64)
for (ph, pw), scale in [((2, 2), 0.5), ((3, 2), 0.5)]:
    out, grad = roi_pool(feat, rois5, ph, pw, scale)
    with_grads(f"ROIPooling {ph}x{pw}", "ROIPooling", [feat, rois5],
               {"pooledSize": [ph, pw], "spatialScale": scale}, out, grad)
for ratio, ps, aligned, cols in [(2, False, False, 5), (-1, False, False, 5), (-1, False, True, 5),
                                 (1, True, False, 5), (2, False, False, 4)]:
    f = rand((2, 4, 6, 7)) if ps else feat
    rr = rois5 if cols == 5 else rois5[:, 1:]
    m, oshape = roi_align_matrix(f.shape, rr, 2, 2, 0.5, ratio, ps, aligned)
    with_grads(f"ROIAlign sample_ratio={ratio} position_sensitive={ps} aligned={aligned} cols={cols}",
               "contrib.ROIAlign", [f, rr],
               {"pooledSize": [2, 2], "spatialScale": 0.5, "sampleRatio": ratio,
                "positionSensitive": ps, "aligned": aligned},
               (m @ f.ravel()).reshape(oshape),
               lambda head, m=m, f=f: (m.T @ head.ravel()).reshape(f.shape))

# --- contrib.boxNms / bipartiteMatching: the examples of MXNet's documentation, and
# NumPy versions of MXNet's CPU algorithm on random boxes.
doc = np.array([[0, 0.5, 0.1, 0.1, 0.2, 0.2], [1, 0.4, 0.1, 0.1, 0.2, 0.2],
                [0, 0.3, 0.1, 0.1, 0.14, 0.14], [2, 0.6, 0.5, 0.5, 0.7, 0.8]])
cases.append({
    "id": "box_nms MXNet doc example", "fn": "contrib.boxNms", "inputs": [enc(doc)],
    "opts": {"overlapThresh": 0.1, "coordStart": 2, "scoreIndex": 1, "idIndex": 0,
             "forceSuppress": True},
    "expect": enc([[2, 0.6, 0.5, 0.5, 0.7, 0.8], [0, 0.5, 0.1, 0.1, 0.2, 0.2],
                   [-1] * 6, [-1] * 6]),
    "head": enc(np.repeat([[0.1], [0.2], [0.3], [0.4]], 6, axis=1)), "diff": [0],
    "grads": [enc(np.repeat([[0.2], [0], [0], [0.1]], 6, axis=1))],
})


def nms(data, thresh, valid, topk, c0, si, idi, bg, force, fin, fout):
    shape = data.shape
    n, k = shape[-2], shape[-1]
    d = data.reshape(-1, n, k)
    out = -np.ones_like(d)
    src = -np.ones(d.shape[:2], dtype=int)
    center = fin == "center"

    def corners_of(b):
        if not center:
            return b
        return np.array([b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2])

    def area(b):
        w, h = (b[2], b[3]) if center else (b[2] - b[0], b[3] - b[1])
        return 0 if w < 0 or h < 0 else w * h

    for b in range(d.shape[0]):
        ok = [i for i in range(n) if d[b, i, si] > valid and (idi < 0 or d[b, i, idi] != bg)]
        ok.sort(key=lambda i: -d[b, i, si])  # stable
        cand = ok[: (n if topk < 0 else min(n, topk))]
        kept = [True] * len(cand)
        for r in range(len(cand)):
            if not kept[r]:
                continue
            for q in range(r + 1, len(cand)):
                if not kept[q]:
                    continue
                if not force and idi >= 0 and int(d[b, cand[r], idi]) != int(d[b, cand[q], idi]):
                    continue
                br, bq = d[b, cand[r], c0:c0 + 4], d[b, cand[q], c0:c0 + 4]
                cr, cq = corners_of(br), corners_of(bq)
                iw = max(min(cr[2], cq[2]) - max(cr[0], cq[0]), 0)
                ih = max(min(cr[3], cq[3]) - max(cr[1], cq[1]), 0)
                inter = iw * ih
                if inter / (area(br) + area(bq) - inter) > thresh:
                    kept[q] = False
        rows = [c for c, keep in zip(cand, kept) if keep]
        for j, i in enumerate(rows):
            out[b, j] = d[b, i]
            src[b, j] = i
        if fin != fout:
            for j in range(len(rows)):
                x0, y0, x1, y1 = out[b, j, c0:c0 + 4]
                if x0 < 0:
                    continue
                out[b, j, c0:c0 + 4] = ([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]
                                        if fout == "center" else
                                        [x0 - x1 / 2, y0 - y1 / 2, x0 + x1 / 2, y0 + y1 / 2])

    def grad(head):
        h = head.reshape(d.shape)
        g = np.zeros_like(d)
        for b in range(d.shape[0]):
            for j in range(n):
                if src[b, j] >= 0:
                    g[b, src[b, j]] = h[b, j]
        return g.reshape(shape)
    return out.reshape(shape), grad


boxes = np.concatenate([
    rng.integers(0, 3, size=(2, 3, 8, 1)).astype(np.float64),   # class id
    rand((2, 3, 8, 1), 0, 1),                                   # score
    rand_corner((2, 3, 8)) / 2,                                 # corners
    rand((2, 3, 8, 1)),                                         # an extra value
], axis=-1)
for opts in [
    {"overlapThresh": 0.3, "idIndex": 0},
    {"overlapThresh": 0.2, "idIndex": 0, "forceSuppress": True, "topk": 5, "validThresh": 0.2,
     "backgroundId": 2},
    {"overlapThresh": 0.4, "outFormat": "center"},
    {"overlapThresh": 0.4, "coordStart": 2, "scoreIndex": 1, "inFormat": "center",
     "topk": 6},
    {"overlapThresh": 0.5, "topk": 0},
]:
    full = {"overlapThresh": 0.5, "validThresh": 0, "topk": -1, "coordStart": 2,
            "scoreIndex": 1, "idIndex": -1, "backgroundId": -1, "forceSuppress": False,
            "inFormat": "corner", "outFormat": "corner", **opts}
    data = boxes.copy()
    if full["inFormat"] == "center":
        data[..., 4:6] = np.abs(data[..., 4:6] - data[..., 2:4])
    if full["topk"] == 0:
        out, grad = data, (lambda h: h)
    else:
        out, grad = nms(data, full["overlapThresh"], full["validThresh"], full["topk"],
                        full["coordStart"], full["scoreIndex"], full["idIndex"],
                        full["backgroundId"], full["forceSuppress"], full["inFormat"],
                        full["outFormat"])
    with_grads(f"box_nms {opts}", "contrib.boxNms", [data], opts, out, grad)

scores_doc = np.array([[0.5, 0.6], [0.1, 0.2], [0.3, 0.4]])
plain("bipartite_matching MXNet doc example", "contrib.bipartiteMatching", [scores_doc],
      {"threshold": 1e-12, "isAscend": False}, [[1, -1, 0], [2, 0]])


def bipartite(data, thresh, ascend, topk):
    rows, cols = data.shape[-2:]
    d = data.reshape(-1, rows * cols)
    rm, cm = -np.ones((len(d), rows)), -np.ones((len(d), cols))
    for b in range(len(d)):
        order = sorted(range(rows * cols), key=lambda i: d[b, i] if ascend else -d[b, i])
        count = 0
        for i in order:
            r, c = divmod(i, cols)
            if rm[b, r] != -1 or cm[b, c] != -1:
                continue
            if not (d[b, i] < thresh if ascend else d[b, i] > thresh):
                break
            rm[b, r], cm[b, c] = c, r
            count += 1
            if topk > 0 and count > topk:
                break
    return rm.reshape(data.shape[:-1]), cm.reshape(data.shape[:-2] + (cols,))


sc = rand((2, 4, 3), 0, 1)
for opts in [{"threshold": 0.3}, {"threshold": 0.6, "isAscend": True},
             {"threshold": 0.05, "topk": 1}]:
    plain(f"bipartite_matching {opts}", "contrib.bipartiteMatching", [sc], opts,
          list(bipartite(sc, opts["threshold"], opts.get("isAscend", False),
                         opts.get("topk", -1))))

# --- GridGenerator / BilinearSampler / SpatialTransformer: PyTorch's affine_grid and
# grid_sample with align_corners=True and zero padding are MXNet's normalisation.
theta = rand((2, 6), -0.8, 0.8)
add("GridGenerator affine", "GridGenerator", [theta], {"transformType": "affine",
    "targetShape": [3, 4]},
    lambda t: F.affine_grid(t.reshape(2, 2, 3), (2, 1, 3, 4), align_corners=True)
    .permute(0, 3, 1, 2))
flow = rand((2, 2, 3, 5), -2, 2)


def warp(f):
    h, w = f.shape[2:]
    cols = torch.arange(w, dtype=torch.float64).expand(h, w)
    rows = torch.arange(h, dtype=torch.float64).unsqueeze(1).expand(h, w)
    return torch.stack([(f[:, 0] + cols) / ((w - 1) / 2) - 1,
                        (f[:, 1] + rows) / ((h - 1) / 2) - 1], dim=1)


add("GridGenerator warp", "GridGenerator", [flow], {"transformType": "warp"}, warp)
img = rand((2, 3, 4, 5))
grid = rand((2, 2, 3, 4), -1.3, 1.3)  # some points outside the image: zeros there
add("BilinearSampler", "BilinearSampler", [img, grid], {},
    lambda d, g: F.grid_sample(d, g.permute(0, 2, 3, 1), mode="bilinear",
                               padding_mode="zeros", align_corners=True))
add("SpatialTransformer", "SpatialTransformer", [img, theta],
    {"targetShape": [3, 4], "transformType": "affine", "samplerType": "bilinear"},
    lambda d, t: F.grid_sample(d, F.affine_grid(t.reshape(2, 2, 3), (2, 3, 3, 4),
                                                align_corners=True),
                               mode="bilinear", padding_mode="zeros", align_corners=True))

# --- contrib.MultiBoxPrior / MultiBoxTarget / MultiBoxDetection: NumPy ports of MXNet's
# CPU loops (multibox_prior.cc, multibox_target.cc, multibox_detection.cc).
def prior(h, w, sizes, ratios, clip, steps, offsets):
    sy, sx = steps
    if sy <= 0 or sx <= 0:
        sy, sx = 1 / h, 1 / w
    out = []
    for r in range(h):
        cy = (r + offsets[0]) * sy
        for c in range(w):
            cx = (c + offsets[1]) * sx
            halves = [(s * h / w * np.sqrt(ratios[0]) / 2, s / np.sqrt(ratios[0]) / 2)
                      for s in sizes]
            halves += [(sizes[0] * h / w * np.sqrt(q) / 2, sizes[0] / np.sqrt(q) / 2)
                       for q in ratios[1:]]
            out += [[cx - hw, cy - hh, cx + hw, cy + hh] for hw, hh in halves]
    out = np.array(out)[None]
    return np.clip(out, 0, 1) if clip else out


for opts in [{}, {"sizes": [0.5, 0.25], "ratios": [1, 2, 0.5]},
             {"sizes": [0.8], "ratios": [1, 3], "clip": True, "steps": [0.3, 0.2],
              "offsets": [0.4, 0.6]}]:
    full = {"sizes": [1.0], "ratios": [1.0], "clip": False, "steps": [-1, -1],
            "offsets": [0.5, 0.5], **opts}
    plain(f"MultiBoxPrior {opts}", "contrib.MultiBoxPrior", [rand((1, 2, 3, 4))], opts,
          [prior(3, 4, full["sizes"], full["ratios"], full["clip"], full["steps"],
                 full["offsets"])])


def iou_c(a, b):
    iw = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    i = iw * ih
    u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i
    return 0.0 if u <= 0 else i / u


def mb_target(anchors, labels, preds, thresh=0.5, ignore=-1.0, ratio=-1.0, mine=0.5,
              var=(0.1, 0.1, 0.2, 0.2)):
    a = anchors[0]
    na = len(a)
    nb = labels.shape[0]
    loc, mask = np.zeros((nb, na * 4)), np.zeros((nb, na * 4))
    cls = np.full((nb, na), ignore)
    for b in range(nb):
        lab = labels[b]
        gts = 0
        while gts < len(lab) and lab[gts, 0] != -1:
            gts += 1
        if gts == 0:
            continue
        ov = np.array([[iou_c(a[j], lab[k, 1:5]) for k in range(gts)] for j in range(na)])
        done = [False] * gts
        best = [(-1.0, -1)] * na
        flag = [-1] * na
        pos = 0
        while not all(done):
            ba, bg, bi = -1, -1, 1e-6
            for j in range(na):
                if flag[j] == 1:
                    continue
                for k in range(gts):
                    if not done[k] and ov[j, k] > bi:
                        ba, bg, bi = j, k, ov[j, k]
            if ba < 0:
                break
            best[ba] = (bi, bg)
            pos += 1
            done[bg] = True
            flag[ba] = 1
        if thresh > 0:
            for j in range(na):
                if flag[j] == 1:
                    continue
                k = int(np.argmax(ov[j]))
                best[j] = (ov[j, k], k)
                if ov[j, k] > thresh:
                    pos += 1
                    done[k] = True
                    flag[j] = 1
        if ratio > 0:
            neg = max(min(int(pos * ratio), na - pos), 0)
            if neg > 0:
                cand = []
                for j in range(na):
                    if flag[j] == 1:
                        continue
                    if best[j][0] < 0:
                        k = int(np.argmax(ov[j]))
                        best[j] = (ov[j, k], k)
                    if best[j][0] < mine and flag[j] == -1:
                        z = preds[b, :, j] - preds[b, :, j].max()
                        cand.append((np.exp(z[0]) / np.exp(z).sum(), j))
                cand.sort(key=lambda t: t[0])
                for _, j in cand[:neg]:
                    flag[j] = 0
        else:
            flag = [f if f == 1 else 0 for f in flag]
        for j in range(na):
            if flag[j] == 1:
                k = best[j][1]
                cls[b, j] = lab[k, 0] + 1
                mask[b, j * 4:j * 4 + 4] = 1
                al, at, ar, ab = a[j]
                gl, gt, gr, gb = lab[k, 1:5]
                aw, ah, gw, gh = ar - al, ab - at, gr - gl, gb - gt
                loc[b, j * 4:j * 4 + 4] = [((gl + gr) / 2 - (al + ar) / 2) / aw / var[0],
                                           ((gt + gb) / 2 - (at + ab) / 2) / ah / var[1],
                                           np.log(gw / aw) / var[2], np.log(gh / ah) / var[3]]
            elif flag[j] == 0:
                cls[b, j] = 0
    return [loc, mask, cls]


anchors = prior(3, 4, [0.5, 0.25], [1, 2], True, [-1, -1], [0.5, 0.5])  # 36 anchors
labels = -np.ones((3, 4, 5))
labels[0, :2] = [[1, 0.1, 0.1, 0.5, 0.6], [0, 0.55, 0.3, 0.9, 0.8]]
labels[1, :3] = [[2, 0.0, 0.0, 0.3, 0.3], [1, 0.4, 0.4, 0.8, 1.0], [0, 0.2, 0.6, 0.5, 0.9]]
labels = labels.astype(np.float32).astype(np.float64)
preds = rand((3, 4, 36), -2, 2)
for opts in [{}, {"overlapThreshold": 0.3, "negativeMiningRatio": 2, "negativeMiningThresh": 0.4,
                  "ignoreLabel": -2, "variances": [0.2, 0.2, 0.1, 0.1]}]:
    plain(f"MultiBoxTarget {opts}", "contrib.MultiBoxTarget", [anchors, labels, preds], opts,
          mb_target(anchors, labels, preds, opts.get("overlapThreshold", 0.5),
                    opts.get("ignoreLabel", -1.0), opts.get("negativeMiningRatio", -1.0),
                    opts.get("negativeMiningThresh", 0.5),
                    opts.get("variances", (0.1, 0.1, 0.2, 0.2))))


def mb_detection(prob, locp, anchors, clip=True, threshold=0.01, nms=0.5, force=False,
                 var=(0.1, 0.1, 0.2, 0.2), topk=-1):
    nb, nc, na = prob.shape
    out = -np.ones((nb, na, 6))
    a = anchors[0]
    cl = (lambda v: min(max(v, 0.0), 1.0)) if clip else (lambda v: v)
    for b in range(nb):
        rows = []
        for i in range(na):
            score, cid = -1.0, 0
            for j in range(1, nc):
                if prob[b, j, i] > score:
                    score, cid = prob[b, j, i], j
            if cid > 0 and score < threshold:
                cid = 0
            if cid - 1 < 0:
                continue
            al, at, ar, ab = a[i]
            px, py, pw, ph = locp[b, i * 4:i * 4 + 4]
            aw, ah = ar - al, ab - at
            ox, oy = px * var[0] * aw + (al + ar) / 2, py * var[1] * ah + (at + ab) / 2
            ow, oh = np.exp(pw * var[2]) * aw / 2, np.exp(ph * var[3]) * ah / 2
            rows.append([cid - 1, score, cl(ox - ow), cl(oy - oh), cl(ox + ow), cl(oy + oh)])
        for r, row in enumerate(rows):
            out[b, r] = row
        if not rows or nms <= 0 or nms > 1:
            continue
        order = sorted(range(len(rows)), key=lambda i: -rows[i][1])
        keep = len(rows)
        if 0 < topk < keep:
            keep = topk
            out[b, keep:len(rows), 0] = -1
        kept = [list(rows[i]) for i in order[:keep]]
        for i in range(keep):
            if kept[i][0] < 0:
                continue
            for j in range(i + 1, keep):
                if kept[j][0] < 0:
                    continue
                if (force or kept[i][0] == kept[j][0]) and iou_c(kept[i][2:], kept[j][2:]) >= nms:
                    kept[j][0] = -1
        for r, row in enumerate(kept):
            out[b, r] = row
    return out


logits = rand((2, 3, 36), -2, 2)
prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
prob = prob.astype(np.float32).astype(np.float64)
locp = rand((2, 36 * 4), -0.5, 0.5)
for opts in [{}, {"threshold": 0.3, "nmsThreshold": 0.3, "forceSuppress": True, "nmsTopk": 10,
                  "clip": False}, {"nmsThreshold": 0}]:
    plain(f"MultiBoxDetection {opts}", "contrib.MultiBoxDetection", [prob, locp, anchors], opts,
          [mb_detection(prob, locp, anchors, opts.get("clip", True), opts.get("threshold", 0.01),
                        opts.get("nmsThreshold", 0.5), opts.get("forceSuppress", False),
                        (0.1, 0.1, 0.2, 0.2), opts.get("nmsTopk", -1))])

# --- Correlation: a NumPy port of MXNet's CorrelationForward, gradients by torch autograd
# through the same loops written with tensors.
def correlation(d1, d2, k=1, md=1, s1=1, s2=1, pad=0, mult=True):
    n, c, h, w = d1.shape
    ph, pw = h + 2 * pad, w + 2 * pad
    border = md + (k - 1) // 2
    oh, ow = int(np.ceil((ph - 2 * border) / s1)), int(np.ceil((pw - 2 * border) / s1))
    r = md // s2
    gw = 2 * r + 1
    p1 = F.pad(d1, (pad, pad + 2, pad, pad + 2))  # spare zeros, as the op reads none there
    p2 = F.pad(d2, (pad, pad + 2, pad, pad + 2))
    out = []
    for tc in range(gw * gw):
        dx, dy = (tc % gw - r) * s2, (tc // gw - r) * s2
        rows = []
        for i in range(oh):
            cols = []
            for j in range(ow):
                y1, x1 = i * s1 + md, j * s1 + md
                a = p1[:, :, y1:y1 + k, x1:x1 + k]
                b = p2[:, :, y1 + dy:y1 + dy + k, x1 + dx:x1 + dx + k]
                v = (a * b) if mult else (a - b).abs()
                cols.append(v.sum(dim=(1, 2, 3)) / (k * k * c))
            rows.append(torch.stack(cols, dim=-1))
        out.append(torch.stack(rows, dim=-2))
    return torch.stack(out, dim=1)


for opts in [{}, {"kernelSize": 3, "maxDisplacement": 2, "stride2": 2, "padSize": 2},
             {"kernelSize": 1, "maxDisplacement": 1, "stride1": 2, "padSize": 1,
              "isMultiply": False}]:
    args = {"k": opts.get("kernelSize", 1), "md": opts.get("maxDisplacement", 1),
            "s1": opts.get("stride1", 1), "s2": opts.get("stride2", 1),
            "pad": opts.get("padSize", 0), "mult": opts.get("isMultiply", True)}
    add(f"Correlation {opts}", "Correlation", [rand((2, 3, 5, 6)), rand((2, 3, 5, 6))], opts,
        lambda a, b, args=args: correlation(a, b, **args))

path = os.path.join(os.path.dirname(__file__), "..", "tests", "ops", "fixtures", "ops-vision.json")
with open(path, "w") as f:
    json.dump({"generator": "tools/gen_ops-vision_cases.py", "torch": torch.__version__,
               "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}; now run deno fmt on it")
