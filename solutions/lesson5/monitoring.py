"""Lesson 5: monitoring and debugging training: gradient statistics, learning curves, loss landscapes.

When training goes wrong, look before changing anything:

- *Gradient statistics*, per layer, after ``loss.backward()``: norms that shrink layer by
  layer towards the input mean vanishing gradients, huge ones exploding gradients; a large
  fraction of exact zeros means dead ReLU units; the ratio of gradient norm to weight norm
  (times the learning rate) says how much each step changes a layer (about 1e-3 is healthy).
- *Learning curves*: training and validation loss per epoch show divergence (learning rate
  too high), plateaus (too low, or a saddle), and overfitting (validation rising while
  training falls: regularise or stop early).
- *Loss landscapes*: the loss along a line through the weights shows how sharp or flat the
  minimum is, and whether the learning rate is overshooting it.

Run ``pytest lesson5`` to test your work.
"""

import math

import torch


def gradient_statistics(model):
    """Per-parameter gradient statistics of a model whose gradients were just computed.

    For every ``name, param`` in ``model.named_parameters()`` whose ``param.grad`` is not
    None (parameters that took no part in the loss have none: leave them out), with
    ``g = param.grad``, a dict of Python floats:

    - ``"grad_norm"``:      the Euclidean norm of g (all entries)
    - ``"grad_mean"``:      the mean of g
    - ``"grad_std"``:       the standard deviation of g's entries, *population* form
                            (divide by the number of entries: ``g.std(correction=0)``)
    - ``"grad_max_abs"``:   the largest |entry| of g
    - ``"zero_fraction"``:  the fraction of entries of g that are exactly 0 (dead units)
    - ``"grad_to_weight"``: ``grad_norm`` divided by the norm of the parameter itself

    Args:
        model: a ``torch.nn.Module`` after ``loss.backward()``.

    Returns:
        ``{name: {statistic: float}}``, in ``named_parameters()`` order.
    """
    ### BEGIN SOLUTION
    statistics = {}
    for name, param in model.named_parameters():
        if param.grad is None:
            continue
        g = param.grad.detach()
        statistics[name] = {
            "grad_norm": g.norm().item(),
            "grad_mean": g.mean().item(),
            "grad_std": g.std(correction=0).item(),
            "grad_max_abs": g.abs().max().item(),
            "zero_fraction": (g == 0).double().mean().item(),
            "grad_to_weight": (g.norm() / param.detach().norm()).item(),
        }
    return statistics
    ### END SOLUTION


def diagnose_learning_curve(train_losses, val_losses, patience=5, threshold=0.01):
    """Diagnose a training run from its per-epoch losses.

    Returns the first of these that applies:

    - ``"diverging"``: a training loss is nan or infinite, or the last training loss is higher
      than the first (the learning rate is too high);
    - ``"overfitting"``: the last validation loss is more than ``threshold`` (relative) above
      the lowest validation loss, ``val[-1] > min(val) * (1 + threshold)``, while the training
      loss kept falling after that epoch: ``train[-1] < train[e]`` where ``e`` is the (first)
      epoch of the lowest validation loss;
    - ``"plateau"``: the training loss has not improved for the last ``patience`` epochs, by the
      rule of ``torch.optim.lr_scheduler.ReduceLROnPlateau`` (mode "min", threshold_mode
      "rel"): going through the epochs, a loss *improves* when it is below
      ``best * (1 - threshold)``, where ``best`` is the lowest loss so far (the first loss
      starts it); it is a plateau when the last ``patience`` epochs all failed to improve;
    - ``"healthy"`` otherwise.

    A validation loss above the training loss is *not* overfitting by itself: some gap is
    normal; what matters is the validation loss going back up.

    Args:
        train_losses, val_losses: lists of floats, one per epoch, the same length (>= 2).
        patience: a number of epochs.
        threshold: a relative margin.
    """
    ### BEGIN SOLUTION
    if not all(math.isfinite(loss) for loss in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    best_epoch = min(range(len(val_losses)), key=lambda epoch: val_losses[epoch])
    if (
        val_losses[-1] > val_losses[best_epoch] * (1 + threshold)
        and train_losses[-1] < train_losses[best_epoch]
    ):
        return "overfitting"
    best, epochs_without_improvement = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, epochs_without_improvement = loss, 0
        else:
            epochs_without_improvement += 1
    return "plateau" if epochs_without_improvement >= patience else "healthy"
    ### END SOLUTION


def loss_landscape_1d(model, loss_fn, inputs, targets, direction, alphas):
    """The loss along a line through the model's weights, with filter normalisation.

    ``L(alpha) = loss_fn(model(inputs), targets)`` with every parameter ``theta`` replaced by
    ``theta + alpha * d``.  A random direction means little unless scaled like the weights
    (Li et al., 2018, "Visualizing the Loss Landscape of Neural Nets"), so first normalise
    ``d``, a copy of each tensor of ``direction``:

    - for a parameter with 2 or more dimensions, each *filter* (each slice ``d[i]`` along the
      first dimension, one output unit of a Linear layer) is rescaled to the norm of the
      matching slice of the weights: ``d[i] * ||theta[i]|| / ||d[i]||``;
    - parameters with one dimension (biases) are not perturbed: their ``d`` is zero.

    Evaluate without autograd, and leave the model exactly as it was (restore every parameter).

    Args:
        model: a ``torch.nn.Module``.
        loss_fn: called as ``loss_fn(output, targets)``, returns a 0-dim tensor.
        inputs, targets: a batch of data.
        direction: a list of tensors, one per ``model.parameters()`` entry, same shapes.
        alphas: a list of numbers.

    Returns:
        A 1-D tensor of ``len(alphas)`` losses, in the parameters' dtype.
    """
    ### BEGIN SOLUTION
    params = list(model.parameters())
    normalised = []
    for theta, d in zip(params, direction):
        if theta.dim() <= 1:
            normalised.append(torch.zeros_like(d))
        else:
            theta_norms = theta.detach().flatten(1).norm(dim=1)
            d_norms = d.flatten(1).norm(dim=1)
            scale = (theta_norms / d_norms).reshape(-1, *([1] * (d.dim() - 1)))
            normalised.append(d * scale)
    originals = [theta.detach().clone() for theta in params]
    losses = []
    with torch.no_grad():
        for alpha in alphas:
            for theta, start, d in zip(params, originals, normalised):
                theta.copy_(start + alpha * d)
            losses.append(loss_fn(model(inputs), targets))
        for theta, start in zip(params, originals):
            theta.copy_(start)
    return torch.stack(losses)
    ### END SOLUTION
