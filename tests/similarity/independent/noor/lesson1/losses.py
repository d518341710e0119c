import torch
from torch import Tensor


class _Reducer:
    def __init__(self, mode: str):
        if mode not in ("mean", "sum", "none"):
            raise ValueError(f"Unknown reduction mode: {mode}")
        self.mode = mode

    def __call__(self, values: Tensor) -> Tensor:
        if self.mode == "none":
            return values
        total = values.sum()
        return total / values.numel() if self.mode == "mean" else total


def mse(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    reducer = _Reducer(reduction)
    return reducer(torch.sub(input, target).pow(2))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    reducer = _Reducer(reduction)
    gap = torch.sub(input, target).abs()
    quad = torch.minimum(gap, torch.tensor(delta, dtype=gap.dtype, device=gap.device))
    lin = gap - quad
    return reducer(quad.pow(2).mul(0.5) + lin.mul(delta))


def binary_cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    reducer = _Reducer(reduction)
    log_y = input.log().clamp_min(-100)
    log_one_minus = (-input).log1p().clamp_min(-100)
    return reducer(-(target.mul(log_y) + (1 - target).mul(log_one_minus)))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    reducer = _Reducer(reduction)
    return reducer(torch.logaddexp(torch.zeros_like(input), input) - input * target)


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    reducer = _Reducer(reduction)
    top = input.amax(dim=1, keepdim=True)
    log_softmax = (input - top) - (input - top).exp().sum(dim=1, keepdim=True).log()
    nll = -log_softmax[torch.arange(input.size(0), device=input.device), target]
    return reducer(nll)
