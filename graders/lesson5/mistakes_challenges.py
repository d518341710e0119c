"""Plausible wrong implementations of lesson5/challenges.py (see graders/grading/mistakes.py)."""

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- classify_critical_point ------------------------------------------------------------------


@catalogue.mistake(
    "classify_critical_point",
    "the 2 x 2 determinant test used in more dimensions",
    "det > 0 and trace > 0 means a minimum only in 2-D (eigenvalues -1, -2, 4 have both): use the eigenvalues",
)
def classify_by_determinant(f, x, tol=1e-6):
    x = x.detach().requires_grad_(True)
    if torch.autograd.grad(f(x), x)[0].norm() > tol:
        return "not critical"
    H = torch.autograd.functional.hessian(f, x.detach())
    det, trace = torch.linalg.det(H), torch.trace(H)
    if det.abs() <= tol:
        return "degenerate"
    if det < 0:
        return "saddle"
    return "minimum" if trace > 0 else "maximum"


@catalogue.mistake(
    "classify_critical_point",
    "the signs of the Hessian's diagonal instead of its eigenvalues",
    "a Hessian with a positive diagonal can still curve down along a diagonal direction: use torch.linalg.eigvalsh",
)
def classify_by_diagonal(f, x, tol=1e-6):
    x = x.detach().requires_grad_(True)
    if torch.autograd.grad(f(x), x)[0].norm() > tol:
        return "not critical"
    d = torch.diagonal(torch.autograd.functional.hessian(f, x.detach()))
    if (d > tol).any() and (d < -tol).any():
        return "saddle"
    if (d.abs() <= tol).any():
        return "degenerate"
    return "minimum" if (d > tol).all() else "maximum"


@catalogue.mistake(
    "classify_critical_point",
    "no check that the gradient vanishes",
    "only a point with zero gradient is critical: return 'not critical' when ||grad f(x)|| > tol",
)
def classify_without_gradient(f, x, tol=1e-6):
    eigenvalues = torch.linalg.eigvalsh(torch.autograd.functional.hessian(f, x.detach()))
    if (eigenvalues > tol).any() and (eigenvalues < -tol).any():
        return "saddle"
    if (eigenvalues.abs() <= tol).any():
        return "degenerate"
    return "minimum" if (eigenvalues > tol).all() else "maximum"


@catalogue.mistake(
    "classify_critical_point",
    "minimum and maximum swapped",
    "positive curvature in every direction (a bowl) is a minimum",
)
def classify_swapped(f, x, tol=1e-6):
    x = x.detach().requires_grad_(True)
    if torch.autograd.grad(f(x), x)[0].norm() > tol:
        return "not critical"
    eigenvalues = torch.linalg.eigvalsh(torch.autograd.functional.hessian(f, x.detach()))
    if (eigenvalues > tol).any() and (eigenvalues < -tol).any():
        return "saddle"
    if (eigenvalues.abs() <= tol).any():
        return "degenerate"
    return "maximum" if (eigenvalues > tol).all() else "minimum"


@catalogue.mistake(
    "classify_critical_point",
    "tol ignored for the eigenvalues (exact comparisons with 0)",
    "an eigenvalue within tol of 0 is numerically zero: the test is inconclusive ('degenerate')",
)
def classify_exact_zero(f, x, tol=1e-6):
    x = x.detach().requires_grad_(True)
    if torch.autograd.grad(f(x), x)[0].norm() > tol:
        return "not critical"
    eigenvalues = torch.linalg.eigvalsh(torch.autograd.functional.hessian(f, x.detach()))
    if (eigenvalues > 0).any() and (eigenvalues < 0).any():
        return "saddle"
    if (eigenvalues == 0).any():
        return "degenerate"
    return "minimum" if (eigenvalues > 0).all() else "maximum"


@catalogue.mistake(
    "classify_critical_point",
    "'degenerate' decided before 'saddle'",
    "curvature of both signs makes a saddle even when another direction is flat: test for a saddle first",
)
def classify_degenerate_first(f, x, tol=1e-6):
    x = x.detach().requires_grad_(True)
    if torch.autograd.grad(f(x), x)[0].norm() > tol:
        return "not critical"
    eigenvalues = torch.linalg.eigvalsh(torch.autograd.functional.hessian(f, x.detach()))
    if (eigenvalues.abs() <= tol).any():
        return "degenerate"
    if (eigenvalues > tol).any() and (eigenvalues < -tol).any():
        return "saddle"
    return "minimum" if (eigenvalues > tol).all() else "maximum"


