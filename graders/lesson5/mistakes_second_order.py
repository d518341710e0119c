"""Plausible wrong implementations of lesson5/second_order.py (see graders/grading/mistakes.py)."""

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- newton_step ----------------------------------------------------------------------------


@catalogue.mistake(
    "newton_step",
    "a step uphill, x + H^-1 g",
    "Newton's step goes against the gradient: x - (H + damping I)^-1 g",
)
def newton_wrong_sign(f, x, damping=0.0):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x)[0]
    H = torch.autograd.functional.hessian(f, x.detach())
    return (
        x + torch.linalg.solve(H + damping * torch.eye(len(x), dtype=x.dtype, device=x.device), g)
    ).detach()


@catalogue.mistake(
    "newton_step",
    "the gradient multiplied by the Hessian instead of solved with it",
    "the step is the solution d of (H + damping I) d = g: torch.linalg.solve(H + damping * I, g)",
)
def newton_multiplies(f, x, damping=0.0):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x)[0]
    H = torch.autograd.functional.hessian(f, x.detach())
    return (x - (H + damping * torch.eye(len(x), dtype=x.dtype, device=x.device)) @ g).detach()


@catalogue.mistake(
    "newton_step", "damping ignored", "add damping * I to the Hessian before solving"
)
def newton_undamped(f, x, damping=0.0):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x)[0]
    H = torch.autograd.functional.hessian(f, x.detach())
    return (x - torch.linalg.solve(H, g)).detach()


@catalogue.mistake(
    "newton_step",
    "damping added to every entry of the Hessian, not only its diagonal",
    "H + damping adds to all n^2 entries; damping belongs on the diagonal: H + damping * torch.eye(n)",
)
def newton_damping_everywhere(f, x, damping=0.0):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x)[0]
    H = torch.autograd.functional.hessian(f, x.detach())
    return (x - torch.linalg.solve(H + damping, g)).detach()


@catalogue.mistake(
    "newton_step",
    "only the Hessian's diagonal used (g / diag(H))",
    "the off-diagonal curvature matters: solve with the whole matrix",
)
def newton_diagonal(f, x, damping=0.0):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x)[0]
    H = torch.autograd.functional.hessian(f, x.detach())
    return (x - g / (torch.diagonal(H) + damping)).detach()


@catalogue.mistake(
    "newton_step",
    "damping scaled by the Hessian's diagonal (Marquardt's H + damping * diag(H))",
    "this exercise damps with the identity: H + damping * I",
)
def newton_marquardt(f, x, damping=0.0):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x)[0]
    H = torch.autograd.functional.hessian(f, x.detach())
    return (x - torch.linalg.solve(H + damping * torch.diag(torch.diagonal(H)), g)).detach()


@catalogue.mistake(
    "newton_step",
    "the new point returned with its autograd history (not detached)",
    "the point x - d still holds the graph of the gradient and Hessian: return it .detach()ed",
)
def newton_with_history(f, x, damping=0.0):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x, create_graph=True)[0]
    H = torch.autograd.functional.hessian(f, x.detach())
    return x - torch.linalg.solve(
        H + damping * torch.eye(len(x), dtype=x.dtype, device=x.device), g
    )


# -- bfgs_update ----------------------------------------------------------------------------


@catalogue.mistake(
    "bfgs_update",
    "the DFP update",
    "DFP is BFGS's dual; BFGS is (I - rho s y^T) H (I - rho y s^T) + rho s s^T",
)
def bfgs_dfp(inverse_hessian, s, y):
    if y @ s <= 0:
        return inverse_hessian.clone()
    Hy = inverse_hessian @ y
    return inverse_hessian + torch.outer(s, s) / (y @ s) - torch.outer(Hy, Hy) / (y @ Hy)


@catalogue.mistake(
    "bfgs_update",
    "s and y swapped",
    "s is the step (x_new - x), y the change of gradient: H_new y = s",
)
def bfgs_swapped(inverse_hessian, s, y):
    if y @ s <= 0:
        return inverse_hessian.clone()
    rho = 1 / (y @ s)
    identity = torch.eye(len(s), dtype=s.dtype, device=s.device)
    return (identity - rho * torch.outer(y, s)) @ inverse_hessian @ (
        identity - rho * torch.outer(s, y)
    ) + rho * torch.outer(y, y)


@catalogue.mistake(
    "bfgs_update",
    "the rho s s^T term left out",
    "without + rho * outer(s, s) the secant equation H_new y = s fails",
)
def bfgs_missing_term(inverse_hessian, s, y):
    if y @ s <= 0:
        return inverse_hessian.clone()
    rho = 1 / (y @ s)
    identity = torch.eye(len(s), dtype=s.dtype, device=s.device)
    return (
        (identity - rho * torch.outer(s, y))
        @ inverse_hessian
        @ (identity - rho * torch.outer(y, s))
    )


