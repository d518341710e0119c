"""Piecewise losses with boolean masks and torch.where instead of clamps."""

import torch


def _reduce(loss, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def huber_loss(input, target, reduction="mean", delta=1.0):
    error = input - target
    small = error.abs() <= delta
    # where() evaluates both branches; each is finite for every error, so no nan leaks through
    loss = torch.where(small, 0.5 * error**2, delta * (error.abs() - 0.5 * delta))
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    positive = input >= 0
    # log(1 + exp(-|x|)) plus the part of x the sign decides, written per sign
    softplus_neg_abs = torch.log1p(torch.exp(-input.abs()))
    loss = torch.where(positive, input - input * target, -input * target) + softplus_neg_abs
    return _reduce(loss, reduction)
