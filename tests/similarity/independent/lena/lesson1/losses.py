import torch


def reduce_loss(x, reduction):
    options = {"mean": lambda t: t.mean(), "sum": lambda t: t.sum(), "none": lambda t: t}
    try:
        return options[reduction](x)
    except KeyError:
        raise ValueError("invalid reduction: " + str(reduction)) from None


def mse(input, target, reduction="mean"):
    return reduce_loss((input - target).square(), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    r = input - target
    abs_r = r.abs()
    loss = torch.where(abs_r < delta, r * r / 2, delta * (abs_r - delta / 2))
    return reduce_loss(loss, reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    logs_pos = torch.maximum(input.log(), torch.full_like(input, -100.0))
    logs_neg = torch.maximum((1 - input).log(), torch.full_like(input, -100.0))
    result = -(target * logs_pos + (1 - target) * logs_neg)
    return reduce_loss(result, reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    # log(sigmoid(x)) = -softplus(-x), log(1 - sigmoid(x)) = -softplus(x)
    neg_abs = -input.abs()
    sp_pos = torch.log1p(neg_abs.exp()) + input.clamp(min=0)
    sp_neg = torch.log1p(neg_abs.exp()) + (-input).clamp(min=0)
    return reduce_loss(target * sp_neg + (1 - target) * sp_pos, reduction)


def cross_entropy(input, target, reduction="mean"):
    n = input.shape[0]
    m = input.max(1, keepdim=True)[0]
    lse = m.squeeze(1) + (input - m).exp().sum(1).log()
    correct = input[range(n), target]
    return reduce_loss(lse - correct, reduction)
