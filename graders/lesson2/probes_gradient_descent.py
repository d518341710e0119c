"""Probes for lesson2/gradient_descent.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch
from torch import nn

from graders.worker.probe import ANY, ProbeError, probe


def objective(spec: dict):
    """The loss function a spec describes; every one is non-negative.

    - ``quadratic``: ``½ (x - center)ᵀ A (x - center)`` for a vector x;
    - ``rosenbrock``: ``(1 - x₀)² + 100 (x₁ - x₀²)²``, curved and badly conditioned;
    - ``least_squares``: ``mean((Z x - T)²)`` for a matrix x of shape (D, K);
    - ``logistic``: ``mean(log(1 + exp(-y · (X x))))`` for labels y of ±1.
    """
    kind = spec["kind"]
    if kind == "quadratic":
        A, center = spec["A"], spec["center"]

        def loss(x):
            d = x - center
            return 0.5 * d @ (A @ d)

    elif kind == "rosenbrock":

        def loss(x):
            return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    elif kind == "least_squares":
        Z, T = spec["Z"], spec["T"]

        def loss(x):
            return ((Z @ x - T) ** 2).mean()

    elif kind == "logistic":
        X, y = spec["X"], spec["y"]

        def loss(x):
            return nn.functional.softplus(-y * (X @ x)).mean()

    else:
        raise ProbeError(f"unknown objective {kind!r}")
    return loss


@probe(reply={"result": ANY, "x0_changed": bool})
def descend(ctx, spec, x0, kwargs):
    """The entry point's result on ``objective(spec)`` from ``x0``, and ``x0`` afterwards (it must not change)."""
    function = ctx.entry()
    start = x0.clone()
    with ctx.student_code():
        result = function(objective(spec), start, **kwargs)
    return {"result": result, "x0_changed": not torch.equal(start, x0)}
