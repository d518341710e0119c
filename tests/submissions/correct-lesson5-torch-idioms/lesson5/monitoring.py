"""Monitoring with torch's vector norms and a ReduceLROnPlateau-style counter; the landscape via state_dict."""

import copy
import math

import torch


def gradient_statistics(model):
    result = {}
    for name, param in model.named_parameters():
        if param.grad is None:
            continue
        g = param.grad
        std, mean = torch.std_mean(g, correction=0)
        result[name] = {
            "grad_norm": torch.linalg.vector_norm(g).item(),
            "grad_mean": mean.item(),
            "grad_std": std.item(),
            "grad_max_abs": torch.linalg.vector_norm(g, ord=math.inf).item(),
            "zero_fraction": 1.0 - torch.count_nonzero(g).item() / g.numel(),
            "grad_to_weight": (torch.linalg.vector_norm(g) / torch.linalg.vector_norm(param.detach())).item(),
        }
    return result


def diagnose_learning_curve(train_losses, val_losses, patience=5, threshold=0.01):
    train = torch.tensor(train_losses, dtype=torch.float64)
    val = torch.tensor(val_losses, dtype=torch.float64)
    if not torch.isfinite(train).all() or train[-1] > train[0]:
        return "diverging"
    lowest = int(torch.argmin(val))
    if val[-1] > val[lowest] * (1 + threshold) and train[-1] < train[lowest]:
        return "overfitting"
    best, bad_epochs = math.inf, 0
    for loss in train_losses:
        if loss < best * (1 - threshold) or best == math.inf:
            best, bad_epochs = loss, 0
        else:
            bad_epochs += 1
    return "plateau" if bad_epochs >= patience else "healthy"


def loss_landscape_1d(model, loss_fn, inputs, targets, direction, alphas):
    saved = copy.deepcopy(model.state_dict())
    scaled = []
    for p, d in zip(model.parameters(), direction):
        if p.ndim == 1:
            scaled.append(torch.zeros_like(d))
        else:
            p_norms = torch.linalg.vector_norm(p.detach(), dim=tuple(range(1, p.ndim)), keepdim=True)
            d_norms = torch.linalg.vector_norm(d, dim=tuple(range(1, d.ndim)), keepdim=True)
            scaled.append(d / d_norms * p_norms)
    losses = []
    with torch.no_grad():
        for alpha in alphas:
            model.load_state_dict(saved)
            for p, d in zip(model.parameters(), scaled):
                p.add_(d, alpha=alpha)
            losses.append(loss_fn(model(inputs), targets))
    model.load_state_dict(saved)
    return torch.stack(losses)
