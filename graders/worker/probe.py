"""Probes: small functions of ours that call a student's entry point and return plain data.

A probe receives a ``Context`` and the keyword parameters the grader sent (tensors already
on the grading device).  It calls student code only inside ``ctx.student_code()``, which
watches for forbidden calls, and returns values that ``codec.pack`` can send.  Probes
compute nothing that decides a score: comparisons happen in the grader.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
from collections.abc import Callable
from pathlib import Path

import torch

from . import forbidden

PROBES: dict[str, Callable] = {}

# What each probe's reply holds.  Student code runs in the same process as the probes and can
# change what they return, so the grader checks every reply against its probe's shape
# (graders/host/student.py, ``reply_problem``) before a hidden grader indexes into it.  A shape is
#   ANY                    whatever the student's code returned (the grader compares it);
#   a type                 ``isinstance``; None stands for None;
#   {key: shape, ...}      a dict with at least these keys, each of its shape;
#   [shape]                a list or tuple whose every item has that shape;
#   (shape, shape, ...)    any one of these shapes.
ANY = object
REPLIES: dict[str, object] = {}
# Parts of a reply that hold one item per item of a request parameter (or that many items, when
# the parameter is a number): {probe: {key: parameter}}, the key None standing for the reply.
LENGTHS: dict[str, dict[str | None, str]] = {}
# Request parameters a probe may change, because changing them is the exercise (an optimizer's
# parameter and state): {probe: names}.  Every other tensor of a request is an input, and an
# input the call changes costs the student the case (``WatchedInputs`` below).
MUTABLE: dict[str, frozenset[str]] = {}


_UNDECLARED = object()


def probe(
    function: Callable | None = None,
    *,
    reply=_UNDECLARED,
    lengths: dict[str | None, str] | None = None,
    mutable: tuple[str, ...] = (),
):
    """Register a probe under its function name, with the shape of its reply.

    ``@probe(reply={"value": ANY, "grads": list}, lengths={"grads": "wrt"})``: the reply is a
    dict whose "grads" is a list with one item per index in the request's ``wrt``.
    ``@probe(reply=ANY)`` for a probe that answers with the student's own value, which the
    grader compares.  A probe that declares nothing is refused here, when it is defined.
    ``mutable`` names the request parameters whose tensors the call is meant to change (an
    optimizer's ``param`` and ``state``); the worker checks that every other tensor of the
    request is left as it was.
    """

    def register(function: Callable) -> Callable:
        if reply is _UNDECLARED:
            raise TypeError(
                f"probe {function.__name__!r}: declare what it answers with, "
                "@probe(reply=...) (ANY when it answers with the student's own value)"
            )
        known = PROBES.get(function.__name__)
        # the same file imported again (after an import that failed half-way) replaces its own
        if known is not None and known.__module__ != function.__module__:
            raise RuntimeError(
                f"probe {function.__name__!r} is defined in {known.__module__} and in "
                f"{function.__module__}: probe names are one namespace for the whole course"
            )
        PROBES[function.__name__] = function
        REPLIES[function.__name__] = reply
        LENGTHS[function.__name__] = dict(lengths or {})
        MUTABLE[function.__name__] = frozenset(mutable)
        return function

    return register(function) if function is not None else register


@functools.cache
def load_all() -> None:
    """Import the generic calls (``calls.py``) and every probe file of the course.

    A lesson's probes live beside its graders, one file per student module
    (``graders/<lesson>/probes_<module>.py``, helpers several modules share in
    ``probes_common.py``).  The sandbox gets a copy of exactly those files beside ``worker/``
    (graders/host/sandbox.py), laid out as the same packages, so a probe file imports
    ``graders.worker.probe`` and its lesson's other probe files on both sides.  The warm worker
    imports them all once: what a probe file imports at its top is paid once, not per student.
    """
    from . import calls  # noqa: F401

    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.glob("*/probes_*.py")):
        importlib.import_module(f"{package.name}.{path.parent.name}.{path.stem}")


def shape_problem(value, shape, where: str = "the reply") -> str | None:
    """Where ``value`` departs from ``shape`` (see REPLIES), or None when it has it."""
    if shape is ANY:
        return None
    if shape is None:
        return None if value is None else f"{where} is a {type(value).__name__}, not None"
    if isinstance(shape, tuple):
        problems = [shape_problem(value, alternative, where) for alternative in shape]
        return None if None in problems else " and ".join(dict.fromkeys(problems))
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where} is a {type(value).__name__}, not a dict"
        for key, inner in shape.items():
            if key not in value:
                return f"{where} lacks {key!r}"
            problem = shape_problem(value[key], inner, f"{where}[{key!r}]")
            if problem:
                return problem
        return None
    if isinstance(shape, list):
        if not isinstance(value, (list, tuple)):
            return f"{where} is a {type(value).__name__}, not a list"
        for i, item in enumerate(value):
            problem = shape_problem(item, shape[0], f"{where}[{i}]")
            if problem:
                return problem
        return None
    if not isinstance(value, shape):
        return f"{where} is a {type(value).__name__}, not {shape.__name__}"
    return None


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
            raise EntryMissing(
                f"{name!r} in {self.module.__name__} is a {type(value).__name__}, not a function or class"
            )
        return value

    @contextlib.contextmanager
    def student_code(self):
        """Run the block as student code: every forbidden call in it is recorded."""
        with forbidden.watch(self.forbidden_names) as hits:
            try:
                yield
            finally:
                self.hits.extend(h for h in hits if h not in self.hits)


class WatchedInputs:
    """The tensors of a request, copied before the probe runs, to tell afterwards which it changed.

    A function that squares its ``input`` in place, or an optimizer that rescales the gradient
    it was given, returns the right value and breaks its caller: the caller's tensor is no
    longer what it holds.  The worker watches every tensor a request carries (but those of the
    probe's ``mutable`` parameters) and reports the ones a call changed, by the name the
    student's own signature gives them (``input``, ``target``), or by their place in the request
    (``grads[2]``).
    """

    def __init__(self, params: dict, mutable=frozenset()):
        self.watched = [
            (path, tensor, tensor.detach().clone())
            for key, value in params.items()
            if key not in mutable
            for path, tensor in _tensors(value, (key,))
        ]

    def changed(self) -> list[tuple]:
        """The paths (``("args", 0)``, ``("grads", 2)``) of the watched tensors that changed."""
        return [path for path, tensor, copy in self.watched if not unchanged(tensor, copy)]


def _tensors(value, path: tuple):
    if isinstance(value, torch.Tensor):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _tensors(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _tensors(item, (*path, i))


def unchanged(tensor: torch.Tensor, copy: torch.Tensor) -> bool:
    """Same shape, dtype and values (NaN where there was NaN); a resize or an in-place op changes it."""
    if tensor.shape != copy.shape or tensor.dtype != copy.dtype:
        return False
    if tensor.device.type == "meta":  # shapes without data: nothing else to compare
        return True
    same = tensor.detach() == copy
    if tensor.is_floating_point() or tensor.is_complex():
        same |= tensor.detach().isnan() & copy.isnan()
    return bool(same.all())


def input_name(path: tuple, function=None) -> str:
    """A readable name for a request tensor: its parameter's name in ``function``'s signature for
    ``("args", i)`` (``input``; a class's ``forward`` for ``args``, its constructor for
    ``init_args``), the keyword for ``("kwargs", name)``, else the path (``grads[2]``)."""
    head, *rest = path
    if head in ("args", "init_args", "kwargs", "init_kwargs") and rest:
        name = rest[0]
        if head.endswith("args") and not head.endswith("kwargs"):
            names = _positional_names(function, constructor=head == "init_args")
            name = names[name] if name < len(names) else f"argument {name + 1}"
        rest = [name, *rest[1:]]
    else:
        rest = [head, *rest]
    first, *indexes = rest
    return str(first) + "".join(f"[{i!r}]" if isinstance(i, str) else f"[{i}]" for i in indexes)


def _positional_names(function, *, constructor: bool) -> list[str]:
    """The names of ``function``'s positional parameters (a class: of its ``forward``, or of its
    constructor); none when it has no signature to read."""
    if isinstance(function, type) and not constructor:
        function = getattr(function, "forward", None)
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return []
    if parameters and parameters[0].name == "self" and not constructor:
        parameters = parameters[1:]
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters if p.kind in kinds]
