"""Adam and RMSprop in torch's own in-place idioms: lerp_, addcmul_, addcdiv_, a tensor step counter."""

import torch


@torch.no_grad()
def adam_step(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2 = betas
    if len(state) == 0:
        state["step"] = torch.tensor(0.0)
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
    state["step"] += 1
    step = float(state["step"])  # a tensor here, but a resumed state may hold an int
    grad = grad.add(param, alpha=weight_decay)
    state["exp_avg"].lerp_(grad, 1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad.conj(), value=1 - beta2)
    step_size = lr / (1 - beta1**step)
    denom = (state["exp_avg_sq"].sqrt() / (1 - beta2**step) ** 0.5).add_(eps)
    param.addcdiv_(state["exp_avg"], denom, value=-step_size)


@torch.no_grad()
def rmsprop_step(param, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    if len(state) == 0:
        state["step"] = torch.tensor(0.0)
        state["square_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        if momentum > 0:
            state["momentum_buffer"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        if centered:
            state["grad_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
    state["step"] += 1
    grad = grad.add(param, alpha=weight_decay)
    square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    if centered:
        grad_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
        avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_().add_(eps)
    else:
        avg = square_avg.sqrt().add_(eps)
    if momentum > 0:
        buf = state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
        param.add_(buf, alpha=-lr)
    else:
        param.addcdiv_(grad, avg, value=-lr)
