"""A correct submission written out step by step: x.grad with explicit zeroing, in-place updates on a copy."""

import math

import torch


def gradient_descent(loss_fn, x0, lr, steps):
    trajectory = torch.empty((steps + 1, *x0.shape), dtype=x0.dtype, device=x0.device)
    x = x0.detach().clone().requires_grad_(True)
    trajectory[0] = x.detach()
    for t in range(1, steps + 1):
        x.grad = None
        loss = loss_fn(x)
        loss.backward()
        with torch.no_grad():
            x -= lr * x.grad
        trajectory[t] = x.detach()
    return trajectory


def largest_stable_learning_rate(hessian):
    eigenvalues = torch.linalg.eigh(hessian).eigenvalues
    return 2.0 / eigenvalues.max()


def minimize(loss_fn, x0, lr, *, tol=1e-6, max_steps=1000, divergence_factor=1e6):
    x = x0.detach().clone().requires_grad_(True)
    steps = 0
    first = None
    while True:
        x.grad = None
        loss = loss_fn(x)
        loss.backward()
        value = float(loss)
        if first is None:
            first = value
        if math.isnan(value) or math.isinf(value) or value > divergence_factor * first:
            return x.detach(), steps, "diverged"
        if math.sqrt(float((x.grad**2).sum())) <= tol:
            return x.detach(), steps, "converged"
        if steps == max_steps:
            return x.detach(), steps, "max_steps"
        with torch.no_grad():
            x -= lr * x.grad
        steps += 1
