"""Plausible wrong implementations of lesson5/monitoring.py (see graders/grading/mistakes.py)."""

import math

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- gradient_statistics ---------------------------------------------------------------------------


@catalogue.mistake(
    "gradient_statistics",
    "statistics of the weights instead of their gradients",
    "read param.grad, not param",
)
def statistics_of_weights(model):
    result = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        w = p.detach()
        result[name] = {
            "grad_norm": w.norm().item(),
            "grad_mean": w.mean().item(),
            "grad_std": w.std(correction=0).item(),
            "grad_max_abs": w.abs().max().item(),
            "zero_fraction": (w == 0).double().mean().item(),
            "grad_to_weight": 1.0,
        }
    return result


@catalogue.mistake(
    "gradient_statistics",
    "the sample standard deviation (N - 1)",
    "use the population form over all entries: g.std(correction=0)",
)
def statistics_unbiased_std(model):
    result = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        g = p.grad
        result[name] = {
            "grad_norm": g.norm().item(),
            "grad_mean": g.mean().item(),
            "grad_std": g.std().item(),
            "grad_max_abs": g.abs().max().item(),
            "zero_fraction": (g == 0).double().mean().item(),
            "grad_to_weight": (g.norm() / p.detach().norm()).item(),
        }
    return result


@catalogue.mistake(
    "gradient_statistics",
    "the squared norm",
    "the norm is the square root of the sum of squares: g.norm()",
)
def statistics_squared_norm(model):
    result = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        g = p.grad
        result[name] = {
            "grad_norm": g.pow(2).sum().item(),
            "grad_mean": g.mean().item(),
            "grad_std": g.std(correction=0).item(),
            "grad_max_abs": g.abs().max().item(),
            "zero_fraction": (g == 0).double().mean().item(),
            "grad_to_weight": (g.pow(2).sum() / p.detach().pow(2).sum()).item(),
        }
    return result


@catalogue.mistake(
    "gradient_statistics",
    "the mean of |g| instead of the mean of g",
    "grad_mean is the signed mean; |g| goes into grad_max_abs only",
)
def statistics_mean_abs(model):
    result = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        g = p.grad
        result[name] = {
            "grad_norm": g.norm().item(),
            "grad_mean": g.abs().mean().item(),
            "grad_std": g.std(correction=0).item(),
            "grad_max_abs": g.abs().max().item(),
            "zero_fraction": (g == 0).double().mean().item(),
            "grad_to_weight": (g.norm() / p.detach().norm()).item(),
        }
    return result


@catalogue.mistake(
    "gradient_statistics",
    "the largest entry instead of the largest absolute entry",
    "a large negative gradient counts too: g.abs().max()",
)
def statistics_signed_max(model):
    result = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        g = p.grad
        result[name] = {
            "grad_norm": g.norm().item(),
            "grad_mean": g.mean().item(),
            "grad_std": g.std(correction=0).item(),
            "grad_max_abs": g.max().item(),
            "zero_fraction": (g == 0).double().mean().item(),
            "grad_to_weight": (g.norm() / p.detach().norm()).item(),
        }
    return result


@catalogue.mistake(
    "gradient_statistics",
    "parameters without a gradient reported (as zeros)",
    "a parameter whose grad is None took no part in the loss: leave it out",
)
def statistics_includes_unused(model):
    result = {}
    for name, p in model.named_parameters():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        result[name] = {
            "grad_norm": g.norm().item(),
            "grad_mean": g.mean().item(),
            "grad_std": g.std(correction=0).item(),
            "grad_max_abs": g.abs().max().item(),
            "zero_fraction": (g == 0).double().mean().item(),
            "grad_to_weight": (g.norm() / p.detach().norm()).item(),
        }
    return result


@catalogue.mistake(
    "gradient_statistics",
    "the ratio upside down (weight norm over gradient norm)",
    "grad_to_weight = ||grad|| / ||param||",
)
def statistics_inverted_ratio(model):
    result = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        g = p.grad
        result[name] = {
            "grad_norm": g.norm().item(),
            "grad_mean": g.mean().item(),
            "grad_std": g.std(correction=0).item(),
            "grad_max_abs": g.abs().max().item(),
            "zero_fraction": (g == 0).double().mean().item(),
            "grad_to_weight": (p.detach().norm() / g.norm()).item(),
        }
    return result


@catalogue.mistake(
    "gradient_statistics",
    "0-dim tensors instead of Python floats (no .item())",
    "each statistic is a Python float: call .item() on the 0-dim tensor",
)
def statistics_as_tensors(model):
    statistics = {}
    for name, param in model.named_parameters():
        if param.grad is None:
            continue
        g = param.grad.detach()
        statistics[name] = {
            "grad_norm": g.norm(),
            "grad_mean": g.mean(),
            "grad_std": g.std(correction=0),
            "grad_max_abs": g.abs().max(),
            "zero_fraction": (g == 0).double().mean(),
            "grad_to_weight": g.norm() / param.detach().norm(),
        }
    return statistics


