"""Probes for lesson4/gradient_check.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import contextlib

import torch

from graders.worker.probe import ANY, ProbeError, probe


def _columns(x):
    """A fixed (last dim, 3) matrix, the same for every run."""
    n = x.shape[-1]
    return torch.linspace(-1.0, 1.0, 3 * n, dtype=x.dtype, device=x.device).reshape(n, 3)


# Scalar functions of one tensor that the grader asks for by name (functions cannot cross the boundary).
FUNCTIONS = {
    "sum of squares": lambda x: (x**2).sum(),
    "sin(x) * cos(2x)": lambda x: (torch.sin(x) * torch.cos(2 * x)).sum(),
    "log-sum-exp": lambda x: torch.log(torch.exp(x).sum()),
    "product": lambda x: x.prod(),
    "tanh layer": lambda x: torch.tanh(x @ _columns(x)).pow(2).sum(),
    "cube of the first two columns": lambda x: (x[..., :2] ** 3).sum(),  # zero gradient elsewhere
}


def numerical_gradient_at(numerical_gradient, function, x, h=None, guard=contextlib.nullcontext):
    """The numerical gradient of ``FUNCTIONS[function]`` at ``x``, and ``x`` as the call left it."""
    given = x.clone()
    kwargs = {} if h is None else {"h": h}
    with guard():
        grad = numerical_gradient(FUNCTIONS[function], given, **kwargs)
    return {"grad": grad, "x_after": given}


@probe(reply={"grad": ANY, "x_after": torch.Tensor})
def numerical_gradient_of(ctx, function, x, h=None):
    return numerical_gradient_at(ctx.entry(), function, x, h, ctx.student_code)


def gradient_check_at(gradient_check, function, x, analytic, h=None, guard=contextlib.nullcontext):
    """What ``gradient_check`` reports for ``FUNCTIONS[function]`` at ``x``: {"error": float, "index": tuple or int}."""
    kwargs = {} if h is None else {"h": h}
    with guard():
        result = gradient_check(FUNCTIONS[function], x.clone(), analytic.clone(), **kwargs)
        if type(result) not in (tuple, list) or len(result) != 2:
            raise ProbeError(
                f"gradient_check must return (max_relative_error, index); it returned a {type(result).__name__}"
            )
        error, index = result
        try:
            error = float(error)
            index = (
                int(index)
                if isinstance(index, int) or getattr(index, "ndim", None) == 0
                else tuple(int(i) for i in index)
            )
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ProbeError(
                f"gradient_check must return a float and a tuple of ints ({exc})"
            ) from None
    return {"error": error, "index": index}


@probe(reply={"error": float, "index": (int, tuple)})
def gradient_check_of(ctx, function, x, analytic, h=None):
    return gradient_check_at(ctx.entry(), function, x, analytic, h, ctx.student_code)
