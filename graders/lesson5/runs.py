"""Comparing runs with the reference: where a trajectory parts from it, which call differs, which mistake explains it.

An optimizer that is slightly wrong is often right on the first step (no bias correction
matters less and less; a mis-kept state shows only from step 2), so runs are compared as
whole trajectories and the message says for how many steps they agreed.  A mistake from
the catalogue is named when its whole run matches the student's.  Runs of mistakes are
remembered per case (``remembered``), so a mistake many students make is run once.
"""

from __future__ import annotations

import torch
from torch import nn

from graders.api import StudentFailure, describe, difference


def torch_trajectory(optimizer_class, start, grads, hyperparameters):
    """(parameter after every step, final state) of ``optimizer_class`` stepping one tensor through ``grads``."""
    param = nn.Parameter(start.clone())
    optimizer = optimizer_class([param], foreach=False, **hyperparameters)
    trajectory = []
    for grad in grads:
        param.grad = grad.clone()
        optimizer.step()
        trajectory.append(param.detach().clone())
    return torch.stack(trajectory), optimizer.state[param]


def expect_trajectory(
    expect, got, want, *, what, mistakes=(), recompute=None, hint="", unit="step"
):
    """``expect.close`` for a tensor whose first dimension counts steps, naming the first step that differs."""
    tolerance = expect.tolerance(want)
    problem = difference(got, want, tolerance)
    if problem is None:
        return
    if (
        isinstance(got, torch.Tensor)
        and got.shape == want.shape
        and got.dtype == want.dtype
        and got.device == want.device
    ):
        first = next(
            k for k in range(len(want)) if difference(got[k], want[k], tolerance) is not None
        )
        agreed = f"the same as the reference for {first} {unit}(s), then different at {unit} {first + 1} of {len(want)}"
        problem = f"{agreed}: {difference(got[first], want[first], tolerance)}"
    raise AssertionError(
        explain(f"{what}: {problem}", expect.match(got, want, mistakes, recompute), hint)
    )


def expect_same_calls(expect, got, want, *, what, mistakes=(), recompute=None):
    """Fail at the first entry where two lists of plain records (dicts) differ."""
    if got == want:
        return
    if not isinstance(got, list):
        problem = f"got {describe(got)}"
    elif got[: len(want)] == want[: len(got)]:
        problem = f"{len(got)} calls, expected {len(want)}"
    else:
        index = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
        problem = (
            f"call {index + 1} of {len(want)} differs: {record_difference(got[index], want[index])}"
        )
    matched = []
    for mistake in mistakes if recompute else ():
        try:
            if recompute(mistake.function) == got:
                matched.append(mistake)
        except Exception:
            continue
    raise AssertionError(explain(f"{what}: {problem}", matched))


def record_difference(got, want) -> str:
    """The fields in which two records differ, the expected record's ``step`` and ``param`` saying which one it is."""
    if not isinstance(got, dict) or not isinstance(want, dict):
        return f"got {got!r}, expected {want!r}"
    which = ", ".join(f"{key} {want[key]}" for key in ("step", "param") if key in want)
    fields = [key for key in want if got.get(key, KeyError) != want[key]] + [
        key for key in got if key not in want
    ]
    details = "; ".join(
        f"{key}: got {got.get(key, '(missing)')!r}, expected {want.get(key, '(none)')!r}"
        for key in fields
    )
    return f"({which}) {details}" if which else details


def remembered(cache: dict, run):
    """``run(mistake_function)``, computed once per mistake and case.

    ``cache`` is the case's ``memo("mistakes' runs", dict)``, shared by every student graded in the session;
    what it holds is read, never modified, by the comparisons.
    """

    def run_once(function):
        key = f"{function.__module__}.{function.__qualname__}"
        if key not in cache:
            try:
                cache[key] = (True, run(function))
            except Exception as exc:
                cache[key] = (False, exc)
        finished, value = cache[key]
        if not finished:
            raise value
        return value

    return run_once


def mistakes_where(mistakes, run, predicate) -> list:
    """The mistakes whose run (``run(function)``) satisfies ``predicate``; a run that raises passes its exception."""
    found = []
    for mistake in mistakes:
        try:
            outcome = run(mistake.function)
        except Exception as exc:
            outcome = exc
        try:
            if predicate(outcome):
                found.append(mistake)
        except Exception:
            continue
    return found


def reraise_with_mistakes(failure: StudentFailure, mistakes, run, words: str):
    """Re-raise a student failure whose message contains ``words``, naming the mistakes that fail the same way."""
    if words not in failure.message:
        raise failure
    matched = mistakes_where(
        mistakes, run, lambda outcome: isinstance(outcome, Exception) and words in str(outcome)
    )
    if matched:
        raise type(failure)(
            failure.message + "\n" + "\n".join(m.explain() for m in matched), failure.output
        ) from None
    raise failure


def explain(message: str, matched, hint: str = "") -> str:
    if matched:
        return message + "\n" + "\n".join(m.explain() for m in matched)
    return message + (f"\nHint: {hint}" if hint else "")
