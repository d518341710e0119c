"""Second-order steps with torch.func transforms and linear solves."""

import torch
from torch.func import grad, hessian


def newton_step(f, x, damping=0.0):
    x = x.detach()
    H = hessian(f)(x)
    H.diagonal().add_(damping)
    return x - torch.linalg.solve(H, grad(f)(x))


def bfgs_update(inverse_hessian, s, y):
    ys = torch.dot(y, s)
    if ys.item() <= 0:
        return inverse_hessian.clone()
    rho = ys.reciprocal()
    n = s.numel()
    I = torch.eye(n, dtype=s.dtype, device=s.device)
    A = torch.addr(I, s, y, alpha=-rho)
    return A @ inverse_hessian @ A.T + rho * torch.outer(s, s)


def natural_gradient_step(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    n = len(x)
    g = torch.mv(x.T, p - y) / n
    F = torch.einsum("n,ni,nj->ij", p * (1 - p), x, x) / n
    F.diagonal().add_(damping)
    return (w - lr * torch.linalg.solve(F, g)).detach()
