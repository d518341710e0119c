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
    point = x.detach().clone()
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
        grad.view(-1)[i] = (f_plus - f_minus) / h
    return grad


@catalogue.mistake(
    "numerical_gradient",
    "x perturbed in place and never restored (CS231n's mutation, without its repair)",
    "perturb a copy of x, or put each element back exactly: the caller's x must be unchanged",
)
def numerical_gradient_mutates(f, x, h=1e-5):
    flat = x.data.view(-1)
    grad = torch.zeros_like(x)
    for i in range(flat.numel()):
        flat[i] += h
        f_plus = float(f(x))
        flat[i] -= 2 * h
        f_minus = float(f(x))
        grad.view(-1)[i] = (f_plus - f_minus) / (2 * h)
    return grad


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
    "a flat gradient instead of one shaped like x",
    "return a tensor of x's shape: grad.view(x.shape)",
)
def numerical_gradient_flat(f, x, h=1e-5):
    point = x.detach().clone()
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
    "an error relative to the numerical gradient alone, |a - n| / |n|",
    "divide by |a| + |n| (floored at 1e-8): symmetric, and finite where the numerical gradient is 0",
)
def check_relative_to_numeric(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    error = (analytic_grad - numeric).abs() / numeric.abs()
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
