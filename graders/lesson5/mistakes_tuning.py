"""Plausible wrong implementations of lesson5/tuning.py (see graders/grading/mistakes.py)."""

import itertools
import math

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- grid_search ------------------------------------------------------------------------------


@catalogue.mistake(
    "grid_search",
    "the lists zipped together instead of combined (itertools.product)",
    "zip pairs the i-th values only; a grid tries every combination: itertools.product(*lists)",
)
def grid_zipped(objective, grid):
    names = list(grid)
    best, best_loss = None, math.inf
    for values in zip(*(grid[n] for n in names)):
        params = dict(zip(names, values))
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "grid_search",
    "the highest loss kept instead of the lowest",
    "the objective is a loss: lower is better",
)
def grid_maximises(objective, grid):
    names = list(grid)
    best, best_loss = None, -math.inf
    for values in itertools.product(*(grid[n] for n in names)):
        params = dict(zip(names, values))
        loss = objective(params)
        if loss > best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "grid_search",
    "the last of equal losses kept (<= instead of <)",
    "replace the best only on a strictly lower loss, so the first one stays",
)
def grid_last_tie(objective, grid):
    names = list(grid)
    best, best_loss = None, math.inf
    for values in itertools.product(*(grid[n] for n in names)):
        params = dict(zip(names, values))
        loss = objective(params)
        if loss <= best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "grid_search",
    "the last value of each list skipped (range(len(values) - 1))",
    "every value of every list is part of the grid",
)
def grid_skips_last(objective, grid):
    names = list(grid)
    best, best_loss = None, math.inf
    for values in itertools.product(*(grid[n][: len(grid[n]) - 1] or grid[n] for n in names)):
        params = dict(zip(names, values))
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "grid_search",
    "one hyperparameter varied at a time, the others held at their first value",
    "that is a line search along each axis; a grid evaluates every combination",
)
def grid_one_at_a_time(objective, grid):
    names = list(grid)
    base = {n: grid[n][0] for n in names}
    best, best_loss, seen = None, math.inf, []
    for name in names:
        for value in grid[name]:
            params = {**base, name: value}
            if params in seen:
                continue
            seen.append(params)
            loss = objective(params)
            if loss < best_loss:
                best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "grid_search",
    "the loss of the last combination returned with the best parameters",
    "keep the best loss together with the best parameters",
)
def grid_last_loss(objective, grid):
    names = list(grid)
    best, best_loss, loss = None, math.inf, math.inf
    for values in itertools.product(*(grid[n] for n in names)):
        params = dict(zip(names, values))
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, loss


# -- random_search ------------------------------------------------------------------------------


