"""Visible tests for lesson5/monitoring.py: gradient statistics, learning curves, loss landscapes."""

import pytest
import torch
import torch.nn.functional as F
from checks import check_close
from torch import nn

from lesson5.monitoring import diagnose_learning_curve, gradient_statistics, loss_landscape_1d


def network_and_data():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 2)).double()
    x = torch.randn(10, 3, dtype=torch.float64)
    y = torch.randn(10, 2, dtype=torch.float64)
    return model, x, y


def test_gradient_statistics_of_each_parameter():
    model, x, y = network_and_data()
    F.mse_loss(model(x), y).backward()
    got = gradient_statistics(model)
    assert list(got) == ["0.weight", "0.bias", "2.weight", "2.bias"], f"keys {list(got)}"
    for name, param in model.named_parameters():
        g = param.grad
        want = {
            "grad_norm": g.norm().item(),
            "grad_mean": g.mean().item(),
            "grad_std": g.std(correction=0).item(),
            "grad_max_abs": g.abs().max().item(),
            "zero_fraction": (g == 0).double().mean().item(),
            "grad_to_weight": (g.norm() / param.norm()).item(),
        }
        for key, value in want.items():
            check_close(got[name][key], value, f"gradient_statistics(model)[{name!r}][{key!r}]")


def test_parameters_without_gradients_are_left_out():
    model, x, y = network_and_data()
    F.mse_loss(model[0](x).sum(dim=1), y[:, 0]).backward()  # the last layer takes no part
    assert list(gradient_statistics(model)) == ["0.weight", "0.bias"]


