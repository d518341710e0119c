"""Second-order steps with the Hessian built row by row from double backward, and Cholesky solves."""

import torch


def _gradient_and_hessian(f, x):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    rows = []
    for i in range(len(x)):
        (row,) = torch.autograd.grad(g[i], x, retain_graph=True, allow_unused=True)
        rows.append(torch.zeros_like(x) if row is None else row)
    return g.detach(), torch.stack(rows).detach()


def newton_step(f, x, damping=0.0):
    g, H = _gradient_and_hessian(f, x)
    system = H + damping * torch.eye(len(x), dtype=x.dtype, device=x.device)
    return x.detach() - torch.linalg.lstsq(system, g.unsqueeze(1)).solution.squeeze(1)


def bfgs_update(inverse_hessian, s, y):
    sy = torch.dot(s, y)
    if not sy > 0:
        return inverse_hessian.clone()
    Hy = inverse_hessian @ y
    yHy = torch.dot(y, Hy)
    # The same update, multiplied out: H + (sy + yHy) ss^T / sy^2 - (Hy s^T + s y^T H) / sy
    return inverse_hessian + (sy + yHy) * torch.outer(s, s) / sy**2 - (torch.outer(Hy, s) + torch.outer(s, Hy)) / sy


def natural_gradient_step(w, x, y, lr=1.0, damping=1e-4):
    n, d = x.shape
    p = 1 / (1 + torch.exp(-(x @ w)))
    g = torch.zeros_like(w)
    fisher = damping * torch.eye(d, dtype=w.dtype, device=w.device)
    for i in range(n):
        g = g + (p[i] - y[i]) * x[i] / n
        fisher = fisher + p[i] * (1 - p[i]) * torch.outer(x[i], x[i]) / n
    factor = torch.linalg.cholesky(fisher)
    return (w - lr * torch.cholesky_solve(g.unsqueeze(1), factor).squeeze(1)).detach()
