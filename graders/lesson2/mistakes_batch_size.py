"""Plausible wrong implementations of lesson2/batch_size.py (see graders/grading/mistakes.py)."""

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- per_example_gradients ---------------------------------------------------------------------------


@catalogue.mistake(
    "per_example_gradients",
    "the gradient of half the squared error",
    "the loss is (x·w + b - y)² without a factor 1/2, so its gradient is 2 r x",
)
def pe_half(X, y, w, b):
    residual = X @ w + b - y
    return residual[:, None] * X, residual


@catalogue.mistake(
    "per_example_gradients",
    "the residual taken as y - prediction",
    "d/dw (x·w + b - y)² = 2 (x·w + b - y) x: the residual is prediction minus target",
)
def pe_sign(X, y, w, b):
    residual = y - (X @ w + b)
    return 2 * residual[:, None] * X, 2 * residual


@catalogue.mistake(
    "per_example_gradients",
    "the batch's mean gradient repeated for every example",
    "each row is that example's own gradient, 2 r_i x_i; their mean is the batch gradient",
)
def pe_batch_mean(X, y, w, b):
    residual = X @ w + b - y
    n = X.shape[0]
    return (2 * X.T @ residual / n).expand(n, -1), (2 * residual.mean()).expand(n)


@catalogue.mistake(
    "per_example_gradients",
    "per-example gradients of the batch's mean loss (divided by N)",
    "each example's own loss is (x_i·w + b - y_i)², not its share of the mean: drop the division by N",
)
def pe_divided(X, y, w, b):
    residual = X @ w + b - y
    n = X.shape[0]
    return 2 * residual[:, None] * X / n, 2 * residual / n


@catalogue.mistake(
    "per_example_gradients",
    "a residual without the bias",
    "the prediction is x·w + b: include b in the residual",
)
def pe_no_bias(X, y, w, b):
    residual = X @ w - y
    return 2 * residual[:, None] * X, 2 * residual


@catalogue.mistake(
    "per_example_gradients",
    "a Python loop over the examples",
    "compute every example at once: residual = X @ w + b - y, then 2 * residual[:, None] * X",
)
def pe_loop(X, y, w, b):
    grad_w, grad_b = [], []
    for i in range(X.shape[0]):
        residual = X[i] @ w + b - y[i]
        grad_w.append(2 * residual * X[i])
        grad_b.append(2 * residual)
    return torch.stack(grad_w), torch.stack(grad_b)


# -- minibatch_gradient_variance -----------------------------------------------------------------------


@catalogue.mistake(
    "minibatch_gradient_variance",
    "sigma^2 / B, the variance for sampling with replacement",
    "a batch of distinct examples is drawn without replacement: multiply by (N - B) / (N - 1), "
    "which makes the noise vanish at B = N",
)
def mgv_with_replacement(per_example_grads, batch_size):
    deviations = per_example_grads - per_example_grads.mean(dim=0)
    return (deviations**2).sum() / per_example_grads.shape[0] / batch_size


@catalogue.mistake(
    "minibatch_gradient_variance",
    "the spread computed with N - 1 instead of N",
    "sigma^2 is the population spread (1/N) sum |g_i - mean|²: the correction (N - B) / (N - 1) "
    "already accounts for N - 1",
)
def mgv_unbiased_spread(per_example_grads, batch_size):
    n = per_example_grads.shape[0]
    deviations = per_example_grads - per_example_grads.mean(dim=0)
    return (deviations**2).sum() / (n - 1) / batch_size * (n - batch_size) / (n - 1)


@catalogue.mistake(
    "minibatch_gradient_variance",
    "no division by the batch size",
    "averaging B gradients divides their variance by B",
)
def mgv_no_division(per_example_grads, batch_size):
    n = per_example_grads.shape[0]
    deviations = per_example_grads - per_example_grads.mean(dim=0)
    return (deviations**2).sum() / n * (n - batch_size) / (n - 1)


