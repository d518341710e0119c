"""The grader's view of one submission: calls into its sandboxed child, with time limits enforced from outside.

``SubmissionWorker`` owns the child process of one submission: it spawns it from the warm
zygote, sends the files, imports modules on first use, and replaces the child after a crash
or a timeout.  Everything that goes wrong becomes a ``StudentFailure`` whose ``status`` and
message end up in the student's result.  ``Student`` is the handle a hidden grader receives,
bound to the exercise under test.
"""

from __future__ import annotations

import re
import socket
import time

from . import sandbox
from .course import Course, Exercise
from .submission import Submission
from .worker import codec


class StudentFailure(Exception):
    """Student code could not produce a value to compare; ``status`` goes into result.json."""

    status = "error"

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.message, self.output = message, output


class NotImplementedYet(StudentFailure):
    pass


class StudentRaised(StudentFailure):
    pass


class StudentCrashed(StudentFailure):
    pass


class StudentTimeout(StudentFailure):
    status = "timeout"


class ForbiddenCall(StudentFailure):
    status = "forbidden"


class UnusableValue(StudentFailure):
    """The code ran, but what it returned cannot be checked (wrong type, no gradient, ...)."""

    status = "failed"


LOAD_TIMEOUT = 30.0
_DEVICE_MISMATCH = re.compile(r"same device|not on the expected device|Cannot copy out of meta tensor|device type")


class SubmissionWorker:
    """One submission's child process, as seen from the grader."""

    def __init__(self, zygote: sandbox.Zygote, submission: Submission, course: Course):
        self.zygote, self.submission, self.course = zygote, submission, course
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.imported: set[str] = set()
        self.import_failures: dict[str, StudentFailure] = {}
        self.timed_out: dict[str, str] = {}
        self.printed: list[str] = []  # what student code printed during the current test

    # -- the one public operation -------------------------------------------------------

    def run(self, exercise: Exercise, probe: str, params: dict, *, device: str = "cpu", seed: int = 0):
        """Run ``probe`` on the exercise's entry point in the child; return its value or raise StudentFailure."""
        problem = self.submission.problem(exercise)
        if problem:
            raise StudentFailure(problem)
        hits = self.submission.forbidden_hits(exercise)
        if hits:
            raise ForbiddenCall(_forbidden_message(exercise, [hit.describe() for hit in hits]))
        if exercise.entry in self.timed_out:
            raise StudentTimeout(self.timed_out[exercise.entry])
        module = exercise.module_name
        if module in self.import_failures:
            failure = self.import_failures[module]
            raise type(failure)(failure.message, failure.output)
        self._ensure_imported(exercise)
        request = {
            "op": "probe",
            "probe": probe,
            "module": module,
            "entry": exercise.entry,
            "params": codec.pack(params),
            "device": device,
            "seed": seed,
            "forbidden": list(exercise.forbidden),
        }
        try:
            response = self._request(request, exercise.timeout)
        except codec.Timeout:
            self._discard_child()
            message = (
                f"{exercise.entry} did not finish within {exercise.timeout:g} s and was stopped "
                "(an infinite loop, or far too much work?); later tests of it were not run"
            )
            self.timed_out[exercise.entry] = message
            raise StudentTimeout(message) from None
        except codec.Closed:
            raise StudentCrashed(self._crash_message(f"while running {exercise.entry}")) from None
        except codec.ProtocolError as exc:
            self._discard_child()
            raise StudentCrashed(f"the worker's reply to {exercise.entry} could not be read ({exc})") from None
        output = _output_text(response)
        if output:
            self.printed.append(output)
        if response.get("forbidden"):
            raise ForbiddenCall(_forbidden_message(exercise, response["forbidden"]), output)
        if not response.get("ok"):
            raise _failure(exercise, response.get("error") or {}, output)
        try:
            return codec.unpack(response.get("value"))
        except codec.ProtocolError as exc:
            raise StudentCrashed(f"the value {exercise.entry} returned could not be read ({exc})", output) from None

    def close(self) -> None:
        self._discard_child()

    # -- the child's life cycle ------------------------------------------------------------

    def _ensure_child(self) -> None:
        if self.pid is not None:
            return
        self.pid, self.sock = self.zygote.spawn({"limits": vars(self.course.limits)})
        self.imported.clear()
        try:
            response = self._request({"op": "load", "files": self.submission.files}, LOAD_TIMEOUT)
        except (codec.Timeout, codec.Closed, codec.ProtocolError):
            raise StudentCrashed(self._crash_message("while receiving the submission")) from None
        if not response.get("ok"):
            self._discard_child()
            raise StudentCrashed("the worker could not load the submission")

    def _ensure_imported(self, exercise: Exercise) -> None:
        module = exercise.module_name
        self._ensure_child()
        if module in self.imported:
            return
        timeout = self.course.import_timeout
        failure: StudentFailure | None = None
        try:
            response = self._request({"op": "import", "module": module}, timeout)
        except codec.Timeout:
            self._discard_child()
            failure = StudentTimeout(
                f"importing {exercise.module_path} took longer than {timeout:g} s and was stopped: "
                "move slow work out of the module's top level"
            )
        except (codec.Closed, codec.ProtocolError):
            failure = StudentCrashed(self._crash_message(f"while importing {exercise.module_path}"))
        else:
            if response.get("ok"):
                self.imported.add(module)
                return
            error = response.get("error") or {}
            failure = StudentRaised(
                f"importing {exercise.module_path} raised {_error_line(error)}", _output_text(response)
            )
        self.import_failures[module] = failure
        raise type(failure)(failure.message, failure.output)

    def _request(self, message: dict, timeout: float) -> dict:
        codec.send(self.sock, message)
        response = codec.recv(self.sock, time.monotonic() + timeout)
        if not isinstance(response, dict):
            raise codec.ProtocolError("the reply is not a message")
        return response

    def _crash_message(self, when: str) -> str:
        status = self.zygote.status(self.pid, wait=2.0) if self.pid is not None else None
        self._discard_child()
        how = status.describe() if status else "stopped answering"
        hint = ""
        if status and status.exit is not None:
            hint = ": did the code call os._exit() or exit the process some other way?"
        elif status and status.signal in (6, 7, 11):
            hint = ": a crash inside native code (out-of-bounds memory access, ctypes, ...)"
        elif status and status.signal in (9, 24):
            hint = ": it went over its memory or CPU-time limit"
        return f"the process running your code {how} {when}{hint}"

    def _discard_child(self) -> None:
        if self.pid is None:
            return
        if self.sock is not None:
            self.sock.close()
        if self.zygote.alive():
            self.zygote.release(self.pid)
        self.pid, self.sock = None, None
        self.imported.clear()


