"""Every way student code can fail to give a value to compare, as an exception the plugin records per test.

Each kind carries a ``status`` (one of result.json's five) and a ``failure``, the
machine-readable kind that result.json adds next to it; docs/results.md lists every kind.
The plugin itself sets two: ``wrong_value`` (an assertion of a hidden grader) and
``grader_error`` (the hidden grader raised anything else).
"""

from __future__ import annotations

import functools
import re
import signal
import site
import sys
from pathlib import Path

from graders.course.model import ROOT, Exercise, Limits
from graders.host.sandbox import ExitStatus, signal_name

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
_DEVICE_MISMATCH = re.compile(
    r"same device|not on the expected device|Cannot copy out of meta tensor|device type"
)
_MEMORY_WORDS = (
    "can't allocate memory",
    "not enough memory",
    "out of memory",
    "unable to allocate",
    "cannot allocate memory",
)


class StudentFailure(Exception):
    """Student code could not produce a value to compare; ``status`` and ``failure`` go into result.json."""

    status = "error"
    failure = "raised"

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.message, self.output = message, output

    def again(self) -> StudentFailure:
        """The same failure, for a later test that hits it too (a failed import, a timed-out entry point)."""
        return type(self)(self.message, self.output)


class NotImplementedYet(StudentFailure):
    failure = "not_implemented"


class StudentRaised(StudentFailure):
    """The call raised; ``raised`` holds the exception's type name and message, to tell which
    catalogue mistakes raise the same."""

    failure = "raised"

    def __init__(self, message: str, output: str = "", raised: tuple[str, str] = ("", "")):
        super().__init__(message, output)
        self.raised = raised

    def again(self) -> StudentRaised:
        return type(self)(self.message, self.output, self.raised)


class ImportRaised(StudentFailure):
    failure = "import_raised"


class InvalidSubmission(StudentFailure):
    failure = "invalid_file"


class StudentCrashed(StudentFailure):
    failure = "signal"


class ExitedDuringImport(StudentFailure):
    failure = "exit_during_import"


class ExitedDuringCall(StudentFailure):
    failure = "exit_during_call"


class OutOfMemory(StudentFailure):
    failure = "out_of_memory"


class CpuTimeExceeded(StudentFailure):
    failure = "cpu_time"


class TooMuchOutput(StudentFailure):
    failure = "output_limit"


class StudentTimeout(StudentFailure):
    status = "timeout"
    failure = "timeout"


class ForbiddenCall(StudentFailure):
    status = "forbidden"
    failure = "forbidden"


class ChangedInput(StudentFailure):
    """The call changed a tensor it was given (and not meant to change) in place.

    ``inputs`` holds the tensors' names; ``named`` adds the catalogue mistakes that change the
    same ones.
    """

    status = "failed"
    failure = "changed_input"

    def __init__(self, message: str, output: str = "", inputs: tuple[str, ...] = ()):
        super().__init__(message, output)
        self.inputs = tuple(inputs)

    def again(self) -> ChangedInput:
        return type(self)(self.message, self.output, self.inputs)

    @classmethod
    def of(cls, exercise: Exercise, inputs: list[str], output: str = "") -> ChangedInput:
        shown = ", ".join(f"`{name}`" for name in inputs[:4]) + (
            f" and {len(inputs) - 4} more" if len(inputs) > 4 else ""
        )
        one = len(inputs) == 1
        message = (
            f"{exercise.entry} changed {'its input' if one else 'its inputs'} {shown} in place, "
            f"but its caller still needs {'it as it was' if one else 'them as they were'}: compute "
            "into a new tensor (x = x * 2, not x *= 2) or work on a .clone()"
        )
        return cls(message, output, tuple(inputs))


class UnusableValue(StudentFailure):
    """The code ran, but what it returned cannot be checked (wrong type, no gradient, unreadable)."""

    status = "failed"
    failure = "garbage"


@functools.cache
def _machine_paths() -> list[tuple[str, str]]:
    """(folder, what a student reads instead), the longest first: where the grading machine keeps
    its packages, its interpreter, the course and its own files."""
    folders: dict[str, str] = {}
    for path in [*site.getsitepackages(), site.getusersitepackages()]:
        folders[path] = ""  # torch/nn/functional.py, as a student's own installation shows it
    for path in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        folders.setdefault(path, "<python>")
    folders.setdefault(str(ROOT), "<course>")
    folders.setdefault(str(Path.home()), "~")
    pairs = [(folder.rstrip("/"), shown) for folder, shown in folders.items()]
    return sorted((pair for pair in pairs if pair[0]), key=lambda pair: -len(pair[0]))


@functools.cache
def _machine_path_pattern() -> re.Pattern:
    """One pattern for every machine folder, the longest first, each ending a path component."""
    folders = "|".join(re.escape(folder) for folder, _ in _machine_paths())
    return re.compile(rf"({folders})(/|(?![\w-]|\.\w))")


_WORKER_COPY = re.compile(r"/(?:[\w.-]+/)*graders-worker-[\w]+/")