@catalogue.mistake(
    "classify_critical_point",
    "an eigenvalue of exactly +-tol not counted as zero (|lambda| < tol instead of <= tol)",
    "the bound belongs to 'numerically zero': |lambda| <= tol makes the test inconclusive ('degenerate')",
)
def classify_strict_tol(f, x, tol=1e-6):
    x = x.detach().requires_grad_(True)
    if torch.autograd.grad(f(x), x)[0].norm() > tol:
        return "not critical"
    eigenvalues = torch.linalg.eigvalsh(torch.autograd.functional.hessian(f, x.detach()))
    if (eigenvalues > tol).any() and (eigenvalues < -tol).any():
        return "saddle"
    if (eigenvalues.abs() < tol).any():
        return "degenerate"
    return "minimum" if (eigenvalues > 0).all() else "maximum"


@catalogue.mistake(
    "classify_critical_point",
    "a gradient norm of exactly tol counted as not critical (>= tol instead of > tol)",
    "the point is 'not critical' only when ||grad f(x)|| exceeds tol; a norm equal to tol passes",
)
def classify_strict_gradient(f, x, tol=1e-6):
    x = x.detach().requires_grad_(True)
    if torch.autograd.grad(f(x), x)[0].norm() >= tol:
        return "not critical"
    eigenvalues = torch.linalg.eigvalsh(torch.autograd.functional.hessian(f, x.detach()))
    if (eigenvalues > tol).any() and (eigenvalues < -tol).any():
        return "saddle"
    if (eigenvalues.abs() <= tol).any():
        return "degenerate"
    return "minimum" if (eigenvalues > tol).all() else "maximum"


# -- escape_saddle ----------------------------------------------------------------------------


@catalogue.mistake(
    "escape_saddle",
    "the eigenvector of the largest eigenvalue",
    "the way down is the most negative curvature: eigh sorts ascending, take column 0",
)
def escape_largest(f, x, radius=0.1):
    x = x.detach()
    values, vectors = torch.linalg.eigh(torch.autograd.functional.hessian(f, x))
    if values[0] >= 0:
        return x.clone()
    v = vectors[:, -1]
    a, b = x + radius * v, x - radius * v
    with torch.no_grad():
        return a if f(a) < f(b) else b


@catalogue.mistake(
    "escape_saddle",
    "the eigenvector of the eigenvalue closest to zero",
    "the flattest direction is not the way down: take the most negative eigenvalue",
)
def escape_flattest(f, x, radius=0.1):
    x = x.detach()
    values, vectors = torch.linalg.eigh(torch.autograd.functional.hessian(f, x))
    if values[0] >= 0:
        return x.clone()
    v = vectors[:, int(values.abs().argmin())]
    a, b = x + radius * v, x - radius * v
    with torch.no_grad():
        return a if f(a) < f(b) else b


@catalogue.mistake(
    "escape_saddle",
    "a row of eigh's eigenvector matrix instead of a column",
    "torch.linalg.eigh returns the eigenvectors in the columns: vectors[:, 0], not vectors[0]",
)
def escape_row(f, x, radius=0.1):
    x = x.detach()
    values, vectors = torch.linalg.eigh(torch.autograd.functional.hessian(f, x))
    if values[0] >= 0:
        return x.clone()
    v = vectors[0]
    a, b = x + radius * v, x - radius * v
    with torch.no_grad():
        return a if f(a) < f(b) else b


@catalogue.mistake(
    "escape_saddle",
    "a fixed sign for the eigenvector (x + radius * v)",
    "an eigenvector's sign is arbitrary: try x + radius * v and x - radius * v and keep the lower f",
)
def escape_fixed_sign(f, x, radius=0.1):
    x = x.detach()
    values, vectors = torch.linalg.eigh(torch.autograd.functional.hessian(f, x))
    if values[0] >= 0:
        return x.clone()
    return x + radius * vectors[:, 0]