@catalogue.mistake(
    "random_search",
    "log-uniform hyperparameters drawn uniformly",
    "draw log_uniform ones as exp(log(low) + u * (log(high) - log(low))): uniformly, nearly every "
    "draw of 1e-5..1e-1 lands above 1e-2",
)
def random_log_as_uniform(objective, space, n_trials, seed=0):
    generator = torch.Generator().manual_seed(seed)
    best, best_loss = None, math.inf
    for _ in range(n_trials):
        params = {}
        for name, (kind, *bounds) in space.items():
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            if kind in ("uniform", "log_uniform"):
                params[name] = bounds[0] + u * (bounds[1] - bounds[0])
            elif kind == "int":
                params[name] = bounds[0] + math.floor(u * (bounds[1] - bounds[0] + 1))
            else:
                params[name] = bounds[0][math.floor(u * len(bounds[0]))]
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "random_search",
    "integers drawn without their upper bound",
    "('int', low, high) includes high: low + floor(u * (high - low + 1))",
)
def random_int_exclusive(objective, space, n_trials, seed=0):
    generator = torch.Generator().manual_seed(seed)
    best, best_loss = None, math.inf
    for _ in range(n_trials):
        params = {}
        for name, (kind, *bounds) in space.items():
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            if kind == "uniform":
                params[name] = bounds[0] + u * (bounds[1] - bounds[0])
            elif kind == "log_uniform":
                params[name] = math.exp(
                    math.log(bounds[0]) + u * (math.log(bounds[1]) - math.log(bounds[0]))
                )
            elif kind == "int":
                params[name] = bounds[0] + math.floor(u * (bounds[1] - bounds[0]))
            else:
                params[name] = bounds[0][math.floor(u * len(bounds[0]))]
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "random_search",
    "choices picked by rounding u * (len - 1)",
    "rounding gives the first and last options half the chance of the others: options[floor(u * len(options))]",
)
def random_rounded_choice(objective, space, n_trials, seed=0):
    generator = torch.Generator().manual_seed(seed)
    best, best_loss = None, math.inf
    for _ in range(n_trials):
        params = {}
        for name, (kind, *bounds) in space.items():
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            if kind == "uniform":
                params[name] = bounds[0] + u * (bounds[1] - bounds[0])
            elif kind == "log_uniform":
                params[name] = math.exp(
                    math.log(bounds[0]) + u * (math.log(bounds[1]) - math.log(bounds[0]))
                )
            elif kind == "int":
                params[name] = bounds[0] + round(u * (bounds[1] - bounds[0]))
            else:
                params[name] = bounds[0][round(u * (len(bounds[0]) - 1))]
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "random_search",
    "the generator re-seeded for every trial, so every trial draws the same configuration",
    "make the generator once, before the loop over trials",
)
def random_reseeded(objective, space, n_trials, seed=0):
    best, best_loss = None, math.inf
    for _ in range(n_trials):
        generator = torch.Generator().manual_seed(seed)
        params = {}
        for name, (kind, *bounds) in space.items():
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            if kind == "uniform":
                params[name] = bounds[0] + u * (bounds[1] - bounds[0])
            elif kind == "log_uniform":
                params[name] = math.exp(
                    math.log(bounds[0]) + u * (math.log(bounds[1]) - math.log(bounds[0]))
                )
            elif kind == "int":
                params[name] = bounds[0] + math.floor(u * (bounds[1] - bounds[0] + 1))
            else:
                params[name] = bounds[0][math.floor(u * len(bounds[0]))]
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "random_search",
    "the global random generator instead of a seeded torch.Generator",
    "torch.rand without generator= depends on whatever ran before: use torch.Generator().manual_seed(seed)",
)
def random_global_generator(objective, space, n_trials, seed=0):
    best, best_loss = None, math.inf
    for _ in range(n_trials):
        params = {}
        for name, (kind, *bounds) in space.items():
            u = torch.rand((), dtype=torch.float64).item()
            if kind == "uniform":
                params[name] = bounds[0] + u * (bounds[1] - bounds[0])
            elif kind == "log_uniform":
                params[name] = math.exp(
                    math.log(bounds[0]) + u * (math.log(bounds[1]) - math.log(bounds[0]))
                )
            elif kind == "int":
                params[name] = bounds[0] + math.floor(u * (bounds[1] - bounds[0] + 1))
            else:
                params[name] = bounds[0][math.floor(u * len(bounds[0]))]
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "random_search",
    "torch.manual_seed(seed) and the global generator, which changes the caller's random state",
    "seeding the global generator resets the random state the rest of the program relies on: draw "
    "from torch.Generator().manual_seed(seed) with generator=",
)
def random_seeds_globally(objective, space, n_trials, seed=0):
    torch.manual_seed(seed)
    best, best_loss = None, math.inf
    for _ in range(n_trials):
        params = {}
        for name, (kind, *bounds) in space.items():
            u = torch.rand((), dtype=torch.float64).item()
            if kind == "uniform":
                params[name] = bounds[0] + u * (bounds[1] - bounds[0])
            elif kind == "log_uniform":
                params[name] = math.exp(
                    math.log(bounds[0]) + u * (math.log(bounds[1]) - math.log(bounds[0]))
                )
            elif kind == "int":
                params[name] = bounds[0] + math.floor(u * (bounds[1] - bounds[0] + 1))
            else:
                params[name] = bounds[0][math.floor(u * len(bounds[0]))]
        loss = objective(params)
        if loss < best_loss:
            best, best_loss = params, loss
    return best, best_loss