@catalogue.mistake(
    "bfgs_update", "rho = y.s instead of 1 / (y.s)", "rho is the reciprocal of the curvature y.s"
)
def bfgs_rho_inverted(inverse_hessian, s, y):
    if y @ s <= 0:
        return inverse_hessian.clone()
    rho = y @ s
    identity = torch.eye(len(s), dtype=s.dtype, device=s.device)
    return (identity - rho * torch.outer(s, y)) @ inverse_hessian @ (
        identity - rho * torch.outer(y, s)
    ) + rho * torch.outer(s, s)


@catalogue.mistake(
    "bfgs_update",
    "no curvature check",
    "when y.s <= 0 the update would make H indefinite: return a copy of H unchanged",
)
def bfgs_unchecked(inverse_hessian, s, y):
    rho = 1 / (y @ s)
    identity = torch.eye(len(s), dtype=s.dtype, device=s.device)
    return (identity - rho * torch.outer(s, y)) @ inverse_hessian @ (
        identity - rho * torch.outer(y, s)
    ) + rho * torch.outer(s, s)


@catalogue.mistake(
    "bfgs_update",
    "the outer products transposed, (I - rho y s^T) H (I - rho s y^T)",
    "the left factor is I - rho * outer(s, y), the right one I - rho * outer(y, s)",
)
def bfgs_transposed(inverse_hessian, s, y):
    if y @ s <= 0:
        return inverse_hessian.clone()
    rho = 1 / (y @ s)
    identity = torch.eye(len(s), dtype=s.dtype, device=s.device)
    return (identity - rho * torch.outer(y, s)) @ inverse_hessian @ (
        identity - rho * torch.outer(s, y)
    ) + rho * torch.outer(s, s)


# -- natural_gradient_step ---------------------------------------------------------------------


@catalogue.mistake(
    "natural_gradient_step",
    "the empirical Fisher (mean outer product of per-example gradients)",
    "the Fisher information uses the model's own predictions, x^T diag(p (1 - p)) x / N, not the labels",
)
def natural_empirical_fisher(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    per_example = x * (p - y).unsqueeze(1)
    fisher = per_example.T @ per_example / x.shape[0]
    g = per_example.mean(dim=0)
    return (
        w
        - lr
        * torch.linalg.solve(
            fisher + damping * torch.eye(len(w), dtype=w.dtype, device=w.device), g
        )
    ).detach()


@catalogue.mistake(
    "natural_gradient_step",
    "the Fisher summed over the examples while the gradient is averaged",
    "divide the Fisher by N too, or the step is N times too short",
)
def natural_summed_fisher(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    g = x.T @ (p - y) / x.shape[0]
    fisher = x.T @ ((p * (1 - p)).unsqueeze(1) * x)
    return (
        w
        - lr
        * torch.linalg.solve(
            fisher + damping * torch.eye(len(w), dtype=w.dtype, device=w.device), g
        )
    ).detach()


@catalogue.mistake(
    "natural_gradient_step",
    "the Fisher without the p (1 - p) weights (x^T x / N)",
    "each example's curvature is its Bernoulli variance p (1 - p): x^T diag(p (1 - p)) x / N",
)
def natural_unweighted_fisher(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    g = x.T @ (p - y) / x.shape[0]
    fisher = x.T @ x / x.shape[0]
    return (
        w
        - lr
        * torch.linalg.solve(
            fisher + damping * torch.eye(len(w), dtype=w.dtype, device=w.device), g
        )
    ).detach()


@catalogue.mistake(
    "natural_gradient_step",
    "a plain gradient step",
    "precondition the gradient: solve (F + damping I) d = g and step by -lr * d",
)
def natural_plain_gradient(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    return (w - lr * x.T @ (p - y) / x.shape[0]).detach()


@catalogue.mistake(
    "natural_gradient_step", "damping ignored", "add damping * I to the Fisher before solving"
)
def natural_undamped(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    g = x.T @ (p - y) / x.shape[0]
    fisher = x.T @ ((p * (1 - p)).unsqueeze(1) * x) / x.shape[0]
    return (w - lr * torch.linalg.lstsq(fisher, g.unsqueeze(1)).solution.squeeze(1)).detach()


@catalogue.mistake(
    "natural_gradient_step",
    "the gradient of y - p instead of p - y (a step uphill)",
    "the gradient of the cross-entropy is x^T (p - y) / N",
)
def natural_wrong_sign(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    g = x.T @ (y - p) / x.shape[0]
    fisher = x.T @ ((p * (1 - p)).unsqueeze(1) * x) / x.shape[0]
    return (
        w
        - lr
        * torch.linalg.solve(
            fisher + damping * torch.eye(len(w), dtype=w.dtype, device=w.device), g
        )
    ).detach()


@catalogue.mistake(
    "natural_gradient_step",
    "the new weights returned with their autograd history (not detached)",
    "w - lr * F^-1 g still holds the graph of the whole computation when w requires grad: "
    "return it .detach()ed",
)
def natural_with_history(w, x, y, lr=1.0, damping=1e-4):
    p = torch.sigmoid(x @ w)
    g = x.T @ (p - y) / x.shape[0]
    fisher = x.T @ ((p * (1 - p)).unsqueeze(1) * x) / x.shape[0]
    eye = torch.eye(len(w), dtype=w.dtype, device=w.device)
    return w - lr * torch.linalg.solve(fisher + damping * eye, g)
