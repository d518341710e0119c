"""Lesson 2: gradient descent, the algorithm every optimizer builds on.

To minimise a differentiable loss L(x), start somewhere and walk downhill.  The gradient
``∇L(x)`` points in the direction of steepest *ascent*, and for a small step
``L(x - lr * g) ≈ L(x) - lr * |g|²`` (first-order Taylor expansion), so a step against the
gradient lowers the loss.  Repeating it gives the update rule

    x_{t+1} = x_t - lr * ∇L(x_t)

The learning rate ``lr`` decides everything: too small and progress crawls, too large and
the iterates overshoot the minimum and blow up.  On a quadratic the boundary between the
two is exact (``largest_stable_learning_rate``); in practice you watch the loss and stop
when it has converged or diverged (``minimize``).

Gradients come from autograd: ``torch.autograd.grad(loss_fn(x), x)`` for a tensor ``x``
with ``requires_grad=True``.  ``torch.optim`` is forbidden here: write the update yourself.
Run ``pytest lesson2`` to test your work.
"""

import math

import torch


def gradient_descent(loss_fn, x0, lr, steps):
    """Run ``steps`` updates of gradient descent from ``x0`` and return every iterate.

    Args:
        loss_fn: a function of one tensor shaped like ``x0``, returning a 0-dim tensor.
        x0: the starting point, any shape.  Leave it unchanged.
        lr: the learning rate (step size), a float.
        steps: the number of updates.

    Returns:
        A tensor of shape ``(steps + 1, *x0.shape)``: row 0 is ``x0`` and row t is
        ``x_t = x_{t-1} - lr * ∇loss_fn(x_{t-1})``.  Same dtype and device as ``x0``, with no
        autograd history (``requires_grad`` False).

    Pitfalls: ``x.grad`` *accumulates* over ``backward()`` calls (zero it, or use
    ``torch.autograd.grad``, which returns the gradient instead); updating ``x`` in place and
    appending it to a list stores the same tensor ``steps + 1`` times; the gradient must be
    recomputed at every new point.
    """
    ### BEGIN SOLUTION
    x = x0.detach()
    trajectory = [x]
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(x), x)
        x = (x - lr * grad).detach()
        trajectory.append(x)
    return torch.stack(trajectory)
    ### END SOLUTION


def largest_stable_learning_rate(hessian):
    """The learning rate above which gradient descent diverges on a quadratic.

    For ``L(x) = ½ xᵀAx - bᵀx`` with ``A`` symmetric positive definite, ``∇L(x) = Ax - b``
    and the error ``e_t = x_t - x*`` obeys ``e_{t+1} = (I - lr A) e_t``.  Along an
    eigenvector of ``A`` with eigenvalue ``λ`` the error is multiplied by ``1 - lr λ`` at
    every step: it shrinks when ``|1 - lr λ| < 1``, that is ``0 < lr < 2 / λ``, and grows
    (oscillating in sign) when ``lr > 2 / λ``.  Every direction converges only when
    ``lr < 2 / λ_max``: the steepest curvature sets the limit, while the flattest one
    (``λ_min``) sets how slowly the rest converges.  Near a minimum of any smooth loss the
    same holds with ``A`` its Hessian there.

    Args:
        hessian: a (D, D) symmetric positive definite matrix ``A``.

    Returns:
        ``2 / λ_max(A)`` as a 0-dim tensor with the hessian's dtype and device.

    ``torch.linalg.eigvalsh`` returns the eigenvalues of a symmetric matrix in ascending order.
    """
    ### BEGIN SOLUTION
    return 2 / torch.linalg.eigvalsh(hessian)[-1]
    ### END SOLUTION


def minimize(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    """Gradient descent that stops by itself: when it has converged, or when it diverges.

    At each step t = 0, 1, 2, ... evaluate the loss and its gradient at ``x_t``, then check,
    in this order:

    1. diverged: the loss is nan or infinite, or larger than ``divergence_factor`` times the
       loss at ``x0`` (the losses here are never negative).  A learning rate above the
       stable limit makes the loss grow geometrically; catching it early saves the run;
    2. converged: the gradient's Euclidean norm (over all its elements) is at most ``tol``.
       At a minimum the gradient vanishes, so a small gradient means little is left to gain;
    3. out of budget: ``t == max_steps``;

    and if none applies, update ``x_{t+1} = x_t - lr * ∇loss_fn(x_t)``.

    Args:
        loss_fn, x0, lr: as in ``gradient_descent``.
        tol, max_steps, divergence_factor: the stopping rules above.

    Returns:
        ``(x, steps, status)``: the point where it stopped (a tensor like ``x0`` without autograd
        history), the number of updates made before stopping (an int), and the status
        ``"diverged"``, ``"converged"`` or ``"max_steps"``.
    """
    ### BEGIN SOLUTION
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
        if torch.linalg.vector_norm(grad) <= tol:
            return x, step, "converged"
        if step == max_steps:
            return x, step, "max_steps"
        x = x - lr * grad
    ### END SOLUTION