@catalogue.mistake(
    "random_search",
    "the highest loss kept instead of the lowest",
    "the objective is a loss: lower is better",
)
def random_maximises(objective, space, n_trials, seed=0):
    generator = torch.Generator().manual_seed(seed)
    best, best_loss = None, -math.inf
    for _ in range(n_trials):
        params = {}
        for name, (kind, *bounds) in space.items():
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            if kind == "uniform":
                params[name] = bounds[0] + u * (bounds[1] - bounds[0])
            elif kind == "log_uniform":
                params[name] = math.exp(
                    math.log(bounds[0]) + u * (math.log(bounds[1]) - math.log(bounds[0]))
                )
            elif kind == "int":
                params[name] = bounds[0] + math.floor(u * (bounds[1] - bounds[0] + 1))
            else:
                params[name] = bounds[0][math.floor(u * len(bounds[0]))]
        loss = objective(params)
        if loss > best_loss:
            best, best_loss = params, loss
    return best, best_loss


# -- cross_validate_ridge --------------------------------------------------------------------------


@catalogue.mistake(
    "cross_validate_ridge",
    "the model fitted on all the rows, validation fold included (leakage)",
    "fit each fold's model on the other k - 1 folds only: a model that has seen its validation rows scores too well",
)
def cv_leaks(x, y, penalties, k=5):
    n = x.shape[0]
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    bounds = [0, *itertools.accumulate(sizes)]
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    means = []
    for penalty in penalties:
        w = torch.linalg.solve(x.T @ x + penalty * eye, x.T @ y)
        means.append(
            torch.stack(
                [((x[a:b] @ w - y[a:b]) ** 2).mean() for a, b in zip(bounds, bounds[1:])]
            ).mean()
        )
    means = torch.stack(means)
    return penalties[int(means.argmin())], means


@catalogue.mistake(
    "cross_validate_ridge",
    "the loss measured on the training folds",
    "score each fold's model on the held-out fold",
)
def cv_training_loss(x, y, penalties, k=5):
    n = x.shape[0]
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    bounds = [0, *itertools.accumulate(sizes)]
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    means = []
    for penalty in penalties:
        losses = []
        for a, b in zip(bounds, bounds[1:]):
            keep = torch.ones(n, dtype=torch.bool, device=x.device)
            keep[a:b] = False
            w = torch.linalg.solve(x[keep].T @ x[keep] + penalty * eye, x[keep].T @ y[keep])
            losses.append(((x[keep] @ w - y[keep]) ** 2).mean())
        means.append(torch.stack(losses).mean())
    means = torch.stack(means)
    return penalties[int(means.argmin())], means


@catalogue.mistake(
    "cross_validate_ridge",
    "folds of N // k rows, the last N % k rows never validated",
    "spread the remainder: the first N % k folds get one extra row, so every row is held out once",
)
def cv_drops_remainder(x, y, penalties, k=5):
    n = x.shape[0]
    size = n // k
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    means = []
    for penalty in penalties:
        losses = []
        for i in range(k):
            keep = torch.ones(n, dtype=torch.bool, device=x.device)
            keep[i * size : (i + 1) * size] = False
            w = torch.linalg.solve(x[keep].T @ x[keep] + penalty * eye, x[keep].T @ y[keep])
            losses.append(((x[~keep] @ w - y[~keep]) ** 2).mean())
        means.append(torch.stack(losses).mean())
    means = torch.stack(means)
    return penalties[int(means.argmin())], means


@catalogue.mistake(
    "cross_validate_ridge",
    "the remainder put into the last fold",
    "as sklearn's KFold: the first N % k folds are one row longer, the last ones N // k",
)
def cv_remainder_last(x, y, penalties, k=5):
    n = x.shape[0]
    size = n // k
    bounds = [i * size for i in range(k)] + [n]
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    means = []
    for penalty in penalties:
        losses = []
        for a, b in zip(bounds, bounds[1:]):
            keep = torch.ones(n, dtype=torch.bool, device=x.device)
            keep[a:b] = False
            w = torch.linalg.solve(x[keep].T @ x[keep] + penalty * eye, x[keep].T @ y[keep])
            losses.append(((x[~keep] @ w - y[~keep]) ** 2).mean())
        means.append(torch.stack(losses).mean())
    means = torch.stack(means)
    return penalties[int(means.argmin())], means


