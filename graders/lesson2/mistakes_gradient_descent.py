"""Plausible wrong implementations of lesson2/gradient_descent.py (see graders/grading/mistakes.py)."""

import math

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- gradient_descent ------------------------------------------------------------------------------


@catalogue.mistake(
    "gradient_descent",
    "gradient ascent (x + lr * grad)",
    "the gradient points uphill: step against it, x - lr * grad",
)
def gd_ascent(loss_fn, x0, lr, steps):
    x = x0.detach()
    trajectory = [x]
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(x), x)
        x = (x + lr * grad).detach()
        trajectory.append(x)
    return torch.stack(trajectory)


@catalogue.mistake(
    "gradient_descent",
    "gradients accumulated in x.grad across steps",
    "backward() adds to x.grad: zero it before each backward (x.grad = None), or use torch.autograd.grad",
)
def gd_accumulated_grad(loss_fn, x0, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    trajectory = [x.detach().clone()]
    for _ in range(steps):
        loss_fn(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        trajectory.append(x.detach().clone())
    return torch.stack(trajectory)


@catalogue.mistake(
    "gradient_descent",
    "the same tensor, updated in place, appended at every step",
    "every row of the trajectory is then the final point: append a copy (x.clone()) or build a new x each step",
)
def gd_aliased_rows(loss_fn, x0, lr, steps):
    x = x0.detach().clone()
    trajectory = [x]
    for _ in range(steps):
        x.requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(x), x)
        x.requires_grad_(False)
        x -= lr * grad
        trajectory.append(x)
    return torch.stack(trajectory)


@catalogue.mistake(
    "gradient_descent",
    "x0 updated in place",
    "the caller's starting point must not change: work on x0.detach().clone() or build new tensors",
)
def gd_modifies_x0(loss_fn, x0, lr, steps):
    trajectory = [x0.detach().clone()]
    x = x0
    for _ in range(steps):
        x.requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(x), x)
        x.requires_grad_(False)
        x -= lr * grad
        trajectory.append(x.clone())
    return torch.stack(trajectory)


@catalogue.mistake(
    "gradient_descent",
    "a trajectory without the starting point",
    "row 0 is x0 itself; the result has steps + 1 rows",
)
def gd_missing_start(loss_fn, x0, lr, steps):
    x = x0.detach()
    trajectory = []
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(x), x)
        x = (x - lr * grad).detach()
        trajectory.append(x)
    return torch.stack(trajectory) if trajectory else x0.detach()[None][:0]


@catalogue.mistake(
    "gradient_descent",
    "the gradient at x0 reused for every step",
    "recompute the gradient at each new point: it changes as x moves",
)
def gd_frozen_gradient(loss_fn, x0, lr, steps):
    x = x0.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss_fn(x), x)
    x = x.detach()
    trajectory = [x]
    for _ in range(steps):
        x = x - lr * grad
        trajectory.append(x)
    return torch.stack(trajectory)


@catalogue.mistake(
    "gradient_descent",
    "a learning rate that decays as lr / (t + 1)",
    "plain gradient descent keeps the learning rate constant: x - lr * grad at every step",
)
def gd_decaying_lr(loss_fn, x0, lr, steps):
    x = x0.detach()
    trajectory = [x]
    for t in range(steps):
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(x), x)
        x = (x - lr / (t + 1) * grad).detach()
        trajectory.append(x)
    return torch.stack(trajectory)


@catalogue.mistake(
    "gradient_descent",
    "steps of length lr along the normalised gradient",
    "the update is lr times the gradient itself, not its direction: steps shrink as the gradient does",
)
def gd_normalised(loss_fn, x0, lr, steps):
    x = x0.detach()
    trajectory = [x]
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(x), x)
        x = (x - lr * grad / grad.norm()).detach()
        trajectory.append(x)
    return torch.stack(trajectory)


# -- largest_stable_learning_rate ------------------------------------------------------------------


@catalogue.mistake(
    "largest_stable_learning_rate",
    "1 / lambda_max",
    "at lr = 1 / lambda_max the steepest direction is solved in one step, but gradient descent stays "
    "stable up to 2 / lambda_max, where 1 - lr * lambda reaches -1",
)
def lr_one_over(hessian):
    return 1 / torch.linalg.eigvalsh(hessian)[-1]


