"""Visible tests for lesson5/tuning.py: grid and random search, cross-validation, expected improvement."""

import math

import torch
from checks import check_close

from lesson5.tuning import cross_validate_ridge, expected_improvement, grid_search, random_search


class Recorder:
    """An objective that remembers what it was asked: a bowl with its minimum at lr=1e-2, layers=2."""

    def __init__(self):
        self.calls = []

    def __call__(self, params):
        self.calls.append(dict(params))
        return (math.log10(params["lr"]) + 2) ** 2 + 0.1 * (params.get("layers", 2) - 2) ** 2


def test_grid_search_tries_every_combination_once():
    objective = Recorder()
    best, loss = grid_search(objective, {"lr": [1e-3, 1e-2, 1e-1], "layers": [1, 2, 3, 4]})
    assert len(objective.calls) == 12, f"{len(objective.calls)} evaluations for a 3 x 4 grid"
    assert objective.calls[:2] == [{"lr": 1e-3, "layers": 1}, {"lr": 1e-3, "layers": 2}], (
        f"order: {objective.calls[:2]}"
    )
    assert best == {"lr": 1e-2, "layers": 2} and loss == 0.0, f"returned {best}, {loss}"


def test_grid_search_keeps_the_first_of_equal_losses():
    best, _ = grid_search(lambda params: 1.0, {"a": [1, 2], "b": ["x", "y"]})
    assert best == {"a": 1, "b": "x"}, f"returned {best}"


def test_random_search_is_reproducible_and_stays_in_the_space():
    space = {
        "lr": ("log_uniform", 1e-5, 1e-1),
        "momentum": ("uniform", 0.5, 0.99),
        "layers": ("int", 1, 4),
        "act": ("choice", ["relu", "tanh"]),
    }
    first, second = Recorder(), Recorder()
    random_search(first, space, n_trials=20, seed=3)
    random_search(second, space, n_trials=20, seed=3)
    assert first.calls == second.calls, "the same seed must give the same configurations"
    assert len(first.calls) == 20
    for params in first.calls:
        assert 1e-5 <= params["lr"] <= 1e-1 and 0.5 <= params["momentum"] <= 0.99, params
        assert params["layers"] in (1, 2, 3, 4) and params["act"] in ("relu", "tanh"), params
    below = sum(params["lr"] < 1e-3 for params in first.calls)
    assert below >= 5, f"only {below} of 20 learning rates below 1e-3: draw them log-uniformly"


def test_random_search_draws_from_a_seeded_generator():
    calls = Recorder()
    random_search(calls, {"lr": ("uniform", 0.0, 1.0)}, n_trials=3, seed=7)
    generator = torch.Generator().manual_seed(7)
    want = [torch.rand((), generator=generator, dtype=torch.float64).item() for _ in range(3)]
    assert [c["lr"] for c in calls.calls] == want, f"drew {calls.calls}, expected lr = {want}"


def test_cross_validate_ridge_against_explicit_folds():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(10, 2, generator=generator, dtype=torch.float64)
    y = x @ torch.tensor([1.0, -1.0], dtype=torch.float64) + 0.3 * torch.randn(
        10, generator=generator, dtype=torch.float64
    )
    folds = [range(0, 4), range(4, 7), range(7, 10)]  # 10 rows, 3 folds: sizes 4, 3, 3
    want = []
    for penalty in (0.0, 1.0, 100.0):
        losses = []
        for fold in folds:
            val = torch.tensor(list(fold))
            train = torch.tensor([i for i in range(10) if i not in fold])
            w = torch.linalg.solve(
                x[train].T @ x[train] + penalty * torch.eye(2, dtype=torch.float64),
                x[train].T @ y[train],
            )
            losses.append(((x[val] @ w - y[val]) ** 2).mean())
        want.append(torch.stack(losses).mean())
    best, got = cross_validate_ridge(x, y, [0.0, 1.0, 100.0], k=3)
    check_close(got, torch.stack(want), "the mean validation losses for penalties 0, 1, 100")
    assert best == [0.0, 1.0, 100.0][int(torch.stack(want).argmin())], f"chose penalty {best}"


def test_expected_improvement_against_the_normal_distribution():
    mean = torch.tensor([0.0, 1.0, 2.0, 0.5], dtype=torch.float64)
    std = torch.tensor([1.0, 0.5, 2.0, 0.0], dtype=torch.float64)
    normal = torch.distributions.Normal(0.0, 1.0)
    z = (1.0 - mean[:3]) / std[:3]
    want = torch.cat(
        [
            (1.0 - mean[:3]) * normal.cdf(z) + std[:3] * normal.log_prob(z).exp(),
            torch.tensor([0.5], dtype=torch.float64),
        ]
    )
    check_close(
        expected_improvement(mean, std, best=1.0),
        want,
        "expected_improvement(mean, std, best=1.0)",
        hint="where std is 0 the improvement is certain: max(best - mean, 0)",
    )


