"""mse forgot the reduction argument; binary_cross_entropy has its arguments renamed and reordered."""

import torch


def mse(prediction, truth):
    return ((prediction - truth) ** 2).mean()


def binary_cross_entropy(target, input, mode="mean"):
    return -(target * torch.log(input).clamp(min=-100) + (1 - target) * torch.log(1 - input).clamp(min=-100)).mean()


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    loss = input.clamp(min=0) - input * target + torch.log1p(torch.exp(-input.abs()))
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction] if reduction in ("mean", "sum", "none") else _fail(reduction)


def cross_entropy(input, target, reduction="mean"):
    m = input.max(dim=1, keepdim=True).values
    loss = m.squeeze(1) + torch.log(torch.exp(input - m).sum(dim=1)) - input.gather(1, target.unsqueeze(1)).squeeze(1)
    if reduction == "none":
        return loss
    if reduction in ("mean", "sum"):
        return getattr(loss, reduction)()
    raise ValueError(reduction)


def _fail(reduction):
    raise ValueError(reduction)