@catalogue.mistake(
    "cross_validate_ridge",
    "the fold losses summed instead of averaged",
    "a penalty's score is the mean of its k fold losses",
)
def cv_summed(x, y, penalties, k=5):
    n = x.shape[0]
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    bounds = [0, *itertools.accumulate(sizes)]
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    means = []
    for penalty in penalties:
        losses = []
        for a, b in zip(bounds, bounds[1:]):
            keep = torch.ones(n, dtype=torch.bool, device=x.device)
            keep[a:b] = False
            w = torch.linalg.solve(x[keep].T @ x[keep] + penalty * eye, x[keep].T @ y[keep])
            losses.append(((x[~keep] @ w - y[~keep]) ** 2).mean())
        means.append(torch.stack(losses).sum())
    means = torch.stack(means)
    return penalties[int(means.argmin())], means


@catalogue.mistake(
    "cross_validate_ridge",
    "the squared errors pooled over all folds (weighting folds by size)",
    "average the k fold losses, each the mean over its own fold, as cross_val_score does",
)
def cv_pooled(x, y, penalties, k=5):
    n = x.shape[0]
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    bounds = [0, *itertools.accumulate(sizes)]
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    means = []
    for penalty in penalties:
        squared = []
        for a, b in zip(bounds, bounds[1:]):
            keep = torch.ones(n, dtype=torch.bool, device=x.device)
            keep[a:b] = False
            w = torch.linalg.solve(x[keep].T @ x[keep] + penalty * eye, x[keep].T @ y[keep])
            squared.append((x[~keep] @ w - y[~keep]) ** 2)
        means.append(torch.cat(squared).mean())
    means = torch.stack(means)
    return penalties[int(means.argmin())], means


@catalogue.mistake(
    "cross_validate_ridge",
    "the penalty multiplied by the number of training rows",
    "this ridge is (X^T X + lam I) w = X^T y: the penalty is added as given",
)
def cv_scaled_penalty(x, y, penalties, k=5):
    n = x.shape[0]
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    bounds = [0, *itertools.accumulate(sizes)]
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    means = []
    for penalty in penalties:
        losses = []
        for a, b in zip(bounds, bounds[1:]):
            keep = torch.ones(n, dtype=torch.bool, device=x.device)
            keep[a:b] = False
            w = torch.linalg.solve(
                x[keep].T @ x[keep] + penalty * int(keep.sum()) * eye, x[keep].T @ y[keep]
            )
            losses.append(((x[~keep] @ w - y[~keep]) ** 2).mean())
        means.append(torch.stack(losses).mean())
    means = torch.stack(means)
    return penalties[int(means.argmin())], means


# -- expected_improvement -------------------------------------------------------------------------


@catalogue.mistake(
    "expected_improvement",
    "the improvement for maximisation (mean - best)",
    "the loss is minimised: the improvement is best - xi - mean",
)
def ei_maximises(mean, std, best, xi=0.0):
    improvement = mean - best - xi
    safe = torch.where(std > 0, std, torch.ones_like(std))
    z = improvement / safe
    ei = improvement * 0.5 * torch.erfc(-z / math.sqrt(2)) + std * torch.exp(
        -0.5 * z**2
    ) / math.sqrt(2 * math.pi)
    return torch.where(std > 0, ei, improvement.clamp(min=0))


@catalogue.mistake(
    "expected_improvement",
    "the variance used where the standard deviation belongs",
    "z divides by std, and the exploration term is std * phi(z)",
)
def ei_variance(mean, std, best, xi=0.0):
    variance = std**2
    improvement = best - xi - mean
    safe = torch.where(variance > 0, variance, torch.ones_like(variance))
    z = improvement / safe
    ei = improvement * 0.5 * torch.erfc(-z / math.sqrt(2)) + variance * torch.exp(
        -0.5 * z**2
    ) / math.sqrt(2 * math.pi)
    return torch.where(variance > 0, ei, improvement.clamp(min=0))


@catalogue.mistake(
    "expected_improvement",
    "the probability of improvement Phi(z) instead of the expected improvement",
    "EI weighs the improvement by its size: (best - xi - mean) * Phi(z) + std * phi(z)",
)
def ei_probability(mean, std, best, xi=0.0):
    improvement = best - xi - mean
    safe = torch.where(std > 0, std, torch.ones_like(std))
    pi = 0.5 * torch.erfc(-(improvement / safe) / math.sqrt(2))
    return torch.where(std > 0, pi, (improvement > 0).to(mean.dtype))