@catalogue.mistake(
    "largest_stable_learning_rate",
    "2 / lambda_min (eigvalsh's first eigenvalue is the smallest)",
    "torch.linalg.eigvalsh sorts eigenvalues in ascending order: the largest is the last, [-1]",
)
def lr_smallest_eigenvalue(hessian):
    return 2 / torch.linalg.eigvalsh(hessian)[0]


@catalogue.mistake(
    "largest_stable_learning_rate",
    "the optimal step 2 / (lambda_min + lambda_max)",
    "that step converges fastest, but the stability limit is larger: 2 / lambda_max",
)
def lr_optimal(hessian):
    eigenvalues = torch.linalg.eigvalsh(hessian)
    return 2 / (eigenvalues[0] + eigenvalues[-1])


@catalogue.mistake(
    "largest_stable_learning_rate",
    "2 / trace(A)",
    "the trace is the sum of all eigenvalues; only the largest one limits the step",
)
def lr_trace(hessian):
    return 2 / torch.trace(hessian)


@catalogue.mistake(
    "largest_stable_learning_rate",
    "2 / the largest diagonal entry",
    "diagonal entries are eigenvalues only for a diagonal matrix: use torch.linalg.eigvalsh",
)
def lr_diagonal(hessian):
    return 2 / torch.diagonal(hessian).max()


@catalogue.mistake(
    "largest_stable_learning_rate",
    "2 / the Frobenius norm",
    "the Frobenius norm sqrt(sum of lambda^2) exceeds lambda_max: use the largest eigenvalue itself",
)
def lr_frobenius(hessian):
    return 2 / torch.linalg.matrix_norm(hessian)


# -- minimize ---------------------------------------------------------------------------------------


