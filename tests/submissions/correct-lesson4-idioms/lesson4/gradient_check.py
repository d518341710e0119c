"""Correct gradient checking: one working copy perturbed and restored by index tuples; numpy to unravel."""

import itertools

import numpy as np
import torch


def numerical_gradient(f, x, h=1e-5):
    work = x.detach().clone()
    grad = torch.zeros_like(work)
    for index in itertools.product(*(range(n) for n in work.shape)):
        saved = work[index].clone()
        work[index] = saved + h
        up = f(work)
        work[index] = saved - h
        down = f(work)
        work[index] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


def gradient_check(f, x, analytic_grad, h=1e-5):
    numeric = numerical_gradient(f, x, h)
    error = torch.abs(analytic_grad - numeric) / torch.clamp_min(torch.abs(analytic_grad) + torch.abs(numeric), 1e-8)
    flat = error.flatten().argmax().item()
    return error.flatten()[flat].item(), tuple(int(i) for i in np.unravel_index(flat, tuple(error.shape)))
