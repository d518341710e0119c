"""Probe helpers that several lesson2 modules share; they run inside the sandbox."""

from __future__ import annotations

import torch
from torch import nn

from graders.worker.probe import ProbeError

LAYERS = {
    "Linear": nn.Linear,
    "Conv2d": nn.Conv2d,
    "MaxPool2d": nn.MaxPool2d,
    "Flatten": nn.Flatten,
    "BatchNorm1d": nn.BatchNorm1d,
    "ReLU": nn.ReLU,
    "Tanh": nn.Tanh,
}


def build_model(layers, *, seed: int, dtype=torch.float32, device="cpu") -> nn.Sequential:
    """``nn.Sequential`` from ``[["Linear", 4, 8], ["ReLU"], ...]``, initialised from ``seed`` alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            model = nn.Sequential(*(LAYERS[name](*args) for name, *args in layers))
        except KeyError as exc:
            raise ProbeError(f"unknown layer {exc}") from None
    return model.to(device=device, dtype=dtype)
