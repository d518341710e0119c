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


def test_numerical_gradient_of_a_non_contiguous_or_grad_requiring_x():
    for name, x in [
        ("transposed", X.T.contiguous().T),
        ("sliced", torch.cat([X, X], dim=1)[:, 1:4]),
        ("expanded", X[:1].expand(3, 3)),  # every row shares one row's memory
        ("requires-grad", X.clone().requires_grad_(True)),
    ]:
        assert not x.is_contiguous() or x.requires_grad
        check_close(
            numerical_gradient(f, x),
            autograd_gradient(x.detach()),
            f"numerical_gradient(f, x) for a {name} x",
            rtol=1e-7,
            atol=1e-9,
            hint="perturb a contiguous copy of your own: reshape(-1) and flatten() copy a "
            "non-contiguous x, writing into an expanded x moves every element sharing its memory, "
            "and autograd refuses in-place changes to an x that requires grad",
        )


def test_numerical_gradient_keeps_the_shape_and_dtype_of_x():
    for x in [torch.tensor(0.5, dtype=torch.float64), X[:1].float()]:
        grad = numerical_gradient(f, x, h=1e-2)
        assert grad.shape == x.shape and grad.dtype == x.dtype, (
            f"numerical_gradient returned a {grad.dtype} tensor of shape {tuple(grad.shape)} for a "
            f"{x.dtype} x of shape {tuple(x.shape)}"
        )


def test_numerical_gradient_uses_the_step_h():
    # For x**3 the central difference is exactly 3 x**2 + h**2: the h**2 shows which step was used.
    got = numerical_gradient(lambda x: (x**3).sum(), X.clone(), h=1e-2)
    check_close(got, 3 * X**2 + 1e-4, "numerical_gradient(sum of x**3, x, h=1e-2)", rtol=1e-7)


def test_gradient_check_returns_a_float_and_a_tuple_of_ints():
    error, index = gradient_check(f, X.clone(), autograd_gradient(X))
    assert type(error) is float, f"the error must be a Python float, not {type(error).__name__}"
    assert type(index) is tuple and all(type(i) is int for i in index), (
        f"the index must be a tuple of ints, not {index!r}"
    )


def test_gradient_check_counts_zero_gradients_as_error_0():
    def g(x):  # does not depend on the last column: both gradients are 0 there
        return (x[:, :2] ** 3).sum()

    analytic = torch.zeros_like(X)
    analytic[:, :2] = 3 * X[:, :2] ** 2
    error, _ = gradient_check(g, X.clone(), analytic)
    assert error < 1e-7, (
        f"gradient_check reported {error:g} for a correct gradient that is 0 in a column: "
        "where a = n = 0 the error is 0 / max(0, 1e-8) = 0"
    )


def test_gradient_check_reports_the_first_of_equally_bad_elements():
    def g(x):
        return (x[:, :2] ** 3).sum()

    analytic = torch.zeros_like(X)
    analytic[:, :2] = 3 * X[:, :2] ** 2
    analytic[0, 2] = 1e-3  # n = 0 here: relative error exactly 1
    analytic[1, 2] = 5.0  # and here
    error, index = gradient_check(g, X.clone(), analytic)
    check_close(error, 1.0, "the maximum relative error", rtol=1e-9)
    assert tuple(index) == (0, 2), (
        f"gradient_check located the worst element at {index}; (0, 2) and (1, 2) are equally bad, "
        "and the first one, (0, 2), is expected"
    )
