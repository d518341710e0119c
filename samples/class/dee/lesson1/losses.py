"""Dee's losses: MSE done, the rest not started yet."""

import torch


def mse(input, target, reduction="mean"):
    squared = (input - target).pow(2)
    if reduction == "mean":
        return squared.mean()
    if reduction == "sum":
        return squared.sum()
    if reduction == "none":
        return squared
    raise ValueError(f"{reduction} is not a valid value for reduction")


def huber_loss(input, target, reduction="mean", delta=1.0):
    raise NotImplementedError("huber_loss is not implemented yet")


def binary_cross_entropy(input, target, reduction="mean"):
    # YOUR CODE HERE
    raise NotImplementedError("binary_cross_entropy is not implemented yet")


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    # YOUR CODE HERE
    raise NotImplementedError("binary_cross_entropy_with_logits is not implemented yet")


def cross_entropy(input, target, reduction="mean"):
    # YOUR CODE HERE
    raise NotImplementedError("cross_entropy is not implemented yet")