@catalogue.mistake(
    "expected_improvement",
    "the exploration term std * phi(z) left out",
    "EI = (best - xi - mean) * Phi(z) + std * phi(z): keep both terms",
)
def ei_exploitation_only(mean, std, best, xi=0.0):
    improvement = best - xi - mean
    safe = torch.where(std > 0, std, torch.ones_like(std))
    ei = improvement * 0.5 * torch.erfc(-(improvement / safe) / math.sqrt(2))
    return torch.where(std > 0, ei, improvement.clamp(min=0))


@catalogue.mistake(
    "expected_improvement",
    "nan where std is 0 (0 / 0)",
    "where std is 0 the outcome is certain: return max(best - xi - mean, 0) there (torch.where)",
)
def ei_nan_at_zero_std(mean, std, best, xi=0.0):
    improvement = best - xi - mean
    z = improvement / std
    return improvement * 0.5 * torch.erfc(-z / math.sqrt(2)) + std * torch.exp(
        -0.5 * z**2
    ) / math.sqrt(2 * math.pi)


@catalogue.mistake(
    "expected_improvement",
    "xi added to the improvement instead of subtracted",
    "xi is a margin the improvement must beat: best - xi - mean",
)
def ei_xi_sign(mean, std, best, xi=0.0):
    improvement = best + xi - mean
    safe = torch.where(std > 0, std, torch.ones_like(std))
    z = improvement / safe
    ei = improvement * 0.5 * torch.erfc(-z / math.sqrt(2)) + std * torch.exp(
        -0.5 * z**2
    ) / math.sqrt(2 * math.pi)
    return torch.where(std > 0, ei, improvement.clamp(min=0))


@catalogue.mistake(
    "expected_improvement",
    "the normal CDF as (1 + erf(z)) / 2, without the sqrt(2)",
    "Phi(z) = (1 + erf(z / sqrt(2))) / 2",
)
def ei_erf_unscaled(mean, std, best, xi=0.0):
    improvement = best - xi - mean
    safe = torch.where(std > 0, std, torch.ones_like(std))
    z = improvement / safe
    ei = improvement * 0.5 * (1 + torch.erf(z)) + std * torch.exp(-0.5 * z**2) / math.sqrt(
        2 * math.pi
    )
    return torch.where(std > 0, ei, improvement.clamp(min=0))


@catalogue.mistake(
    "expected_improvement",
    "a floored variance (std never below 1e-6, as BoTorch does)",
    "the floor leaves EI slightly above 0 where std is 0 and mean = best - xi, but there EI is "
    "exactly max(best - xi - mean, 0): choose it with torch.where instead of flooring the variance",
)
def ei_floored_variance(mean, std, best, xi=0.0):
    sigma = (std**2).clamp_min(1e-12).sqrt()
    u = (best - xi - mean) / sigma
    pdf = torch.exp(-0.5 * u**2) / math.sqrt(2 * math.pi)
    cdf = 0.5 * torch.erfc(-u / math.sqrt(2))
    return sigma * (pdf + u * cdf)


# -- correct variants ------------------------------------------------------------------------------


@catalogue.variant(
    "expected_improvement",
    "BoTorch's form sigma * (phi(u) + u * Phi(u)), with std = 0 handled by torch.where",
)
def ei_botorch_form(mean, std, best, xi=0.0):
    certain = std == 0
    sigma = torch.where(certain, torch.ones_like(std), std)
    u = (best - xi - mean) / sigma
    normal = torch.distributions.Normal(torch.zeros_like(u), torch.ones_like(u))
    ei = sigma * (normal.log_prob(u).exp() + u * normal.cdf(u))
    return torch.where(certain, (best - xi - mean).clamp(min=0), ei)


@catalogue.variant("expected_improvement", "the std = 0 entries filled in afterwards by a mask")
def ei_masked(mean, std, best, xi=0.0):
    improvement = best - xi - mean
    z = improvement / std  # inf or nan where std is 0, replaced below
    ei = improvement * 0.5 * (1 + torch.erf(z / math.sqrt(2))) + std * torch.exp(
        -(z**2) / 2
    ) / math.sqrt(2 * math.pi)
    ei = ei.clone()
    certain = std == 0
    ei[certain] = improvement[certain].clamp(min=0)
    return ei
