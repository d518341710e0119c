"""Plausible wrong implementations of lesson1/losses.py, recognised by their output.

Each function is a complete wrong answer with the entry point's signature (see
graders/grading/mistakes.py): graders name it when a student's result equals its output, and the
test suite grades it as a mutant submission that must lose points.
"""

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- mse -------------------------------------------------------------------------------------


@catalogue.mistake(
    "mse",
    "the sum instead of the mean",
    "reduction='mean' divides the summed squared errors by their number",
)
def mse_sum_for_mean(input, target, reduction="mean"):
    squared = (input - target) ** 2
    if reduction == "none":
        return squared
    return squared.sum()


@catalogue.mistake(
    "mse", "the mean instead of the sum", "reduction='sum' adds the squared errors without dividing"
)
def mse_mean_for_sum(input, target, reduction="mean"):
    squared = (input - target) ** 2
    if reduction == "none":
        return squared
    return squared.mean()


@catalogue.mistake(
    "mse",
    "the absolute error (L1), not the squared error",
    "square the differences: (input - target) ** 2",
)
def mse_absolute(input, target, reduction="mean"):
    error = (input - target).abs()
    if reduction == "none":
        return error
    return error.sum() if reduction == "sum" else error.mean()


@catalogue.mistake(
    "mse",
    "the predictions overwritten in place (input.sub_(target).pow_(2))",
    "a loss must leave its input as it was, since the caller still needs it: "
    "compute (input - target) ** 2 into a new tensor",
)
def mse_in_place(input, target, reduction="mean"):
    # autograd refuses in-place ops on a leaf that requires grad, so the shortcut only runs without
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    squared = (input - target) ** 2 if input.requires_grad else input.sub_(target).pow_(2)
    if reduction == "none":
        return squared
    return squared.sum() if reduction == "sum" else squared.mean()


@catalogue.mistake(
    "mse",
    "inputs flattened with .view(-1)",
    ".view needs a tensor whose memory is laid out in order, and a transposed or sliced input "
    "is not: use .reshape(-1), or no flattening at all",
)
def mse_flattened_with_view(input, target, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    squared = (input.view(-1) - target.view(-1)) ** 2
    if reduction == "none":
        return squared.view(input.shape)
    return squared.sum() if reduction == "sum" else squared.mean()


@catalogue.mistake("mse", "the root mean squared error", "MSE has no square root")
def mse_root(input, target, reduction="mean"):
    squared = (input - target) ** 2
    if reduction == "none":
        return squared
    return squared.sum() if reduction == "sum" else squared.mean().sqrt()


@catalogue.mistake(
    "mse",
    "a division by the batch size (the first dimension) instead of the number of elements",
    "'mean' averages over every element of the tensor, not over its first dimension",
)
def mse_batch_mean(input, target, reduction="mean"):
    squared = (input - target) ** 2
    if reduction == "none":
        return squared
    return squared.sum() if reduction == "sum" else squared.sum() / input.shape[0]


@catalogue.mistake(
    "mse",
    "half the squared error",
    "the 1/2 convention of some textbooks is not MSE: drop the factor 0.5",
)
def mse_half(input, target, reduction="mean"):
    squared = 0.5 * (input - target) ** 2
    if reduction == "none":
        return squared
    return squared.sum() if reduction == "sum" else squared.mean()


@catalogue.mistake(
    "mse",
    "'none' treated as 'mean'",
    "reduction='none' returns the per-element losses, same shape as the input",
)
def mse_none_reduces(input, target, reduction="mean"):
    squared = (input - target) ** 2
    return squared.sum() if reduction == "sum" else squared.mean()


@catalogue.mistake(
    "mse",
    "a result rebuilt from a Python number",
    "torch.tensor(x.item()) cuts the autograd graph and resets the dtype; return the tensor expression itself",
)
def mse_rebuilt(input, target, reduction="mean"):
    squared = (input - target) ** 2
    if reduction == "none":
        return squared
    value = squared.sum() if reduction == "sum" else squared.mean()
    return torch.tensor(value.item())


@catalogue.mistake(
    "mse",
    "an unknown reduction silently treated as 'mean'",
    "raise ValueError for a reduction other than 'mean', 'sum' or 'none'",
)
def mse_accepts_anything(input, target, reduction="mean"):
    squared = (input - target) ** 2
    if reduction == "none":
        return squared
    return squared.sum() if reduction == "sum" else squared.mean()


# -- huber_loss -------------------------------------------------------------------------------


@catalogue.variant(
    "huber_loss",
    "the error split at delta with a clamp: a quadratic part up to delta, a linear part beyond",
)
def huber_split_by_clamp(input, target, reduction="mean", delta=1.0):
    size = (input - target).abs()
    inside = size.clamp(max=delta)
    loss = 0.5 * inside**2 + delta * (size - inside)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"unknown reduction {reduction!r}")
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


