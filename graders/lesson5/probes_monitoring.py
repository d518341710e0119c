"""Probes for lesson5/monitoring.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from graders.lesson5.probes_common import (
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


@probe(reply={"losses": ANY, "after": [torch.Tensor]})
def loss_along_direction(ctx, spec, direction, alphas):
    """The entry point's losses along ``direction``, and the network's parameters afterwards."""
    function = ctx.entry()
    net = build_network(spec["net"])
    with ctx.student_code():
        losses = function(net, F.mse_loss, spec["x"], spec["y"], list(direction), list(alphas))
    return {"losses": losses, "after": [p.detach().clone() for p in net.parameters()]}


def backward_pass(spec: dict) -> SmallNetwork:
    """The network after one backward pass of the MSE on (x, y), the extra head left out (no gradients)."""
    net = build_network(spec["net"])
    net.use_extra = False
    F.mse_loss(net(spec["x"]), spec["y"]).backward()
    return net