@catalogue.mistake(
    "escape_saddle",
    "a gradient step, which cannot leave a saddle (the gradient is zero there)",
    "at a saddle the gradient vanishes: move along the eigenvector of the most negative Hessian eigenvalue",
)
def escape_gradient_step(f, x, radius=0.1):
    x = x.detach().requires_grad_(True)
    g = torch.autograd.grad(f(x), x)[0]
    return (x - radius * g).detach()


@catalogue.mistake(
    "escape_saddle",
    "a step taken even when no eigenvalue is negative",
    "at a minimum every direction goes up: return x unchanged when the smallest eigenvalue is >= 0",
)
def escape_always(f, x, radius=0.1):
    x = x.detach()
    values, vectors = torch.linalg.eigh(torch.autograd.functional.hessian(f, x))
    v = vectors[:, 0]
    a, b = x + radius * v, x - radius * v
    with torch.no_grad():
        return a if f(a) < f(b) else b


@catalogue.mistake(
    "escape_saddle",
    "the new point returned with autograd history when x requires grad",
    "start from x.detach(): the new point carries no graph",
)
def escape_with_history(f, x, radius=0.1):
    values, vectors = torch.linalg.eigh(torch.autograd.functional.hessian(f, x.detach()))
    if values[0] >= 0:
        return x.detach().clone()
    v = vectors[:, 0]
    a, b = x + radius * v, x - radius * v
    with torch.no_grad():
        return a if f(a) < f(b) else b


# -- gradient_noise_scale -----------------------------------------------------------------------


@catalogue.mistake(
    "gradient_noise_scale",
    "the biased variance (dividing by N)",
    "the per-example variance is estimated with N - 1: tensor.var(dim=0) does it",
)
def noise_biased(per_example_grads):
    mean = per_example_grads.mean(dim=0)
    variance = per_example_grads.var(dim=0, correction=0).sum()
    return {"mean": mean, "variance": variance, "noise_scale": variance / mean.pow(2).sum()}


@catalogue.mistake(
    "gradient_noise_scale",
    "the norm of the mean gradient, not its square",
    "divide by ||G||^2, the squared norm",
)
def noise_unsquared(per_example_grads):
    mean = per_example_grads.mean(dim=0)
    variance = per_example_grads.var(dim=0).sum()
    return {"mean": mean, "variance": variance, "noise_scale": variance / mean.norm()}


@catalogue.mistake(
    "gradient_noise_scale",
    "the variance of the mean gradient (divided by N) instead of the per-example variance",
    "the noise scale uses the variance of single examples' gradients, trace(Sigma), not of their mean",
)
def noise_of_the_mean(per_example_grads):
    mean = per_example_grads.mean(dim=0)
    variance = per_example_grads.var(dim=0).sum() / per_example_grads.shape[0]
    return {"mean": mean, "variance": variance, "noise_scale": variance / mean.pow(2).sum()}


@catalogue.mistake(
    "gradient_noise_scale",
    "the mean squared norm E||g||^2 instead of the variance",
    "subtract the mean first: the variance is E||g - G||^2 (with N - 1)",
)
def noise_second_moment(per_example_grads):
    mean = per_example_grads.mean(dim=0)
    variance = per_example_grads.pow(2).sum(dim=1).mean()
    return {"mean": mean, "variance": variance, "noise_scale": variance / mean.pow(2).sum()}


@catalogue.mistake(
    "gradient_noise_scale",
    "standard deviations summed instead of variances",
    "trace(Sigma) sums the variances, not their square roots",
)
def noise_std(per_example_grads):
    mean = per_example_grads.mean(dim=0)
    variance = per_example_grads.std(dim=0).sum()
    return {"mean": mean, "variance": variance, "noise_scale": variance / mean.pow(2).sum()}


@catalogue.mistake(
    "gradient_noise_scale",
    "the ratio upside down (signal over noise)",
    "the noise scale is variance / ||G||^2",
)
def noise_inverted(per_example_grads):
    mean = per_example_grads.mean(dim=0)
    variance = per_example_grads.var(dim=0).sum()
    return {"mean": mean, "variance": variance, "noise_scale": mean.pow(2).sum() / variance}
