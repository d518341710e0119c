"""CS231n's eval_numerical_gradient loop: perturb one entry in place, evaluate, restore it exactly.

It perturbs a private, contiguous copy of x: perturbing x itself would write through the
shared memory of an expanded x (every row at once) and change a tensor the caller holds.
"""

import itertools

import torch


def numerical_gradient(f, x, h=1e-5):
    point = x.detach().clone(memory_format=torch.contiguous_format)
    grad = torch.zeros_like(point)
    for index in itertools.product(*map(range, point.shape)):
        old = point[index].item()
        point[index] = old + h
        f_plus = float(f(point))
        point[index] = old - h
        f_minus = float(f(point))
        point[index] = old  # restored exactly before the next entry
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
