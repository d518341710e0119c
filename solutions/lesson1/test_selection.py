"""Visible tests for lesson1/selection.py: choosing and configuring losses."""

import torch
from checks import check_close
from torch import nn

from lesson1 import selection


def test_cross_entropy_on_probabilities_is_the_negative_log_likelihood():
    probabilities = torch.tensor([[0.2, 0.5, 0.3], [0.8, 0.1, 0.1], [0.1, 0.2, 0.7]])
    target = torch.tensor([1, 0, 2])
    got = selection.CrossEntropyOnProbabilities()(probabilities, target)
    want = -torch.log(torch.tensor([0.5, 0.8, 0.7])).mean()
    check_close(
        got,
        want,
        "CrossEntropyOnProbabilities on the outline's example",
        hint="take the log, then pick the true class",
    )


def test_regression_without_outliers_uses_mse():
    loss = selection.choose_loss({"task": "regression", "output": "values"})
    assert isinstance(loss, nn.MSELoss), (
        f"clean regression: expected nn.MSELoss, got {type(loss).__name__}"
    )


def test_regression_with_outliers_does_not_use_mse():
    loss = selection.choose_loss({"task": "regression", "output": "values", "outliers": True})
    robust = (nn.HuberLoss, nn.SmoothL1Loss, nn.L1Loss)
    assert isinstance(loss, robust), (
        f"regression with outliers: {type(loss).__name__} lets outliers dominate"
    )


def test_multiclass_logits_use_cross_entropy():
    loss = selection.choose_loss({"task": "multiclass", "output": "logits"})
    assert isinstance(loss, nn.CrossEntropyLoss), (
        f"multiclass logits: expected nn.CrossEntropyLoss, got {type(loss).__name__}"
    )
