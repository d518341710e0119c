"""Returns things that are not tensors: a list, an object pretending to be a float, a numpy scalar."""

import numpy
import torch


class Liar(float):
    def __eq__(self, other):
        return True


def mse(input, target, reduction="mean"):
    return ((input - target) ** 2).flatten().tolist()


def binary_cross_entropy(input, target, reduction="mean"):
    return Liar(0.0)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    return numpy.float64(0.5)


def cross_entropy(input, target, reduction="mean"):
    return object()
