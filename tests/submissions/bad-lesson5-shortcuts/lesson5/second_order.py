"""Second-order steps that invert the matrix instead of solving the system."""

import torch


def newton_step(f, x, damping=0.0):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x)[0]
    H = torch.autograd.functional.hessian(f, x.detach())
    return (x - torch.linalg.inv(H + damping * torch.eye(len(x), dtype=x.dtype)) @ g).detach()


def bfgs_update(inverse_hessian, s, y):
    if y @ s <= 0:
        return inverse_hessian.clone()
    rho = 1 / (y @ s)
    identity = torch.eye(len(s), dtype=s.dtype)
    return (identity - rho * torch.outer(s, y)) @ inverse_hessian @ (identity - rho * torch.outer(y, s)) + rho * torch.outer(s, s)


def natural_gradient_step(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    fisher = x.T @ ((p * (1 - p)).unsqueeze(1) * x) / len(x) + damping * torch.eye(len(w), dtype=w.dtype)
    return (w - lr * fisher.inverse() @ (x.T @ (p - y) / len(x))).detach()
