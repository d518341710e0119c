"""Critical points from an eigen-decomposition, and the noise scale from explicit sums."""

import torch


def _hessian(f, x):
    return torch.func.hessian(f)(x.detach())


def classify_critical_point(f, x, tol=1e-6):
    slope = torch.func.grad(f)(x.detach())
    if torch.sqrt((slope**2).sum()) > tol:
        return "not critical"
    eigenvalues = torch.linalg.eigh(_hessian(f, x)).eigenvalues.tolist()
    up = any(value > tol for value in eigenvalues)
    down = any(value < -tol for value in eigenvalues)
    if up and down:
        return "saddle"
    if any(abs(value) <= tol for value in eigenvalues):
        return "degenerate"
    return "minimum" if up else "maximum"


def escape_saddle(f, x, radius=0.1):
    x = x.detach()
    result = torch.linalg.eigh(_hessian(f, x))
    if result.eigenvalues.min() >= 0:
        return x.clone()
    v = result.eigenvectors[:, result.eigenvalues.argmin()]
    candidates = [x + radius * v, x - radius * v]
    values = [float(f(c)) for c in candidates]
    return candidates[values.index(min(values))]


def gradient_noise_scale(per_example_grads):
    n = per_example_grads.shape[0]
    mean = per_example_grads.sum(dim=0) / n
    centred = per_example_grads - mean
    variance = (centred * centred).sum() / (n - 1)
    return {"mean": mean, "variance": variance, "noise_scale": variance / (mean * mean).sum()}
