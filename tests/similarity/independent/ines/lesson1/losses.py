import torch


def check_reduction(reduction):
    if reduction not in ["mean", "sum", "none"]:
        raise ValueError("reduction must be mean, sum or none")


def apply_reduction(values, reduction):
    check_reduction(reduction)
    if reduction == "mean":
        return values.mean()
    elif reduction == "sum":
        return values.sum()
    return values


def mse(input, target, reduction="mean"):
    diff = input - target
    return apply_reduction(diff * diff, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    check_reduction(reduction)
    err = (input - target).abs()
    small = err <= delta
    quadratic = 0.5 * err.pow(2)
    linear = delta * err - 0.5 * delta * delta
    return apply_reduction(torch.where(small, quadratic, linear), reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    check_reduction(reduction)
    first = target * torch.log(input).clamp(min=-100)
    second = (1 - target) * torch.log(1 - input).clamp(min=-100)
    return apply_reduction(-(first + second), reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    check_reduction(reduction)
    # max(x, 0) - x * t + log(1 + exp(-|x|))
    per_element = input.clamp(min=0) - input * target + torch.log1p(torch.exp(-input.abs()))
    return apply_reduction(per_element, reduction)


def cross_entropy(input, target, reduction="mean"):
    check_reduction(reduction)
    peak = input.max(dim=1, keepdim=True).values
    log_probs = input - peak - torch.log(torch.exp(input - peak).sum(dim=1, keepdim=True))
    picked = log_probs.gather(1, target.view(-1, 1)).squeeze(1)
    return apply_reduction(-picked, reduction)
