"""Comparing a student's value with the reference, with failure messages that teach.

The words of every difference come from ``solutions/checks.py``, the helper the visible
tests ship with, so students read the same messages locally and in their feedback.  Here
they get the course's tolerances per dtype and device and, when the student's value equals
what a known mistake from the exercise's catalogue produces on the same inputs, the name of
that mistake.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import NoReturn

import torch

from graders.course.model import Course, Exercise, Tolerance
from graders.grading import figures, reference
from graders.grading.mistakes import Mistake
from graders.host.failures import ChangedInput, StudentFailure, StudentRaised, scrub
from graders.worker.codec import Opaque
from graders.worker.probe import WatchedInputs, input_name, unchanged

checks = reference.load("checks")


class Expect:
    """Assertions for one exercise, with its tolerances per dtype and device.

    One family of comparisons, each of which names the catalogue mistakes that give the
    student's result on the same inputs (``recompute(mistake.function)`` runs a mistake the way
    the reference ran):

    - ``close``       a tensor, a number, or a structure of them (dicts, lists), part by part;
    - ``trajectory``  a tensor whose first dimension counts steps: says for how many they agreed;
    - ``records``     lists of plain records (the calls an optimizer made): the first that differs;
    - ``not_raised``  an outcome that holds an exception as data (``{"raised": {...}}``);
    - ``fails_like``  a ``StudentFailure``, re-raised with the mistakes that fail the same way;
    - ``changed``     a ``ChangedInput`` from a probe, re-raised with the mistakes that change
                      the same inputs (``student.call`` names those itself);
    - ``fail``        any other property of the student's result (a state left empty, a tensor
                      moved to new storage): the mistakes whose run has the property too.

    ``close``, ``trajectory`` and ``fail`` take a ``figure`` (graders/grading/figures.py), or a
    function that builds one: built only when the comparison fails, it is drawn beside the
    failure in the student's feedback.  ``trajectory`` draws one by itself.
    """

    def __init__(self, course: Course, exercise: Exercise):
        self.course, self.exercise = course, exercise

    def tolerance(self, want) -> Tolerance:
        """The tolerance for ``want``'s first tensor (float64 on the CPU when it has none)."""
        tensor = next(_tensors(want), None)
        if tensor is None:
            tensor = torch.zeros((), dtype=torch.float64)
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
        figure: figures.Figure | Callable[[], figures.Figure] | None = None,
    ) -> None:
        """Fail unless ``got`` matches ``want``: a tensor, a number, or dicts and lists of them.

        A structure is compared part by part and the message names the first labelled part
        that differs ("status: ...", "epoch 2 [3]: ..."); give a structure readable keys.
        """
        tolerance = self.tolerance(want)
        problem = first_difference(got, want, tolerance)
        if problem is None:
            return
        self.fail(
            f"{what}: {problem}",
            mistakes=mistakes,
            recompute=recompute,
            like=gives(got, want, tolerance),
            hint=hint,
            figure=figure,
        )

    def trajectory(
        self,
        got,
        want,
        *,
        what: str,
        mistakes: Iterable[Mistake] = (),
        recompute: Callable | None = None,
        hint: str = "",
        unit: str = "step",
        figure: figures.Figure | Callable[[], figures.Figure] | None | str = "steps",
    ) -> None:
        """``close`` for a tensor whose first dimension counts steps, naming the first step that differs.

        A slightly wrong optimizer is often right on its first step (a mis-kept state shows only
        from step 2), so the message says for how many steps the run agreed with the reference,
        and the figure (unless ``figure`` is another, or None) draws both runs and their
        difference per step (``figures.steps``).
        """
        tolerance = self.tolerance(want)
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
            agreed = (
                f"the same as the reference for {first} {unit}(s), "
                f"then different at {unit} {first + 1} of {len(want)}"
            )
            problem = f"{agreed}: {difference(got[first], want[first], tolerance)}"
        if figure == "steps":

            def both_runs():
                return figures.figure(
                    what, *figures.steps(want, got, tolerance=tolerance, unit=unit)
                )

            figure = both_runs
        self.fail(
            f"{what}: {problem}",
            mistakes=mistakes,
            recompute=recompute,
            like=gives(got, want, tolerance),
            hint=hint,
            figure=figure,
        )

    def records(
        self,
        got,
        want: list,
        *,
        what: str,
        mistakes: Iterable[Mistake] = (),
        recompute: Callable | None = None,
    ) -> None:
        """Fail at the first entry where two lists of plain records (dicts) differ.

        The expected record's ``step`` and ``param``, when it has them, say which one it is.
        """
        if got == want:
            return
        if not isinstance(got, list):
            problem = f"got {describe(got)}"
        elif got[: len(want)] == want[: len(got)]:
            problem = f"{len(got)} calls, expected {len(want)}"
        else:
            index = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
            problem = f"call {index + 1} of {len(want)} differs: {record_difference(got[index], want[index])}"
        self.fail(
            f"{what}: {problem}",
            mistakes=mistakes,
            recompute=recompute,
            like=lambda theirs: isinstance(theirs, list) and theirs == got,
        )

    def not_raised(
        self,
        outcome: dict,
        *,
        what: str,
        mistakes: Iterable[Mistake] = (),
        recompute: Callable[[Callable], dict] | None = None,
    ) -> None:
        """Fail when ``outcome["raised"]`` holds an error, naming every mistake that raises the same.

        Probes return some errors as data (``{"type", "message", "phase", "at"}``) because the
        error is the symptom: an in-place change of a saved tensor, a backward that returns the
        wrong number of gradients.
        """
        raised = outcome.get("raised")
        if not raised:
            return
        phase = f"the {raised['phase']} pass " if raised.get("phase") else ""
        where = f" (at {raised['at']})" if raised.get("at") else ""
        self.fail(
            f"{what}: {phase}raised {raised['type']}: {raised['message']}{where}",
            mistakes=mistakes,
            recompute=recompute,
            like=lambda theirs: (
                isinstance(theirs, dict) and same_error(raised, theirs.get("raised"))
            ),
        )

    def fails_like(
        self,
        failure: StudentFailure,
        *,
        words: str,
        mistakes: Iterable[Mistake] = (),
        recompute: Callable | None = None,
    ) -> NoReturn:
        """Re-raise a failure of the student's code; when its message holds ``words``, name the
        mistakes whose run fails with those words too."""
        if words not in failure.message:
            raise failure
        matched = self.mistakes_like(
            mistakes, recompute, lambda exc: words in str(exc), errors=True
        )
        if matched:
            raise type(failure)(explained(failure.message, matched), failure.output) from None
        raise failure

    def changed(
        self,
        failure: StudentFailure,
        *,
        mistakes: Iterable[Mistake] = (),
        recompute: Callable | None = None,
        like: Callable[[object], bool],
    ) -> NoReturn:
        """Re-raise a failure of the student's code; a ``ChangedInput`` (a probe's call changed
        its inputs in place) with the mistakes whose run is ``like`` it named: a probe's own
        inputs are the grader's to interpret, so it says which runs changed them."""
        if not isinstance(failure, ChangedInput):
            raise failure
        matched = self.mistakes_like(mistakes, recompute, like)
        raise ChangedInput(
            explained(failure.message, matched), failure.output, failure.inputs
        ) from None

    def fail(
        self,
        message: str,
        *,
        mistakes: Iterable[Mistake] = (),
        recompute: Callable | None = None,
        like: Callable[[object], bool] | None = None,
        hint: str = "",
        figure: figures.Figure | Callable[[], figures.Figure] | None = None,
    ) -> NoReturn:
        """Fail with ``message``, naming the mistakes whose run (``recompute``) is ``like`` the student's.

        ``like`` receives each mistake's run (a mistake whose run raises is not named: that is
        ``fails_like``'s business); without ``like`` no mistake is named.  ``hint`` is shown
        when none is.  ``figure`` travels with the failure, built only if the plugin keeps it.
        """
        matched = self.mistakes_like(mistakes, recompute, like) if like else []
        raise WrongValue(explained(message, matched, hint), figure)

    @staticmethod
    def mistakes_like(
        mistakes: Iterable[Mistake],
        recompute: Callable | None,
        like: Callable[[object], bool],
        *,
        errors: bool = False,
    ) -> list[Mistake]:
        """The mistakes whose run is ``like`` the student's result: the one place mistakes are matched.

        ``like`` gets each mistake's run; with ``errors``, the exception each run raised instead
        (a run that does not raise is then not like a failure).  A ``like`` that cannot compare
        (the student's value is odd enough to make it raise) matches nothing.
        """
        if recompute is None:
            return []
        found = []
        inputs = _captured_tensors(recompute)
        for mistake in mistakes:
            try:
                outcome = recompute(mistake.function)
            except Exception as exc:
                if not errors:
                    continue
                outcome = exc
            else:
                if errors:
                    continue
            finally:
                inputs.restore()  # a mistake that changes its inputs in place changes the case's
            try:
                if like(outcome):
                    found.append(mistake)
            except Exception:
                continue
        return found

    def equal(self, got, want, *, what: str, hint: str = "") -> None:
        if not same(got, want):
            message = f"{what}: got {describe(got)}, expected {describe(want)}"
            raise AssertionError(message + (f"\nHint: {hint}" if hint else ""))

    def that(self, condition: bool, message: str) -> None:
        if not condition:
            raise AssertionError(message)


