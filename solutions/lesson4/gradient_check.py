"""Gradient checking: numerical gradients by central differences, and how far an analytic gradient is from them.

A hand-written backward pass is easy to get subtly wrong and hard to test by reading it.
The numerical gradient needs only the forward function: nudge one input element by ``h``
each way and watch the output move,

    df/dx[i]  ~=  (f(x + h e_i) - f(x - h e_i)) / (2 h)

The central difference is accurate to O(h**2) (the forward difference ``(f(x + h) - f(x)) / h``
only to O(h)), so in float64 with ``h = 1e-5`` a correct analytic gradient agrees to about
1e-10.  Compare the two with the *relative* error, which does not depend on the scale of
the gradient, and look at *where* the worst element is: that usually names the bug (a bias
gradient, one row of a matrix, the elements where a ReLU is off).

Rules of thumb for the maximum relative error in float64: below 1e-7 the gradient is
right; above 1e-4 something is wrong.  Kinks (ReLU at 0, max) can give isolated large
errors when x + h and x - h fall on different sides of them.

Unlike CS231n's ``eval_numerical_gradient``, these functions never leave the caller's
``x`` changed: perturb a copy.  Autograd is forbidden here (that is what is being checked).
"""

import torch


def numerical_gradient(f, x, h=1e-5):
    """The gradient of the scalar function ``f`` at ``x`` by central differences.

    Args:
        f: a function of one tensor returning a scalar (a Python number or a 0-dim tensor).
        x: the point, a tensor of any shape (use float64: float32 has too few digits), and of
           any layout: a transposed, sliced or expanded ``x`` is not contiguous, and
           ``reshape(-1)`` or ``flatten()`` of it is a *copy*, whose changes ``f`` never sees.
        h: the step.

    Returns:
        A tensor of ``x``'s shape, dtype and device: element i is
        ``(f(x + h e_i) - f(x - h e_i)) / (2 h)``.  ``x`` itself is unchanged afterwards.
    """
    ### BEGIN SOLUTION
    point = x.detach().clone(memory_format=torch.contiguous_format)
    flat = point.view(-1)  # a view of the copy: writing flat[i] changes point
    grad = torch.zeros_like(point)
    flat_grad = grad.view(-1)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        f_plus = float(f(point))
        flat[i] = original - h
        f_minus = float(f(point))
        flat[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
    ### END SOLUTION


def gradient_check(f, x, analytic_grad, h=1e-5):
    """How far ``analytic_grad`` is from the numerical gradient of ``f`` at ``x``, and where.

    The relative error of element i is ``|a - n| / max(|a| + |n|, 1e-8)`` for the analytic
    value ``a`` and the numerical value ``n`` (from ``numerical_gradient(f, x, h)``); the floor
    of 1e-8 keeps elements where both are 0 at error 0 instead of 0 / 0.

    Args:
        f, x, h: as for ``numerical_gradient``.
        analytic_grad: the gradient to check, a tensor of ``x``'s shape.

    Returns:
        ``(max_relative_error, index)``: the largest relative error as a Python float, and the
        index of that element as a tuple of ints (``(row, column)`` for a matrix), the first
        one if several are equally bad.
    """
    ### BEGIN SOLUTION
    numeric = numerical_gradient(f, x, h)
    error = (analytic_grad - numeric).abs() / (analytic_grad.abs() + numeric.abs()).clamp(min=1e-8)
    index = torch.unravel_index(error.argmax(), error.shape)
    return error.max().item(), tuple(int(i) for i in index)
    ### END SOLUTION
