"""A correct submission written out step by step: einsum, the variance by its definition, forward hooks."""

import torch


def per_example_gradients(X, y, w, b):
    residual = torch.einsum("nd,d->n", X, w) + b - y
    return torch.einsum("n,nd->nd", 2 * residual, X), 2 * residual


def minibatch_gradient_variance(per_example_grads, batch_size):
    n = per_example_grads.shape[0]
    spread = per_example_grads.var(dim=0, unbiased=False).sum()
    correction = (n - batch_size) / (n - 1)
    return spread * correction / batch_size


def max_batch_size(model, sample_shape, memory_budget, optimizer_slots=0):
    first = next(model.parameters())
    bytes_per_value = first.element_size()
    parameter_count = 0
    for parameter in model.parameters():
        parameter_count += parameter.numel()
    fixed_bytes = (2 + optimizer_slots) * parameter_count * bytes_per_value

    outputs = []
    hooks = [layer.register_forward_hook(lambda module, args, out: outputs.append(out.numel())) for layer in model]
    sample = torch.zeros((1, *sample_shape), dtype=first.dtype, device=first.device)
    try:
        with torch.no_grad():
            model(sample)
    finally:
        for hook in hooks:
            hook.remove()
    bytes_per_example = (sample.numel() + sum(outputs)) * bytes_per_value

    if memory_budget < fixed_bytes:
        return 0
    return int((memory_budget - fixed_bytes) // bytes_per_example)
