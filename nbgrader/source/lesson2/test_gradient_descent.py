"""Visible tests for lesson2/gradient_descent.py: the update rule, the stable learning rate, stopping rules."""

import torch
from checks import check_close

from lesson2 import gradient_descent as gd

A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
B = torch.tensor([1.0, -1.0], dtype=torch.float64)


def quadratic(x):
    """½ xᵀAx - bᵀx, whose gradient is Ax - b."""
    return 0.5 * x @ A @ x - B @ x


def test_gradient_descent_follows_the_update_rule():
    x0 = torch.tensor([2.0, -3.0], dtype=torch.float64)
    got = gd.gradient_descent(quadratic, x0, lr=0.1, steps=3)
    want = [x0]
    for _ in range(3):
        want.append(want[-1] - 0.1 * (A @ want[-1] - B))
    check_close(
        got,
        torch.stack(want),
        "gradient_descent on ½ xᵀAx - bᵀx, 3 steps",
        hint="row 0 is x0; x_{t+1} = x_t - lr * grad",
    )


def test_gradient_descent_matches_torch_optim_sgd_on_a_matrix():
    Z, T = torch.randn(6, 3, generator=torch.Generator().manual_seed(0)), torch.ones(6, 2)
    x0 = torch.zeros(3, 2)

    def loss_fn(x):
        return ((Z @ x - T) ** 2).mean()

    got = gd.gradient_descent(loss_fn, x0, lr=0.2, steps=5)
    x = x0.clone().requires_grad_(True)
    optimizer, want = torch.optim.SGD([x], lr=0.2), [x0.clone()]
    for _ in range(5):
        optimizer.zero_grad()
        loss_fn(x).backward()
        optimizer.step()
        want.append(x.detach().clone())
    check_close(
        got,
        torch.stack(want),
        "gradient_descent against torch.optim.SGD",
        hint="zero the gradient at every step",
    )


def test_gradient_descent_leaves_x0_unchanged():
    x0 = torch.tensor([2.0, -3.0], dtype=torch.float64)
    gd.gradient_descent(quadratic, x0, lr=0.1, steps=2)
    check_close(
        x0,
        torch.tensor([2.0, -3.0], dtype=torch.float64),
        "x0 after gradient_descent",
        hint="do not update x0 in place",
    )


def test_gradient_descent_returns_plain_tensors_of_x0s_dtype():
    x0 = torch.tensor([2.0, -3.0], requires_grad=True)  # float32, and a leaf that requires grad
    got = gd.gradient_descent(lambda x: 0.5 * (x**2).sum(), x0, lr=0.5, steps=2)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32, (
        f"gradient_descent from a float32 x0 returned {got!r}: keep x0's dtype"
    )
    assert not got.requires_grad, (
        "gradient_descent returned a trajectory that requires grad: detach the iterates "
        "(x.detach()) so no autograd graph is kept"
    )
    check_close(got, torch.tensor([[2.0, -3.0], [1.0, -1.5], [0.5, -0.75]]), "the trajectory")


def test_largest_stable_learning_rate_of_a_diagonal_matrix():
    got = gd.largest_stable_learning_rate(torch.diag(torch.tensor([1.0, 4.0, 0.5])))
    check_close(
        got,
        torch.tensor(0.5),
        "largest_stable_learning_rate(diag(1, 4, 0.5))",
        hint="2 / the largest eigenvalue",
    )


def test_the_limit_separates_convergence_from_divergence():
    limit = float(gd.largest_stable_learning_rate(A))
    below = gd.gradient_descent(quadratic, torch.ones(2, dtype=torch.float64), 0.95 * limit, 300)[
        -1
    ]
    above = gd.gradient_descent(quadratic, torch.ones(2, dtype=torch.float64), 1.05 * limit, 300)[
        -1
    ]
    check_close(
        below,
        torch.linalg.solve(A, B),
        "gradient descent at 0.95 x the limit, after 300 steps",
        rtol=1e-6,
        atol=1e-6,
    )
    assert above.norm() > 1e3, (
        f"gradient descent at 1.05 x the limit should diverge, but |x| = {above.norm():.3g} after 300 steps"
    )


def test_minimize_converges_to_the_minimum():
    x, steps, status = gd.minimize(quadratic, torch.zeros(2, dtype=torch.float64), 0.3, tol=1e-8)
    assert status == "converged", (
        f"minimize at lr=0.3 stopped with status {status!r} after {steps} updates"
    )
    check_close(
        x, torch.linalg.solve(A, B), "the point where minimize converged", rtol=1e-6, atol=1e-7
    )


def test_minimize_detects_divergence():
    x, steps, status = gd.minimize(
        quadratic, torch.ones(2, dtype=torch.float64), 1.0, divergence_factor=100.0
    )
    assert status == "diverged", (
        f"minimize at lr=1.0 (above the limit) stopped with status {status!r} after {steps} updates"
    )
    assert steps < 20, f"the loss grew 100-fold long before update {steps}"


def test_minimize_stops_after_max_steps():
    x, steps, status = gd.minimize(
        quadratic, torch.zeros(2, dtype=torch.float64), 1e-3, max_steps=5
    )
    assert (steps, status) == (5, "max_steps"), (
        f"minimize with max_steps=5 returned steps={steps}, status={status!r}"
    )


def test_minimize_converges_on_the_euclidean_norm_of_the_gradient():
    def half_squared_norm(x):
        return 0.5 * (x**2).sum()  # its gradient is x itself

    # At x0 every entry of the gradient is 0.6 <= tol, but its Euclidean norm is 1.2 > tol:
    # not converged yet.  One step of lr=0.5 halves x, and the norm 0.6 is then below tol.
    x, steps, status = gd.minimize(
        half_squared_norm, torch.full((4,), 0.6, dtype=torch.float64), 0.5, tol=1.0
    )
    assert (steps, status) == (1, "converged"), (
        f"minimize from a gradient of norm 1.2 with tol=1 returned steps={steps}, status={status!r}, "
        "expected steps=1, 'converged': compare the gradient's Euclidean norm over all its "
        "elements (torch.linalg.vector_norm(grad)) with tol, not its largest entry"
    )


def test_minimize_converges_when_the_norm_equals_tol():
    def half_squared_norm(x):
        return 0.5 * (x**2).sum()  # its gradient is x itself

    x, steps, status = gd.minimize(
        half_squared_norm, torch.tensor([3.0, 4.0], dtype=torch.float64), 0.5, tol=5.0
    )
    assert (steps, status) == (0, "converged"), (
        f"minimize from a gradient of norm exactly 5 with tol=5 returned steps={steps}, "
        f"status={status!r}, expected steps=0, 'converged': the rule is norm <= tol"
    )
