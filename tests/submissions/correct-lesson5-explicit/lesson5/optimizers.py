"""Adam and RMSprop written as the papers' formulas: bias-corrected moments, out-of-place maths, one copy_ at the end."""

import torch


def adam_step(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2 = betas
    with torch.no_grad():
        g = grad + weight_decay * param if weight_decay else grad
        t = state.get("step", 0) + 1
        m = beta1 * state.get("exp_avg", torch.zeros_like(param)) + (1 - beta1) * g
        v = beta2 * state.get("exp_avg_sq", torch.zeros_like(param)) + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        param.copy_(param - lr * m_hat / (torch.sqrt(v_hat) + eps))
        state["step"], state["exp_avg"], state["exp_avg_sq"] = t, m, v


def rmsprop_step(param, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    with torch.no_grad():
        g = grad + weight_decay * param if weight_decay else grad
        state["step"] = state.get("step", 0) + 1
        v = alpha * state.get("square_avg", torch.zeros_like(param)) + (1 - alpha) * g**2
        state["square_avg"] = v
        if centered:
            mean = alpha * state.get("grad_avg", torch.zeros_like(param)) + (1 - alpha) * g
            state["grad_avg"] = mean
            v = v - mean**2
        scaled = g / (torch.sqrt(v) + eps)
        if momentum > 0:
            scaled = momentum * state.get("momentum_buffer", torch.zeros_like(param)) + scaled
            state["momentum_buffer"] = scaled
        param.copy_(param - lr * scaled)