@catalogue.mistake(
    "minimize",
    "convergence judged by the change in the loss instead of the gradient's norm",
    "stop when the gradient's Euclidean norm is at most tol; a small change in the loss can also mean a slow crawl",
)
def mz_loss_change(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach()
    previous = None
    for step in range(max_steps + 1):
        x = x.detach().requires_grad_(True)
        loss = loss_fn(x)
        (grad,) = torch.autograd.grad(loss, x)
        x, loss = x.detach(), loss.item()
        if step == 0:
            first_loss = loss
        if not math.isfinite(loss) or loss > divergence_factor * first_loss:
            return x, step, "diverged"
        if previous is not None and abs(previous - loss) <= tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        previous = loss
        x = x - lr * grad


@catalogue.mistake(
    "minimize",
    "divergence detected only when the loss is nan",
    "an infinite loss, or one that grew past divergence_factor times the first, has diverged too: "
    "test not math.isfinite(loss) or loss > divergence_factor * first_loss",
)
def mz_nan_only(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach()
    for step in range(max_steps + 1):
        x = x.detach().requires_grad_(True)
        loss = loss_fn(x)
        (grad,) = torch.autograd.grad(loss, x)
        x, loss = x.detach(), loss.item()
        if math.isnan(loss):
            return x, step, "diverged"
        if torch.linalg.vector_norm(grad) <= tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        x = x - lr * grad


@catalogue.mistake(
    "minimize",
    "divergence detected only once the loss is infinite or nan",
    "also stop when the loss exceeds divergence_factor times the first loss: waiting for an overflow wastes the run",
)
def mz_no_growth_check(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach()
    for step in range(max_steps + 1):
        x = x.detach().requires_grad_(True)
        loss = loss_fn(x)
        (grad,) = torch.autograd.grad(loss, x)
        x, loss = x.detach(), loss.item()
        if not math.isfinite(loss):
            return x, step, "diverged"
        if torch.linalg.vector_norm(grad) <= tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        x = x - lr * grad


@catalogue.mistake(
    "minimize",
    "the loop's iterations counted instead of the updates",
    "steps is the number of updates made before stopping: 0 when x0 already satisfies a rule",
)
def mz_counts_iterations(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach()
    for step in range(max_steps + 1):
        x = x.detach().requires_grad_(True)
        loss = loss_fn(x)
        (grad,) = torch.autograd.grad(loss, x)
        x, loss = x.detach(), loss.item()
        if step == 0:
            first_loss = loss
        if not math.isfinite(loss) or loss > divergence_factor * first_loss:
            return x, step + 1, "diverged"
        if torch.linalg.vector_norm(grad) <= tol:
            return x, step + 1, "converged"
        if step == max_steps:
            return x, step + 1, "max_steps"
        x = x - lr * grad


@catalogue.mistake(
    "minimize",
    "the squared gradient norm compared with tol",
    "compare the norm itself, torch.linalg.vector_norm(grad), with tol",
)
def mz_squared_norm(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach()
    for step in range(max_steps + 1):
        x = x.detach().requires_grad_(True)
        loss = loss_fn(x)
        (grad,) = torch.autograd.grad(loss, x)
        x, loss = x.detach(), loss.item()
        if step == 0:
            first_loss = loss
        if not math.isfinite(loss) or loss > divergence_factor * first_loss:
            return x, step, "diverged"
        if (grad**2).sum() <= tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        x = x - lr * grad


@catalogue.mistake(
    "minimize",
    "the largest gradient entry compared with tol (the max norm)",
    "use the Euclidean norm over all elements, torch.linalg.vector_norm(grad)",
)
def mz_max_norm(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach()
    for step in range(max_steps + 1):
        x = x.detach().requires_grad_(True)
        loss = loss_fn(x)
        (grad,) = torch.autograd.grad(loss, x)
        x, loss = x.detach(), loss.item()
        if step == 0:
            first_loss = loss
        if not math.isfinite(loss) or loss > divergence_factor * first_loss:
            return x, step, "diverged"
        if grad.abs().max() <= tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        x = x - lr * grad


@catalogue.mistake(
    "minimize",
    "growth measured against the previous loss instead of the first",
    "a diverging loss grows by a modest factor per step: compare with divergence_factor times the loss at x0",
)
def mz_previous_loss(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach()
    previous = None
    for step in range(max_steps + 1):
        x = x.detach().requires_grad_(True)
        loss = loss_fn(x)
        (grad,) = torch.autograd.grad(loss, x)
        x, loss = x.detach(), loss.item()
        if not math.isfinite(loss) or (
            previous is not None and loss > divergence_factor * previous
        ):
            return x, step, "diverged"
        if torch.linalg.vector_norm(grad) <= tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        previous = loss
        x = x - lr * grad


@catalogue.mistake(
    "minimize",
    "convergence only when the gradient's norm is strictly below tol",
    "the rule is 'at most tol': a gradient whose norm equals tol has converged (<=, not <)",
)
def mz_strictly_below_tol(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach()
    for step in range(max_steps + 1):
        x = x.detach().requires_grad_(True)
        loss = loss_fn(x)
        (grad,) = torch.autograd.grad(loss, x)
        x, loss = x.detach(), loss.item()
        if step == 0:
            first_loss = loss
        if not math.isfinite(loss) or loss > divergence_factor * first_loss:
            return x, step, "diverged"
        if torch.linalg.vector_norm(grad) < tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        x = x - lr * grad


# -- correct variants ---------------------------------------------------------------------------------


@catalogue.variant("gradient_descent", "x.grad filled by backward() and cleared at every step")
def gd_with_backward(loss_fn, x0, lr, steps):
    x = x0.detach().clone()
    trajectory = [x.clone()]
    for _ in range(steps):
        x.requires_grad_(True)
        x.grad = None
        loss_fn(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        x = x.detach()
        trajectory.append(x.clone())
    return torch.stack(trajectory)


@catalogue.variant(
    "largest_stable_learning_rate", "the spectral norm, which is lambda_max for an SPD matrix"
)
def lr_spectral_norm(hessian):
    return 2 / torch.linalg.matrix_norm(hessian, ord=2)


@catalogue.variant("minimize", "a while loop with backward() and grad.norm()")
def mz_while_loop(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach().clone()
    step, first_loss = 0, None
    while True:
        x.requires_grad_(True)
        loss = loss_fn(x)
        loss.backward()
        grad, x = x.grad, x.detach()
        value = float(loss.detach())
        first_loss = value if first_loss is None else first_loss
        if math.isnan(value) or math.isinf(value) or value > divergence_factor * first_loss:
            return x, step, "diverged"
        if grad.norm() <= tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        x = x - lr * grad
        step += 1
