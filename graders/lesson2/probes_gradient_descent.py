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
    - ``logistic``: ``mean(log(1 + exp(-y · (X x))))`` for labels y of ±1;
    - ``separable``: ``sum(cosh(x - center) - 1)`` for an x of any shape, 0-dim included;
    - ``half_squared_norm``: ``½ |x|²``, whose gradient is exactly x (stopping rules at their
      exact thresholds).
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

    elif kind == "separable":
        center = spec["center"]

        def loss(x):
            return (torch.cosh(x - center) - 1).sum()

    elif kind == "half_squared_norm":

        def loss(x):
            return 0.5 * (x * x).sum()

    else:
        raise ProbeError(f"unknown objective {kind!r}")
    return loss


@probe(reply={"result": ANY, "x0_changed": bool})
def descend(ctx, spec, x0, kwargs, on_a_copy=False):
    """The entry point's result on ``objective(spec)`` from ``x0``, and whether the ``x0`` it got changed.

    Student code gets the request's own ``x0``, with its layout (a transposed or expanded view)
    and its ``requires_grad``, so the worker fails the case if it changes it.  ``on_a_copy``
    gives it a copy instead, for the one case that judges the change itself (and names the
    mistake that makes it).
    """
    function = ctx.entry()
    start = x0.clone() if on_a_copy else x0
    before = start.detach().clone()
    with ctx.student_code():
        result = function(objective(spec), start, **kwargs)
    return {"result": result, "x0_changed": not torch.equal(before, start.detach())}
