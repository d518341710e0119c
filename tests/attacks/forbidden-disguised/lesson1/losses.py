"""Forbidden functions reached by routes a plain name check misses: import_module and built strings, the
implementing module's own name, torch's Python decompositions, a name built at run time with the runtime watch
switched off."""

import importlib

from torch._decomp import decomposition_table
from torch.nn.modules import loss as implementation


def mse(input, target, reduction="mean"):
    functional = importlib.import_module("torch.nn." + "functional")
    return getattr(functional, "mse" + "_loss")(input, target, reduction=reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    return implementation.BCELoss(reduction=reduction)(input, target)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    aten = torch.ops.aten
    code = {"none": 0, "mean": 1, "sum": 2}[reduction]
    return decomposition_table[aten.binary_cross_entropy_with_logits.default](input, target, reduction=code)


def cross_entropy(input, target, reduction="mean"):
    from torch.overrides import _pop_mode
    from torch.utils._python_dispatch import _pop_mode as pop_dispatch

    for pop in (_pop_mode, pop_dispatch):  # take the grader's watchers off torch's mode stacks
        try:
            while True:
                pop()
        except Exception:
            pass
    name = bytes([99, 114, 111, 115, 115, 95, 101, 110, 116, 114, 111, 112, 121]).decode()  # spelled nowhere
    function = getattr(torch.nn.functional, name)
    function = getattr(function, "__wrapped__", function)  # past the attribute the watch wrapped
    return function(input, target, reduction=reduction)
