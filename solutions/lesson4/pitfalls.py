"""Fix the bug: three autograd pitfalls, each shown as code that runs (or almost) and is wrong.

Each docstring shows the broken code and its symptom.  Write the corrected function; keep
what it computes and returns the same.  What autograd does behind each bug:

- **Gradients accumulate.** ``backward()`` *adds* into ``.grad``; nothing resets it.  A loop
  must clear it every step (``w.grad = None``, ``w.grad.zero_()`` once it exists, or
  ``optimizer.zero_grad()``).  Accumulating on purpose, over several mini-batches before one
  step, is the only reason not to.
- **Saved tensors must not change.** Operations save inputs or outputs for their backward
  (``sigmoid`` saves its output, ``mul`` its inputs).  Modifying one in place afterwards
  (``*=``, ``add_``, ``x[...] = ...``) makes backward fail with "modified by an inplace
  operation"; hiding the change from autograd (``.data``, ``torch.no_grad()``) makes it
  silently wrong instead.
- **detach() cuts the graph.** ``.detach()``, ``.item()``, ``.numpy()`` and ``torch.tensor(...)``
  give values autograd cannot see through: right for logging a loss (it frees the graph),
  wrong inside a computation whose gradient you need.
"""

import torch


def train_linear_regression(x, y, w, lr, steps):
    """Gradient descent on the mean squared error of ``x @ w``, with autograd: fix this loop.

    The broken version::

        losses = []
        for _ in range(steps):
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
            losses.append(loss)
        return losses

    Symptoms: the first step is right, but later steps move ``w`` as if each one remembered
    all the gradients before it, and memory grows with every step (each loss in the list
    keeps its whole graph alive).

    Args:
        x: inputs (N, D); y: targets (N,).
        w: weights (D,), a leaf tensor with ``requires_grad=True``; update it *in place*
           (the caller holds it), inside ``torch.no_grad()``.
        lr: learning rate; steps: number of steps.

    Returns:
        The loss of each step, before that step's update, as a list of Python floats.
    """
    ### BEGIN SOLUTION
    losses = []
    for _ in range(steps):
        loss = ((x @ w - y) ** 2).mean()
        w.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        losses.append(loss.item())
    return losses
    ### END SOLUTION


def gated_residual(x, w):
    """``sigmoid(x @ w) * x + x``: a gate on a residual connection; fix the in-place bug.

    The broken version::

        gate = torch.sigmoid(x @ w)
        gate *= x
        return gate + x

    Symptom: the forward pass works, and ``backward()`` raises "one of the variables needed
    for gradient computation has been modified by an inplace operation".  Gradients must
    reach both ``x`` and ``w``.

    Args:
        x: (N, D); w: (D, D).

    Returns:
        (N, D).
    """
    ### BEGIN SOLUTION
    gate = torch.sigmoid(x @ w)
    return gate * x + x
    ### END SOLUTION


def standardize(x, eps=1e-5):
    """Each row minus its mean, divided by ``sqrt(variance + eps)`` (layer normalization, no scale or shift).

    The statistics are over the last dimension; the variance is the biased one (divide by the
    number of elements, ``unbiased=False``), as ``torch.nn.functional.layer_norm`` uses.
    The broken version::

        mean = x.mean(dim=-1, keepdim=True).detach()
        var = x.var(dim=-1, keepdim=True, unbiased=False).detach()
        return (x - mean) / torch.sqrt(var + eps)

    Symptom: the values are right but a model using it trains badly, and
    ``torch.autograd.gradcheck`` fails: the gradient ignores that the mean and variance move
    when ``x`` moves.  ``layer_norm`` is forbidden.

    Args:
        x: any shape with at least one dimension; eps: added to the variance.

    Returns:
        A tensor of ``x``'s shape.
    """
    ### BEGIN SOLUTION
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)
    ### END SOLUTION
