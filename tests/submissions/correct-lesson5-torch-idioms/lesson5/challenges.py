"""Critical points and saddles with torch.autograd.functional, noise scale with torch.var_mean."""

import torch
from torch.autograd.functional import hessian, jacobian


def classify_critical_point(f, x, tol=1e-6):
    x = x.detach()
    if torch.linalg.vector_norm(jacobian(f, x)) > tol:
        return "not critical"
    lam = torch.linalg.eigvalsh(hessian(f, x))
    positive, negative, zero = bool((lam > tol).any()), bool((lam < -tol).any()), bool((lam.abs() <= tol).any())
    if positive and negative:
        return "saddle"
    if zero:
        return "degenerate"
    return "minimum" if positive else "maximum"


def escape_saddle(f, x, radius=0.1):
    x = x.detach()
    lam, vectors = torch.linalg.eigh(hessian(f, x))
    if lam[0].item() >= 0:
        return x.clone()
    steps = torch.stack([x + radius * vectors[:, 0], x - radius * vectors[:, 0]])
    with torch.no_grad():
        values = torch.stack([f(point) for point in steps])
    return steps[int(values.argmin())]


def gradient_noise_scale(per_example_grads):
    variance, mean = torch.var_mean(per_example_grads, dim=0, correction=1)
    trace = variance.sum()
    return {"mean": mean, "variance": trace, "noise_scale": trace / torch.linalg.vector_norm(mean) ** 2}
