"""Correct fixes with torch idioms: zero_ guarded by None, addcmul, var_mean and rsqrt."""

import torch


def train_linear_regression(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        if w.grad is not None:
            w.grad.zero_()
        loss = (x @ w - y).pow(2).mean()
        loss.backward()
        with torch.no_grad():
            w.sub_(w.grad, alpha=lr)
        losses.append(loss.detach().item())
    return losses


def gated_residual(x, w):
    return torch.addcmul(x, torch.sigmoid(x @ w), x)


def standardize(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) * torch.rsqrt(var + eps)
