"""Lesson 1: loss functions, written with basic tensor operations.

A loss turns a model's output and the target into one number to minimise.  Each function
here computes a per-element loss and then *reduces* it, like PyTorch's losses:

- ``reduction="mean"``: the average over all elements (a 0-dim tensor)
- ``reduction="sum"``:  the sum over all elements (a 0-dim tensor)
- ``reduction="none"``: the per-element losses, unreduced

Any other value of ``reduction`` raises ``ValueError``.  Results must have the input's dtype
and device, and gradients must flow back to ``input`` through autograd, so use torch
operations only (no ``.item()``, no NumPy).  The ready-made versions in
``torch.nn.functional`` and ``torch.nn`` are forbidden inside these functions: the grader
checks.  Run ``pytest lesson1`` to test your work.
"""

import torch


def mse(input, target, reduction="mean"):
    """Mean squared error: ``(input - target) ** 2`` per element, then reduced.

    MSE is the loss of regression: smooth, convex, with gradient ``2 * (input - target)``
    that shrinks as predictions approach the target.  Squaring makes large errors dominate,
    which is why a few outliers can pull a model trained with MSE far off.

    Args:
        input: predictions, any shape.
        target: true values, same shape as ``input``.
        reduction: "mean", "sum" or "none".

    Returns:
        Same value, dtype and gradients as ``torch.nn.functional.mse_loss(input, target, reduction=reduction)``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("mse is not implemented yet")


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber loss: squared error for small errors, absolute error for large ones.

    Per element, with the error ``e = input - target``::

        0.5 * e ** 2                    where |e| < delta
        delta * (|e| - 0.5 * delta)     elsewhere

    The two pieces meet at ``|e| = delta`` with the same value and the same slope, so the
    loss is smooth like MSE near the target, but its gradient never grows beyond ``delta``:
    a few outliers pull on the model no harder than any other wrong prediction, which is why
    Huber is the regression loss for data with outliers.  (``SmoothL1Loss`` is the same loss
    divided by ``delta``.)

    Args:
        input: predictions, any shape.
        target: true values, same shape as ``input``.
        reduction: "mean", "sum" or "none".
        delta: where the loss turns from quadratic to linear; positive.

    Returns:
        The same as ``torch.nn.functional.huber_loss(input, target, reduction=reduction, delta=delta)``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("huber_loss is not implemented yet")


def binary_cross_entropy(input, target, reduction="mean"):
    """Binary cross-entropy of predicted probabilities.

    Per element: ``-(t * log(p) + (1 - t) * log(1 - p))`` for probability ``p = input`` and
    target ``t`` in [0, 1] (soft targets such as 0.3 are allowed).  It is the negative
    log-likelihood of a Bernoulli variable, the loss to use after a sigmoid output layer.

    ``log(0)`` is ``-inf``, so a confident wrong prediction (``p`` exactly 0 or 1) would make
    the loss infinite and its gradient useless.  PyTorch clamps each log term at -100;
    do the same, so that such inputs give a large but finite loss.

    Args:
        input: probabilities in [0, 1], any shape.
        target: same shape, values in [0, 1].
        reduction: "mean", "sum" or "none".

    Returns:
        The same as ``torch.nn.functional.binary_cross_entropy(input, target, reduction=reduction)``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("binary_cross_entropy is not implemented yet")


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """Binary cross-entropy computed from logits, stable for logits of any size.

    With ``p = sigmoid(x)``, the loss ``-(t * log(p) + (1 - t) * log(1 - p))`` simplifies to

        max(x, 0) - x * t + log(1 + exp(-|x|))

    which never exponentiates a large positive number: ``exp(-|x|)`` is at most 1.  Computing
    ``sigmoid`` first and then its log loses everything for ``|x|`` beyond ~17 (float32)
    and gives ``inf`` at 1000.  This is why ``BCEWithLogitsLoss`` is preferred over a
    sigmoid layer followed by ``BCELoss``: same mathematics, better numerics.

    Args:
        input: logits (any real numbers), any shape.
        target: same shape, values in [0, 1].
        reduction: "mean", "sum" or "none".

    Returns:
        The same as ``torch.nn.functional.binary_cross_entropy_with_logits(input, target, reduction=reduction)``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("binary_cross_entropy_with_logits is not implemented yet")


def cross_entropy(input, target, reduction="mean"):
    """Categorical cross-entropy from logits and class indices, with the log-sum-exp trick.

    For a row of logits ``x`` (one per class) and true class ``y``:

        loss = -log(softmax(x)[y]) = logsumexp(x) - x[y]

    ``logsumexp(x) = log(sum(exp(x)))`` overflows for logits in the hundreds, so subtract
    the row's maximum ``m`` first: ``logsumexp(x) = m + log(sum(exp(x - m)))``, where every
    ``exp`` is at most 1.  ``input`` must be *logits*: ``nn.CrossEntropyLoss`` applies the
    softmax itself, so feeding it probabilities applies softmax twice and gives a loss that
    barely reacts to the model (the course outline's own example makes this mistake).

    Args:
        input: logits of shape (N, C).
        target: class indices of shape (N,), integers in [0, C).
        reduction: "mean" (average over the N rows), "sum" or "none" (shape (N,)).

    Returns:
        The same as ``torch.nn.functional.cross_entropy(input, target, reduction=reduction)``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("cross_entropy is not implemented yet")
