"""Plausible wrong implementations of lesson4/gradient_check.py (see graders/grading/mistakes.py).

The ``gradient_check`` mistakes call ``numerical_gradient``, which is the reference's both
here and in a mutant (the solution file with one entry point replaced).
"""

import torch

from graders.api import Catalogue, load_reference

catalogue = Catalogue()
numerical_gradient = load_reference("lesson4.gradient_check").numerical_gradient

# -- numerical_gradient ----------------------------------------------------------------------------


@catalogue.mistake(
    "numerical_gradient",
    "a forward difference (f(x + h) - f(x)) / h",
    "the central difference (f(x + h) - f(x - h)) / (2h) is accurate to O(h**2), the forward one only to O(h)",
)
def numerical_gradient_forward(f, x, h=1e-5):
    point = x.detach().clone(memory_format=torch.contiguous_format)
    flat = point.view(-1)
    grad = torch.zeros_like(point)
    f_here = float(f(point))
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        grad.view(-1)[i] = (float(f(point)) - f_here) / h
        flat[i] = original
    return grad


@catalogue.mistake(
    "numerical_gradient",
    "the central difference divided by h instead of 2h",
    "x + h and x - h are 2h apart: divide by 2 * h",
)
def numerical_gradient_half_step(f, x, h=1e-5):
    point = x.detach().clone(memory_format=torch.contiguous_format)
    flat = point.view(-1)
    grad = torch.zeros_like(point)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        f_plus = float(f(point))
        flat[i] = original - h
        f_minus = float(f(point))
        flat[i] = original
        grad.view(-1)[i] = (f_plus - f_minus) / h
    return grad


