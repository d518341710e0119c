"""A correct submission that leans on torch idioms: vmap over torch.func.grad, norms, math.prod."""

import math

import torch
from torch.func import grad, vmap


def per_example_gradients(X, y, w, b):
    def loss(w, b, x, target):
        return (x @ w + b - target) ** 2

    return vmap(grad(loss, argnums=(0, 1)), in_dims=(None, None, 0, 0))(w, b, X, y)


def minibatch_gradient_variance(per_example_grads, batch_size):
    n = len(per_example_grads)
    centred = per_example_grads - per_example_grads.mean(0, keepdim=True)
    sigma2 = torch.linalg.vector_norm(centred) ** 2 / n
    return sigma2 * (n - batch_size) / ((n - 1) * batch_size)


def max_batch_size(model, sample_shape, memory_budget, optimizer_slots=0):
    dtype = next(model.parameters()).dtype
    size = torch.finfo(dtype).bits // 8
    fixed = sum(p.numel() for p in model.parameters()) * (2 + optimizer_slots) * size
    x = torch.zeros(1, *sample_shape, dtype=dtype, device=next(model.parameters()).device)
    values = [math.prod(sample_shape)]
    with torch.no_grad():
        for layer in model.children():
            x = layer(x)
            values.append(x.numel())
    room = memory_budget - fixed
    return room // (sum(values) * size) if room > 0 else 0
