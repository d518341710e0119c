"""CS231n's eval_numerical_gradient: perturb x itself, one entry at a time, and restore it exactly."""

import itertools

import torch


def numerical_gradient(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    with torch.no_grad():
        for index in itertools.product(*map(range, x.shape)):
            old = x[index].item()
            x[index] = old + h
            f_plus = float(f(x))
            x[index] = old - h
            f_minus = float(f(x))
            x[index] = old  # restored exactly: the caller's x is as it was
            grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
