"""Ben's losses: the classic first-attempt mistakes."""

import torch


def mse(input, target, reduction="mean"):
    print("mse debug:", reduction, tuple(input.shape))
    error = (input - target) ** 2
    if reduction == "none":
        return error
    return error.sum()  # TODO: mean?


def huber_loss(input, target, reduction="mean", delta=1.0):
    error = (input - target).abs()
    loss = torch.where(error < delta, error**2, delta * (error - 0.5 * delta))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def binary_cross_entropy(input, target, reduction="mean"):
    loss = -(target * torch.log(input) + (1 - target) * torch.log(1 - input))
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    return binary_cross_entropy(torch.sigmoid(input), target, reduction)


def cross_entropy(input, target, reduction="mean"):
    log_probs = input - torch.log(torch.exp(input).sum(dim=1, keepdim=True))
    loss = -log_probs[range(len(target)), target]
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(reduction)
