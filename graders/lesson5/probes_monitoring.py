"""Probes for lesson5/monitoring.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from graders.lesson5.probes_common import (
    NO_GUARD,
    SmallNetwork,
    build_network,
)
from graders.worker.probe import ANY, probe


@probe(reply=ANY)
def statistics_after_backward(ctx, spec):
    """The entry point called on the grader's network right after a backward pass."""
    function = ctx.entry()
    net = backward_pass(spec)
    with ctx.student_code():
        return function(net)


@probe(reply={"losses": ANY, "after": [torch.Tensor], "has_grad_fn": bool})
def loss_along_direction(ctx, spec, direction, alphas):
    """The entry point's losses along ``direction``; see ``landscape``."""
    return landscape(ctx.entry(), spec, direction, alphas, ctx.student_code, copy=False)


def landscape(function, spec, direction, alphas, student_code=NO_GUARD, copy=True) -> dict:
    """``function(net, mse_loss, x, y, direction, alphas)`` on the network of ``spec``: the losses,
    whether they carry autograd history, and the network's parameters afterwards.

    The probe passes the request's own direction tensors (``copy=False``), so that changing them,
    which the docstring rules out, shows; the grader's runs get copies of what the memo shares.
    """
    net = build_network(spec["net"])
    direction = [d.clone() for d in direction] if copy else list(direction)
    with student_code():
        losses = function(net, F.mse_loss, spec["x"], spec["y"], direction, list(alphas))
    has_grad_fn = isinstance(losses, torch.Tensor) and losses.grad_fn is not None
    return {
        "losses": losses.detach() if has_grad_fn else losses,
        "after": [p.detach().clone() for p in net.parameters()],
        "has_grad_fn": has_grad_fn,
    }


def backward_pass(spec: dict) -> SmallNetwork:
    """The network after one backward pass of the MSE on (x, y), the extra head left out (no gradients)."""
    net = build_network(spec["net"])
    net.use_extra = False
    F.mse_loss(net(spec["x"]), spec["y"]).backward()
    return net
