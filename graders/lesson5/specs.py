"""What lesson 5's graders send into the sandbox: gradient sequences, networks, matrices, objectives.

Everything is drawn from the case's seeded ``gen`` (graders/grading/inputs.py), so every student
gets the same inputs and a failure replays exactly.
"""

from __future__ import annotations

import torch


def mixed_scale_gradients(gen, shape, steps, dtype):
    """``steps`` gradients whose entries keep their own size, from 1e-6 to 1e3, with random signs.

    The first entry is always of size ~1e-6 and the last ~1e3, so every tensor mixes both:
    adaptive optimizers must treat them alike, and eps matters for the small ones.
    """
    exponents = gen.uniform(*shape, low=-6.0, high=3.0, dtype=torch.float64).reshape(-1)
    exponents[0], exponents[-1] = -6.0, 3.0
    scales = (10.0**exponents).reshape(shape).to(dtype)
    return torch.stack([scales * gen.normal(*shape, dtype=dtype) for _ in range(steps)])


def spd_matrix(gen, eigenvalues, dtype):
    """A symmetric matrix with these eigenvalues and random (not axis-aligned) eigenvectors."""
    n = len(eigenvalues)
    q, _ = torch.linalg.qr(gen.normal(n, n, dtype=torch.float64))
    values = torch.tensor(eigenvalues, dtype=torch.float64, device=q.device)
    return ((q * values) @ q.T).to(dtype)


def network(gen, dtype, sizes=(4, 4, 4), activation="tanh", dead_units=0):
    """A SmallNetwork description (graders/lesson5/probes_*.py): its state dict and activation.

    With ``dead_units``, that many hidden ReLU units get a bias of -50: they never activate,
    so their gradients are exactly zero.
    """
    d, h, c = sizes
    state = {
        "hidden.weight": gen.normal(h, d, dtype=dtype, scale=d**-0.5),
        "hidden.bias": gen.normal(h, dtype=dtype, scale=0.1),
        "out.weight": gen.normal(c, h, dtype=dtype, scale=h**-0.5),
        "out.bias": gen.normal(c, dtype=dtype, scale=0.1),
        "extra.weight": gen.normal(c, h, dtype=dtype, scale=h**-0.5),
        "extra.bias": gen.normal(c, dtype=dtype, scale=0.1),
    }
    state["hidden.bias"][:dead_units] = -50.0
    return {"state": state, "activation": activation}


def regression_data(gen, dtype, n, sizes):
    """Inputs (n, d) and smooth targets (n, c) for the network of ``sizes``."""
    d, _, c = sizes
    x = gen.normal(n, d, dtype=dtype)
    mixing = gen.normal(d, c, dtype=dtype)
    return x, torch.sin(x @ mixing)
