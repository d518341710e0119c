"""Numerically different but equivalent formulas: log-softmax written out, BCE with logits as a
softplus identity, cross-entropy through one-hot rows."""

import torch


def _reduce(loss, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    # t * softplus(-x) + (1 - t) * softplus(x), each softplus in its stable form
    def softplus(x):
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    return _reduce(target * softplus(-input) + (1 - target) * softplus(input), reduction)


def cross_entropy(input, target, reduction="mean"):
    shifted = input - input.amax(dim=1, keepdim=True)
    log_softmax = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    one_hot = torch.zeros_like(input).scatter_(1, target.unsqueeze(1), 1.0)
    return _reduce(-(one_hot * log_softmax).sum(dim=1), reduction)
