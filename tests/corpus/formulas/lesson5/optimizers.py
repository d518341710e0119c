"""Adam as Kingma and Ba's Algorithm 1 reads (bias-corrected moments, eps outside the root),
and RMSprop with its average kept as a Python-side update, d2l.ai style with eps outside."""

import torch


def adam_step(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2 = betas
    with torch.no_grad():
        t = state.get("step", 0) + 1
        g = grad + weight_decay * param if weight_decay else grad
        m = beta1 * state.get("exp_avg", torch.zeros_like(param)) + (1 - beta1) * g
        v = beta2 * state.get("exp_avg_sq", torch.zeros_like(param)) + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        param -= lr * m_hat / (v_hat.sqrt() + eps)
        state.update(step=t, exp_avg=m, exp_avg_sq=v)


def rmsprop_step(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        g = grad + weight_decay * param if weight_decay else grad
        s = alpha * state.get("square_avg", torch.zeros_like(param)) + (1 - alpha) * g**2
        state["square_avg"] = s
        if centered:
            mean = alpha * state.get("grad_avg", torch.zeros_like(param)) + (1 - alpha) * g
            state["grad_avg"] = mean
            s = s - mean**2
        step = g / (torch.sqrt(s) + eps)
        if momentum > 0:
            step = momentum * state.get("momentum_buffer", torch.zeros_like(param)) + step
            state["momentum_buffer"] = step
        param -= lr * step
        state["step"] = state.get("step", 0) + 1
