"""Visible tests for lesson2/batch_size.py: per-example gradients, gradient noise, memory."""

import itertools

import torch
from checks import check_close
from torch import nn

from lesson2 import batch_size as bs

GENERATOR = torch.Generator().manual_seed(0)
X = torch.randn(5, 3, generator=GENERATOR, dtype=torch.float64)
Y = torch.randn(5, generator=GENERATOR, dtype=torch.float64)
W = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
BIAS = torch.tensor(0.3, dtype=torch.float64)


def test_per_example_gradients_match_autograd_example_by_example():
    grad_w, grad_b = bs.per_example_gradients(X, Y, W, BIAS)
    for i in range(5):
        w, b = W.clone().requires_grad_(True), BIAS.clone().requires_grad_(True)
        want_w, want_b = torch.autograd.grad((X[i] @ w + b - Y[i]) ** 2, (w, b))
        check_close(grad_w[i], want_w, f"grad_w of example {i}", hint="2 * residual * x_i")
        check_close(grad_b[i], want_b, f"grad_b of example {i}")


def test_minibatch_gradient_variance_is_the_average_over_all_batches():
    grads = torch.randn(5, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    for batch_size in (1, 2, 5):
        got = bs.minibatch_gradient_variance(grads, batch_size)
        batches = list(itertools.combinations(range(5), batch_size))
        want = torch.stack(
            [((grads[list(b)].mean(0) - grads.mean(0)) ** 2).sum() for b in batches]
        ).mean()
        check_close(
            got,
            want,
            f"minibatch_gradient_variance(batch_size={batch_size}) against all {len(batches)} batches",
            hint="sigma² / B * (N - B) / (N - 1)",
        )


def test_max_batch_size_of_a_linear_layer():
    model = nn.Sequential(nn.Linear(3, 4))  # 16 parameters; per example 3 input + 4 output values
    fixed = 16 * (2 + 1) * 4  # values, gradients and one optimizer slot, 4 bytes each
    per_example = (3 + 4) * 4
    got = bs.max_batch_size(model, (3,), fixed + 10 * per_example + 5, optimizer_slots=1)
    assert got == 10, (
        f"max_batch_size for room for 10 examples (and 5 bytes): got {got}, expected 10"
    )
    assert bs.max_batch_size(model, (3,), fixed - 1, optimizer_slots=1) == 0, (
        "when even the model does not fit, the answer is 0"
    )
