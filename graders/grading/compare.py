"""Comparing a student's value with the reference, with failure messages that teach.

The words of every difference come from ``solutions/checks.py``, the helper the visible
tests ship with, so students read the same messages locally and in their feedback.  Here
they get the course's tolerances per dtype and device and, when the student's value equals
what a known mistake from the exercise's catalogue produces on the same inputs, the name of
that mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from graders.course.model import Course, Exercise, Tolerance
from graders.grading import reference
from graders.grading.mistakes import Mistake
from graders.worker.codec import Opaque

checks = reference.load("checks")


class Expect:
    """Assertions for one exercise, with its tolerances per dtype and device."""

    def __init__(self, course: Course, exercise: Exercise):
        self.course, self.exercise = course, exercise

    def tolerance(self, want) -> Tolerance:
        tensor = want if isinstance(want, torch.Tensor) else torch.zeros((), dtype=torch.float64)
        dtype = "float64" if tensor.dtype in (torch.float64, torch.complex128) else "float32"
        return self.course.tolerance(dtype, tensor.device.type, self.exercise)

    def close(
        self,
        got,
        want,
        *,
        what: str,
        mistakes: Iterable[Mistake] = (),
        recompute: Callable[[Callable], object] | None = None,
        hint: str = "",
    ) -> None:
        """Fail unless ``got`` matches the reference tensor or number ``want``.

        On a mismatch, each mistake's function is run through ``recompute`` (the same call
        the reference got) and the message names every mistake whose output ``got`` equals.
        """
        tolerance = self.tolerance(want)
        problem = difference(got, want, tolerance)
        if problem is None:
            return
        message = f"{what}: {problem}"
        matched = self.match(got, want, mistakes, recompute)
        if matched:
            message += "\n" + "\n".join(m.explain() for m in matched)
        elif hint:
            message += f"\nHint: {hint}"
        raise AssertionError(message)

    def match(self, got, want, mistakes: Iterable[Mistake], recompute) -> list[Mistake]:
        """The mistakes whose output on the same inputs is what the student returned."""
        if recompute is None:
            return []
        tolerance = self.tolerance(want)
        matched = []
        for mistake in mistakes:
            try:
                wrong = recompute(mistake.function)
            except Exception:
                continue
            if (
                difference(got, wrong, tolerance) is None
                and difference(want, wrong, tolerance) is not None
            ):
                matched.append(mistake)
        return matched

    def equal(self, got, want, *, what: str, hint: str = "") -> None:
        if not same(got, want):
            message = f"{what}: got {describe(got)}, expected {describe(want)}"
            raise AssertionError(message + (f"\nHint: {hint}" if hint else ""))

    def that(self, condition: bool, message: str) -> None:
        if not condition:
            raise AssertionError(message)


def difference(got, want, tolerance: Tolerance) -> str | None:
    """None when ``got`` matches ``want``; otherwise what differs.

    ``got`` comes from student code and can be anything the codec lets through; a value the
    comparison cannot even handle is a difference, never an error of the grader's.
    """
    if isinstance(got, Opaque):
        return f"expected {describe(want)}, got {describe(got)}"
    try:
        return checks.difference(got, want, tolerance.rtol, tolerance.atol)
    except Exception as exc:
        return (
            f"expected {describe(want)}, got {describe(got)}, which cannot be compared with it "
            f"({type(exc).__name__})"
        )


def same(got, want) -> bool:
    """Exactly equal values of exactly the same type, for any ``got`` (tensors included)."""
    if type(got) is not type(want):
        return False
    if isinstance(want, torch.Tensor):
        return (
            got.shape == want.shape
            and got.dtype == want.dtype
            and bool(torch.equal(got.cpu(), want.cpu()))
        )
    try:
        return bool(got == want)
    except Exception:
        return False


def describe(value) -> str:
    """A short description of any value a student returned."""
    if isinstance(value, Opaque):
        return f"an object of type {value.type_name} ({value.text[:80]})"
    return checks.describe(value)


def describe_call(name: str, *args, **kwargs) -> str:
    """``mse(float64 tensor (3, 4, 5), float64 tensor (3, 4, 5), reduction='sum')`` for messages."""

    def show(value) -> str:
        if isinstance(value, torch.Tensor):
            return f"{str(value.dtype).replace('torch.', '')} tensor {tuple(value.shape)}"
        return repr(value)

    shown = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"
