"""Without namespaces (a container that forbids them, as Gradescope's commonly does), student code
never runs as root and never reads the answers.

The fallback is forced here: a warm worker with neither bubblewrap nor namespaces (``bare`` in
tests/sandboxed.py).  Run as root, as CI and Gradescope run, its children switch to an
unprivileged user and the course is closed to that user (graders/host/unprivileged.py).
"""

import os

import pytest
from sandboxed import run

from graders.course.model import ROOT
from graders.host import unprivileged

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="only a root grader switches its children's user"
)


@pytest.fixture
def zygote(workers):
    return workers("bare")


def test_student_code_does_not_run_as_root(zygote):
    name, uid, gid = unprivileged.identity()
    assert run(zygote, "return [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()]") == [
        uid,
        uid,
        gid,
        [],
    ]
    assert f"children run as {name}" in zygote.isolation.describe()


def test_solutions_graders_and_sources_cannot_be_read(zygote):
    paths = [
        ROOT / "solutions" / "lesson1" / "losses.py",
        ROOT / "graders" / "lesson1" / "test_losses.py",
        ROOT / "nbgrader" / "source" / "lesson1" / "lesson1.ipynb",
        ROOT / "course.toml",
    ]
    for path in paths:
        body = (
            f"try:\n    return open({str(path)!r}).read()[:40]\nexcept OSError as exc:\n    return "
            "type(exc).__name__"
        )
        assert run(zygote, body) == "PermissionError", path
    listing = (
        f"try:\n    return os.listdir({str(ROOT / 'solutions')!r})\nexcept OSError as exc:\n    "
        "return type(exc).__name__"
    )
    assert run(zygote, listing) == "PermissionError"


def test_system_secrets_cannot_be_read(zygote):
    body = "try:\n    return open('/etc/shadow').read()[:40]\nexcept OSError as exc:\n    return type(exc).__name__"
    assert run(zygote, body) == "PermissionError"


def test_the_grader_can_still_read_what_it_closed(zygote):
    run(zygote, "return 1")
    assert (ROOT / "solutions" / "lesson1" / "losses.py").read_text().startswith('"""')


def test_student_code_can_still_import_what_the_worker_had_not(zygote):
    # Python may sit where others cannot pass (pyenv under /root): the way to it is opened, search only.
    assert (
        run(zygote, "import xml.dom.minidom, multiprocessing.queues\nreturn 'imported'")
        == "imported"
    )


def test_opening_the_way_to_python_shows_nothing_else(tmp_path):
    home = tmp_path / "home"
    (home / "python" / "lib").mkdir(parents=True)
    (home / "secret.txt").write_text("secret")
    home.chmod(0o700)
    assert unprivileged.open_the_way([str(home / "python")])[-1] == str(home)
    assert home.stat().st_mode & 0o007 == 0o001  # searchable, not listable
    assert (home / "secret.txt").stat().st_mode & 0o007 == 0
    assert (home / "python").stat().st_mode & 0o005 == 0o005
