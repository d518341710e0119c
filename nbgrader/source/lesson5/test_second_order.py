"""Visible tests for lesson5/second_order.py: Newton, BFGS and natural-gradient steps."""

import pytest
import torch
import torch.nn.functional as F
from checks import check_close

from lesson5.second_order import bfgs_update, natural_gradient_step, newton_step

A = torch.tensor([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]], dtype=torch.float64)
B = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)


def quadratic(x):
    return 0.5 * x @ A @ x - B @ x


def rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def test_one_newton_step_solves_a_quadratic():
    x = torch.tensor([5.0, -3.0, 2.0], dtype=torch.float64)
    check_close(
        newton_step(quadratic, x),
        torch.linalg.solve(A, B),
        "newton_step on a quadratic from (5, -3, 2)",
        hint="the minimum of x.A.x/2 - b.x is A^-1 b, and Newton's step lands on it",
    )


@pytest.mark.parametrize("damping", [0.5, 10.0])
def test_damping_is_added_to_the_hessians_diagonal(damping):
    x = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64)
    want = x - torch.linalg.solve(A + damping * torch.eye(3, dtype=torch.float64), A @ x - B)
    check_close(newton_step(quadratic, x, damping=damping), want, f"newton_step(damping={damping})")


def test_newton_step_on_rosenbrock():
    x = torch.tensor([-1.2, 1.0], dtype=torch.float64)
    gradient = torch.tensor([-215.6, -88.0], dtype=torch.float64)
    hessian = torch.tensor([[1330.0, 480.0], [480.0, 200.0]], dtype=torch.float64)
    check_close(
        newton_step(rosenbrock, x),
        x - torch.linalg.solve(hessian, gradient),
        "newton_step(rosenbrock, (-1.2, 1))",
    )


def test_bfgs_update_satisfies_the_secant_equation():
    s = torch.tensor([0.5, -1.0, 0.25], dtype=torch.float64)
    y = A @ s
    updated = bfgs_update(torch.eye(3, dtype=torch.float64), s, y)
    check_close(updated @ y, s, "H_new @ y (the secant equation H_new y = s)")
    check_close(updated, updated.T, "H_new against its transpose (it must stay symmetric)")


def test_bfgs_update_matches_the_formula():
    H = torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64)
    s, y = (
        torch.tensor([1.0, 2.0], dtype=torch.float64),
        torch.tensor([0.5, 1.5], dtype=torch.float64),
    )
    rho = 1 / (y @ s)
    eye = torch.eye(2, dtype=torch.float64)
    want = (eye - rho * torch.outer(s, y)) @ H @ (
        eye - rho * torch.outer(y, s)
    ) + rho * torch.outer(s, s)
    check_close(bfgs_update(H, s, y), want, "bfgs_update(H, s, y)")


def test_bfgs_update_is_skipped_without_positive_curvature():
    H = torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64)
    s, y = (
        torch.tensor([1.0, 0.0], dtype=torch.float64),
        torch.tensor([-1.0, 0.5], dtype=torch.float64),
    )
    check_close(
        bfgs_update(H, s, y),
        H,
        "bfgs_update when y.s < 0",
        hint="skip the update when the curvature condition fails",
    )


def test_natural_gradient_step_uses_the_fisher_information():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(20, 3, generator=generator, dtype=torch.float64)
    y = (torch.rand(20, generator=generator) < 0.5).double()
    w = torch.tensor([0.5, -0.25, 1.0], dtype=torch.float64)

    def loss(weights):
        return F.binary_cross_entropy_with_logits(x @ weights, y)

    # For logistic regression the Fisher information equals the Hessian of the mean loss.
    fisher = torch.autograd.functional.hessian(loss, w)
    gradient = torch.autograd.functional.jacobian(loss, w)
    want = w - 0.5 * torch.linalg.solve(fisher + 1e-3 * torch.eye(3, dtype=torch.float64), gradient)
    check_close(
        natural_gradient_step(w, x, y, lr=0.5, damping=1e-3),
        want,
        "natural_gradient_step(lr=0.5, damping=1e-3)",
    )


def test_newton_step_keeps_the_dtype_leaves_x_alone_and_returns_no_history():
    x = torch.tensor([5.0, -3.0, 2.0], requires_grad=True)  # float32, like a parameter
    a, b = A.float(), B.float()
    got = newton_step(lambda v: 0.5 * v @ a @ v - b @ v, x)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32, f"returned {got!r}"
    assert got.grad_fn is None, "the new point has autograd history: .detach() it"
    check_close(x.detach(), torch.tensor([5.0, -3.0, 2.0]), "x after newton_step (unchanged)")
    check_close(got, torch.linalg.solve(A, B).float(), "newton_step on a float32 quadratic")


def test_bfgs_update_is_skipped_at_zero_curvature_and_never_modifies_its_input():
    H = torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64)
    s, y = (
        torch.tensor([1.0, 0.0], dtype=torch.float64),
        torch.tensor([0.0, 2.0], dtype=torch.float64),  # y.s == 0 exactly
    )
    got = bfgs_update(H, s, y)
    check_close(got, H, "bfgs_update when y.s == 0", hint="skip the update when y.s <= 0")
    assert got is not H, "return a copy of H, not H itself"
    got.add_(1.0)  # the copy is the caller's to change: H must not change with it
    check_close(H, torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64), "H afterwards")
    bfgs_update(
        H, torch.tensor([1.0, 2.0], dtype=torch.float64), 2 * torch.ones(2, dtype=torch.float64)
    )
    check_close(H, torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64), "H after an update")


def test_natural_gradient_step_with_a_batch_of_one():
    x = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    y = torch.tensor([1.0], dtype=torch.float64)
    w = torch.tensor([0.3, 0.1], dtype=torch.float64)
    p = torch.sigmoid(x @ w)
    fisher = (p * (1 - p)) * x.T @ x
    gradient = x.T @ (p - y)
    want = w - torch.linalg.solve(fisher + 0.1 * torch.eye(2, dtype=torch.float64), gradient)
    check_close(natural_gradient_step(w, x, y, damping=0.1), want, "natural_gradient_step, N = 1")


def test_natural_gradient_step_returns_no_history_and_leaves_w_alone():
    x = torch.tensor([[1.0, -2.0], [0.5, 0.25], [-1.0, 1.5]], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    w = torch.tensor([0.3, 0.1], dtype=torch.float64, requires_grad=True)
    got = natural_gradient_step(w, x, y, lr=0.5, damping=0.1)
    assert got.grad_fn is None, "the new weights have autograd history: .detach() them"
    assert w.tolist() == [0.3, 0.1], "natural_gradient_step changed w: return new weights"
