"""A correct submission written with explicit formulas and where/logaddexp-free numerics."""

import math

import torch


def _reduced(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / loss.numel()
    raise ValueError("reduction must be 'mean', 'sum' or 'none', not " + repr(reduction))


def mse(input, target, reduction="mean"):
    difference = input - target
    return _reduced(difference * difference, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    # the mask goes on before squaring, so an outlier's square never overflows into 0 * inf
    error = input - target
    small = error.abs() < delta
    inside = error * small
    linear = (delta * error.abs() - 0.5 * delta * delta) * ~small
    return _reduced(0.5 * inside * inside + linear, reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    log_p = torch.maximum(torch.log(input), torch.full_like(input, -100.0))
    log_q = torch.maximum(torch.log(1 - input), torch.full_like(input, -100.0))
    return _reduced(-target * log_p - (1 - target) * log_q, reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    positive = torch.where(input > 0, input, torch.zeros_like(input))
    return _reduced(positive - input * target + torch.log1p(torch.exp(-torch.abs(input))), reduction)


def cross_entropy(input, target, reduction="mean"):
    n = input.shape[0]
    biggest, _ = torch.max(input, dim=1)
    total = torch.zeros(n, dtype=input.dtype, device=input.device)
    for c in range(input.shape[1]):
        total = total + torch.exp(input[:, c] - biggest)
    chosen = input[torch.arange(n, device=input.device), target]
    return _reduced(biggest + torch.log(total) - chosen, reduction)
