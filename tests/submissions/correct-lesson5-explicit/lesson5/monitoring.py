"""Monitoring written with torch.func.functional_call (the model is never modified) and explicit statistics."""

import math

import torch
from torch.func import functional_call


def gradient_statistics(model):
    report = {}
    for name, param in model.named_parameters():
        g = param.grad
        if g is None:
            continue
        flat = g.detach().reshape(-1).double()
        mean = flat.sum() / flat.numel()
        norm = math.sqrt(float((flat * flat).sum()))
        report[name] = {
            "grad_norm": norm,
            "grad_mean": float(mean),
            "grad_std": math.sqrt(float(((flat - mean) ** 2).sum() / flat.numel())),
            "grad_max_abs": float(flat.abs().max()),
            "zero_fraction": int((flat == 0).sum()) / flat.numel(),
            "grad_to_weight": norm / math.sqrt(float((param.detach().double() ** 2).sum())),
        }
    return report


def diagnose_learning_curve(train_losses, val_losses, patience=5, threshold=0.01):
    if any(math.isnan(loss) or math.isinf(loss) for loss in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    lowest = min(val_losses)
    at = val_losses.index(lowest)
    if val_losses[-1] > lowest * (1 + threshold) and train_losses[-1] < train_losses[at]:
        return "overfitting"
    best, last_improvement = train_losses[0], 0
    for epoch, loss in enumerate(train_losses):
        if loss < best * (1 - threshold):
            best, last_improvement = loss, epoch
    return "plateau" if len(train_losses) - 1 - last_improvement >= patience else "healthy"


def loss_landscape_1d(model, loss_fn, inputs, targets, direction, alphas):
    names = [name for name, _ in model.named_parameters()]
    weights = [p.detach() for _, p in model.named_parameters()]
    steps = []
    for theta, d in zip(weights, direction):
        if theta.dim() < 2:
            steps.append(torch.zeros_like(theta))
            continue
        ratio = theta.reshape(len(theta), -1).norm(dim=1) / d.reshape(len(d), -1).norm(dim=1)
        steps.append(d * ratio.view([-1] + [1] * (d.dim() - 1)))
    losses = []
    with torch.no_grad():
        for alpha in alphas:
            moved = {name: theta + alpha * step for name, theta, step in zip(names, weights, steps)}
            losses.append(loss_fn(functional_call(model, moved, (inputs,)), targets))
    return torch.stack(losses)
