"""Visible tests for lesson2/batch_size.py: per-example gradients, gradient noise, memory."""

import itertools

import torch
from checks import check_close
from torch import nn
from torch.overrides import TorchFunctionMode

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


def test_max_batch_size_counts_every_layer_output():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))  # 16 + 10 parameters
    fixed = 26 * 2 * 4  # values and gradients, 4 bytes each
    per_example = (3 + 4 + 4 + 2) * 4  # the input and the output of each of the three layers
    got = bs.max_batch_size(model, (3,), fixed + 7 * per_example)
    assert got == 7, (
        f"max_batch_size for room for exactly 7 examples: got {got}, expected 7 (per example: the "
        "input's 3 values and the outputs of every layer, 4 + 4 + 2: backpropagation keeps them all)"
    )


def test_max_batch_size_uses_the_parameters_element_size():
    model = nn.Sequential(nn.Linear(3, 4)).double()  # float64: 8 bytes per value
    fixed = 16 * 2 * 8
    per_example = (3 + 4) * 8
    got = bs.max_batch_size(model, (3,), fixed + 5 * per_example)
    assert got == 5, (
        f"max_batch_size of a float64 model with room for exactly 5 examples: got {got}, expected 5 "
        "(a float64 value takes 8 bytes: use the parameters' element_size())"
    )


class CountCalls(TorchFunctionMode):
    """Counts the torch functions and tensor methods called inside it."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


def test_per_example_gradients_run_the_same_operations_for_any_batch_size():
    counts = []
    for n in (3, 12):
        X = torch.randn(n, 3, generator=GENERATOR, dtype=torch.float64)
        Y = torch.randn(n, generator=GENERATOR, dtype=torch.float64)
        with CountCalls() as counter:
            bs.per_example_gradients(X, Y, W, BIAS)
        counts.append(counter.count)
    assert counts[0] == counts[1], (
        f"per_example_gradients called {counts[0]} torch operations for 3 examples and {counts[1]} "
        "for 12: the work grows with the batch, so it loops over the examples in Python; compute "
        "all examples at once with tensor operations over the batch"
    )