@catalogue.mistake(
    "minibatch_gradient_variance",
    "a division by B squared",
    "the mean of B values has variance sigma^2 / B, not sigma^2 / B²: the sum's variance is B sigma^2",
)
def mgv_b_squared(per_example_grads, batch_size):
    n = per_example_grads.shape[0]
    deviations = per_example_grads - per_example_grads.mean(dim=0)
    return (deviations**2).sum() / n / batch_size**2 * (n - batch_size) / (n - 1)


@catalogue.mistake(
    "minibatch_gradient_variance",
    "the mean over gradient coordinates instead of the sum",
    "|g - mean|² sums the squared deviations over all P coordinates",
)
def mgv_coordinate_mean(per_example_grads, batch_size):
    n = per_example_grads.shape[0]
    deviations = per_example_grads - per_example_grads.mean(dim=0)
    return (deviations**2).mean() / batch_size * (n - batch_size) / (n - 1)


@catalogue.mistake(
    "minibatch_gradient_variance",
    "squared norms of the gradients without subtracting their mean",
    "the noise is the spread around the full gradient: subtract per_example_grads.mean(dim=0) first",
)
def mgv_uncentered(per_example_grads, batch_size):
    n = per_example_grads.shape[0]
    return (per_example_grads**2).sum() / n / batch_size * (n - batch_size) / (n - 1)


@catalogue.mistake(
    "minibatch_gradient_variance",
    "the standard deviation instead of the variance",
    "return the expected squared distance itself, without a square root",
)
def mgv_standard_deviation(per_example_grads, batch_size):
    n = per_example_grads.shape[0]
    deviations = per_example_grads - per_example_grads.mean(dim=0)
    return ((deviations**2).sum() / n / batch_size * (n - batch_size) / (n - 1)).sqrt()


# -- max_batch_size -------------------------------------------------------------------------------------


