"""Probes for lesson1/selection.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch

from graders.worker.probe import ProbeError, probe

_SETTINGS = (
    "reduction",
    "delta",
    "beta",
    "pos_weight",
    "weight",
    "ignore_index",
    "label_smoothing",
    "log_input",
)


@probe(reply={"class": str, "own": [str], "settings": dict})
def describe_loss(ctx, problem, output, target):
    """The class and settings of the loss ``choose_loss(problem)`` returns, and its value on (output, target).

    ``own`` lists the names under which the student's module defines the returned class (so
    the grader can recognise ``CrossEntropyOnProbabilities`` whatever it is called).
    """
    choose = ctx.entry()
    with ctx.student_code():
        criterion = choose(dict(problem))
    if not isinstance(criterion, torch.nn.Module):
        raise ProbeError(
            f"{ctx.entry_name} returned a {type(criterion).__name__}; return a loss module such as torch.nn.MSELoss()"
        )
    kind = type(criterion)
    settings = {}
    for name in _SETTINGS:
        value = getattr(criterion, name, None)
        if isinstance(value, (str, int, float, bool, torch.Tensor)):
            settings[name] = value
    own = sorted(name for name, value in vars(ctx.module).items() if value is kind)
    description = {
        "class": f"{kind.__module__}.{kind.__qualname__}",
        "own": own,
        "settings": settings,
    }
    try:
        with ctx.student_code():
            description["value"] = criterion(output, target)
    except Exception as exc:
        description["value_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return description
