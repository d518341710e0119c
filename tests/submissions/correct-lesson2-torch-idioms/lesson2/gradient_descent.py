"""A correct submission that leans on torch idioms: torch.func.grad, the spectral norm, a for-else."""

import torch
from torch.func import grad


def gradient_descent(loss_fn, x0, lr, steps):
    gradient = grad(loss_fn)
    points = [x0.detach()]
    for _ in range(steps):
        points.append(points[-1] - lr * gradient(points[-1]))
    return torch.stack(points)


def largest_stable_learning_rate(hessian):
    # For a symmetric positive definite matrix the spectral norm is the largest eigenvalue.
    return 2 / torch.linalg.matrix_norm(hessian, ord=2)


def minimize(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    value_and_gradient = torch.func.grad_and_value(loss_fn)
    x = x0.detach()
    g, first = value_and_gradient(x)
    for step in range(max_steps + 1):
        g, loss = value_and_gradient(x)
        if not torch.isfinite(loss) or loss > divergence_factor * first:
            return x, step, "diverged"
        if torch.linalg.norm(g.flatten()) <= tol:
            return x, step, "converged"
        if step < max_steps:
            x = x - lr * g
    return x, max_steps, "max_steps"