@catalogue.mistake(
    "max_batch_size",
    "no memory for the gradients",
    "backward() stores one gradient value per parameter: the fixed cost is (2 + optimizer_slots) values per parameter",
)
def mb_no_gradients(model, sample_shape, memory_budget, optimizer_slots=0):
    parameters = list(model.parameters())
    size = parameters[0].element_size()
    fixed = sum(p.numel() for p in parameters) * (1 + optimizer_slots) * size
    x = torch.zeros(1, *sample_shape, dtype=parameters[0].dtype, device=parameters[0].device)
    values = x.numel()
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            values += x.numel()
    return max(0, (memory_budget - fixed) // (values * size))


@catalogue.mistake(
    "max_batch_size",
    "the optimizer's state left out",
    "Adam keeps 2 values per parameter, SGD with momentum 1: add optimizer_slots values per parameter",
)
def mb_no_optimizer_state(model, sample_shape, memory_budget, optimizer_slots=0):
    parameters = list(model.parameters())
    size = parameters[0].element_size()
    fixed = sum(p.numel() for p in parameters) * 2 * size
    x = torch.zeros(1, *sample_shape, dtype=parameters[0].dtype, device=parameters[0].device)
    values = x.numel()
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            values += x.numel()
    return max(0, (memory_budget - fixed) // (values * size))


@catalogue.mistake(
    "max_batch_size",
    "only the model's final output counted as activation memory",
    "backpropagation keeps every layer's output until the backward pass: add them all up",
)
def mb_output_only(model, sample_shape, memory_budget, optimizer_slots=0):
    parameters = list(model.parameters())
    size = parameters[0].element_size()
    fixed = sum(p.numel() for p in parameters) * (2 + optimizer_slots) * size
    x = torch.zeros(1, *sample_shape, dtype=parameters[0].dtype, device=parameters[0].device)
    values = x.numel()
    with torch.no_grad():
        values += model(x).numel()
    return max(0, (memory_budget - fixed) // (values * size))


@catalogue.mistake(
    "max_batch_size",
    "the input sample left out of the per-example memory",
    "the batch itself sits in memory too: count the sample's elements besides every layer's output",
)
def mb_no_input(model, sample_shape, memory_budget, optimizer_slots=0):
    parameters = list(model.parameters())
    size = parameters[0].element_size()
    fixed = sum(p.numel() for p in parameters) * (2 + optimizer_slots) * size
    x = torch.zeros(1, *sample_shape, dtype=parameters[0].dtype, device=parameters[0].device)
    values = 0
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            values += x.numel()
    return max(0, (memory_budget - fixed) // (values * size))


@catalogue.mistake(
    "max_batch_size",
    "a batch size rounded up",
    "the batch must fit: round the division down, (budget - fixed) // per_example",
)
def mb_rounds_up(model, sample_shape, memory_budget, optimizer_slots=0):
    parameters = list(model.parameters())
    size = parameters[0].element_size()
    fixed = sum(p.numel() for p in parameters) * (2 + optimizer_slots) * size
    x = torch.zeros(1, *sample_shape, dtype=parameters[0].dtype, device=parameters[0].device)
    values = x.numel()
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            values += x.numel()
    return max(0, -(-(memory_budget - fixed) // (values * size)))


@catalogue.mistake(
    "max_batch_size",
    "4 bytes per value whatever the dtype",
    "a float64 value takes 8 bytes: use the parameters' element_size()",
)
def mb_four_bytes(model, sample_shape, memory_budget, optimizer_slots=0):
    parameters = list(model.parameters())
    fixed = sum(p.numel() for p in parameters) * (2 + optimizer_slots) * 4
    x = torch.zeros(1, *sample_shape, dtype=parameters[0].dtype, device=parameters[0].device)
    values = x.numel()
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            values += x.numel()
    return max(0, (memory_budget - fixed) // (values * 4))


@catalogue.mistake(
    "max_batch_size",
    "a negative batch size when the model alone does not fit",
    "when the fixed cost exceeds the budget not even one example fits: return 0",
)
def mb_negative(model, sample_shape, memory_budget, optimizer_slots=0):
    parameters = list(model.parameters())
    size = parameters[0].element_size()
    fixed = sum(p.numel() for p in parameters) * (2 + optimizer_slots) * size
    x = torch.zeros(1, *sample_shape, dtype=parameters[0].dtype, device=parameters[0].device)
    values = x.numel()
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            values += x.numel()
    return (memory_budget - fixed) // (values * size)


# -- correct variants ---------------------------------------------------------------------------------


@catalogue.variant("per_example_gradients", "an einsum for the outer product")
def pe_einsum(X, y, w, b):
    residual = torch.einsum("nd,d->n", X, w) + b - y
    return torch.einsum("n,nd->nd", 2 * residual, X), 2 * residual


@catalogue.variant(
    "per_example_gradients", "torch.func: vmap of the gradient of one example's loss"
)
def pe_vmap(X, y, w, b):
    from torch.func import grad, vmap

    def loss(w, b, x, target):
        return (x @ w + b - target) ** 2

    grad_w, grad_b = vmap(grad(loss, argnums=(0, 1)), in_dims=(None, None, 0, 0))(
        w.detach(), b.detach(), X, y
    )
    return grad_w, grad_b


@catalogue.variant("minibatch_gradient_variance", "torch.var over the examples, summed")
def mv_torch_var(per_example_grads, batch_size):
    n = per_example_grads.shape[0]
    spread = per_example_grads.var(dim=0, correction=0).sum()
    return spread * (n - batch_size) / (batch_size * (n - 1))


@catalogue.variant("max_batch_size", "forward hooks that count every layer's output")
def mb_forward_hooks(model, sample_shape, memory_budget, optimizer_slots=0):
    first = next(model.parameters())
    bytes_per_value = torch.finfo(first.dtype).bits // 8
    parameters = sum(p.numel() for p in model.parameters())
    sizes = []
    hooks = [
        layer.register_forward_hook(lambda module, args, output: sizes.append(output.numel()))
        for layer in model
    ]
    try:
        sample = torch.zeros((1, *sample_shape), dtype=first.dtype, device=first.device)
        with torch.no_grad():
            model(sample)
    finally:
        for hook in hooks:
            hook.remove()
    per_example = (sample.numel() + sum(sizes)) * bytes_per_value
    spare = memory_budget - parameters * (2 + optimizer_slots) * bytes_per_value
    return spare // per_example if spare > 0 else 0
