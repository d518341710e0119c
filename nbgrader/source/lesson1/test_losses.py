"""Visible tests for lesson1/losses.py: your losses against PyTorch's on small inputs."""

import pytest
import torch
import torch.nn.functional as F
from checks import check_close, check_raises, check_unchanged

from lesson1 import losses

REDUCTIONS = ["mean", "sum", "none"]
PREDICTIONS = torch.tensor([[0.5, 1.0, -2.0], [3.0, 0.0, 1.5]])
VALUES = torch.tensor([[1.0, 1.0, 0.0], [2.0, -1.0, 1.0]])
PROBABILITIES = torch.tensor([[0.7, 0.3, 0.9], [0.5, 0.0, 1.0]])
TARGETS = torch.tensor([[1.0, 0.0, 1.0], [0.2, 1.0, 1.0]])
LOGITS = torch.tensor([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [-4.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
CLASSES = torch.tensor([0, 2, 1, 1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_matches_torch(reduction):
    got = losses.mse(PREDICTIONS, VALUES, reduction=reduction)
    check_close(
        got, F.mse_loss(PREDICTIONS, VALUES, reduction=reduction), f"mse(reduction={reduction!r})"
    )


def test_mse_default_reduction_is_mean():
    check_close(
        losses.mse(PREDICTIONS, VALUES), F.mse_loss(PREDICTIONS, VALUES), "mse() with no reduction"
    )


def test_mse_gradient_matches_torch():
    x = PREDICTIONS.clone().requires_grad_(True)
    losses.mse(x, VALUES).backward()
    check_close(
        x.grad, 2 * (PREDICTIONS - VALUES) / PREDICTIONS.numel(), "gradient of mse w.r.t. input"
    )


def test_mse_rejects_unknown_reduction():
    check_raises(
        lambda: losses.mse(PREDICTIONS, VALUES, reduction="average"),
        ValueError,
        "mse(reduction='average')",
    )


@pytest.mark.parametrize("delta", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_loss_matches_torch(reduction, delta):
    got = losses.huber_loss(PREDICTIONS, VALUES, reduction=reduction, delta=delta)
    want = F.huber_loss(PREDICTIONS, VALUES, reduction=reduction, delta=delta)
    check_close(got, want, f"huber_loss(reduction={reduction!r}, delta={delta})")


def test_huber_loss_gradient_never_exceeds_delta():
    x = PREDICTIONS.clone().requires_grad_(True)
    losses.huber_loss(x, VALUES, reduction="sum", delta=0.5).backward()
    want = (PREDICTIONS - VALUES).clamp(-0.5, 0.5)
    check_close(x.grad, want, "gradient of huber_loss(reduction='sum', delta=0.5) w.r.t. input")


def test_huber_loss_rejects_unknown_reduction():
    check_raises(
        lambda: losses.huber_loss(PREDICTIONS, VALUES, reduction="average"),
        ValueError,
        "huber_loss(reduction='average')",
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch(reduction):
    got = losses.binary_cross_entropy(PROBABILITIES, TARGETS, reduction=reduction)
    want = F.binary_cross_entropy(PROBABILITIES, TARGETS, reduction=reduction)
    check_close(
        got,
        want,
        f"binary_cross_entropy(reduction={reduction!r})",
        hint="clamp each log term at -100",
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_matches_torch(reduction):
    logits = torch.tensor([[-3.0, 0.5, 2.0], [20.0, -20.0, 0.0]])
    got = losses.binary_cross_entropy_with_logits(logits, TARGETS, reduction=reduction)
    want = F.binary_cross_entropy_with_logits(logits, TARGETS, reduction=reduction)
    check_close(got, want, f"binary_cross_entropy_with_logits(reduction={reduction!r})")


def test_binary_cross_entropy_with_logits_is_stable_for_huge_logits():
    logits = torch.tensor([1000.0, -1000.0, 500.0], dtype=torch.float64)
    targets = torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64)
    got = losses.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    want = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    check_close(
        got,
        want,
        "binary_cross_entropy_with_logits on logits of +-1000",
        hint="never compute exp(x) for large x",
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_torch(reduction):
    got = losses.cross_entropy(LOGITS, CLASSES, reduction=reduction)
    check_close(
        got,
        F.cross_entropy(LOGITS, CLASSES, reduction=reduction),
        f"cross_entropy(reduction={reduction!r})",
    )


def test_cross_entropy_is_stable_for_huge_logits():
    # float64 still overflows exp(4000), and keeps the comparison exact
    logits = LOGITS.double() * 1000
    got = losses.cross_entropy(logits, CLASSES)
    check_close(
        got,
        F.cross_entropy(logits, CLASSES),
        "cross_entropy on logits in the thousands",
        hint="subtract each row's maximum",
    )


@pytest.mark.parametrize(
    "name, input, target",
    [
        ("mse", [[0.5, 1.0], [-2.0, 3.0]], [[1.0, 1.0], [0.0, 2.0]]),
        ("huber_loss", [[0.5, 1.0], [-2.0, 3.0]], [[1.0, 1.0], [0.0, 2.0]]),
        ("binary_cross_entropy", [[0.7, 0.3], [0.9, 0.5]], [[1.0, 0.0], [1.0, 0.2]]),
        ("binary_cross_entropy_with_logits", [[0.5, 1.0], [-2.0, 3.0]], [[1.0, 0.0], [1.0, 0.2]]),
        ("cross_entropy", [[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]], [0, 2]),
    ],
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_leave_their_inputs_unchanged(name, input, target, reduction):
    # fresh tensors: a loss that changed the shared ones above would hide its change here
    input, target = torch.tensor(input), torch.tensor(target)
    check_unchanged(getattr(losses, name), input, target, reduction=reduction)


@pytest.mark.parametrize(
    "name, input, target",
    [
        ("mse", PREDICTIONS.t(), VALUES.t()),
        ("huber_loss", PREDICTIONS.t(), VALUES.t()),
        ("binary_cross_entropy", PROBABILITIES.t(), TARGETS.t()),
        ("binary_cross_entropy_with_logits", PREDICTIONS.t(), TARGETS.t()),
        ("cross_entropy", LOGITS.t().contiguous().t(), CLASSES),
    ],
)
def test_losses_accept_transposed_inputs(name, input, target):
    # a transposed tensor is not laid out in order in memory: .view(-1) refuses it, .reshape does not
    assert not input.is_contiguous()
    reduction = "mean" if name == "cross_entropy" else "none"
    got = getattr(losses, name)(input, target, reduction=reduction)
    want = getattr(F, name.replace("mse", "mse_loss"))(input, target, reduction=reduction)
    check_close(got, want, f"{name} on transposed inputs (reduction={reduction!r})")
