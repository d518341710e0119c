"""Shared by lesson 5's graders: cases that run in chosen dtypes, and a student's function called on an objective."""

import pytest
import torch

from graders.api import describe_call
from graders.lesson5.probes_common import build_objective

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
