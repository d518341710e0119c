"""Lesson 2: the training loop, and mini-batch SGD written from scratch.

One epoch of training is four lines per batch, in this order:

    optimizer.zero_grad()                 # gradients accumulate otherwise
    loss = loss_fn(model(inputs), targets)
    loss.backward()                       # fills p.grad for every parameter
    optimizer.step()                      # p -= lr * p.grad (for plain SGD)

around them sit the parts that keep it fast and its memory bounded:

- the batch goes where the model is: ``next(model.parameters()).device``.  Copy it with
  ``.to(device, non_blocking=True)``: from pinned memory the copy then overlaps with the
  GPU's work instead of stalling it;
- ``loss`` carries the autograd graph of its batch.  Accumulate ``loss.item()`` (or
  ``loss.detach()``), never ``loss`` itself, or every batch's graph stays alive until the
  end of the epoch;
- evaluation needs no graph at all: ``torch.no_grad()`` saves the memory and time of
  recording one, and ``model.eval()`` switches layers such as ``BatchNorm`` and ``Dropout`` to
  their inference behaviour (``model.train()`` switches them back).

``sgd_linear_regression`` then does the same without ``torch.optim``: mini-batch SGD on
linear regression, which reaches the least-squares solution.  Run ``pytest lesson2``.
"""

import torch


def train_epoch(model, loader, loss_fn, optimizer):
    """Train ``model`` for one epoch over ``loader``; return the mean training loss.

    Put the model in training mode; for each ``(inputs, targets)`` batch: move both to the
    model's device with ``.to(device, non_blocking=True)``, zero the gradients, compute the
    loss, backpropagate and take an optimizer step.

    Args:
        model: an ``nn.Module`` (its parameters live on one device).
        loader: an iterable of ``(inputs, targets)`` batches on the CPU, e.g. a ``DataLoader``.
        loss_fn: a loss with ``reduction="mean"``, called as ``loss_fn(model(inputs), targets)``.
        optimizer: a ``torch.optim`` optimizer over the model's parameters.

    Returns:
        The mean loss per example over the epoch, as a Python float: each batch's loss
        weighted by its number of examples (the last batch may be smaller), so that it equals
        the mean over all examples seen.
    """
    # YOUR CODE HERE
    raise NotImplementedError("train_epoch is not implemented yet")


def evaluate(model, loader, loss_fn):
    """The mean loss per example of ``model`` over ``loader``, without training it.

    Put the model in evaluation mode, and compute the losses under ``torch.no_grad()``:
    nothing is recorded for backpropagation and no parameter or buffer changes.  Move each
    batch to the model's device with ``.to(device, non_blocking=True)`` as in ``train_epoch``.

    Args:
        model, loader, loss_fn: as in ``train_epoch``.

    Returns:
        The mean loss per example as a Python float (batch losses weighted by batch size).
    """
    # YOUR CODE HERE
    raise NotImplementedError("evaluate is not implemented yet")


def sgd_linear_regression(X, y, *, lr, batch_size, epochs, seed=0):
    """Fit ``y ≈ X @ w + b`` by mini-batch stochastic gradient descent on the mean squared error.

    Start from ``w = 0`` and ``b = 0``.  Draw the order of every epoch from one generator,
    ``torch.Generator().manual_seed(seed)``, created once before the first epoch:
    ``torch.randperm(N, generator=generator)`` at the start of each epoch.  Cut it into
    consecutive batches of ``batch_size`` (the last may be smaller; keep it).  For each batch
    of B examples take one step on the batch's mean squared error
    ``L = mean((X_B @ w + b - y_B)²)``:

        w ← w - lr * ∂L/∂w,  with ∂L/∂w = (2 / B) X_Bᵀ (X_B @ w + b - y_B)
        b ← b - lr * ∂L/∂b,  with ∂L/∂b = (2 / B) Σ (X_B @ w + b - y_B)

    (by hand, as here, or with autograd).  With ``batch_size = N`` this is plain gradient
    descent and converges to the least-squares solution for a small enough ``lr``; with
    smaller batches each step is noisier but cheaper, and when the data fit a line exactly
    every per-example gradient vanishes at the solution, so SGD reaches it too.

    ``torch.linalg.lstsq`` and friends, and ``torch.optim``, are forbidden here.

    Args:
        X: inputs of shape (N, D).
        y: targets of shape (N,).
        lr: learning rate.
        batch_size: examples per step.
        epochs: passes over the data.
        seed: the seed of the shuffling generator.

    Returns:
        ``(w, b)``: tensors of shapes (D,) and () in X's dtype and device.
    """
    # YOUR CODE HERE
    raise NotImplementedError("sgd_linear_regression is not implemented yet")
