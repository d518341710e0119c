"""Lesson 5: hyperparameter tuning: grid search, random search, cross-validation, Bayesian optimization.

A hyperparameter (learning rate, weight decay, batch size, ...) is chosen by training with
several values and keeping the one with the best *validation* score: never the training
score, which always prefers the most flexible model.

- Grid search tries every combination: thorough, but the cost multiplies with each
  hyperparameter, and it tries few distinct values of the ones that matter.
- Random search draws configurations: with the same budget it tries many more distinct
  values of each hyperparameter (Bergstra & Bengio, 2012).  Scale parameters such as the
  learning rate are drawn *log-uniformly*, so 1e-4..1e-3 gets as many draws as 1e-2..1e-1.
- Cross-validation makes the validation score trustworthy on small data: k folds, each one
  held out once.
- Bayesian optimization fits a model of the score (often a Gaussian process) and evaluates
  next where an *acquisition function*, such as the expected improvement, is largest.

Here an ``objective`` is a function that takes a dict of hyperparameters and returns the
validation loss (a float, lower is better).  Run ``pytest lesson5`` to test your work.
"""

import itertools
import math

import torch


def grid_search(objective, grid):
    """Evaluate ``objective`` on every combination of the grid; return the best.

    ``grid`` maps each hyperparameter name to a list of values.  Evaluate each combination
    exactly once, in the order of ``itertools.product`` over the lists in the grid's order
    (the first name varies slowest).  The best is the lowest loss; among equal losses the
    first one evaluated.

    Args:
        objective: a function of a dict ``{name: value}`` returning a float.
        grid: a dict ``{name: list of values}``.

    Returns:
        ``(best_params, best_loss)``: the dict of the best combination and its loss.
    """
    ### BEGIN SOLUTION
    names = list(grid)
    best_params, best_loss = None, math.inf
    for values in itertools.product(*(grid[name] for name in names)):
        params = dict(zip(names, values))
        loss = objective(params)
        if loss < best_loss:
            best_params, best_loss = params, loss
    return best_params, best_loss
    ### END SOLUTION


def random_search(objective, space, n_trials, seed=0):
    """Evaluate ``objective`` on ``n_trials`` random configurations drawn from ``space``; return the best.

    ``space`` maps each name to how it is drawn, from one uniform number ``u`` in [0, 1):

    - ``("uniform", low, high)``:      ``low + u * (high - low)``
    - ``("log_uniform", low, high)``:  ``exp(log(low) + u * (log(high) - log(low)))``
    - ``("int", low, high)``:          ``low + floor(u * (high - low + 1))`` (high included)
    - ``("choice", options)``:         ``options[floor(u * len(options))]``

    Reproducibility: make one generator, ``torch.Generator().manual_seed(seed)``, and for
    each trial, for each name in the space's order, draw
    ``u = torch.rand((), generator=generator, dtype=torch.float64).item()``.  The global random
    state is left alone.  The best is the lowest loss; among equal losses the first trial.

    Args:
        objective: a function of a dict ``{name: value}`` returning a float.
        space: a dict ``{name: (kind, ...)}`` as above.
        n_trials: how many configurations to evaluate.
        seed: the generator's seed.

    Returns:
        ``(best_params, best_loss)``.
    """
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    best_params, best_loss = None, math.inf
    for _ in range(n_trials):
        params = {}
        for name, (kind, *bounds) in space.items():
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            if kind == "uniform":
                low, high = bounds
                params[name] = low + u * (high - low)
            elif kind == "log_uniform":
                low, high = bounds
                params[name] = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
            elif kind == "int":
                low, high = bounds
                params[name] = low + math.floor(u * (high - low + 1))
            elif kind == "choice":
                (options,) = bounds
                params[name] = options[math.floor(u * len(options))]
            else:
                raise ValueError(f"unknown kind {kind!r} for {name!r}")
        loss = objective(params)
        if loss < best_loss:
            best_params, best_loss = params, loss
    return best_params, best_loss
    ### END SOLUTION


def cross_validate_ridge(x, y, penalties, k=5):
    """Choose the ridge penalty by k-fold cross-validation.

    Ridge regression with penalty ``lam`` fits ``w = (X^T X + lam * I)^-1 X^T y`` (solve the
    system) on training rows ``X, y``; its validation loss is the mean squared error
    ``mean((X_val @ w - y_val) ** 2)`` on rows it was not fitted on.

    The folds: the N rows in order, cut into k contiguous blocks, the first ``N % k`` blocks
    one row longer than the others (``N // k + 1`` rows, then ``N // k``), as
    ``sklearn.model_selection.KFold(k)`` does.  For each penalty and each fold, fit on the
    other k - 1 folds and compute the loss on the held-out one; the penalty's score is the
    mean of its k fold losses.

    Args:
        x: inputs, shape (N, D).
        y: targets, shape (N,).
        penalties: a list of numbers >= 0.
        k: the number of folds, 2 <= k <= N.

    Returns:
        ``(best_penalty, mean_losses)``: the penalty with the lowest mean loss (the first
        such), and a tensor of shape (len(penalties),) of mean losses, in x's dtype.
    """
    ### BEGIN SOLUTION
    n = x.shape[0]
    sizes = [n // k + (1 if fold < n % k else 0) for fold in range(k)]
    bounds = [0, *itertools.accumulate(sizes)]
    identity = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    mean_losses = []
    for penalty in penalties:
        fold_losses = []
        for start, stop in zip(bounds, bounds[1:]):
            held_out = torch.zeros(n, dtype=torch.bool, device=x.device)
            held_out[start:stop] = True
            x_train, y_train = x[~held_out], y[~held_out]
            w = torch.linalg.solve(x_train.T @ x_train + penalty * identity, x_train.T @ y_train)
            fold_losses.append(((x[held_out] @ w - y[held_out]) ** 2).mean())
        mean_losses.append(torch.stack(fold_losses).mean())
    mean_losses = torch.stack(mean_losses)
    return penalties[int(mean_losses.argmin())], mean_losses
    ### END SOLUTION


def expected_improvement(mean, std, best, xi=0.0):
    """The expected-improvement acquisition function of Bayesian optimization (for minimisation).

    A surrogate model predicts, at each candidate point, the loss as a normal distribution
    with ``mean`` and standard deviation ``std``.  The improvement over the best loss seen so
    far is ``max(best - xi - loss, 0)``; its expectation is

        z  = (best - xi - mean) / std
        EI = (best - xi - mean) * Phi(z) + std * phi(z)

    with ``Phi`` and ``phi`` the standard normal CDF and density
    (``Phi(z) = erfc(-z / sqrt(2)) / 2``, ``phi(z) = exp(-z^2 / 2) / sqrt(2 pi)``).  The first
    term rewards a low predicted mean (exploitation), the second a large uncertainty
    (exploration); ``xi >= 0`` shifts the balance towards exploration.  Where ``std`` is 0 the
    outcome is certain: EI is ``max(best - xi - mean, 0)``.

    Args:
        mean, std: tensors of the same shape (std >= 0).
        best: the lowest loss observed so far (a number).
        xi: the exploration margin (a number >= 0).

    Returns:
        EI, a tensor like ``mean``; never negative, never nan.
    """
    ### BEGIN SOLUTION
    improvement = best - xi - mean
    safe_std = torch.where(std > 0, std, torch.ones_like(std))
    z = improvement / safe_std
    cdf = 0.5 * torch.erfc(-z / math.sqrt(2))
    pdf = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    ei = improvement * cdf + std * pdf
    return torch.where(std > 0, ei, improvement.clamp(min=0))
    ### END SOLUTION