def without_machine_paths(text: str) -> str:
    """``text`` with no folder of the grading machine in it: feedback is the student's to read,
    and the machine's layout is nobody's business there (nor is it what they did)."""
    text = _WORKER_COPY.sub("", text)
    shown = dict(_machine_paths())

    def replace(match: re.Match) -> str:
        instead = shown[match.group(1)]
        return instead + match.group(2) if instead else ""

    return _machine_path_pattern().sub(replace, text)


def scrub(text: str) -> str:
    """Memory addresses (``<object at 0x7f...>``) differ from run to run: results must not."""
    return _ADDRESS.sub("0x...", text)


def from_error(exercise: Exercise, error: dict, output: str, limits: Limits) -> StudentFailure:
    """The failure for an error the child reported (an exception in an import or a call)."""
    phase, kind = error.get("phase"), str(error.get("type", ""))
    line = _error_line(error)
    if phase == "entry":
        return InvalidSubmission(
            f"{exercise.module_path} does not define {exercise.entry}: {scrub(str(error.get('message', '')))}",
            output,
        )
    if phase == "probe":
        return UnusableValue(scrub(str(error.get("message", ""))), output)
    if _is_memory_error(kind, str(error.get("message", ""))):
        where = f"importing {exercise.module_path}" if phase == "import" else exercise.entry
        return OutOfMemory(
            f"{where} ran out of memory (the limit is {limits.memory_mb} MB): {line}", output
        )
    if phase == "import":
        if kind == "SystemExit":
            return ExitedDuringImport(
                f"importing {exercise.module_path} called {line}: a module must not exit the program",
                output,
            )
        return ImportRaised(f"importing {exercise.module_path} raised {line}", output)
    if kind == "SystemExit":
        return ExitedDuringCall(
            f"{exercise.entry} called {line}: return a value instead of exiting", output
        )
    frames = error.get("traceback") or []
    # Only the stub's own ``raise NotImplementedError`` means "not started": a NotImplementedError
    # from deeper down (a torch op without a kernel on this device, say) is a real error to show.
    if kind == "NotImplementedError" and frames and "raise NotImplementedError" in str(frames[-1]):
        where = f" ({str(frames[-1]).split(': ', 1)[0]})"
        return NotImplementedYet(
            f"not implemented yet: {exercise.entry} raises NotImplementedError{where}; replace it with your code",
            output,
        )
    hint = ""
    message = str(error.get("message", ""))
    if kind == "TypeError" and ("argument" in message or "positional" in message):
        hint = "; check the signature against the exercise's docstring"
    elif kind == "BlockingIOError" or "Resource temporarily unavailable" in message:
        hint = f"; starting processes or threads is limited to {limits.processes}"
    elif _DEVICE_MISMATCH.search(message):
        hint = (
            "; a tensor was created on the CPU while the inputs live on another device: create new tensors "
            "on the input's device (torch.zeros(shape, device=input.device), torch.zeros_like(input), "
            "input.new_zeros(shape)) and never move results with .cpu()"
        )
    return StudentRaised(f"{exercise.entry} raised {line}{hint}", output, (kind, message))


def from_exit(
    status: ExitStatus | None, when: str, phase: str, limits: Limits, output: str = ""
) -> StudentFailure:
    """The failure for a child process that ended (or broke its connection) ``when`` (e.g. "while importing ...")."""
    if status is None or status.running:
        return UnusableValue(
            f"the process running your code broke its connection to the grader {when}", output
        )
    if status.out_of_memory:
        return OutOfMemory(
            f"the process running your code went over the memory limit of {limits.memory_mb} MB {when} and was killed",
            output,
        )
    if status.signal in (signal.SIGXCPU, signal.SIGKILL) and status.cpu >= limits.cpu_seconds - 0.5:
        return CpuTimeExceeded(
            f"the process running your code used up its {limits.cpu_seconds} s of CPU time {when} and was killed",
            output,
        )
    if status.signal is not None:
        hint = ""
        if status.signal in (
            signal.SIGSEGV,
            signal.SIGBUS,
            signal.SIGABRT,
            signal.SIGILL,
            signal.SIGFPE,
        ):
            hint = ": a crash inside native code (out-of-bounds memory access, ctypes, ...)"
        return StudentCrashed(
            f"the process running your code crashed with signal {status.signal} "
            f"({signal_name(status.signal)}) {when}{hint}",
            output,
        )
    kind = ExitedDuringImport if phase == "import" else ExitedDuringCall
    return kind(
        f"the process running your code exited with code {status.exit} {when}: "
        "did the code call os._exit() or exit the process some other way?",
        output,
    )


def forbidden_message(exercise: Exercise, names: list[str]) -> str:
    return (
        f"{exercise.entry} uses {', '.join(names)}, which this exercise forbids: "
        "implement it with basic tensor operations"
    )


def _is_memory_error(kind: str, message: str) -> bool:
    lowered = message.lower()
    return kind in ("MemoryError", "_ArrayMemoryError", "OutOfMemoryError") or (
        kind == "RuntimeError" and any(words in lowered for words in _MEMORY_WORDS)
    )


def _error_line(error: dict) -> str:
    kind = str(error.get("type", "an error"))
    message = str(error.get("message", "")).strip()
    line = f"{kind}: {message}" if message else kind
    frames = error.get("traceback") or []
    if isinstance(frames, list) and frames:
        line += f" (at {frames[-1]})"
    return scrub(line)
