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


def test_cross_entropy_on_probabilities_clamps_the_log_at_minus_100():
    # a probability of exactly 0 on the true class: log(0) = -inf, clamped to -100
    probabilities = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    target = torch.tensor([0, 1])
    got = selection.CrossEntropyOnProbabilities()(probabilities, target)
    check_close(
        got,
        torch.tensor((100.0 - torch.log(torch.tensor(0.5)).item()) / 2),
        "CrossEntropyOnProbabilities with a probability of exactly 0 on the true class",
        hint="clamp log(p) at -100 (not p itself), as BCELoss does",
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


def test_binary_logits_use_bce_with_logits():
    loss = selection.choose_loss({"task": "binary", "output": "logits"})
    assert isinstance(loss, nn.BCEWithLogitsLoss), (
        f"binary logits: expected nn.BCEWithLogitsLoss, got {type(loss).__name__}"
    )


def test_binary_probabilities_use_bce():
    loss = selection.choose_loss({"task": "binary", "output": "probabilities"})
    assert isinstance(loss, nn.BCELoss), (
        f"binary probabilities (after a sigmoid): expected nn.BCELoss, got {type(loss).__name__}"
    )


def test_multiclass_probabilities_use_cross_entropy_on_probabilities():
    loss = selection.choose_loss({"task": "multiclass", "output": "probabilities"})
    assert isinstance(loss, selection.CrossEntropyOnProbabilities), (
        "multiclass probabilities (after a softmax): expected CrossEntropyOnProbabilities, "
        f"got {type(loss).__name__}"
    )


def test_imbalanced_positives_are_weighted_by_negatives_over_positives():
    loss = selection.choose_loss({"task": "binary", "output": "logits", "positive_fraction": 0.25})
    assert isinstance(loss, nn.BCEWithLogitsLoss), (
        f"imbalanced binary logits: expected nn.BCEWithLogitsLoss, got {type(loss).__name__}"
    )
    weight = getattr(loss, "pos_weight", None)
    assert isinstance(weight, torch.Tensor) and weight.numel() == 1, (
        f"imbalanced binary logits: pos_weight must be one number as a tensor, got {weight!r}"
    )
    check_close(
        weight.double().reshape(()),
        torch.tensor(3.0, dtype=torch.float64),
        "pos_weight for f = 0.25",
    )