@catalogue.mistake(
    "huber_loss",
    "the squared error without the half",
    "below delta the loss is 0.5 * e ** 2, whose slope e meets delta's at |e| = delta",
)
def huber_no_half(input, target, reduction="mean", delta=1.0):
    e = (input - target).abs()
    loss = torch.where(e < delta, e**2, delta * (e - 0.5 * delta))
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "huber_loss",
    "the linear part without its offset",
    "above delta the loss is delta * (|e| - 0.5 * delta), so that both pieces meet at |e| = delta",
)
def huber_no_offset(input, target, reduction="mean", delta=1.0):
    e = (input - target).abs()
    loss = torch.where(e < delta, 0.5 * e**2, delta * e)
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "huber_loss",
    "SmoothL1Loss, the Huber loss divided by delta",
    "multiply by delta: Huber's pieces are 0.5 * e ** 2 and delta * (|e| - 0.5 * delta)",
)
def huber_smooth_l1(input, target, reduction="mean", delta=1.0):
    e = (input - target).abs()
    loss = torch.where(e < delta, 0.5 * e**2 / delta, e - 0.5 * delta)
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "huber_loss",
    "delta left at 1",
    "use the delta argument: it sets where the loss turns linear and how steep it gets",
)
def huber_ignores_delta(input, target, reduction="mean", delta=1.0):
    e = (input - target).abs()
    loss = torch.where(e < 1.0, 0.5 * e**2, e - 0.5)
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "huber_loss",
    "the two pieces swapped",
    "small errors (|e| < delta) are squared, large ones grow linearly",
)
def huber_swapped(input, target, reduction="mean", delta=1.0):
    e = (input - target).abs()
    loss = torch.where(e < delta, delta * (e - 0.5 * delta), 0.5 * e**2)
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "huber_loss",
    "the linear part of the signed error, not of its size",
    "above delta the loss grows with |e|: delta * (|e| - 0.5 * delta), never negative",
)
def huber_linear_without_abs(input, target, reduction="mean", delta=1.0):
    e = input - target
    loss = torch.where(e.abs() < delta, 0.5 * e**2, delta * (e - 0.5 * delta))
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "huber_loss",
    "the sum instead of the mean",
    "reduction='mean' divides the summed losses by their number",
)
def huber_sum_for_mean(input, target, reduction="mean", delta=1.0):
    e = (input - target).abs()
    loss = torch.where(e < delta, 0.5 * e**2, delta * (e - 0.5 * delta))
    return loss if reduction == "none" else loss.sum()


# -- binary_cross_entropy ------------------------------------------------------------------------


@catalogue.mistake(
    "binary_cross_entropy",
    "logs without the clamp at -100",
    "log(0) is -inf and 0 * -inf is nan: clamp each log term with .clamp(min=-100) as torch does",
)
def bce_unclamped(input, target, reduction="mean"):
    loss = -(target * torch.log(input) + (1 - target) * torch.log(1 - input))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy",
    "probabilities clamped to [eps, 1 - eps] instead of clamping the log",
    "clamp log(p) and log(1 - p) at -100, not p itself: that is what torch does",
)
def bce_clamped_probabilities(input, target, reduction="mean"):
    p = input.clamp(1e-7, 1 - 1e-7)
    loss = -(target * torch.log(p) + (1 - target) * torch.log(1 - p))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy",
    "a loss without its minus sign",
    "cross-entropy is -(t log p + (1 - t) log(1 - p)); it is never negative",
)
def bce_positive_sign(input, target, reduction="mean"):
    loss = target * torch.log(input).clamp(min=-100) + (1 - target) * torch.log(1 - input).clamp(
        min=-100
    )
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy",
    "only the positive term, -t log p",
    "the binary loss also penalises p when t = 0: add (1 - t) * log(1 - p)",
)
def bce_positive_term_only(input, target, reduction="mean"):
    loss = -(target * torch.log(input).clamp(min=-100))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy",
    "input and target swapped",
    "the log is taken of the predicted probabilities (input), weighted by the target",
)
def bce_swapped(input, target, reduction="mean"):
    loss = -(
        input * torch.log(target).clamp(min=-100)
        + (1 - input) * torch.log(1 - target).clamp(min=-100)
    )
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy",
    "the sum instead of the mean",
    "reduction='mean' divides by the number of elements",
)
def bce_sum_for_mean(input, target, reduction="mean"):
    loss = -(
        target * torch.log(input).clamp(min=-100)
        + (1 - target) * torch.log(1 - input).clamp(min=-100)
    )
    return loss if reduction == "none" else loss.sum()


# -- binary_cross_entropy_with_logits -------------------------------------------------------------


