"""A correct submission that leans on torch idioms: F.relu, logaddexp, log_softmax-free gathers."""

import torch
import torch.nn.functional as F

REDUCTIONS = ("mean", "sum", "none")


def _apply(loss, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


def mse(input, target, reduction="mean"):
    return _apply((input - target).pow(2), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    # the quadratic piece clipped at delta, and the rest of |e| counted linearly
    error = (input - target).abs()
    inside = error.clamp(max=delta)
    return _apply(0.5 * inside.pow(2) + delta * (error - inside), reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    return _apply(-(target * input.log().clamp_min(-100) + (1 - target) * (-input).log1p().clamp_min(-100)), reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    # log(1 + exp(x)) = logaddexp(0, x), stable for any x
    return _apply(torch.logaddexp(torch.zeros_like(input), input) - input * target, reduction)


def cross_entropy(input, target, reduction="mean"):
    m = input.detach().amax(dim=1, keepdim=True)
    lse = (input - m).exp().sum(dim=1).log() + m.squeeze(1)
    return _apply(lse - input.gather(1, target[:, None])[:, 0], reduction)