@pytest.mark.parametrize(
    "train, val, want",
    [
        ([1.0, 0.8, 0.6, 0.5, 0.4, 0.35, 0.3], [1.1, 0.9, 0.7, 0.6, 0.5, 0.45, 0.4], "healthy"),
        ([1.0, 2.0, 5.0, 30.0, float("nan")], [1.0, 2.0, 5.0, 30.0, float("nan")], "diverging"),
        ([1.0, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05], [1.0, 0.7, 0.5, 0.55, 0.6, 0.7, 0.8], "overfitting"),
        ([1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [1.0, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6], "plateau"),
        ([1.0, 0.8, 0.6, 0.5, 0.4, 0.35, 0.3], [2.0, 1.8, 1.6, 1.5, 1.4, 1.35, 1.3], "healthy"),
    ],
    ids=["healthy", "diverging", "overfitting", "plateau", "gap-is-not-overfitting"],
)
def test_diagnose_learning_curve(train, val, want):
    got = diagnose_learning_curve(train, val)
    assert got == want, (
        f"diagnose_learning_curve({train}, {val}) returned {got!r}, expected {want!r}"
    )


def test_loss_landscape_at_zero_is_the_current_loss_and_the_model_is_restored():
    model, x, y = network_and_data()
    before = [p.detach().clone() for p in model.parameters()]
    direction = [torch.randn_like(p) for p in model.parameters()]
    losses = loss_landscape_1d(model, F.mse_loss, x, y, direction, [-1.0, 0.0, 1.0])
    check_close(losses[1], F.mse_loss(model(x), y).detach(), "the loss at alpha = 0")
    for p, b in zip(model.parameters(), before):
        check_close(
            p.detach(),
            b,
            "a parameter after loss_landscape_1d",
            hint="restore the parameters you changed",
        )


def test_loss_landscape_does_not_depend_on_the_scale_of_each_filter():
    model, x, y = network_and_data()
    direction = [torch.randn_like(p) for p in model.parameters()]
    rescaled = [
        d * torch.rand(d.shape[0], *([1] * (d.dim() - 1)), dtype=d.dtype) * 10 for d in direction
    ]
    alphas = [-0.5, 0.25, 1.0]
    check_close(
        loss_landscape_1d(model, F.mse_loss, x, y, rescaled, alphas),
        loss_landscape_1d(model, F.mse_loss, x, y, direction, alphas),
        "the landscape along a direction whose filters were rescaled",
        hint="normalise each filter to the weights' filter norm",
    )


def test_gradient_statistics_are_python_floats_and_count_dead_units():
    model, x, y = network_and_data()
    with torch.no_grad():
        model[0].bias[:2] = -50.0  # two hidden ReLU units that never activate
    F.mse_loss(model(x), y).backward()
    got = gradient_statistics(model)
    for name, statistics in got.items():
        for key, value in statistics.items():
            assert type(value) is float, f"[{name!r}][{key!r}] is {type(value).__name__}"
    check_close(got["0.bias"]["zero_fraction"], 2 / 6, "the zero fraction of the hidden biases")
    check_close(got["0.weight"]["zero_fraction"], 6 / 18, "the zero fraction of the hidden weights")


@pytest.mark.parametrize(
    "train, val, kwargs, want",
    [
        ([1.0, 0.5, float("inf")], [1.0, 0.6, 0.7], {}, "diverging"),
        ([1.0, 0.5, 1.1], [1.0, 0.4, 2.0], {}, "diverging"),  # diverging comes first
        (
            [1.0, 0.5, 0.3, 0.3, 0.3, 0.3],
            [1.1, 0.6, 0.4, 0.4, 0.4, 0.4],
            {"patience": 3},
            "plateau",
        ),
        ([1.0, 0.5, 0.3, 0.3, 0.3], [1.1, 0.6, 0.4, 0.4, 0.4], {"patience": 3}, "healthy"),
        ([1.0, 0.95, 0.92, 0.93, 0.91, 0.92, 0.915, 0.91], [1.0] * 8, {}, "healthy"),
        (
            [1.0, 0.95, 0.92, 0.93, 0.91, 0.92, 0.915, 0.91],
            [1.0] * 8,
            {"threshold": 0.1},
            "plateau",
        ),
        ([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.5, 0.5, 0.5, 0.505], {}, "healthy"),  # within 1%
        ([1.0, 1.0], [1.0, 0.875], {}, "healthy"),  # equal is not higher
        ([1.0, 0.625, 0.5, 0.375, 0.4375], [1.0, 0.5, 0.75, 0.5, 0.875], {}, "overfitting"),
        ([1.0, 0.75, 0.5], [1.0, 0.5, 0.625], {"threshold": 0.25}, "healthy"),
        ([1.0, 0.5, 0.5, 0.375], [1.0] * 4, {"threshold": 0.25, "patience": 1}, "plateau"),
        (
            [1.0, 0.5, 0.499, 0.498, 0.497, 0.496, 0.495],
            [1.0, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65],
            {},
            "overfitting",
        ),
        ([1.0, 0.5, 0.6, 0.55, 0.6, 0.55, 0.6], [1.0] * 7, {}, "plateau"),
    ],
    ids=[
        "infinite",
        "diverging-before-overfitting",
        "patience-3",
        "two-flat-epochs",
        "threshold-0.01",
        "threshold-0.1",
        "within-threshold",
        "last-equals-first",
        "tied-minima-first-epoch",
        "validation-exactly-at-the-threshold",
        "improvement-must-be-strictly-below",
        "overfitting-before-plateau",
        "improvement-against-the-best-so-far-not-the-last-epoch",
    ],
)
def test_diagnose_learning_curve_rules(train, val, kwargs, want):
    got = diagnose_learning_curve(train, val, **kwargs)
    assert got == want, (
        f"diagnose_learning_curve({train}, {val}, {kwargs}): {got!r}, expected {want!r}"
    )


def test_loss_landscape_leaves_biases_unperturbed_and_builds_no_graph():
    model, x, y = network_and_data()
    direction = [torch.randn_like(p) for p in model.parameters()]
    weights_only = [d if d.dim() > 1 else torch.zeros_like(d) for d in direction]
    alphas = [-2.0, 1.0, 3.0]
    losses = loss_landscape_1d(model, F.mse_loss, x, y, direction, alphas)
    assert losses.dtype == torch.float64 and losses.shape == (3,), f"returned {losses!r}"
    assert not losses.requires_grad, "the losses have autograd history: evaluate under no_grad"
    check_close(
        losses,
        loss_landscape_1d(model, F.mse_loss, x, y, weights_only, alphas),
        "the landscape along a direction, against the same direction without its bias parts",
        hint="biases (1-dimensional parameters) are not perturbed: their d is zero",
    )
