"""Plausible wrong fixes of lesson4/pitfalls.py (graders/grading/mistakes.py): the bugs as given, and fixes
that miss."""

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- train_linear_regression ---------------------------------------------------------------------


@catalogue.mistake(
    "train_linear_regression",
    "gradients that accumulate across steps (w.grad never cleared)",
    "backward() adds into w.grad: clear it every step with w.grad = None (or w.grad.zero_() once it exists)",
)
def regression_never_zeroed(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        losses.append(loss.item())
    return losses


@catalogue.mistake(
    "train_linear_regression",
    "w.grad cleared between backward() and the update",
    "clear the gradient before backward() (or after the update), never between them: the update then uses zeros",
)
def regression_zeroed_too_early(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        w.grad.zero_()
        with torch.no_grad():
            w -= lr * w.grad
        losses.append(loss.item())
    return losses


@catalogue.mistake(
    "train_linear_regression",
    "losses kept as tensors, each holding its whole graph",
    "append loss.item(): a float frees the graph, a tensor keeps every step's graph in memory",
)
def regression_keeps_graphs(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        loss = ((x @ w - y) ** 2).mean()
        w.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        losses.append(loss)
    return losses


@catalogue.mistake(
    "train_linear_regression",
    "losses returned as detached tensors (loss.detach()) instead of Python floats",
    "append loss.item(): it gives the Python float the docstring asks for",
)
def regression_detached_tensors(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        loss = ((x @ w - y) ** 2).mean()
        w.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        losses.append(loss.detach())
    return losses


@catalogue.mistake(
    "train_linear_regression",
    "w replaced by a new tensor instead of updated in place",
    "w = (w - lr * w.grad).detach().requires_grad_() leaves the caller's w untouched: update it in "
    "place under torch.no_grad()",
)
def regression_rebinds(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        w = (w - lr * w.grad).detach().requires_grad_(True)
        losses.append(loss.item())
    return losses


@catalogue.mistake(
    "train_linear_regression",
    "w.grad.zero_() before the first backward, when w.grad is still None",
    "a fresh tensor has no .grad yet: set w.grad = None instead, or zero it after the update",
)
def regression_zeroes_none(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        w.grad.zero_()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        losses.append(loss.item())
    return losses


@catalogue.mistake(
    "train_linear_regression",
    "an in-place update of w outside torch.no_grad()",
    "autograd refuses in-place changes of a leaf that requires grad: wrap the update in with torch.no_grad():",
)
def regression_update_with_grad(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        loss = ((x @ w - y) ** 2).mean()
        w.grad = None
        loss.backward()
        w -= lr * w.grad
        losses.append(loss.item())
    return losses


# -- gated_residual ------------------------------------------------------------------------------


@catalogue.mistake(
    "gated_residual",
    "an in-place multiply of the sigmoid's output, which autograd saved for backward",
    "gate *= x overwrites what sigmoid's backward needs: write gate = gate * x (a new tensor)",
)
def gated_in_place(x, w):
    gate = torch.sigmoid(x @ w)
    gate *= x
    return gate + x


@catalogue.mistake(
    "gated_residual",
    "the in-place multiply done through .data, hiding it from autograd",
    ".data silences the error but sigmoid's backward then reads the overwritten values: the gradients are wrong",
)
def gated_through_data(x, w):
    gate = torch.sigmoid(x @ w)
    gate.data *= x.data
    return gate + x


@catalogue.mistake(
    "gated_residual",
    "a detached gate (no gradient reaches w)",
    "keep the gate in the graph: w is learned through it",
)
def gated_detached_gate(x, w):
    gate = torch.sigmoid(x @ w).detach()
    return gate * x + x


@catalogue.mistake(
    "gated_residual",
    "x detached where it multiplies the gate",
    "x enters twice, through the gate and the product: both paths carry gradient",
)
def gated_detached_x(x, w):
    gate = torch.sigmoid(x @ w)
    return gate * x.detach() + x


@catalogue.mistake(
    "gated_residual",
    "the residual connection (+ x) dropped",
    "the function is sigmoid(x @ w) * x + x",
)
def gated_without_residual(x, w):
    return torch.sigmoid(x @ w) * x


# -- standardize -----------------------------------------------------------------------------------


@catalogue.mistake(
    "standardize",
    "mean and variance detached, as in the broken version",
    "the statistics depend on x: remove .detach() so the gradient flows through them",
)
def standardize_both_detached(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True).detach()
    var = x.var(dim=-1, keepdim=True, unbiased=False).detach()
    return (x - mean) / torch.sqrt(var + eps)


@catalogue.mistake("standardize", "the mean still detached", "remove .detach() from the mean too")
def standardize_mean_detached(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True).detach()
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)


@catalogue.mistake(
    "standardize", "the variance still detached", "remove .detach() from the variance too"
)
def standardize_var_detached(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False).detach()
    return (x - mean) / torch.sqrt(var + eps)


@catalogue.mistake(
    "standardize",
    "the unbiased variance (dividing by n - 1)",
    "layer normalization divides by n: x.var(..., unbiased=False)",
)
def standardize_unbiased(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


@catalogue.mistake(
    "standardize",
    "eps added to the standard deviation instead of the variance",
    "divide by sqrt(var + eps)",
)
def standardize_eps_outside(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mean) / (torch.sqrt(var) + eps)


@catalogue.mistake(
    "standardize",
    "eps left out of the denominator (x - mean) / sqrt(var)",
    "a constant row has variance 0 and gives 0 / 0 = nan: divide by sqrt(var + eps)",
)
def standardize_without_eps(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var)


@catalogue.mistake(
    "standardize",
    "statistics of the whole tensor taken with .item()",
    ".item() detaches and gives one number for the whole tensor: each row needs its own statistics, in the graph",
)
def standardize_item_statistics(x, eps=1e-5):
    mean = x.mean().item()
    var = x.var(unbiased=False).item()
    return (x - mean) / (var + eps) ** 0.5


# -- correct variants ----------------------------------------------------------------------------


@catalogue.variant("standardize", "torch.var_mean and rsqrt")
def standardize_var_mean(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, unbiased=False)
    return (x - mean) * torch.rsqrt(var + eps)


@catalogue.variant("gated_residual", "torch.addcmul for gate * x + x")
def gated_addcmul(x, w):
    return torch.addcmul(x, torch.sigmoid(x @ w), x)


@catalogue.variant("train_linear_regression", "w.grad.zero_() once it exists, after the update")
def regression_zero_after_update(x, y, w, lr, steps):
    losses = []
    for _ in range(steps):
        loss = (x @ w - y).pow(2).mean()
        loss.backward()
        with torch.no_grad():
            w.sub_(lr * w.grad)
        w.grad.zero_()
        losses.append(float(loss.detach()))
    return losses
