"""Comparing results made of several values, and naming the catalogue mistakes they match.

``expect.close`` compares one tensor or number.  Several lesson 2 exercises return more: a
point, a step count and a status; the batches of two epochs; a model's state after an
epoch; a DataLoader's configuration.  The grader turns such a result into a dict with
readable labels ({"status": ..., "number of steps": ...}), and ``check`` reports the first
labelled part that differs, and the mistakes whose result on the same inputs is the student's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from graders.api import Expect, Mistake, Tolerance, describe, difference


def first_difference(got, want, tolerance: Tolerance, label: str = "") -> str | None:
    """None when ``got`` matches ``want`` part by part; otherwise the first labelled difference."""
    where = f"{label}: " if label else ""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{where}expected a dict, got {describe(got)}"
        for key, value in want.items():
            if key not in got:
                return f"{where}{key} is missing"
            problem = first_difference(
                got[key], value, tolerance, f"{label}, {key}" if label else str(key)
            )
            if problem is not None:
                return problem
        return None
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return f"{where}expected {len(want)} items, got {describe(got)}"
        if len(got) != len(want):
            return f"{where}got {len(got)} items, expected {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            problem = first_difference(g, w, tolerance, f"{label} [{i}]" if label else f"[{i}]")
            if problem is not None:
                return problem
        return None
    if isinstance(want, (torch.Tensor, int, float)):
        problem = difference(got, want, tolerance)
        return None if problem is None else where + problem
    return (
        None
        if got == want and type(got) is type(want)
        else f"{where}got {describe(got)}, expected {describe(want)}"
    )


def tolerance_for(expect: Expect, want) -> Tolerance:
    """The exercise's tolerance for the first tensor in ``want`` (float64 on the CPU when it has none)."""
    return expect.tolerance(next(_tensors(want), None))


def _tensors(value):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)


def matching(
    expect: Expect, got, want, mistakes: Iterable[Mistake], recompute: Callable | None
) -> list[Mistake]:
    """The mistakes whose result on the same inputs equals the student's (and differs from the reference)."""
    if recompute is None:
        return []
    tolerance = tolerance_for(expect, want)
    found = []
    for mistake in mistakes:
        try:
            wrong = recompute(mistake.function)
        except Exception:
            continue
        if (
            first_difference(got, wrong, tolerance) is None
            and first_difference(want, wrong, tolerance) is not None
        ):
            found.append(mistake)
    return found


def check(
    expect: Expect,
    got,
    want,
    *,
    what: str,
    mistakes: Iterable[Mistake] = (),
    recompute: Callable | None = None,
    hint: str = "",
) -> None:
    """Fail unless ``got`` matches ``want`` part by part, naming the matched mistakes."""
    problem = first_difference(got, want, tolerance_for(expect, want))
    if problem is None:
        return
    message = f"{what}: {problem}"
    found = matching(expect, got, want, mistakes, recompute)
    if found:
        message += "\n" + "\n".join(m.explain() for m in found)
    elif hint:
        message += f"\nHint: {hint}"
    raise AssertionError(message)
