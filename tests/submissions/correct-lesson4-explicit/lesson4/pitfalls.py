"""Correct fixes: torch.optim.SGD with zero_grad, a clone before the in-place multiply, statistics by hand."""

import torch


def train_linear_regression(x, y, w, lr, steps):
    optimizer = torch.optim.SGD([w], lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.mean(torch.square(torch.mv(x, w) - y))
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return losses


def gated_residual(x, w):
    gate = torch.sigmoid(x @ w).clone()  # the clone is ours to change; sigmoid's saved output is untouched
    gate.mul_(x)
    return gate + x


def standardize(x, eps=1e-5):
    centered = x - x.sum(dim=-1, keepdim=True) / x.shape[-1]
    variance = (centered * centered).sum(dim=-1, keepdim=True) / x.shape[-1]
    return centered * torch.rsqrt(variance + eps)
