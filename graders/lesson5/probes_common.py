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
