"""Probes: small functions of ours that call a student's entry point and return plain data.

A probe receives a ``Context`` and the keyword parameters the grader sent (tensors already
on the grading device).  It calls student code only inside ``ctx.student_code()``, which
watches for forbidden calls, and returns values that ``codec.pack`` can send.  Probes
compute nothing that decides a score: comparisons happen in the grader.
"""

from __future__ import annotations

import contextlib
from typing import Callable

from . import forbidden

PROBES: dict[str, Callable] = {}


def probe(function: Callable) -> Callable:
    """Register a probe under its function name."""
    if function.__name__ in PROBES:
        raise RuntimeError(f"probe {function.__name__!r} is defined twice")
    PROBES[function.__name__] = function
    return function


class ProbeError(Exception):
    """The student's code returned something the probe cannot use; the message says what."""


class EntryMissing(ProbeError):
    """The module has no attribute with the entry point's name."""


class Context:
    def __init__(self, module, entry: str, forbidden_names, device: str):
        self.module, self.entry_name, self.device = module, entry, device
        self.forbidden_names = tuple(forbidden_names)
        self.hits: list[str] = []

    def entry(self, name: str | None = None):
        """The student's function or class called ``name`` (default: the exercise's entry point)."""
        name = name or self.entry_name
        try:
            value = getattr(self.module, name)
        except AttributeError:
            raise EntryMissing(f"{self.module.__name__} defines no {name!r}") from None
        except Exception as exc:  # a module __getattr__ of the student's that raises
            raise EntryMissing(f"looking up {name!r} raised {type(exc).__name__}: {exc}") from None
        if not callable(value):
            raise EntryMissing(f"{name!r} in {self.module.__name__} is a {type(value).__name__}, not a function or class")
        return value

    @contextlib.contextmanager
    def student_code(self):
        """Run the block as student code: every forbidden call in it is recorded."""
        with forbidden.watch(self.forbidden_names) as hits:
            try:
                yield
            finally:
                self.hits.extend(h for h in hits if h not in self.hits)