class WrongValue(AssertionError):
    """A hidden test's failed comparison, with the figure that shows it, or the function that
    builds it (None: no picture); ``figures.built`` builds it when the plugin keeps it."""

    def __init__(
        self, message: str, figure: figures.Figure | Callable[[], figures.Figure] | None = None
    ):
        super().__init__(message)
        self.figure = figure


class _CapturedTensors:
    """The tensors a ``recompute`` closure holds (the case's inputs), to put back after each mistake.

    A catalogue mistake may change its inputs in place, as the student's code did (that is the
    mistake); run on the case's own tensors, it would change them for every mistake after it.
    """

    def __init__(self, tensors: list[torch.Tensor]):
        self.saved = [(t, t.detach().clone()) for t in tensors]

    def restore(self) -> None:
        with torch.no_grad():
            for tensor, copy in self.saved:
                if unchanged(tensor, copy):
                    continue
                try:
                    if tensor.shape != copy.shape:
                        tensor.resize_(copy.shape)
                    tensor.copy_(copy)
                except RuntimeError:  # a tensor autograd will not let change: the mistake's loss
                    continue


def _captured_tensors(function: Callable) -> _CapturedTensors:
    found: dict[int, torch.Tensor] = {}

    def visit(value, depth=0):
        if isinstance(value, torch.Tensor):
            if value.device.type != "meta":  # shapes without data: nothing to put back
                found.setdefault(id(value), value)
        elif depth < 4 and callable(value) and getattr(value, "__closure__", None):
            for cell in value.__closure__:  # remembered(cache, lambda wrong: ...) holds a lambda
                try:
                    visit(cell.cell_contents, depth + 1)
                except ValueError:  # a cell not filled yet
                    continue
        elif depth < 4 and isinstance(value, dict):
            for item in value.values():
                visit(item, depth + 1)
        elif depth < 4 and isinstance(value, (list, tuple)):
            for item in value:
                visit(item, depth + 1)

    visit(function)
    for default in getattr(function, "__defaults__", None) or ():
        visit(default)
    return _CapturedTensors(list(found.values()))