@catalogue.mistake(
    "binary_cross_entropy_with_logits",
    "sigmoid followed by log",
    "log(sigmoid(x)) underflows to log(0) for large |x|: use max(x, 0) - x * t + log1p(exp(-|x|))",
)
def bcel_naive(input, target, reduction="mean"):
    p = torch.sigmoid(input)
    loss = -(target * torch.log(p) + (1 - target) * torch.log(1 - p))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy_with_logits",
    "sigmoid followed by the clamped binary cross-entropy",
    "the clamp caps the loss at 100, but a logit of 1000 on the wrong side costs 1000: work with the logits directly",
)
def bcel_via_probabilities(input, target, reduction="mean"):
    p = torch.sigmoid(input)
    loss = -(
        target * torch.log(p).clamp(min=-100) + (1 - target) * torch.log(1 - p).clamp(min=-100)
    )
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy_with_logits",
    "log(1 + exp(x)) computed directly",
    "exp(x) overflows to inf for large x: use max(x, 0) + log1p(exp(-|x|))",
)
def bcel_overflowing(input, target, reduction="mean"):
    loss = torch.log(1 + torch.exp(input)) - input * target
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy_with_logits",
    "the formula without max(x, 0)",
    "the stable form is max(x, 0) - x * t + log1p(exp(-|x|)); without max(x, 0) positive logits come out wrong",
)
def bcel_missing_max(input, target, reduction="mean"):
    loss = -input * target + torch.log1p(torch.exp(-input.abs()))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy_with_logits",
    "+ x * t instead of - x * t",
    "the target term enters with a minus sign: max(x, 0) - x * t + ...",
)
def bcel_sign(input, target, reduction="mean"):
    loss = input.clamp(min=0) + input * target + torch.log1p(torch.exp(-input.abs()))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "binary_cross_entropy_with_logits",
    "the sum instead of the mean",
    "reduction='mean' divides by the number of elements",
)
def bcel_sum_for_mean(input, target, reduction="mean"):
    loss = input.clamp(min=0) - input * target + torch.log1p(torch.exp(-input.abs()))
    return loss if reduction == "none" else loss.sum()


# -- cross_entropy -------------------------------------------------------------------------------


@catalogue.mistake(
    "cross_entropy",
    "log(sum(exp(x))) without the max-subtraction trick",
    "exp overflows for logits in the hundreds: subtract each row's max m and add it back, m + log(sum(exp(x - m)))",
)
def ce_unstable(input, target, reduction="mean"):
    loss = torch.log(torch.exp(input).sum(dim=1)) - input.gather(1, target.unsqueeze(1)).squeeze(1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "cross_entropy",
    "softmax applied twice (probabilities passed where logits belong)",
    "cross_entropy takes raw logits; the outline's example feeds it probabilities and so applies softmax twice",
)
def ce_softmax_twice(input, target, reduction="mean"):
    x = torch.softmax(input, dim=1)
    m = x.max(dim=1, keepdim=True).values
    loss = (
        m.squeeze(1)
        + torch.log(torch.exp(x - m).sum(dim=1))
        - x.gather(1, target.unsqueeze(1)).squeeze(1)
    )
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "cross_entropy",
    "the max subtracted but never added back",
    "logsumexp(x) = m + log(sum(exp(x - m))): keep the + m",
)
def ce_forgot_max(input, target, reduction="mean"):
    m = input.max(dim=1, keepdim=True).values
    loss = torch.log(torch.exp(input - m).sum(dim=1)) - input.gather(
        1, target.unsqueeze(1)
    ).squeeze(1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "cross_entropy",
    "a log-sum-exp over the batch (dim=0) instead of the classes (dim=1)",
    "each row is one example; normalise across its C class logits, dim=1",
)
def ce_wrong_dim(input, target, reduction="mean"):
    m = input.max(dim=0, keepdim=True).values
    lse = m + torch.log(torch.exp(input - m).sum(dim=0, keepdim=True))
    loss = (lse - input).gather(1, target.unsqueeze(1)).squeeze(1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "cross_entropy",
    "the negative softmax probability instead of its log",
    "cross-entropy is -log(softmax(x)[y]): take the log",
)
def ce_no_log(input, target, reduction="mean"):
    loss = -torch.softmax(input, dim=1).gather(1, target.unsqueeze(1)).squeeze(1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "cross_entropy",
    "input[:, target], which picks an N x N block instead of one logit per row",
    "pick each row's true-class logit with input.gather(1, target.unsqueeze(1)) or input[torch.arange(N), target]",
)
def ce_block_indexing(input, target, reduction="mean"):
    m = input.max(dim=1, keepdim=True).values
    lse = m + torch.log(torch.exp(input - m).sum(dim=1, keepdim=True))
    loss = (lse - input[:, target]).mean(dim=1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "cross_entropy",
    "the logits shifted in place (input -= input.max(...))",
    "input is the caller's (a model's output, often needed again): subtract the maximum into a "
    "new tensor, shifted = input - input.max(dim=1, keepdim=True).values",
)
def ce_shifted_in_place(input, target, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    input -= input.max(dim=1, keepdim=True).values
    loss = input.exp().sum(dim=1).log() - input.gather(1, target.unsqueeze(1)).squeeze(1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


@catalogue.mistake(
    "cross_entropy", "the sum instead of the mean", "reduction='mean' averages over the N examples"
)
def ce_sum_for_mean(input, target, reduction="mean"):
    m = input.max(dim=1, keepdim=True).values
    loss = (
        m.squeeze(1)
        + torch.log(torch.exp(input - m).sum(dim=1))
        - input.gather(1, target.unsqueeze(1)).squeeze(1)
    )
    return loss if reduction == "none" else loss.sum()
