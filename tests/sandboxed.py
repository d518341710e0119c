"""Running a few lines of student code in a real sandboxed child, for the tests of the sandbox itself.

``start(kind)`` starts a warm worker of one of three kinds:

- ``bwrap``: bubblewrap, a namespace and (where possible) a cgroup per child: the full sandbox;
- ``none``:  no bubblewrap, but a namespace and a cgroup per child where this machine allows;
- ``bare``:  no bubblewrap, no namespaces, no cgroups: only rlimits, as on the poorest machine.

``run(zygote, body)`` grades an ``mse`` whose body is ``body`` and returns what it returned
(or raises the StudentFailure the grader would record).
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from graders.course.model import ROOT, Course, load_course
from graders.course.submission import Submission
from graders.host.sandbox import Zygote, bubblewrap_problem
from graders.host.student import SubmissionWorker

KINDS = ("bwrap", "none", "bare")


SECRET = (
    "GRADERS_TEST_SECRET",
    "reference-answer-42",
)  # in the grader's environment while a worker starts


def start(kind: str, **options) -> Zygote:
    """A ready warm worker of that kind; ``options`` go to Zygote (the caller closes it)."""
    if kind == "bwrap" and bubblewrap_problem():
        pytest.skip(bubblewrap_problem())
    os.environ[SECRET[0]] = SECRET[1]
    try:
        if kind == "bare":
            zygote = Zygote("none", hidden=[ROOT], cgroups=False, namespaces=False, **options)
        else:
            zygote = Zygote(kind, hidden=[ROOT], **options)
        zygote.wait_ready()
    finally:
        del os.environ[SECRET[0]]
    return zygote


class Workers:
    """One warm worker of each kind, started on first use and shared by the test modules of a session."""

    def __init__(self):
        self.started: dict[str, Zygote] = {}

    def __call__(self, kind: str) -> Zygote:
        if kind not in self.started or not self.started[kind].alive():
            self.started[kind] = start(kind)
        return self.started[kind]

    def close(self) -> None:
        for zygote in self.started.values():
            zygote.close()


def course_with(**limits) -> Course:
    """The course, with some of its [limits] changed."""
    course = load_course()
    return dataclasses.replace(course, limits=dataclasses.replace(course.limits, **limits))


def source(body: str) -> str:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return f"import os, socket, sys, time\n\ndef mse(input=None, target=None, reduction='mean'):\n{lines}"


def worker(zygote: Zygote, body: str, course: Course | None = None) -> SubmissionWorker:
    course = course or load_course()
    return SubmissionWorker(
        zygote, Submission("probe", ROOT, files={"lesson1/losses.py": source(body)}), course
    )


def run(zygote: Zygote, body: str, course: Course | None = None):
    """The value ``mse`` returns when its body is ``body`` (it may return any plain value)."""
    course = course or load_course()
    child = worker(zygote, body, course)
    try:
        return child.run(course.exercise("lesson1.mse"), "call", {"args": (), "kwargs": {}})
    finally:
        child.close()


def processes_named(name: str) -> list[int]:
    """Processes on this machine whose name (``/proc/pid/comm``) is ``name``."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and open(f"/proc/{entry}/comm").read().strip() == name:
                found.append(int(entry))
        except OSError:
            pass
    return found