def explained(message: str, matched: Iterable[Mistake], hint: str = "") -> str:
    """``message`` and a line per matched mistake ("This looks like ..."), else the hint."""
    lines = [m.explain() for m in matched]
    if lines:
        return "\n".join([message, *lines])
    return message + (f"\nHint: {hint}" if hint else "")


def failing_alike(
    mistakes: Iterable[Mistake],
    failure: StudentFailure,
    args: tuple,
    kwargs: dict,
    wrt: tuple = (),
) -> StudentFailure:
    """``failure`` of a call ``entry(*args, **kwargs)``, naming the mistakes that fail alike.

    Each mistake runs on copies of the student's arguments.  For a call that changed its inputs
    (``ChangedInput``), the mistakes that change the same ones: one that squares ``input`` in
    place is named for a student whose call changed ``input``, and nothing else.  For a call
    that raised (``StudentRaised``), the mistakes that raise the same type with the same message:
    a ``.view(-1)`` on a transposed input.  Other failures are returned as they are.
    """
    if isinstance(failure, ChangedInput):
        same = _changes(set(failure.inputs))
    elif isinstance(failure, StudentRaised) and failure.raised[0]:
        same = _raises(*failure.raised)
    else:
        return failure
    matched = []
    for mistake in mistakes:
        if isinstance(mistake.function, type):
            continue
        copies = _cloned((args, kwargs))
        positional = [
            a.requires_grad_(True)
            if i in wrt and torch.is_tensor(a) and a.is_floating_point()
            else a
            for i, a in enumerate(copies[0])
        ]
        inputs = WatchedInputs({"args": positional, "kwargs": copies[1]})
        try:
            mistake.function(*positional, **copies[1])
        except Exception as exc:
            outcome = exc
        else:
            outcome = None
        if same(mistake, outcome, inputs):
            matched.append(mistake)
    if not matched:
        return failure
    explained_failure = copy.copy(failure)
    explained_failure.message = explained(failure.message, matched)
    explained_failure.args = (explained_failure.message,)
    return explained_failure


