"""The child that runs student code sees only what it needs: no repository, no grader environment, no network."""

import os

import pytest

from graders.course import ROOT, load_course
from graders.sandbox import Zygote, bubblewrap_problem
from graders.student import StudentCrashed, StudentRaised, SubmissionWorker
from graders.submission import Submission

needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None, reason=f"{bubblewrap_problem()}")


@pytest.fixture(scope="module", params=["bwrap", "none"])
def zygote(request):
    if request.param == "bwrap" and bubblewrap_problem():
        pytest.skip(bubblewrap_problem())
    os.environ["GRADERS_TEST_SECRET"] = "reference-answer-42"
    z = Zygote(request.param, hidden=[ROOT])
    z.wait_ready()
    yield z
    z.close()
    del os.environ["GRADERS_TEST_SECRET"]


def run(zygote, body: str):
    """The value ``mse`` returns when its body is ``body`` (it may return any plain value)."""
    course = load_course()
    source = f"import os, socket, sys\n\ndef mse(input=None, target=None, reduction='mean'):\n" + "".join(
        f"    {line}\n" for line in body.splitlines()
    )
    submission = Submission("probe", ROOT, files={"lesson1/losses.py": source})
    worker = SubmissionWorker(zygote, submission, course)
    try:
        return worker.run(course.exercise("lesson1.mse"), "call", {"args": (), "kwargs": {}})
    finally:
        worker.close()


def test_the_grader_environment_is_not_inherited(zygote):
    if zygote.mode == "none":
        pytest.skip("without bubblewrap the environment is inherited (documented)")
    assert run(zygote, "return os.environ.get('GRADERS_TEST_SECRET')") is None


@needs_bubblewrap
def test_solutions_and_graders_are_not_on_disk(zygote):
    if zygote.mode == "none":
        pytest.skip("without bubblewrap the file system is shared (documented)")
    for path in (ROOT / "solutions" / "lesson1" / "losses.py", ROOT / "graders" / "lesson1" / "test_losses.py", ROOT / "course.toml"):
        assert run(zygote, f"return os.path.exists({str(path)!r})") is False, path
    assert run(zygote, "return sorted(os.listdir('/grader/worker'))")[:2] == ["__init__.py", "child.py"]


@needs_bubblewrap
def test_there_is_no_network(zygote):
    if zygote.mode == "none":
        pytest.skip("without bubblewrap the network is shared (documented)")
    with pytest.raises(StudentRaised, match="OSError|gaierror|Network is unreachable"):
        run(zygote, "socket.create_connection(('1.1.1.1', 53), timeout=2)\nreturn 'connected'")


def test_student_files_never_touch_the_disk(zygote):
    assert run(zygote, "return __file__") == "<submission>/lesson1/losses.py"
    assert run(zygote, "return os.path.exists(__file__)") is False


def test_a_crash_is_reported_with_its_signal_and_the_next_call_works(zygote):
    with pytest.raises(StudentCrashed, match="signal 11"):
        run(zygote, "import ctypes\nctypes.string_at(0)")
    assert run(zygote, "return 1 + 1") == 2


def test_each_submission_gets_a_fresh_process(zygote):
    run(zygote, "import builtins\nbuiltins.LEAK = 'from a classmate'")
    assert run(zygote, "import builtins\nreturn getattr(builtins, 'LEAK', None)") is None


@needs_bubblewrap
def test_the_empty_tmp_is_mounted_before_the_python_installation_is_bound():
    # A clone under /tmp has its venv there: binding it first and then mounting an empty
    # /tmp over it would hide the interpreter (bwrap mounts in order).
    args = sandbox_command()
    assert args.index("/tmp") < args.index("--ro-bind")


def sandbox_command():
    from graders.sandbox import command

    return command("bwrap", 3, hidden=[ROOT])
