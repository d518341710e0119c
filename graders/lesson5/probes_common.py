"""Probe helpers that several lesson5 modules share; they run inside the sandbox."""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import nn

from graders.worker.probe import ANY, probe

NO_GUARD = contextlib.nullcontext


def build_objective(spec: dict):
    """A function of a 1-D tensor, from its description.

    - ``polynomial``: ``x.A.x / 2 - b.x + sum(cubic * x^3) + sum(quartic * x^4)`` (missing terms are 0)
    - ``rosenbrock``: ``sum(100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2)``
    - ``logistic``:   mean binary cross-entropy of ``sigmoid(X @ w)`` against ``y``, plus ``l2 * w.w / 2``
    """
    kind = spec["kind"]
    if kind == "polynomial":
        A, b, cubic, quartic = spec["A"], spec.get("b"), spec.get("cubic"), spec.get("quartic")

        def polynomial(x):
            value = 0.5 * x @ A @ x
            if b is not None:
                value = value - b @ x
            if cubic is not None:
                value = value + (cubic * x**3).sum()
            if quartic is not None:
                value = value + (quartic * x**4).sum()
            return value

        return polynomial
    if kind == "rosenbrock":
        return lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    if kind == "logistic":
        X, y, l2 = spec["X"], spec["y"], spec.get("l2", 0.0)
        return lambda w: F.binary_cross_entropy_with_logits(X @ w, y) + 0.5 * l2 * (w @ w)
    raise ValueError(f"unknown objective {kind!r}")


@probe(reply=ANY)
def call_on_objective(ctx, objective, args=(), kwargs=None):
    """The entry point called as ``entry(f, *args, **kwargs)``, with ``f`` built from ``objective``."""
    function = ctx.entry()
    f = build_objective(objective)
    with ctx.student_code():
        return function(f, *args, **(kwargs or {}))


class SmallNetwork(nn.Module):
    """``out(act(hidden(x)))``, plus an ``extra`` head added in only while ``use_extra`` is set."""

    def __init__(self, d: int, h: int, c: int, activation: str):
        super().__init__()
        self.hidden, self.out, self.extra = nn.Linear(d, h), nn.Linear(h, c), nn.Linear(h, c)
        self.activation = {"tanh": torch.tanh, "relu": torch.relu}[activation]
        self.use_extra = True

    def forward(self, x):
        h = self.activation(self.hidden(x))
        return self.out(h) + self.extra(h) if self.use_extra else self.out(h)


def build_network(spec: dict) -> SmallNetwork:
    """The network ``spec["state"]`` describes (its state dict), with ``spec["activation"]``."""
    state = spec["state"]
    d, h, c = (
        state["hidden.weight"].shape[1],
        state["hidden.weight"].shape[0],
        state["out.weight"].shape[0],
    )
    net = SmallNetwork(d, h, c, spec["activation"])
    weight = state["hidden.weight"]
    net.to(device=weight.device, dtype=weight.dtype)
    net.load_state_dict(state)
    return net


def with_layout(tensor, layout: str):
    """``tensor`` laid out as named, built where it is used (a view cannot cross the sandbox's boundary).

    - ``"transposed"``: the same values, non-contiguous (the transpose of a contiguous tensor);
    - ``"sliced"``: the same values, every other element of a larger tensor;
    - ``"expanded"``: the first entry along dimension 0 repeated, a stride-0 view;
    - ``"requires-grad"``: the same values in a leaf that requires grad;
    - anything else: ``tensor`` itself.

    The grader builds the reference's inputs with the same function, so both sides see the same values.
    """
    if layout == "transposed":
        return tensor.mT.contiguous().mT
    if layout == "sliced":
        return torch.stack([tensor, torch.full_like(tensor, float("nan"))], dim=-1)[..., 0]
    if layout == "expanded":
        return tensor[:1].expand(tensor.shape)
    if layout == "requires-grad":
        return tensor.detach().clone().requires_grad_(True)
    return tensor


@probe(reply=ANY)
def call_with_layouts(ctx, args=(), layouts=(), kwargs=None):
    """The entry point's return value for ``args``, the i-th laid out as ``layouts[i]`` (``with_layout``)."""
    function = ctx.entry()
    args = [
        with_layout(arg, layout) if isinstance(arg, torch.Tensor) else arg
        for arg, layout in zip(args, [*layouts, *[""] * len(args)])
    ]
    with ctx.student_code():
        return function(*args, **(kwargs or {}))


@probe(reply={"value": ANY, "has_grad_fn": bool})
def call_with_history(ctx, objective=None, args=(), kwargs=None, requires_grad=()):
    """The entry point's value, and whether it carries autograd history; see ``history_run``."""
    return history_run(ctx.entry(), objective, args, kwargs, requires_grad, ctx.student_code)


def history_run(
    function, objective=None, args=(), kwargs=None, requires_grad=(), student_code=NO_GUARD
) -> dict:
    """``function(*args, **kwargs)``, preceded by ``f`` built from ``objective`` when there is one,
    with the arguments numbered in ``requires_grad`` made leaves that require grad."""
    args = [
        arg.detach().clone().requires_grad_(True) if i in requires_grad else arg
        for i, arg in enumerate(args)
    ]
    if objective is not None:
        args = [build_objective(objective), *args]
    with student_code():
        value = function(*args, **(kwargs or {}))
    has_grad_fn = isinstance(value, torch.Tensor) and value.grad_fn is not None
    return {"value": value.detach() if has_grad_fn else value, "has_grad_fn": has_grad_fn}
