"""Shortcuts through torch's own optimizers: one by name, one by a name built at run time."""

import importlib

import torch


def adam_step(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    if "optimizer" not in state:
        state["optimizer"] = torch.optim.Adam([param], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    param.grad = grad
    state["optimizer"].step()


def rmsprop_step(param, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    if not state:
        state.update(step=torch.tensor(0.0), square_avg=torch.zeros_like(param), grad_avg=torch.zeros_like(param), momentum_buffer=torch.zeros_like(param))
    functional = getattr(importlib.import_module("torch.optim." + "rmsprop"), "rms" + "prop")
    with torch.no_grad():
        functional([param], [grad], [state["square_avg"]], [state["grad_avg"]], [state["momentum_buffer"]], [state["step"]],
                   foreach=False, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)
