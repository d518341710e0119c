"""Every shortcut route to a forbidden function: aliases, getattr strings, methods, private modules."""

import torch
import torch.nn.functional as F
from torch import nn


def mse(input, target, reduction="mean"):
    return nn.MSELoss(reduction=reduction)(input, target)


def binary_cross_entropy(input, target, reduction="mean"):
    return getattr(F, "binary_" + "cross_entropy")(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    return torch._C._nn.binary_cross_entropy_with_logits(input, target, None, None, {"mean": 1, "sum": 2, "none": 0}[reduction])


def cross_entropy(input, target, reduction="mean"):
    loss = input.logsumexp(dim=1) - input.gather(1, target.unsqueeze(1)).squeeze(1)
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()
