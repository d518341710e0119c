"""Visible tests for lesson4/gradient_check.py: numerical gradients against autograd, and the relative error."""

import torch
from checks import check_close

from lesson4.gradient_check import gradient_check, numerical_gradient

X = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64)


def f(x):
    return (torch.sin(x) * x**2).sum()


def autograd_gradient(x):
    leaf = x.clone().requires_grad_(True)
    f(leaf).backward()
    return leaf.grad


def test_numerical_gradient_matches_autograd():
    got = numerical_gradient(f, X.clone())
    check_close(
        got,
        autograd_gradient(X),
        "numerical_gradient(f, x)",
        rtol=1e-7,
        atol=1e-9,
        hint="central differences: (f(x + h e_i) - f(x - h e_i)) / (2 h), one element at a time",
    )


def test_numerical_gradient_leaves_x_unchanged():
    x = X.clone()
    numerical_gradient(f, x)
    check_close(
        x,
        X,
        "x after numerical_gradient(f, x)",
        rtol=0,
        atol=0,
        hint="perturb a copy of x, or restore each element exactly",
    )


def test_gradient_check_passes_a_correct_gradient():
    error, _ = gradient_check(f, X.clone(), autograd_gradient(X))
    assert error < 1e-7, (
        f"gradient_check reported a relative error of {error:g} for a correct gradient"
    )


def test_gradient_check_finds_the_wrong_element():
    wrong = autograd_gradient(X)
    wrong[1, 2] *= 1.5  # relative error |0.5 g| / |2.5 g| = 0.2
    error, index = gradient_check(f, X.clone(), wrong)
    check_close(
        error,
        0.2,
        "the maximum relative error",
        rtol=1e-6,
        atol=1e-9,
        hint="|a - n| / max(|a| + |n|, 1e-8)",
    )
    assert tuple(index) == (1, 2), (
        f"gradient_check located the worst element at {index}, expected (1, 2)"
    )
