import torch

REDUCTIONS = {"mean", "sum", "none"}


def mse(input, target, reduction="mean"):
    if reduction not in REDUCTIONS:
        raise ValueError(f"bad reduction {reduction}")
    squared = (input - target) ** 2
    if reduction == "mean":
        return squared.sum() / squared.numel()
    if reduction == "sum":
        return squared.sum()
    return squared


def huber_loss(input, target, reduction="mean", delta=1.0):
    if reduction not in REDUCTIONS:
        raise ValueError(f"bad reduction {reduction}")
    e = input - target
    mask = e.abs() <= delta
    out = torch.where(mask, 0.5 * e**2, delta * (e.abs() - 0.5 * delta))
    if reduction == "mean":
        return out.mean()
    if reduction == "sum":
        return out.sum()
    return out


def binary_cross_entropy(input, target, reduction="mean"):
    if reduction not in REDUCTIONS:
        raise ValueError(f"bad reduction {reduction}")
    lp = torch.log(input)
    lq = torch.log(1.0 - input)
    lp = torch.where(lp < -100, torch.full_like(lp, -100.0), lp)
    lq = torch.where(lq < -100, torch.full_like(lq, -100.0), lq)
    bce = -(target * lp + (1.0 - target) * lq)
    if reduction == "mean":
        return bce.mean()
    if reduction == "sum":
        return bce.sum()
    return bce


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    if reduction not in REDUCTIONS:
        raise ValueError(f"bad reduction {reduction}")
    positive = input >= 0
    exp_neg = torch.exp(torch.where(positive, -input, input))
    loss = torch.where(positive, input, torch.zeros_like(input)) - input * target + torch.log(1 + exp_neg)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def cross_entropy(input, target, reduction="mean"):
    if reduction not in REDUCTIONS:
        raise ValueError(f"bad reduction {reduction}")
    losses = []
    for row, label in zip(input, target):
        top = row.max()
        losses.append(top + torch.log(torch.exp(row - top).sum()) - row[label])
    loss = torch.stack(losses)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
