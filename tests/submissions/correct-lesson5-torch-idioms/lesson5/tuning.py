"""Searches with itertools, KFold-style slices, EI with torch.special."""

import itertools
import math

import torch


def grid_search(objective, grid):
    best = (math.inf, None)
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid.keys(), values))
        loss = objective(params)
        if loss < best[0]:
            best = (loss, params)
    return best[1], best[0]


def random_search(objective, space, n_trials, seed=0):
    generator = torch.Generator().manual_seed(seed)
    best_params, best_loss = None, math.inf
    for _ in range(n_trials):
        params = {}
        for name, (kind, *args) in space.items():
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            if kind == "uniform":
                params[name] = args[0] + (args[1] - args[0]) * u
            elif kind == "log_uniform":
                params[name] = args[0] * (args[1] / args[0]) ** u
            elif kind == "int":
                params[name] = args[0] + math.floor((args[1] - args[0] + 1) * u)
            else:
                params[name] = args[0][math.floor(len(args[0]) * u)]
        loss = objective(params)
        if loss < best_loss:
            best_params, best_loss = params, loss
    return best_params, best_loss


def cross_validate_ridge(x, y, penalties, k=5):
    n = len(x)
    indices = torch.arange(n, device=x.device)
    folds = torch.tensor_split(indices, k)  # the first n % k folds are one longer, as KFold
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    scores = torch.zeros(len(penalties), dtype=x.dtype, device=x.device)
    for j, penalty in enumerate(penalties):
        for fold in folds:
            mask = torch.ones(n, dtype=torch.bool, device=x.device)
            mask[fold] = False
            w = torch.linalg.solve(x[mask].T @ x[mask] + penalty * eye, x[mask].T @ y[mask])
            scores[j] += torch.nn.functional.mse_loss(x[fold] @ w, y[fold]) / k
    return penalties[scores.argmin().item()], scores


def expected_improvement(mean, std, best, xi=0.0):
    improvement = best - xi - mean
    positive = std > 0
    z = torch.where(positive, improvement / torch.where(positive, std, 1.0), 0.0)
    pdf = torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    ei = improvement * torch.special.ndtr(z) + std * pdf
    return torch.where(positive, ei, torch.relu(improvement))
