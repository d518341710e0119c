"""In-place arithmetic on tensors of one's own, never on the inputs, as tuned training code does.

Autograd allows it where the backward does not read what changes: ``(input - target).square_()``
changes the subtraction's result, which the subtraction's backward does not need.
"""

import torch


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def mse(input, target, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _reduce(torch.sub(input, target).square_(), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    error = torch.sub(input, target).abs_()
    quadratic = error.clamp(max=delta)  # |e| up to delta
    linear = error - quadratic  # beyond delta; error.sub_ would change what clamp's backward reads
    return _reduce(quadratic.mul(quadratic).mul_(0.5).add_(linear, alpha=delta), reduction)