class Student:
    """What a hidden grader holds: one submission, bound to the exercise and device under test."""

    def __init__(self, worker: SubmissionWorker, exercise: Exercise, device: str, seed: int):
        self.worker, self.exercise, self.device, self.seed = worker, exercise, device, seed

    @property
    def name(self) -> str:
        return self.worker.submission.student

    def probe(self, probe: str, **params):
        return self.worker.run(self.exercise, probe, params, device=self.device, seed=self.seed)

    def call(self, *args, **kwargs):
        """The entry point's return value for these arguments."""
        return self.probe("call", args=args, kwargs=kwargs)

    def call_backward(self, *args, wrt=(0,), grad_output=None, **kwargs):
        """(value, [gradient w.r.t. args[i] for i in wrt]) of ``(value * grad_output).sum()``."""
        result = self.probe("call_backward", args=args, kwargs=kwargs, wrt=tuple(wrt), grad_output=grad_output)
        return result["value"], result["grads"]


def _output_text(response: dict) -> str:
    output = response.get("output") if isinstance(response, dict) else None
    if not isinstance(output, dict):
        return ""
    text = output.get("text") if isinstance(output.get("text"), str) else ""
    size = output.get("bytes") if isinstance(output.get("bytes"), int) else len(text)
    if size > len(text.encode()):
        text += f"\n[... {size - len(text.encode())} more bytes of output not shown]"
    return text


def _error_line(error: dict) -> str:
    kind = str(error.get("type", "an error"))
    message = str(error.get("message", "")).strip()
    line = f"{kind}: {message}" if message else kind
    frames = error.get("traceback") or []
    if isinstance(frames, list) and frames:
        line += f" (at {frames[-1]})"
    return line


def _failure(exercise: Exercise, error: dict, output: str) -> StudentFailure:
    phase, kind = error.get("phase"), error.get("type")
    if phase == "entry":
        return StudentFailure(
            f"{exercise.module_path} does not define {exercise.entry}: {error.get('message', '')}", output
        )
    if phase == "probe":
        return UnusableValue(str(error.get("message", "")), output)
    if phase == "import":
        return StudentRaised(f"importing {exercise.module_path} raised {_error_line(error)}", output)
    frames = error.get("traceback") or []
    if kind == "NotImplementedError" and frames and "raise NotImplementedError" in frames[-1]:
        where = f" ({frames[-1].split(': ', 1)[0]})"
        return NotImplementedYet(
            f"not implemented yet: {exercise.entry} raises NotImplementedError{where}; replace it with your code",
            output,
        )
    hint = ""
    message = str(error.get("message", ""))
    if kind == "TypeError" and ("argument" in message or "positional" in message):
        hint = "; check the signature against the exercise's docstring"
    elif _DEVICE_MISMATCH.search(message):
        hint = (
            "; a tensor was created on the CPU while the inputs live on another device: create new tensors "
            "on the input's device (torch.zeros(shape, device=input.device), torch.zeros_like(input), "
            "input.new_zeros(shape)) and never move results with .cpu()"
        )
    return StudentRaised(f"{exercise.entry} raised {_error_line(error)}{hint}", output)


def _forbidden_message(exercise: Exercise, names: list[str]) -> str:
    return (
        f"{exercise.entry} uses {', '.join(names)}, which this exercise forbids: "
        "implement it with basic tensor operations"
    )
