"""Without namespaces (a container that forbids them, as Gradescope's commonly does), student code
never runs as root and never reads the answers.

The fallback is forced here: a warm worker with neither bubblewrap nor namespaces (``bare`` in
tests/sandboxed.py).  Run as root, as CI and Gradescope run, its children switch to an
unprivileged user and the course is closed to that user (graders/unprivileged.py).
"""

import os

import pytest
from sandboxed import run

from graders import unprivileged
from graders.course import ROOT

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader switches its children's user")


@pytest.fixture
def zygote(workers):
    return workers("bare")


def test_student_code_does_not_run_as_root(zygote):
    name, uid, gid = unprivileged.identity()
    assert run(zygote, "return [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()]") == [uid, uid, gid, []]
    assert f"children run as {name}" in zygote.isolation.describe()


def test_solutions_graders_and_sources_cannot_be_read(zygote):
    paths = [
        ROOT / "solutions" / "lesson1" / "losses.py",
        ROOT / "graders" / "lesson1" / "test_losses.py",
        ROOT / "nbgrader" / "source" / "lesson1" / "lesson1.ipynb",
        ROOT / "course.toml",
    ]
    for path in paths:
        body = f"try:\n    return open({str(path)!r}).read()[:40]\nexcept OSError as exc:\n    return type(exc).__name__"
        assert run(zygote, body) == "PermissionError", path
    listing = f"try:\n    return os.listdir({str(ROOT / 'solutions')!r})\nexcept OSError as exc:\n    return type(exc).__name__"
    assert run(zygote, listing) == "PermissionError"


def test_system_secrets_cannot_be_read(zygote):
    body = "try:\n    return open('/etc/shadow').read()[:40]\nexcept OSError as exc:\n    return type(exc).__name__"
    assert run(zygote, body) == "PermissionError"


def test_the_grader_can_still_read_what_it_closed(zygote):
    run(zygote, "return 1")
    assert (ROOT / "solutions" / "lesson1" / "losses.py").read_text().startswith('"""')
