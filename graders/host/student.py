"""The grader's view of one submission: calls into its sandboxed child, with time limits enforced from outside.

``SubmissionWorker`` owns the child process of one submission: it spawns it from the warm
zygote, sends the files, imports modules on first use, reads what the code printed, and
replaces the child after a crash or a timeout.  Everything that goes wrong becomes a
``StudentFailure`` (graders/host/failures.py) whose status, kind and message end up in the
student's result.  ``Student`` is the handle a hidden grader receives, bound to the exercise
under test.
"""

from __future__ import annotations

import contextlib
import inspect
import socket
import sys
import time
from collections.abc import Callable

from graders.course.model import Course, Exercise
from graders.course.submission import Submission
from graders.host import failures, sandbox
from graders.host.capture import Capture
from graders.host.failures import (  # noqa: F401  (the plugin and the hidden graders' helpers import them from here)
    ChangedInput,
    ForbiddenCall,
    NotImplementedYet,
    StudentCrashed,
    StudentFailure,
    StudentRaised,
    StudentTimeout,
    TooMuchOutput,
    UnusableValue,
)
from graders.worker import codec

LOAD_TIMEOUT = 30.0
_LOGGED_WARNINGS: set[str] = set()  # grader-side warnings already in the log


def reply_problem(probe: str, params: dict, value) -> str | None:
    """Why a probe's reply cannot be used, or None when it has the shape its probe declares.

    Student code runs in the same process as the probes and could change what they answer, so
    every reply is checked here, in one place, before a hidden grader indexes into it.  The
    shapes are declared beside the probes (``@probe(reply=...)``, graders/worker/probe.py).
    """
    from graders.worker import probe as probes_registry

    probes_registry.load_all()  # registers every probe and its reply's shape (once)

    shape = probes_registry.REPLIES.get(probe, probes_registry.ANY)
    problem = probes_registry.shape_problem(value, shape)
    if problem is not None:
        return f"the reply to the {probe} probe is unusable ({problem}): was the grader's probe code tampered with?"
    for key, parameter in probes_registry.LENGTHS.get(probe, {}).items():
        asked = params[parameter] if parameter in params else _default(probe, parameter)
        count = asked if isinstance(asked, int) else len(asked or ())
        items = value if key is None else value.get(key)
        declared = shape if key is None else shape.get(key, list)
        if items is None and (count == 0 or probes_registry.shape_problem(None, declared) is None):
            continue  # nothing asked for, or the probe declares that it may answer without them
        if not isinstance(items, (list, tuple)) or len(items) != count:
            part = "reply" if key is None else f"reply's {key!r}"
            return (
                f"the {part} to the {probe} probe does not hold one item per {parameter} ({count})"
            )
    return None


def _default(probe: str, parameter: str):
    """The default of a probe's parameter, which the child uses when a request leaves it out."""
    from graders.worker.probe import PROBES

    try:
        default = inspect.signature(PROBES[probe]).parameters[parameter].default
    except (KeyError, ValueError):
        return None
    return None if default is inspect.Parameter.empty else default


