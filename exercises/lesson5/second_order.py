"""Lesson 5: second-order methods: Newton's method, BFGS, and the natural gradient.

A gradient step ``x - lr * g`` uses the slope only.  Second-order methods also use the
curvature, the Hessian ``H`` (the matrix of second derivatives), and step to the minimum of
the local quadratic model ``f(x + d) ~ f(x) + g.d + d.H.d / 2``, at ``d = -H^-1 g``.  On a
quadratic that is the exact minimum, in one step, whatever the learning rate would have been.

Practical considerations, which these exercises make you handle:

- *Never form an inverse*: solve the linear system ``H d = -g`` (``torch.linalg.solve``, or a
  Cholesky factorisation): it is cheaper and more accurate.  ``torch.linalg.inv`` and
  ``torch.inverse`` are forbidden here.
- *Damping*: far from a minimum ``H`` may be singular or indefinite (then ``-H^-1 g`` even
  points uphill).  Adding ``damping * I`` (Levenberg-Marquardt) makes the system solvable
  and blends the step towards a short gradient step.
- *Cost*: ``H`` has n^2 entries and solving costs n^3, impossible for millions of
  parameters.  Quasi-Newton methods (BFGS, L-BFGS) build an approximation of ``H^-1`` from
  gradients alone; natural-gradient methods use the Fisher information, the curvature of
  the model's output distribution, usually approximated (K-FAC, Shampoo).

Run ``pytest lesson5`` to test your work.
"""

import torch


def newton_step(f, x, damping=0.0):
    """One damped Newton step on the function ``f`` from the point ``x``.

        x_new = x - (H + damping * I)^-1 g,    g = grad f(x),  H = Hessian of f at x

    Compute ``g`` and ``H`` with autograd (``torch.autograd.grad`` with ``create_graph=True``
    differentiated once more, or ``torch.autograd.functional.hessian``), then *solve*
    ``(H + damping * I) d = g``: ``torch.linalg.inv`` and ``torch.inverse`` are forbidden.

    Args:
        f: a function of a 1-D tensor returning a 0-dim tensor, differentiable by autograd.
        x: a 1-D tensor of n coordinates (float32 or float64).
        damping: a number >= 0, added to the diagonal of H.

    Returns:
        The new point, a 1-D tensor like ``x`` (same dtype and device), with no autograd
        history; ``x`` itself is left unchanged.
    """
    # YOUR CODE HERE
    raise NotImplementedError("newton_step is not implemented yet")


def bfgs_update(inverse_hessian, s, y):
    """The BFGS update of an approximation ``H`` of the *inverse* Hessian.

    After a step ``s = x_new - x`` during which the gradient changed by
    ``y = g_new - g``, BFGS returns the matrix closest to ``H`` that satisfies the secant
    equation ``H_new y = s`` (so it acts like the true inverse Hessian along the step):

        rho   = 1 / (y . s)
        H_new = (I - rho * s y^T) H (I - rho * y s^T) + rho * s s^T

    It stays symmetric positive definite as long as the *curvature condition* ``y . s > 0``
    holds.  When it does not (``y . s <= 0``: a step into negative curvature, or a bad line
    search), skip the update: return a copy of ``H`` unchanged.

    Args:
        inverse_hessian: H, an (n, n) symmetric positive definite tensor.
        s, y: 1-D tensors of n entries.

    Returns:
        H_new, a new (n, n) tensor (the input is not modified).
    """
    # YOUR CODE HERE
    raise NotImplementedError("bfgs_update is not implemented yet")


def natural_gradient_step(w, x, y, lr=1.0, damping=1e-4):
    """One natural-gradient step for logistic regression.

    The model: ``p = sigmoid(x @ w)`` is the probability that each example's label is 1; the
    loss is the mean binary cross-entropy over the N examples, with gradient

        g = x^T (p - y) / N

    The natural gradient measures step sizes by how much they change the model's *output
    distribution* rather than the weights.  That metric is the Fisher information matrix,
    the expected curvature of the log-likelihood under the model's own predictions:

        F = x^T diag(p * (1 - p)) x / N

    (not the "empirical Fisher", the mean of the outer products of the per-example
    gradients, which uses the labels and is a different, worse matrix).  The step is

        w_new = w - lr * (F + damping * I)^-1 g

    Solve the system; do not invert.  (For logistic regression F equals the Hessian, so this
    is also a damped Newton step; for neural networks they differ, and F stays positive
    semi-definite where H need not.)

    Args:
        w: weights, shape (D,).
        x: inputs, shape (N, D).
        y: labels in {0, 1}, shape (N,), same dtype as x.
        lr, damping: numbers.

    Returns:
        The new weights, shape (D,), without autograd history.
    """
    # YOUR CODE HERE
    raise NotImplementedError("natural_gradient_step is not implemented yet")
