#!/usr/bin/env python3
"""Writes tests/ops/fixtures/rnn_torch.json: cases of PyTorch's nn.RNN / nn.LSTM / nn.GRU in
float64 with their weights mapped into MXNet's flat RNN parameter vector, for the
differential test of the RNN operator (tests/ops/rnn_torch_test.ts).

Run: /path/to/python-with-torch tools/gen_rnn_torch_cases.py && deno fmt tests/ops/fixtures
(PyTorch 2.x on the CPU; the output is deterministic for a given PyTorch version.)

MXNet's vector holds, layer by layer and forward before reverse, every i2h weight
[G*H, in] and h2h weight [G*H, H], then every i2h and h2h bias in the same order.
PyTorch's weight_ih_l{k}[_reverse], weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} are the
same matrices with the same gate order (LSTM: input, forget, cell, output; GRU: reset,
update, new, the reset gate scaling the recurrent projection including its bias), so the
mapping is a concatenation. Sequence lengths go through pack_padded_sequence: padded
outputs are zero and the final state is the one after each sequence's last valid step,
the reverse direction starting at that step.

Each case holds the inputs (x [T, N, I], h0 [L*D, N, H], c0 for an LSTM, the flat
parameters, lengths or null), head gradients for the output and the final states, and
PyTorch's output, final states and the gradients of sum(head * result) with respect to
the flat parameters, x, h0 and c0.
"""
import json
import os

import torch

torch.manual_seed(20261207)
torch.set_default_dtype(torch.float64)

MODES = {
    "rnn_tanh": lambda **kw: torch.nn.RNN(nonlinearity="tanh", **kw),
    "rnn_relu": lambda **kw: torch.nn.RNN(nonlinearity="relu", **kw),
    "lstm": lambda **kw: torch.nn.LSTM(**kw),
    "gru": lambda **kw: torch.nn.GRU(**kw),
}


def flat_names(layers, directions):
    """PyTorch's parameter names in MXNet's flat order."""
    sfx = ["", "_reverse"][:directions]
    names = [f"weight_{k}_l{l}{s}" for l in range(layers) for s in sfx for k in ("ih", "hh")]
    names += [f"bias_{k}_l{l}{s}" for l in range(layers) for s in sfx for k in ("ih", "hh")]
    return names


def values(t):
    return t.detach().reshape(-1).tolist()


def case(mode, steps, batch, inputs, hidden, layers, bidirectional, lengths=None):
    directions = 2 if bidirectional else 1
    net = MODES[mode](input_size=inputs, hidden_size=hidden, num_layers=layers,
                      bidirectional=bidirectional)
    with torch.no_grad():
        for p in net.parameters():
            p.uniform_(-0.6, 0.6)
    x = torch.empty(steps, batch, inputs).uniform_(-1, 1).requires_grad_()
    h0 = torch.empty(layers * directions, batch, hidden).uniform_(-1, 1).requires_grad_()
    c0 = torch.empty(layers * directions, batch, hidden).uniform_(-1, 1).requires_grad_()
    state = (h0, c0) if mode == "lstm" else h0
    if lengths is None:
        out, final = net(x, state)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            x, torch.tensor(lengths), enforce_sorted=False)
        out, final = net(packed, state)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=steps)
    hn, cn = final if mode == "lstm" else (final, None)
    head_out = torch.empty_like(out).uniform_(-1, 1)
    head_h = torch.empty_like(hn).uniform_(-1, 1)
    objective = (out * head_out).sum() + (hn * head_h).sum()
    head_c = None
    if cn is not None:
        head_c = torch.empty_like(cn).uniform_(-1, 1)
        objective = objective + (cn * head_c).sum()
    objective.backward()
    params = dict(net.named_parameters())
    names = flat_names(layers, directions)
    return {
        "mode": mode,
        "steps": steps,
        "batch": batch,
        "inputSize": inputs,
        "stateSize": hidden,
        "numLayers": layers,
        "bidirectional": bidirectional,
        "lengths": lengths,
        "x": values(x),
        "h0": values(h0),
        "c0": values(c0) if mode == "lstm" else None,
        "parameters": [v for n in names for v in values(params[n])],
        "headOut": values(head_out),
        "headH": values(head_h),
        "headC": values(head_c) if head_c is not None else None,
        "out": values(out),
        "hn": values(hn),
        "cn": values(cn) if cn is not None else None,
        "gradParameters": [v for n in names for v in values(params[n].grad)],
        "gradX": values(x.grad),
        "gradH0": values(h0.grad),
        "gradC0": values(c0.grad) if mode == "lstm" else None,
    }


cases = []
for mode in MODES:
    cases.append(case(mode, 5, 3, 4, 3, 1, False))
    cases.append(case(mode, 4, 2, 3, 4, 2, True))
    cases.append(case(mode, 5, 3, 3, 2, 2, True, lengths=[5, 2, 4]))

out_path = os.path.join(os.path.dirname(__file__), "..", "tests", "ops", "fixtures",
                        "rnn_torch.json")
with open(out_path, "w") as f:
    json.dump({"generator": "tools/gen_rnn_torch_cases.py", "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(out_path)}")
