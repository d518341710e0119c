"""Visible tests for lesson4/autograd_functions.py: values against torch, backward passes against gradcheck."""

import pytest
import torch
from checks import check_close

from lesson4.autograd_functions import LogSumExp, Swish

CASES = [((4, 5), 1), ((4, 5), 0), ((2, 3, 4), -2)]


@pytest.mark.parametrize(
    "shape, dim", CASES, ids=[f"{'x'.join(map(str, s))}-dim{d}" for s, d in CASES]
)
def test_logsumexp_matches_torch(shape, dim):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    check_close(
        LogSumExp.apply(x, dim), torch.logsumexp(x, dim), f"LogSumExp.apply(x {shape}, {dim})"
    )


def test_logsumexp_is_finite_for_large_inputs():
    x = torch.tensor([[1000.0, 999.0, -5.0], [-1000.0, -1001.0, -1002.0]], dtype=torch.float64)
    check_close(
        LogSumExp.apply(x, 1),
        torch.logsumexp(x, 1),
        "LogSumExp.apply(x, 1) for inputs of +-1000",
        hint="subtract the maximum along dim before exp, add it back after the log",
    )


@pytest.mark.parametrize(
    "shape, dim", CASES, ids=[f"{'x'.join(map(str, s))}-dim{d}" for s, d in CASES]
)
def test_logsumexp_backward_passes_gradcheck(shape, dim):
    x = torch.randn(
        shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64, requires_grad=True
    )
    assert torch.autograd.gradcheck(lambda t: LogSumExp.apply(t, dim), (x,))


def test_swish_matches_its_formula():
    x = torch.linspace(-4, 4, 9, dtype=torch.float64)
    beta = torch.tensor(1.5, dtype=torch.float64)
    check_close(Swish.apply(x, beta), x * torch.sigmoid(1.5 * x), "Swish.apply(x, beta=1.5)")


def test_swish_backward_passes_gradcheck():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    beta = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(Swish.apply, (x, beta))


def test_logsumexp_with_equal_maxima_and_minus_inf():
    inf = float("inf")
    x = torch.tensor([[2.0, 2.0, -1.0], [0.5, 0.5, 0.5], [3.0, -inf, 1.0]], dtype=torch.float64)
    check_close(
        LogSumExp.apply(x, 1),
        torch.logsumexp(x, 1),
        "LogSumExp.apply(x, 1) for rows with equal maxima and a -inf entry",
        hint="every element equal to the maximum adds exp(0) = 1 to the sum; exp(-inf) adds 0",
    )
    leaf = x.clone().requires_grad_(True)
    grad_output = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    (grad,) = torch.autograd.grad(LogSumExp.apply(leaf, 1), leaf, grad_output)
    check_close(
        grad,
        torch.softmax(x, 1) * grad_output[:, None],
        "the gradient of LogSumExp.apply(x, 1) for rows with equal maxima and a -inf entry",
    )


def test_swish_backward_at_x_0_and_beta_0():
    x = torch.tensor([0.0, 1.5, -2.0, 0.0], dtype=torch.float64, requires_grad=True)
    beta = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(Swish.apply, (x, beta)), "Swish's backward at x = 0, beta = 0"


def test_backward_passes_are_finite_for_large_inputs():
    # exp(1000) overflows: a backward written with exp(x) / sum(exp(x)) or exp(-z) gives inf / inf
    x = torch.tensor([[1000.0, 999.0, -5.0], [-1000.0, -1001.0, -1002.0]], dtype=torch.float64)
    leaf = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(LogSumExp.apply(leaf, 1).sum(), leaf)
    check_close(
        grad,
        torch.softmax(x, 1),
        "the gradient of LogSumExp.apply(x, 1) for inputs of +-1000",
        hint="the softmax in the backward needs the max subtracted too: exp(x - logsumexp(x))",
    )
    x = torch.tensor([-1000.0, -40.0, 40.0, 1000.0], dtype=torch.float64, requires_grad=True)
    beta = torch.tensor(1.0, dtype=torch.float64)
    (grad,) = torch.autograd.grad(Swish.apply(x, beta).sum(), x)
    want = torch.sigmoid(x) * (1 + x * (1 - torch.sigmoid(x)))
    check_close(
        grad,
        want.detach(),
        "the gradient of Swish.apply(x, 1.0) for x = -1000, -40, 40, 1000",
        hint="write sigmoid's slope as s * (1 - s) with s = torch.sigmoid(beta * x)",
    )
