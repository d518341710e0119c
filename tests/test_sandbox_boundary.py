"""The child that runs student code sees only what it needs: no repository, no grader environment, no network,
no capability, nothing an earlier child left behind, and no way to reach the worker that forks it."""

import os
import re
import subprocess
import sys

import pytest
from sandboxed import SECRET, run

from graders.course.model import ROOT
from graders.host import sandbox
from graders.host.sandbox import bubblewrap_problem
from graders.host.student import StudentCrashed, StudentRaised

needs_bubblewrap = pytest.mark.skipif(
    bubblewrap_problem() is not None, reason=f"{bubblewrap_problem()}"
)


@pytest.fixture(params=["bwrap", "none"])
def zygote(request, workers):
    return workers(request.param)


def test_the_grader_environment_is_not_inherited(zygote):
    assert run(zygote, f"return os.environ.get({SECRET[0]!r})") is None


def test_solutions_graders_and_classmates_are_not_on_disk(zygote):
    if zygote.mode == "none" and not zygote.isolation.namespaces:
        pytest.skip("without bubblewrap or namespaces the file system is shared (documented)")
    paths = [
        ROOT / "solutions" / "lesson1" / "losses.py",
        ROOT / "graders" / "lesson1" / "test_losses.py",
        ROOT / "course.toml",
    ]
    paths += [ROOT / "samples" / "class" / "ada" / "lesson1" / "losses.py"]
    for path in paths:
        if zygote.mode == "bwrap":  # never bound into the child's file system at all
            assert run(zygote, f"return os.path.exists({str(path)!r})") is False, path
        else:  # covered in the child's own mount namespace: a folder by an empty one, a file by an empty file
            seen = (
                f"p = {str(path)!r}\nreturn os.path.exists(p) and (os.listdir(p) if "
                "os.path.isdir(p) else open(p, 'rb').read().decode())"
            )
            assert not run(zygote, seen), path
            if (
                path.parent != ROOT
            ):  # the root itself stays, as the way to a Python installation inside it
                assert not run(
                    zygote,
                    f"return os.path.exists({str(path.parent)!r}) and os.listdir({str(path.parent)!r})",
                ), path.parent
    if zygote.mode == "bwrap":  # of the repository, the worker and the probe files alone
        files = run(
            zygote,
            "return sorted(os.path.relpath(os.path.join(d, f), '/grader') "
            "for d, _, fs in os.walk('/grader') for f in fs)",
        )
        assert "graders/worker/child.py" in files
        assert any(re.fullmatch(r"graders/\w+/probes_\w+\.py", f) for f in files)
        others = [
            f
            for f in files
            if not f.startswith("graders/worker/")
            and not re.fullmatch(r"graders/(\w+/)?(__init__|probes_\w+)\.py", f)
        ]
        assert not others


def test_nothing_but_the_private_tmp_is_writable(zygote):
    if zygote.mode == "none" and not zygote.isolation.namespaces:
        pytest.skip("without bubblewrap or namespaces the file system is shared (documented)")
    places = [str(ROOT), str(ROOT.parent), sys.prefix, os.path.expanduser("~"), "/", "/tmp"]
    # the worker and probe files the children import: bound read-only, or a copy closed to them
    copy = sandbox._worker_copy() / "graders"
    places += ["/grader/graders/worker", str(copy / "worker"), *map(str, copy.glob("*/"))]
    body = (
        f"wrote = []\nfor place in {places!r}:\n    try:\n"
        "        open(os.path.join(place, 'GRADERS-TEST-MARKER'), 'w').close()\n        wrote.append(place)\n"
        "    except OSError:\n        pass\nreturn wrote"
    )
    wrote = run(zygote, body)
    # only into the child's private /tmp: where the project itself lies under /tmp (a clone
    # there), its folder in that private /tmp is an empty skeleton around the Python bound back
    # read-only, and writing there reaches nothing of the machine (checked below)
    assert "/tmp" in wrote and all(place == "/tmp" or place.startswith("/tmp/") for place in wrote)
    assert sys.prefix not in wrote
    assert not [
        place for place in places if os.path.exists(os.path.join(place, "GRADERS-TEST-MARKER"))
    ]


def test_there_is_no_network(zygote):
    if zygote.mode == "none" and not zygote.isolation.namespaces:
        pytest.skip("without bubblewrap or namespaces the network is shared (documented)")
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


def test_student_code_holds_no_capability(zygote):
    status = run(zygote, "return open('/proc/self/status').read()")
    capabilities = {
        line.split(":")[0]: int(line.split()[1], 16)
        for line in status.splitlines()
        if line.startswith("Cap")
    }
    assert capabilities == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": 0, "CapAmb": 0}


def test_the_read_only_folders_cannot_be_made_writable(zygote):
    if zygote.mode == "none" and not zygote.isolation.namespaces:
        pytest.skip(
            "without bubblewrap or namespaces nothing is mounted read-only for the child (documented)"
        )
    # bubblewrap run by root keeps every capability unless told otherwise: enough to remount these.
    remounted = run(
        zygote,
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "return [p for p in (sys.prefix, '/usr', '/') if libc.mount(None, p.encode(), None, 32 | 4096, None) == 0]",
    )
    assert remounted == []


def test_each_child_has_a_private_tmp(zygote):
    if not zygote.isolation.namespaces:
        pytest.skip(zygote.isolation.problems[0])
    run(
        zygote,
        "open('/tmp/left-behind', 'w').write('x')\nopen('/dev/shm/left-behind', 'w').write('x')",
    )
    assert (
        run(
            zygote,
            "return [p for p in ('/tmp/left-behind', '/dev/shm/left-behind') if os.path.exists(p)]",
        )
        == []
    )


def test_the_worker_is_out_of_reach(zygote):
    if not zygote.isolation.namespaces:
        pytest.skip(zygote.isolation.problems[0])
    signalled = run(
        zygote,
        "reached = []\nfor pid in range(2, 4096):\n    try:\n        os.kill(pid, 0)\n        reached.append(pid)\n"
        "    except OSError:\n        pass\nreturn [os.getpid(), os.getppid(), reached]",
    )
    assert signalled == [1, 0, []]  # first process of its own PID namespace: nobody else to name
    assert run(zygote, "return 1 + 1") == 2


@needs_bubblewrap
def test_bubblewrap_leaves_the_zygote_no_capability_but_mapping_users():
    # As root, bubblewrap keeps every capability inside unless told otherwise (then a child that
    # failed to drop them could remount the read-only folders).  CAP_SETFCAP (bit 31) is kept
    # so the zygote can map its user into each child's namespace; children drop it too.
    status = subprocess.run(
        ["bwrap", "--ro-bind", "/", "/", *sandbox._namespace_flags(), "cat", "/proc/self/status"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    effective = int(
        next(line for line in status.splitlines() if line.startswith("CapEff")).split()[1], 16
    )
    assert effective == (1 << 31 if os.geteuid() == 0 else 0)


@needs_bubblewrap
def test_the_empty_tmp_is_mounted_before_the_python_installation_is_bound():
    # A clone under /tmp has its venv there: binding it first and then mounting an empty
    # /tmp over it would hide the interpreter (bwrap mounts in order).
    args = sandbox_command()
    assert args.index("/tmp") < args.index("--ro-bind")


def sandbox_command():
    from graders.host.sandbox import command

    return command("bwrap", 3, hidden=[ROOT])
