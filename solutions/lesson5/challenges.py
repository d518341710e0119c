"""Lesson 5: optimization challenges: critical points, saddles, and gradient noise.

Where the gradient is zero, gradient descent stops, whether it reached a minimum or not.
The Hessian's eigenvalues tell these *critical points* apart:

- all positive: a local minimum (every direction curves up);
- all negative: a local maximum;
- some positive and some negative: a saddle point, the common case in high dimensions;
- some (numerically) zero and none of the opposite sign: degenerate: the second-order test
  cannot decide (a plateau region is flat in that direction, like x^4 at 0).

At a saddle the gradient is zero, so a gradient step cannot leave it, but the Hessian shows
the way out: the eigenvector of its most negative eigenvalue is a direction in which the
loss curves *down*.  Mini-batch gradients are noisy estimates of the full gradient; the
noise helps escape saddles, and its size relative to the gradient tells how large a batch
is worth using.  Run ``pytest lesson5`` to test your work.
"""

import torch


def classify_critical_point(f, x, tol=1e-6):
    """Classify the point ``x`` of the function ``f`` by its gradient and Hessian.

    Returns one of these strings, checked in this order:

    - ``"not critical"`` if the gradient's norm ``||grad f(x)||`` exceeds ``tol``;
    - ``"saddle"`` if the Hessian has an eigenvalue above ``tol`` and one below ``-tol``;
    - ``"degenerate"`` if some eigenvalue has ``|lambda| <= tol`` (the test is inconclusive);
    - ``"minimum"`` if every eigenvalue is above ``tol``;
    - ``"maximum"`` if every eigenvalue is below ``-tol``.

    Use the eigenvalues (``torch.linalg.eigvalsh``: the Hessian is symmetric), not its
    diagonal or determinant: those decide only for diagonal or 2 x 2 Hessians.

    Args:
        f: a function of a 1-D tensor returning a 0-dim tensor, differentiable by autograd.
        x: a 1-D tensor.
        tol: a number > 0.
    """
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_(True)
    gradient = torch.autograd.grad(f(x), x)[0]
    if gradient.norm() > tol:
        return "not critical"
    eigenvalues = torch.linalg.eigvalsh(torch.autograd.functional.hessian(f, x.detach()))
    if (eigenvalues > tol).any() and (eigenvalues < -tol).any():
        return "saddle"
    if (eigenvalues.abs() <= tol).any():
        return "degenerate"
    return "minimum" if (eigenvalues > tol).all() else "maximum"
    ### END SOLUTION


def escape_saddle(f, x, radius=0.1):
    """A step of length ``radius`` out of a saddle point, along the direction of most negative curvature.

    Compute the Hessian ``H`` of ``f`` at ``x`` and its eigen-decomposition
    (``torch.linalg.eigh``: eigenvalues in ascending order, unit eigenvectors in the
    *columns*).  If the smallest eigenvalue is not negative there is no such direction:
    return a copy of ``x``.  Otherwise, with ``v`` the eigenvector of the smallest
    eigenvalue, both ``x + radius * v`` and ``x - radius * v`` go downhill to second order;
    return the one where ``f`` is lower.

    Args:
        f: a function of a 1-D tensor returning a 0-dim tensor, differentiable by autograd.
        x: a 1-D tensor (typically a saddle point, where the gradient is zero).
        radius: the step length, a number > 0.

    Returns:
        The new point, a 1-D tensor like ``x``, without autograd history.
    """
    ### BEGIN SOLUTION
    x = x.detach()
    eigenvalues, eigenvectors = torch.linalg.eigh(torch.autograd.functional.hessian(f, x))
    if eigenvalues[0] >= 0:
        return x.clone()
    direction = eigenvectors[:, 0]
    forward, backward = x + radius * direction, x - radius * direction
    with torch.no_grad():
        return forward if f(forward) < f(backward) else backward
    ### END SOLUTION


def gradient_noise_scale(per_example_grads):
    """How noisy mini-batch gradients are: the "simple noise scale" of McCandlish et al. (2018).

    Each row of ``per_example_grads`` (shape (N, P)) is the gradient of one example's loss.
    Their mean ``G`` is the full-batch gradient; a mini-batch of B examples estimates it
    with covariance ``Sigma / B``, where ``Sigma`` is the per-example covariance.  The noise
    scale compares the total variance with the squared signal:

        variance    = trace(Sigma) = sum over coordinates of the unbiased variance (N - 1)
        noise_scale = variance / ||G||^2

    Batches much smaller than the noise scale give noisy steps; much larger ones waste
    computation (the "critical batch size" is about the noise scale).

    Args:
        per_example_grads: a tensor of shape (N, P) with N >= 2.

    Returns:
        A dict with ``"mean"`` (G, shape (P,)), ``"variance"`` and ``"noise_scale"``
        (0-dim tensors), all in the input's dtype.
    """
    ### BEGIN SOLUTION
    mean = per_example_grads.mean(dim=0)
    variance = per_example_grads.var(dim=0).sum()
    return {"mean": mean, "variance": variance, "noise_scale": variance / mean.pow(2).sum()}
    ### END SOLUTION