@catalogue.mistake(
    "numerical_gradient",
    "x perturbed in place and never restored (CS231n's mutation, without its repair)",
    "perturb a copy of x, or put each element back exactly: the caller's x must be unchanged",
)
def numerical_gradient_mutates(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        index = tuple(int(j) for j in torch.unravel_index(torch.tensor(i), x.shape))
        x.data[index] += h
        f_plus = float(f(x))
        x.data[index] -= 2 * h
        f_minus = float(f(x))
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


@catalogue.mistake(
    "numerical_gradient",
    "perturbations written into a flattened copy of a non-contiguous x, which f never sees "
    "(so every difference is 0)",
    "flatten() and reshape(-1) return a copy when x is transposed, sliced or expanded: perturb "
    "point = x.detach().clone(memory_format=torch.contiguous_format) through point.view(-1), and "
    "call f(point)",
)
def numerical_gradient_flattened_copy(f, x, h=1e-5):
    flat = x.data.flatten()
    grad = torch.zeros(x.numel(), dtype=x.dtype, device=x.device)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        f_plus = float(f(x))
        flat[i] = original - h
        f_minus = float(f(x))
        flat[i] = original
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(x.shape)


@catalogue.mistake(
    "numerical_gradient",
    "view(-1) of a tensor made like a transposed x (clone() and zeros_like keep x's strides, "
    "which view(-1) cannot flatten)",
    "make the copy and the gradient contiguous before view(-1): x.detach().clone(memory_format="
    "torch.contiguous_format), torch.zeros(x.shape, dtype=x.dtype, device=x.device)",
)
def numerical_gradient_view_of_strided_clone(f, x, h=1e-5):
    point = x.detach().clone()
    flat = point.view(-1)
    grad = torch.zeros_like(point)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        f_plus = float(f(point))
        flat[i] = original - h
        f_minus = float(f(point))
        flat[i] = original
        grad.view(-1)[i] = (f_plus - f_minus) / (2 * h)
    return grad


@catalogue.mistake(
    "numerical_gradient",
    "x itself perturbed in place and restored (CS231n's x[ix] = oldval + h), which autograd "
    "refuses for an x that requires grad and which moves every element an expanded x shares",
    "perturb a copy, point = x.detach().clone(memory_format=torch.contiguous_format), never x",
)
def numerical_gradient_in_place_on_x(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        index = tuple(int(j) for j in torch.unravel_index(torch.tensor(i), x.shape))
        original = x[index].item()
        x[index] = original + h
        f_plus = float(f(x))
        x[index] = original - h
        f_minus = float(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


@catalogue.mistake(
    "numerical_gradient",
    "the gradient built with torch.tensor from a list of Python floats (float32, whatever x's dtype)",
    "torch.tensor(list) takes the default dtype: create the gradient with torch.zeros_like(x), or "
    "pass dtype=x.dtype, device=x.device",
)
def numerical_gradient_from_a_list(f, x, h=1e-5):
    point = x.detach().clone(memory_format=torch.contiguous_format)
    flat = point.view(-1)
    values = []
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        f_plus = float(f(point))
        flat[i] = original - h
        f_minus = float(f(point))
        flat[i] = original
        values.append((f_plus - f_minus) / (2 * h))
    return torch.tensor(values).reshape(x.shape)


@catalogue.mistake(
    "numerical_gradient",
    "every element perturbed at once",
    "nudge one element at a time: x + h * e_i changes element i only",
)
def numerical_gradient_all_at_once(f, x, h=1e-5):
    point = x.detach()
    slope = (float(f(point + h)) - float(f(point - h))) / (2 * h)
    return torch.full_like(point, slope)


@catalogue.mistake(
    "numerical_gradient", "the step h ignored (always 1e-5)", "use the h the caller passes"
)
def numerical_gradient_fixed_step(f, x, h=1e-5):
    h = 1e-5
    point = x.detach().clone(memory_format=torch.contiguous_format)
    flat = point.view(-1)
    grad = torch.zeros_like(point)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        f_plus = float(f(point))
        flat[i] = original - h
        f_minus = float(f(point))
        flat[i] = original
        grad.view(-1)[i] = (f_plus - f_minus) / (2 * h)
    return grad


@catalogue.mistake(
    "numerical_gradient",
    "a flat gradient instead of one shaped like x",
    "return a tensor of x's shape: grad.view(x.shape)",
)
def numerical_gradient_flat(f, x, h=1e-5):
    point = x.detach().clone(memory_format=torch.contiguous_format)
    flat = point.view(-1)
    grad = torch.zeros(flat.numel(), dtype=x.dtype, device=x.device)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        f_plus = float(f(point))
        flat[i] = original - h
        f_minus = float(f(point))
        flat[i] = original
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


# -- gradient_check ----------------------------------------------------------------------------------


@catalogue.mistake(
    "gradient_check",
    "an error relative to the numerical gradient alone, |a - n| / max(|n|, 1e-8)",
    "divide by |a| + |n| (floored at 1e-8): symmetric, and not huge where the numerical gradient is 0",
)
def check_relative_to_numeric(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    error = (analytic_grad - numeric).abs() / numeric.abs().clamp(min=1e-8)
    return error.max().item(), tuple(
        int(i) for i in torch.unravel_index(error.argmax(), error.shape)
    )


@catalogue.mistake(
    "gradient_check",
    "the absolute error |a - n| instead of the relative one",
    "an absolute error depends on the gradient's scale: divide by max(|a| + |n|, 1e-8)",
)
def check_absolute(f, x, analytic_grad, h=1e-5):
    error = (analytic_grad - numerical_gradient(f, x, h)).abs()
    return error.max().item(), tuple(
        int(i) for i in torch.unravel_index(error.argmax(), error.shape)
    )


@catalogue.mistake(
    "gradient_check",
    "the mean relative error instead of the maximum",
    "one wrong element is a bug: report the largest relative error, not the average",
)
def check_mean(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    error = (analytic_grad - numeric).abs() / (analytic_grad.abs() + numeric.abs()).clamp(min=1e-8)
    return error.mean().item(), tuple(
        int(i) for i in torch.unravel_index(error.argmax(), error.shape)
    )


@catalogue.mistake(
    "gradient_check",
    "a denominator of max(|a|, |n|) instead of |a| + |n|",
    "the course (and CS231n) define the relative error as |a - n| / max(|a| + |n|, 1e-8)",
)
def check_max_denominator(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    error = (analytic_grad - numeric).abs() / torch.maximum(
        analytic_grad.abs(), numeric.abs()
    ).clamp(min=1e-8)
    return error.max().item(), tuple(
        int(i) for i in torch.unravel_index(error.argmax(), error.shape)
    )


@catalogue.mistake(
    "gradient_check",
    "no floor under the denominator (0 / 0 where both gradients are 0)",
    "clamp |a| + |n| at 1e-8 so that elements where both are 0 count as error 0, not nan",
)
def check_unfloored(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    error = (analytic_grad - numeric).abs() / (analytic_grad.abs() + numeric.abs())
    return error.max().item(), tuple(
        int(i) for i in torch.unravel_index(error.argmax(), error.shape)
    )


@catalogue.mistake(
    "gradient_check",
    "a flat index instead of a tuple of ints",
    "report the element as x's index, e.g. (row, column): torch.unravel_index(flat, x.shape)",
)
def check_flat_index(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    error = (analytic_grad - numeric).abs() / (analytic_grad.abs() + numeric.abs()).clamp(min=1e-8)
    return error.max().item(), int(error.argmax())


@catalogue.mistake(
    "gradient_check",
    "the last of several equally bad elements (a running maximum updated on >=)",
    "report the first of equally bad elements, as argmax does: update the running maximum only on >",
)
def check_last_of_ties(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    error = (analytic_grad - numeric).abs() / (analytic_grad.abs() + numeric.abs()).clamp(min=1e-8)
    flat = error.reshape(-1)
    worst = 0
    for i in range(flat.numel()):
        if flat[i] >= flat[worst]:
            worst = i
    index = torch.unravel_index(torch.tensor(worst), error.shape)
    return flat[worst].item(), tuple(int(i) for i in index)


# -- correct variants ----------------------------------------------------------------------------


@catalogue.variant("numerical_gradient", "one basis step per element, added out of place")
def numerical_gradient_basis_steps(f, x, h=1e-5):
    point = x.detach()
    values = torch.empty(point.numel(), dtype=point.dtype, device=point.device)
    for i in range(point.numel()):
        step = torch.zeros(point.numel(), dtype=point.dtype, device=point.device)
        step[i] = h
        step = step.reshape(point.shape)
        values[i] = (float(f(point + step)) - float(f(point - step))) / (2 * h)
    return values.reshape(point.shape)


@catalogue.variant(
    "gradient_check", "torch.maximum for the floor, the first maximum found with nonzero()"
)
def check_maximum_and_nonzero(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    size = analytic_grad.abs() + numeric.abs()
    error = (analytic_grad - numeric).abs() / torch.maximum(size, torch.full_like(size, 1e-8))
    worst = error.max()
    index = (error == worst).nonzero()[0] if error.dim() else []
    return float(worst), tuple(int(i) for i in index)
