"""Catalogues of plausible wrong implementations, kept beside each hidden grader.

A catalogue entry is a complete, runnable wrong implementation of an entry point with the
same signature, plus a name and a hint.  Graders use them twice: at grading time the
grader runs them on the test's inputs to recognise a student's mistake by its output
("looks like the sum, not the mean"), and the test suite turns each one into a mutant
submission that must lose points.

A catalogue also holds correct variants (``catalogue.variant``): right answers written
differently from the reference, which the suite grades as submissions that must get full
marks, so that the grader is shown to accept correct code that is not the reference.

Every function is pasted into a copy of the solution's module to make those submissions,
so it must be self-contained: it may use what the solution's module imports (torch, and
whatever else the module imports at its top) and nothing from the surrounding file.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

EXPLAINED = "This looks like "
_NAMED = re.compile(rf"^{EXPLAINED}(.+?): ", re.MULTILINE)


def named_in(message: str) -> list[str]:
    """The catalogue mistakes a failure message names (``Mistake.explain`` wrote them), in order."""
    return _NAMED.findall(message or "")


@dataclass(frozen=True)
class Mistake:
    entry: str
    name: str  # reads after "This looks like ...": "the sum instead of the mean"
    hint: str  # what to change
    function: Callable

    def explain(self) -> str:
        return f"{EXPLAINED}{self.name}: {self.hint}"

    def source(self) -> str:
        return source_as(self.function, self.entry)


@dataclass(frozen=True)
class Variant:
    """A correct implementation of ``entry`` written differently from the reference."""

    entry: str
    how: str  # what sets it apart: "a clamp instead of a mask"
    function: Callable

    def source(self) -> str:
        return source_as(self.function, self.entry)


def source_as(function: Callable, entry: str) -> str:
    """``function``'s source without its decorator, bound to the name ``entry``."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(("def ", "class ")))
    code = "\n".join(lines[start:]) + "\n"
    return code + f"\n\n{entry} = {function.__name__}\n"


class Catalogue:
    def __init__(self):
        self._mistakes: list[Mistake] = []
        self.variants: list[Variant] = []

    def variant(self, entry: str, how: str):
        """Register the decorated function as a correct implementation of ``entry``, written
        differently from the reference (``how`` says in what way)."""

        def register(function: Callable) -> Callable:
            self.variants.append(Variant(entry, how, function))
            return function

        return register

    def mistake(self, entry: str, name: str, hint: str):
        """Register the decorated function as a wrong implementation of ``entry``."""

        def register(function: Callable) -> Callable:
            self._mistakes.append(Mistake(entry, name, hint, function))
            return function

        return register

    def find(self, function: Callable) -> Mistake:
        """The entry registered for ``function``."""
        return next(m for m in self._mistakes if m.function is function)

    def of(self, entry: str) -> list[Mistake]:
        return [m for m in self._mistakes if m.entry == entry]

    def __iter__(self):
        return iter(self._mistakes)
