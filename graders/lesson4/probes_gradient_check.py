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


# How the point is laid out in memory (tensors cross the boundary contiguous, so the sandbox
# makes the view): a layout takes a contiguous tensor and returns a view of the shape graded.
LAYOUTS = {
    "transposed": lambda base: base.t(),  # base (n, m): x (m, n), strides (1, m)
    "sliced": lambda base: base[:, 1:-1],  # base (n, m + 2): rows that do not follow each other
    "expanded": lambda base: base.expand(3, -1),  # base (1, m): three rows sharing memory
}


def arranged(x, layout=None, requires_grad=False):
    """A copy of ``x`` in ``layout`` (None: contiguous), a leaf that requires grad if asked."""
    given = x.clone()
    if requires_grad:
        given.requires_grad_(True)
    return given if layout is None else LAYOUTS[layout](given)


def numerical_gradient_at(
    numerical_gradient,
    function,
    x,
    h=None,
    guard=contextlib.nullcontext,
    layout=None,
    requires_grad=False,
):
    """The numerical gradient of ``FUNCTIONS[function]`` at ``x`` (laid out as ``layout``), and
    ``x`` as the call left it."""
    given = arranged(x, layout, requires_grad)
    kwargs = {} if h is None else {"h": h}
    with guard():
        grad = numerical_gradient(FUNCTIONS[function], given, **kwargs)
    return {"grad": grad, "x_after": given.detach()}


@probe(reply={"grad": ANY, "x_after": torch.Tensor})
def numerical_gradient_of(ctx, function, x, h=None, layout=None, requires_grad=False):
    return numerical_gradient_at(
        ctx.entry(), function, x, h, ctx.student_code, layout, requires_grad
    )


def gradient_check_at(
    gradient_check, function, x, analytic, h=None, guard=contextlib.nullcontext, layout=None
):
    """What ``gradient_check`` reports for ``FUNCTIONS[function]`` at ``x`` (laid out as ``layout``):
    {"error": float, "index": tuple or int}; ``analytic`` has the shape of the laid-out ``x``."""
    kwargs = {} if h is None else {"h": h}
    given = arranged(x, layout)
    with guard():
        result = gradient_check(FUNCTIONS[function], given, analytic.clone(), **kwargs)
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
def gradient_check_of(ctx, function, x, analytic, h=None, layout=None):
    return gradient_check_at(ctx.entry(), function, x, analytic, h, ctx.student_code, layout)
