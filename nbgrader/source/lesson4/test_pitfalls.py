"""Visible tests for lesson4/pitfalls.py: the fixed functions against the computation they are meant to do."""

import torch
from checks import check_close

from lesson4.pitfalls import gated_residual, standardize, train_linear_regression

X = torch.randn(6, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def test_train_linear_regression_takes_plain_gradient_steps():
    y = X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    losses = train_linear_regression(X, y, w, lr=0.1, steps=3)
    want_w, want_losses = torch.zeros(3, dtype=torch.float64), []
    for _ in range(3):
        residual = X @ want_w - y
        want_losses.append((residual**2).mean().item())
        want_w -= 0.1 * 2 * X.T @ residual / len(y)
    assert all(type(loss) is float for loss in losses), (
        "return the losses as Python floats (loss.item())"
    )
    check_close(
        torch.tensor(losses, dtype=torch.float64),
        torch.tensor(want_losses, dtype=torch.float64),
        "the losses of 3 steps",
    )
    check_close(
        w.detach(),
        want_w,
        "w after 3 steps",
        hint="backward() adds into w.grad: clear it every step",
    )


def test_gated_residual_gradients_reach_x_and_w():
    x = X.clone().requires_grad_(True)
    w = torch.randn(
        3, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64, requires_grad=True
    )
    assert torch.autograd.gradcheck(gated_residual, (x, w))


def test_gated_residual_is_the_gate_times_x_plus_x():
    w = torch.randn(3, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    check_close(
        gated_residual(X, w),
        torch.sigmoid(X @ w) * X + X,
        "gated_residual(x, w)",
        hint="keep the residual connection: sigmoid(x @ w) * x + x",
    )


def test_standardize_matches_layer_norm():
    check_close(standardize(X), torch.nn.functional.layer_norm(X, (3,)), "standardize(x)")


def test_standardize_gradient_passes_gradcheck():
    x = X.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(standardize, (x,)), (
        "the gradient must flow through the mean and variance too"
    )


def test_standardize_of_a_constant_row_is_zero_with_a_finite_gradient():
    x = X.clone()
    x[1] = 2.5  # variance 0: (x - mean) / sqrt(0 + eps) = 0
    check_close(
        standardize(x),
        torch.nn.functional.layer_norm(x, (3,)),
        "standardize(x) with a constant row",
        hint="divide by sqrt(var + eps): eps keeps a row of variance 0 at 0 instead of 0 / 0",
    )
    leaf = x.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(standardize, (leaf,)), "the gradient at a constant row"


def test_standardize_adds_eps_to_the_variance():
    check_close(
        standardize(X, eps=0.5),
        torch.nn.functional.layer_norm(X, (3,), eps=0.5),
        "standardize(x, eps=0.5)",
        hint="divide by sqrt(var + eps)",
    )


def test_standardize_works_along_the_last_dimension_of_any_shape():
    for x in [X[0], X.reshape(2, 3, 3)]:
        check_close(
            standardize(x),
            torch.nn.functional.layer_norm(x, x.shape[-1:]),
            f"standardize(x) for x of shape {tuple(x.shape)}",
            hint="take the statistics over dim=-1 with keepdim=True",
        )