class SubmissionWorker:
    """One submission's child process, as seen from the grader."""

    def __init__(
        self,
        zygote: sandbox.Zygote | Callable[[], sandbox.Zygote],
        submission: Submission,
        course: Course,
    ):
        self._zygote = (
            zygote
            if callable(zygote) and not isinstance(zygote, sandbox.Zygote)
            else (lambda: zygote)
        )
        self.submission, self.course = submission, course
        self.zygote: sandbox.Zygote | None = None  # the one that forked the current child
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.capture: Capture | None = None
        self.oom_kills = 0  # in the current child's cgroup, as last seen
        self.imported: set[str] = set()
        self.import_failures: dict[str, StudentFailure] = {}
        self.timed_out: dict[str, StudentFailure] = {}
        self.printed: list[str] = []  # what student code printed during the current test
        # the deadline for the child's answer to the files, until it is read
        self._loading: float | None = None

    # -- the one public operation -------------------------------------------------------

    def run(
        self,
        exercise: Exercise,
        probe: str,
        params: dict,
        *,
        device: str = "cpu",
        seed: int = 0,
    ):
        """Run ``probe`` on the exercise's entry point in the child; return its value or raise StudentFailure."""
        problem = self.submission.problem(exercise)
        if problem:
            raise failures.InvalidSubmission(problem)
        hits = self.submission.forbidden_hits(exercise)
        if hits:
            raise ForbiddenCall(
                failures.forbidden_message(exercise, [hit.describe() for hit in hits])
            )
        if exercise.entry in self.timed_out:
            raise self.timed_out[exercise.entry].again()
        module = exercise.module_name
        if module in self.import_failures:
            raise self.import_failures[module].again()
        self._ensure_imported(exercise)
        request = {
            "op": "probe",
            "probe": probe,
            "module": module,
            "entry": exercise.entry,
            "params": codec.pack(params, layout=True),
            "device": device,
            "seed": seed,
            "forbidden": list(exercise.forbidden),
        }
        when = f"while running {exercise.entry}"
        try:
            response = self._request(request, exercise.timeout)
        except codec.Timeout:
            output = self._printed()
            self._discard_child()
            failure = StudentTimeout(
                f"{exercise.entry} did not finish within {exercise.timeout:g} s and was stopped "
                "(an infinite loop, or far too much work?); later tests of it were not run",
                output,
            )
            self.timed_out[exercise.entry] = failure
            raise failure from None
        except codec.Closed:
            raise self._ended(when, "call") from None
        except codec.ProtocolError as exc:
            output = self._printed()
            self._discard_child()
            raise UnusableValue(
                f"the reply to {exercise.entry} could not be read ({exc})", output
            ) from None
        output = self._printed(when=exercise.entry)
        self._log_grader_warnings(exercise, response.get("grader_warnings"))
        if response.get("forbidden"):
            raise ForbiddenCall(
                failures.forbidden_message(exercise, [str(n)[:200] for n in response["forbidden"]]),
                output,
            )
        if not response.get("ok"):
            if (
                _error(response).get("phase") == "worker"
            ):  # the grader's request was at fault, not the code
                raise RuntimeError(
                    f"the worker could not serve the request: {str(_error(response).get('message'))[:300]}"
                )
            if (
                self._new_oom_kills()
            ):  # e.g. a process the code started was killed, and the call failed for it
                raise failures.from_exit(
                    sandbox.ExitStatus(out_of_memory=True), when, "call", self.course.limits, output
                )
            raise failures.from_error(exercise, _error(response), output, self.course.limits)
        try:
            value = codec.unpack(response.get("value"))
        except codec.ProtocolError as exc:
            raise UnusableValue(
                f"the value {exercise.entry} returned could not be read ({exc})", output
            ) from None
        changed = response.get("changed")
        if changed:
            names = [str(name)[:100] for name in changed] if isinstance(changed, list) else ["?"]
            raise ChangedInput.of(exercise, names, output)
        return value

    def close(self) -> None:
        self._discard_child()

    # -- the child's life cycle ------------------------------------------------------------

    def prepare(self) -> None:
        """Start the child and send it the files now, without waiting for either.

        The session calls this for the next submission while it writes the results of the one
        before, so the fork, the walls and the loading overlap that work; the first call into the
        submission reads the child's answer.  A child that cannot be started here is started
        again at the first call, where the failure is reported.
        """
        if self.pid is not None:
            return
        try:
            self._start_child()
        except sandbox.ZygoteError:
            self._discard_child()

    def _ensure_child(self) -> None:
        if self.pid is None:
            self._start_child()
        if self._loading is None:
            return
        deadline, self._loading = self._loading, None
        try:
            response = self._reply(deadline)
        except (codec.Timeout, codec.Closed, codec.ProtocolError):
            status = self._status()
            if status is not None and status.exit == EXIT_SETUP_FAILED:
                self._discard_child()
                raise sandbox.ZygoteError(
                    f"the sandbox could not set up a child: {self.zygote.log_tail()}"
                ) from None
            raise self._ended("while receiving the submission", "load", status) from None
        if not response.get("ok"):
            self._discard_child()
            raise StudentCrashed("the worker could not load the submission")

    def _start_child(self) -> None:
        """Spawn a fresh child and send it the submission's files; ``_ensure_child`` reads the answer."""
        self.capture = Capture(self.course.limits.output_kb * 1024)
        config = {"limits": vars(self.course.limits)}
        try:
            self.zygote = self._zygote()
            try:
                self.pid, self.sock = self.zygote.spawn(config, self.capture.fd)
            except sandbox.ZygoteError:
                # Where children share the zygote's PID namespace (docs/sandbox.md), one can kill
                # it: that cost the child's call, and a fresh zygote serves the next one.  A fresh
                # zygote that cannot spawn either is the harness's problem, and propagates.
                self.zygote.close()
                self.zygote = self._zygote()
                self.pid, self.sock = self.zygote.spawn(config, self.capture.fd)
        except BaseException:
            self.capture.close()
            self.capture = None
            raise
        self.imported.clear()
        self._loading = time.monotonic() + LOAD_TIMEOUT
        try:
            codec.send_request(
                self.sock, {"op": "load", "files": self.submission.files}, self._loading
            )
        except (codec.Timeout, codec.Closed):
            pass  # the child died or hangs: reading its answer says how

    def _ensure_imported(self, exercise: Exercise) -> None:
        module = exercise.module_name
        self._ensure_child()
        if module in self.imported:
            return
        timeout = self.course.import_timeout
        when = f"while importing {exercise.module_path}"
        try:
            response = self._request({"op": "import", "module": module}, timeout)
        except codec.Timeout:
            output = self._printed()
            self._discard_child()
            failure: StudentFailure = StudentTimeout(
                f"importing {exercise.module_path} took longer than {timeout:g} s and was stopped: "
                "move slow work out of the module's top level",
                output,
            )
        except codec.Closed:
            failure = self._ended(when, "import")
        except codec.ProtocolError:
            output = self._printed()
            self._discard_child()
            failure = UnusableValue(
                f"the reply to importing {exercise.module_path} could not be read", output
            )
        else:
            try:
                output = self._printed(when=f"importing {exercise.module_path}")
            except TooMuchOutput as too_much:
                failure = too_much
            else:
                if response.get("ok"):
                    self.imported.add(module)
                    return
                failure = failures.from_error(
                    exercise, {**_error(response), "phase": "import"}, output, self.course.limits
                )
        self.import_failures[module] = failure
        raise failure.again()

    def _request(self, message: dict, timeout: float) -> dict:
        """The child's reply to one request, within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        codec.send_request(self.sock, message, deadline)
        return self._reply(deadline)

    def _reply(self, deadline: float) -> dict:
        response = codec.recv(self.sock, deadline)
        if not isinstance(response, dict):
            raise codec.ProtocolError("the reply is not a message")
        return response

    def _printed(self, when: str | None = None) -> str:
        """What the code printed since the last call; with ``when``, too much of it is a failure."""
        if self.capture is None:
            return ""
        printed = self.capture.take()
        if printed.text:
            self.printed.append(printed.text)
        if when and printed.over_limit:
            raise TooMuchOutput(
                f"{when} printed more than {self.course.limits.output_kb} KB, the output limit: print less "
                "(the first part of it is below)",
                printed.text,
            )
        return printed.text

    def _log_grader_warnings(self, exercise: Exercise, notes) -> None:
        """Warnings the child located in the graders' own files: the instructor's to read (the
        shard's log), once each per process; never in what the student reads as their output."""
        if not isinstance(notes, list):
            return
        for note in notes[:20]:
            note = f"{exercise.id}: {str(note)[:500]}"
            if note not in _LOGGED_WARNINGS:
                _LOGGED_WARNINGS.add(note)
                print(f"grader-side warning, {note}", file=sys.stderr)

    def _new_oom_kills(self) -> bool:
        """Whether the OOM killer struck in this child's cgroup since the last time we looked."""
        kills = (
            self.zygote.oom_kills(self.pid)
            if self.zygote is not None and self.pid is not None
            else 0
        )
        new, self.oom_kills = kills > self.oom_kills, kills
        return new

    def _status(self) -> sandbox.ExitStatus | None:
        if self.pid is None or self.zygote is None:
            return None
        try:
            status = self.zygote.status(self.pid, wait=2.0)
        except sandbox.ZygoteError:
            return sandbox.ExitStatus(
                signal=9
            )  # the zygote itself is gone, and its children with it
        status.out_of_memory = self._new_oom_kills()
        return status

    def _ended(
        self, when: str, phase: str, status: sandbox.ExitStatus | None = None
    ) -> StudentFailure:
        """The failure for a child that stopped answering ``when``; the child is replaced."""
        status = status or self._status()
        output = self._printed()
        self._discard_child()
        return failures.from_exit(status, when, phase, self.course.limits, output)

    def _discard_child(self) -> None:
        if self.pid is None:
            return
        if self.sock is not None:
            self.sock.close()
        if self.zygote is not None and self.zygote.alive():
            try:
                self.zygote.release(self.pid)
            except sandbox.ZygoteError:
                pass  # a zygote that stopped answering is replaced on the next spawn
        if self.capture is not None:
            self.capture.close()
        self.pid, self.sock, self.capture = None, None, None
        self._loading = None
        self.oom_kills = 0
        self.imported.clear()


EXIT_SETUP_FAILED = 71  # worker/child.py: the walls around a child could not be raised


def _error(response: dict) -> dict:
    error = response.get("error")
    return error if isinstance(error, dict) else {}


class Student:
    """What a hidden grader holds: one submission, bound to the exercise and device under test."""

    def __init__(
        self,
        worker: SubmissionWorker,
        exercise: Exercise,
        device: str,
        seed: int,
        explain: Callable[[StudentFailure, tuple, dict, tuple], StudentFailure] | None = None,
    ):
        self.worker, self.exercise, self.device, self.seed = worker, exercise, device, seed
        # the failure of a call, with the catalogue mistakes that fail the same way named: those
        # that raise the same error, or change the same inputs
        self.explain = explain

    @property
    def name(self) -> str:
        return self.worker.submission.student

    def probe(self, probe: str, **params):
        """The value the probe returned; a reply without the shape its probe declares is unusable."""
        value = self.worker.run(self.exercise, probe, params, device=self.device, seed=self.seed)
        problem = reply_problem(probe, params, value)
        if problem is not None:
            raise UnusableValue(problem)
        return value

    def call(self, *args, **kwargs):
        """The entry point's return value for these arguments."""
        with self._failures_explained(args, kwargs):
            return self.probe("call", args=args, kwargs=kwargs)

    def call_backward(self, *args, wrt=(0,), grad_output=None, **kwargs):
        """(value, [gradient w.r.t. args[i] for i in wrt]) of ``(value * grad_output).sum()``."""
        with self._failures_explained(args, kwargs, wrt=tuple(wrt)):
            result = self.probe(
                "call_backward", args=args, kwargs=kwargs, wrt=tuple(wrt), grad_output=grad_output
            )
        return result["value"], result["grads"]

    @contextlib.contextmanager
    def _failures_explained(self, args: tuple, kwargs: dict, wrt: tuple = ()):
        """Name the mistakes that fail like the call; ``wrt``: the arguments the probe made
        require grad, as the mistakes' copies will."""
        try:
            yield
        except (ChangedInput, StudentRaised) as failure:
            if self.explain is None:
                raise
            raise self.explain(failure, args, kwargs, wrt) from None
