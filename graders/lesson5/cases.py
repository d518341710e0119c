"""Shared by lesson 5's graders: cases that run in chosen dtypes, a student's function called on an
objective, and results that must come without autograd history."""

import pytest
import torch

from graders.api import describe_call, difference, remembered
from graders.lesson5.probes_common import build_objective, history_run

BOTH, DOUBLE = (torch.float32, torch.float64), (torch.float64,)


def with_dtypes(cases, exercise, weight=1):
    """One pytest case per (case, dtype in its last field), marked for ``exercise``; ids read ``<case id>-<dtype>``."""
    return [
        pytest.param(
            case,
            dtype,
            id=f"{case[0]}-{str(dtype)[6:]}",
            marks=pytest.mark.exercise(exercise, weight=weight),
        )
        for case in cases
        for dtype in case[-1]
    ]


def check_on_objective(
    student, expect, memo, reference, mistakes, name, objective, x, hint="", **kwargs
):
    """``entry(f, x, **kwargs)`` in the sandbox, ``f`` built there from ``objective``, against ``reference`` here."""
    f = build_objective(objective)
    want = memo("reference", lambda: reference(f, x, **kwargs))
    got = student.probe("call_on_objective", objective=objective, args=(x,), kwargs=kwargs)
    expect.close(
        got,
        want,
        what=describe_call(f"{reference.__name__}(<{name}>, ...)", x, **kwargs),
        mistakes=mistakes,
        recompute=lambda wrong: wrong(f, x, **kwargs),
        hint=hint,
    )


def check_without_history(
    student, expect, memo, reference, mistakes, what, args, kwargs, requires_grad, objective=None
):
    """``entry([f,] *args, **kwargs)`` with the arguments numbered in ``requires_grad`` requiring grad:
    the reference's value, and no autograd history (the docstrings promise a result without it)."""
    want = memo("reference", lambda: history_run(reference, objective, args, kwargs, requires_grad))
    runs = remembered(
        memo("mistakes' runs", dict),
        lambda wrong: history_run(wrong, objective, args, kwargs, requires_grad),
    )
    got = student.probe(
        "call_with_history",
        objective=objective,
        args=args,
        kwargs=kwargs,
        requires_grad=requires_grad,
    )
    expect.close(
        got["value"],
        want["value"],
        what=what,
        mistakes=mistakes,
        recompute=lambda wrong: runs(wrong)["value"],
    )
    if got["has_grad_fn"]:
        tolerance = expect.tolerance(want["value"])
        expect.fail(
            f"{what}: the right values, but with autograd history (a grad_fn): the result must "
            "not keep the graph of the computation alive",
            mistakes=mistakes,
            recompute=runs,
            like=lambda run: (
                run["has_grad_fn"] and difference(run["value"], want["value"], tolerance) is None
            ),
            hint="return a tensor without history: .detach() it, or compute it under torch.no_grad()",
        )
