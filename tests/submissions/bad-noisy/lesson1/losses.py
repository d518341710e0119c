import sys
import warnings

import torch


def mse(input, target, reduction="mean"):
    """Wrong (the absolute error), and noisy: what it prints is the student's to read, but
    neither the grader's own warnings nor the grading machine's folders are."""
    warnings.warn("a warning of the student's own")  # located here: shown as lesson1/losses.py
    warnings.warn("blamed on the caller", stacklevel=2)  # located in the grader's probe file
    print("torch is in", torch.__file__, "and python in", sys.prefix)
    error = (input - target).abs()
    if reduction == "none":
        return error
    return error.sum() if reduction == "sum" else error.mean()
