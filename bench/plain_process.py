"""A pytest plugin for the benchmark ONLY: student code imported into the grading process itself.

No sandbox, no fork, no socket, no codec, no time limits: the baseline against which the
isolation's cost is measured ("grading the same submissions in one plain process").
Never grade real students with it.  Used as ``-p bench.plain_process`` by bench/class_scale.py.
"""

from __future__ import annotations

import sys

import pytest

from graders.grading.plugin import SESSION
from graders.host.student import SubmissionWorker
from graders.worker.child import Child
from graders.worker.loader import SubmissionFinder
from graders.worker.probe import load_all

load_all()  # registers the probes in this process


class InProcessWorker(SubmissionWorker):
    """Runs the same probes as the sandboxed child, but here, on modules imported into this process."""

    def __init__(self, submission, course):
        super().__init__(None, submission, course)
        self.child = Child(
            None
        )  # output is not captured: the benchmark's submissions print nothing

    def _ensure_child(self) -> None:
        if self.pid is not None:
            return
        for name in [m for m in sys.modules if m.split(".")[0].startswith("lesson")]:
            del sys.modules[name]  # the previous student's modules
        sys.meta_path[:] = [
            finder for finder in sys.meta_path if not isinstance(finder, SubmissionFinder)
        ]
        self.child.handle({"op": "load", "files": self.submission.files})
        self.pid = 0
        self.imported.clear()

    def _request(self, message: dict, timeout: float) -> dict:
        return self.child.handle(message)

    def prepare(self) -> None:
        pass  # nothing to start ahead

    def _discard_child(self) -> None:
        self.pid = None


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    session = config.stash.get(SESSION, None)
    if session is None:
        return
    if session._zygote is not None:
        session._zygote.close()  # not needed: nothing is sandboxed in this mode
    session.zygote = lambda: None  # and never started
    session.make_worker = lambda submission: InProcessWorker(submission, session.course)
