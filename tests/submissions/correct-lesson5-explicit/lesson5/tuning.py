"""Searches written with recursion and explicit index lists; EI from torch.distributions."""

import math

import torch


def _combinations(names, grid):
    if not names:
        yield {}
        return
    for value in grid[names[0]]:
        for rest in _combinations(names[1:], grid):
            yield {names[0]: value, **rest}


def grid_search(objective, grid):
    results = [(objective(params), params) for params in _combinations(list(grid), grid)]
    best_loss = min(loss for loss, _ in results)
    best_params = next(params for loss, params in results if loss == best_loss)
    return best_params, best_loss


def _draw(kind, bounds, u):
    if kind == "uniform":
        return bounds[0] + u * (bounds[1] - bounds[0])
    if kind == "log_uniform":
        return math.exp(math.log(bounds[0]) + u * (math.log(bounds[1]) - math.log(bounds[0])))
    if kind == "int":
        return bounds[0] + int(u * (bounds[1] - bounds[0] + 1))
    return bounds[0][int(u * len(bounds[0]))]


def random_search(objective, space, n_trials, seed=0):
    generator = torch.Generator()
    generator.manual_seed(seed)
    trials = []
    for _ in range(n_trials):
        params = {}
        for name, spec in space.items():
            u = float(torch.rand((), generator=generator, dtype=torch.float64))
            params[name] = _draw(spec[0], spec[1:], u)
        trials.append((objective(params), params))
    best = min(range(n_trials), key=lambda i: (trials[i][0], i))
    return trials[best][1], trials[best][0]


def cross_validate_ridge(x, y, penalties, k=5):
    n, d = x.shape
    folds, start = [], 0
    for fold in range(k):
        size = n // k + (fold < n % k)
        folds.append(list(range(start, start + size)))
        start += size
    means = []
    for penalty in penalties:
        total = 0.0
        for held_out in folds:
            train = [i for i in range(n) if i not in held_out]
            xt, yt = x[train], y[train]
            w = torch.linalg.solve(xt.T @ xt + penalty * torch.eye(d, dtype=x.dtype, device=x.device), xt.T @ yt)
            total = total + torch.mean((x[held_out] @ w - y[held_out]) ** 2)
        means.append(total / k)
    means = torch.stack(means)
    return penalties[int(torch.argmin(means))], means


def expected_improvement(mean, std, best, xi=0.0):
    normal = torch.distributions.Normal(torch.zeros_like(mean), torch.ones_like(mean))
    gain = best - xi - mean
    certain = std == 0
    z = gain / torch.where(certain, torch.ones_like(std), std)
    ei = gain * normal.cdf(z) + std * torch.exp(normal.log_prob(z))
    return torch.where(certain, torch.clamp(gain, min=0), ei)