def _changes(names: set[str]):
    def same(mistake: Mistake, outcome, inputs: WatchedInputs) -> bool:
        changed = {input_name(path, mistake.function) for path in inputs.changed()}
        return outcome is None and bool(changed) and changed == names

    return same


def _comparable(message: str) -> str:
    """An error message without what differs from run to run: addresses, autograd node names."""
    return scrub(_NODE_NAME.sub("", message.strip()))


def _raises(kind: str, message: str):
    def same(mistake: Mistake, outcome, inputs: WatchedInputs) -> bool:
        return (
            isinstance(outcome, Exception)
            and type(outcome).__name__ == kind
            and _comparable(str(outcome)) == _comparable(message)
        )

    return same


def _cloned(value):
    """A copy of the arguments, each tensor with its own strides (a transposed, sliced or expanded
    input stays one, as the student's code received it)."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
        if not tensor.is_contiguous() and tensor.numel():
            span = 1 + sum((n - 1) * s for n, s in zip(tensor.shape, tensor.stride()))
            flat = tensor.as_strided((span,), (1,), tensor.storage_offset()).clone()
            copied = flat.as_strided(tensor.shape, tensor.stride())
        else:
            copied = tensor.clone()
        return copied.requires_grad_(value.requires_grad and copied.is_floating_point())
    if isinstance(value, dict):
        return {key: _cloned(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cloned(item) for item in value)
    return value


def gives(got, want, tolerance: Tolerance) -> Callable[[object], bool]:
    """``like`` for a mistake's value: it is the student's value, and not the reference's."""
    return lambda wrong: (
        first_difference(got, wrong, tolerance) is None
        and first_difference(want, wrong, tolerance) is not None
    )


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
    return None if same(got, want) else f"{where}got {describe(got)}, expected {describe(want)}"


def _tensors(value):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)


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


# Autograd names a custom Function's node after its class ("LogSumExpBackward"), which a
# mistake's class does not share.
_NODE_NAME = re.compile(r"\b\w+Backward\d*\b")


def same_error(mine: dict | None, theirs: dict | None) -> bool:
    """Two errors held as data are the same: the same type and message, autograd node names aside."""
    if not mine or not theirs:
        return False
    return mine["type"] == theirs["type"] and _NODE_NAME.sub("", mine["message"]) == _NODE_NAME.sub(
        "", theirs["message"]
    )


def remembered(cache: dict, run: Callable) -> Callable:
    """``run(mistake_function)``, computed once per mistake and case.

    ``cache`` is the case's ``memo("mistakes' runs", dict)``, shared by every student graded in
    the session, so a mistake many students make runs once; what it holds is read, never
    modified, by the comparisons.
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