# -- diagnose_learning_curve -------------------------------------------------------------------------


@catalogue.mistake(
    "diagnose_learning_curve",
    "nan losses not detected (every comparison with nan is False)",
    "check math.isfinite on every training loss before anything else",
)
def diagnose_ignores_nan(train_losses, val_losses, patience=5, threshold=0.01):
    if train_losses[-1] > train_losses[0]:
        return "diverging"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "a validation loss above the training loss taken for overfitting",
    "some gap is normal; overfitting shows as the validation loss rising again while the training loss falls",
)
def diagnose_gap_is_overfitting(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    if val_losses[-1] > train_losses[-1] * (1 + threshold):
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "an absolute improvement threshold instead of a relative one",
    "improving means loss < best * (1 - threshold): relative to the loss's own scale, as "
    "ReduceLROnPlateau's 'rel' mode",
)
def diagnose_absolute_threshold(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best - threshold:
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "plateau tested before overfitting",
    "the checks go in order: diverging, overfitting, plateau; a flat training loss with a rising "
    "validation loss is overfitting",
)
def diagnose_plateau_first(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    if bad >= patience:
        return "plateau"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    return "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "improvement measured against the previous epoch instead of the best so far",
    "an oscillating loss keeps 'improving' on its previous value without ever beating its best: compare with the best",
)
def diagnose_previous_epoch(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    bad = 0
    for previous, loss in zip(train_losses, train_losses[1:]):
        bad = 0 if loss < previous * (1 - threshold) else bad + 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "any rise between two epochs taken for divergence",
    "noisy losses go up now and then; diverging means non-finite, or ending above where it started",
)
def diagnose_any_rise_diverges(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or any(
        b > a for a, b in zip(train_losses, train_losses[1:])
    ):
        return "diverging"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "a last training loss equal to the first taken for divergence (>= instead of >)",
    "diverging means the last training loss is higher than the first; equal is not higher",
)
def diagnose_inclusive_divergence(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] >= train_losses[0]:
        return "diverging"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "the last epoch of the lowest validation loss instead of the first",
    "with tied validation minima, e is the first epoch that reached the minimum",
)
def diagnose_last_best_epoch(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    e = max(i for i, v in enumerate(val_losses) if v == min(val_losses))
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "a validation loss of exactly min(val) * (1 + threshold) taken for overfitting (>= instead of >)",
    "overfitting needs val[-1] more than threshold above the minimum: val[-1] > min(val) * (1 + threshold)",
)
def diagnose_inclusive_overfitting(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] >= val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "a loss of exactly best * (1 - threshold) counted as an improvement (<= instead of <)",
    "as ReduceLROnPlateau, a loss improves only when it is strictly below best * (1 - threshold)",
)
def diagnose_inclusive_improvement(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss <= best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad >= patience else "healthy"


@catalogue.mistake(
    "diagnose_learning_curve",
    "a plateau only after more than patience epochs without improvement (> instead of >=)",
    "it is a plateau when the last patience epochs all failed to improve: count >= patience",
)
def diagnose_patience_exceeded(train_losses, val_losses, patience=5, threshold=0.01):
    if not all(math.isfinite(v) for v in train_losses) or train_losses[-1] > train_losses[0]:
        return "diverging"
    e = min(range(len(val_losses)), key=lambda i: val_losses[i])
    if val_losses[-1] > val_losses[e] * (1 + threshold) and train_losses[-1] < train_losses[e]:
        return "overfitting"
    best, bad = train_losses[0], 0
    for loss in train_losses[1:]:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
    return "plateau" if bad > patience else "healthy"


# -- loss_landscape_1d ------------------------------------------------------------------------------


@catalogue.mistake(
    "loss_landscape_1d",
    "the direction used without filter normalisation",
    "rescale each filter d[i] to the norm of the weights' filter theta[i] (Li et al., 2018), and "
    "zero the biases' direction",
)
def landscape_unnormalised(model, loss_fn, inputs, targets, direction, alphas):
    params = list(model.parameters())
    start = [p.detach().clone() for p in params]
    losses = []
    with torch.no_grad():
        for alpha in alphas:
            for p, s, d in zip(params, start, direction):
                p.copy_(s + alpha * d)
            losses.append(loss_fn(model(inputs), targets))
        for p, s in zip(params, start):
            p.copy_(s)
    return torch.stack(losses)


@catalogue.mistake(
    "loss_landscape_1d",
    "each direction tensor normalised as a whole instead of filter by filter",
    "normalise every filter (slice d[i] along the first dimension) to the matching filter of the weights",
)
def landscape_per_tensor(model, loss_fn, inputs, targets, direction, alphas):
    params = list(model.parameters())
    start = [p.detach().clone() for p in params]
    scaled = [
        torch.zeros_like(d) if p.dim() <= 1 else d * (p.detach().norm() / d.norm())
        for p, d in zip(params, direction)
    ]
    losses = []
    with torch.no_grad():
        for alpha in alphas:
            for p, s, d in zip(params, start, scaled):
                p.copy_(s + alpha * d)
            losses.append(loss_fn(model(inputs), targets))
        for p, s in zip(params, start):
            p.copy_(s)
    return torch.stack(losses)


@catalogue.mistake(
    "loss_landscape_1d",
    "biases perturbed too",
    "as Li et al., leave one-dimensional parameters (biases) where they are: their direction is zero",
)
def landscape_moves_biases(model, loss_fn, inputs, targets, direction, alphas):
    params = list(model.parameters())
    start = [p.detach().clone() for p in params]
    scaled = []
    for p, d in zip(params, direction):
        if p.dim() <= 1:
            scaled.append(d * (p.detach().norm() / d.norm()))
        else:
            scaled.append(
                d
                * (p.detach().flatten(1).norm(dim=1) / d.flatten(1).norm(dim=1)).reshape(
                    -1, *([1] * (d.dim() - 1))
                )
            )
    losses = []
    with torch.no_grad():
        for alpha in alphas:
            for p, s, d in zip(params, start, scaled):
                p.copy_(s + alpha * d)
            losses.append(loss_fn(model(inputs), targets))
        for p, s in zip(params, start):
            p.copy_(s)
    return torch.stack(losses)


@catalogue.mistake(
    "loss_landscape_1d",
    "the parameters left at the last alpha instead of restored",
    "copy the original values back after the last evaluation: the caller's model must be unchanged",
)
def landscape_not_restored(model, loss_fn, inputs, targets, direction, alphas):
    params = list(model.parameters())
    start = [p.detach().clone() for p in params]
    scaled = [
        torch.zeros_like(d)
        if p.dim() <= 1
        else d
        * (p.detach().flatten(1).norm(dim=1) / d.flatten(1).norm(dim=1)).reshape(
            -1, *([1] * (d.dim() - 1))
        )
        for p, d in zip(params, direction)
    ]
    losses = []
    with torch.no_grad():
        for alpha in alphas:
            for p, s, d in zip(params, start, scaled):
                p.copy_(s + alpha * d)
            losses.append(loss_fn(model(inputs), targets))
    return torch.stack(losses)


@catalogue.mistake(
    "loss_landscape_1d",
    "steps accumulated (theta += alpha * d each time) instead of starting from theta each time",
    "each point is theta + alpha * d from the original theta: set the parameters, do not add to them",
)
def landscape_accumulates(model, loss_fn, inputs, targets, direction, alphas):
    params = list(model.parameters())
    start = [p.detach().clone() for p in params]
    scaled = [
        torch.zeros_like(d)
        if p.dim() <= 1
        else d
        * (p.detach().flatten(1).norm(dim=1) / d.flatten(1).norm(dim=1)).reshape(
            -1, *([1] * (d.dim() - 1))
        )
        for p, d in zip(params, direction)
    ]
    losses = []
    with torch.no_grad():
        for alpha in alphas:
            for p, d in zip(params, scaled):
                p.add_(alpha * d)
            losses.append(loss_fn(model(inputs), targets))
        for p, s in zip(params, start):
            p.copy_(s)
    return torch.stack(losses)


@catalogue.mistake(
    "loss_landscape_1d",
    "the losses evaluated with autograd (no_grad only around the parameter updates)",
    "evaluate the model under torch.no_grad() too: nothing here needs a gradient",
)
def landscape_with_autograd(model, loss_fn, inputs, targets, direction, alphas):
    params = list(model.parameters())
    start = [p.detach().clone() for p in params]
    scaled = [
        torch.zeros_like(d)
        if p.dim() <= 1
        else d
        * (p.detach().flatten(1).norm(dim=1) / d.flatten(1).norm(dim=1)).reshape(
            -1, *([1] * (d.dim() - 1))
        )
        for p, d in zip(params, direction)
    ]
    losses = []
    for alpha in alphas:
        with torch.no_grad():
            for p, s, d in zip(params, start, scaled):
                p.copy_(s + alpha * d)
        losses.append(loss_fn(model(inputs), targets))
    with torch.no_grad():
        for p, s in zip(params, start):
            p.copy_(s)
    return torch.stack(losses)