def normal_expected_improvement(mean, std, best, xi):
    normal = torch.distributions.Normal(0.0, 1.0)
    z = (best - xi - mean) / std
    return (best - xi - mean) * normal.cdf(z) + std * normal.log_prob(z).exp()


def test_expected_improvement_subtracts_xi_from_the_best():
    mean = torch.tensor([0.0, 0.9, 1.2, 0.95], dtype=torch.float64)
    std = torch.tensor([0.3, 0.5, 0.2, 1.0], dtype=torch.float64)
    check_close(
        expected_improvement(mean, std, best=1.0, xi=0.05),
        normal_expected_improvement(mean, std, 1.0, 0.05),
        "expected_improvement(mean, std, best=1.0, xi=0.05)",
        hint="xi is a margin the improvement must beat: use best - xi - mean",
    )


def test_expected_improvement_where_std_is_0_ties_included():
    mean = torch.tensor([0.25, 0.95, 1.5], dtype=torch.float64)  # below, at and above best - xi
    std = torch.zeros(3, dtype=torch.float64)
    check_close(
        expected_improvement(mean, std, best=1.0, xi=0.05),
        torch.tensor([0.7, 0.0, 0.0], dtype=torch.float64),
        "expected_improvement with std = 0 (best=1.0, xi=0.05)",
        hint="where std is 0 the outcome is certain: EI is exactly max(best - xi - mean, 0)",
    )


def test_expected_improvement_is_never_negative_or_nan_far_from_the_best():
    std = torch.full((5,), 0.5, dtype=torch.float64)
    mean = 1.0 + std * torch.tensor([-40.0, -12.0, 0.0, 12.0, 40.0], dtype=torch.float64)
    got = expected_improvement(mean, std, best=1.0)
    assert not torch.isnan(got).any() and (got >= 0).all(), f"got {got}"
    check_close(got, normal_expected_improvement(mean, std, 1.0, 0.0), "EI many std from the best")


def test_random_search_draws_each_kind_by_its_formula_and_keeps_the_first_best():
    space = {
        "layers": ("int", 1, 3),
        "act": ("choice", ["relu", "tanh", "gelu"]),
        "lr": ("log_uniform", 1e-4, 1e-1),
    }
    calls = []

    def objective(params):
        calls.append(dict(params))
        return 1.0  # all equally good: the first trial is the best

    best, loss = random_search(objective, space, n_trials=30, seed=5)
    generator = torch.Generator().manual_seed(5)
    for trial, params in enumerate(calls):
        u = [torch.rand((), generator=generator, dtype=torch.float64).item() for _ in range(3)]
        want = {
            "layers": 1 + math.floor(u[0] * 3),
            "act": ["relu", "tanh", "gelu"][math.floor(u[1] * 3)],
            "lr": math.exp(math.log(1e-4) + u[2] * (math.log(1e-1) - math.log(1e-4))),
        }
        assert params["layers"] == want["layers"] and params["act"] == want["act"], (
            f"trial {trial}: {params}, expected {want}"
        )
        assert math.isclose(params["lr"], want["lr"], rel_tol=1e-12), f"trial {trial}: {params}"
    assert {params["layers"] for params in calls} == {1, 2, 3}, "int draws include high"
    assert (best, loss) == (calls[0], 1.0), f"returned {best}, {loss}: keep the first best trial"


def test_random_search_leaves_the_global_random_state_alone():
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    random_search(lambda params: params["x"], {"x": ("uniform", 0.0, 1.0)}, n_trials=5, seed=0)
    assert torch.equal(torch.get_rng_state(), before), (
        "the global random state changed: draw from your own torch.Generator"
    )


def test_cross_validate_ridge_keeps_the_dtype_and_the_first_best_penalty():
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(9, 2, generator=generator)  # float32
    y = x @ torch.tensor([2.0, -1.0]) + 0.1 * torch.randn(9, generator=generator)
    best, losses = cross_validate_ridge(x, y, [5.0, 0.0, 0.0], k=3)
    assert losses.dtype == torch.float32 and losses.shape == (3,), f"mean losses {losses!r}"
    assert best == 0.0, f"chose {best}"


def test_random_search_returns_the_lowest_loss():
    losses = []

    def objective(params):
        losses.append((params["x"] - 0.3) ** 2)
        return losses[-1]

    best, loss = random_search(objective, {"x": ("uniform", 0.0, 1.0)}, n_trials=10, seed=1)
    assert loss == min(losses), f"returned the loss {loss}, but the lowest was {min(losses)}"
    assert (best["x"] - 0.3) ** 2 == loss, f"the best parameters {best} do not give its loss"
