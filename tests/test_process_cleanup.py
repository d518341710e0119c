"""Every process a submission starts is gone when its grading ends, whatever it does to hide, and a fork bomb
stays within the process limit."""

import os
import time
import uuid

import pytest
from sandboxed import KINDS, course_with, processes_named, run, worker

from graders.course.model import load_course
from graders.host import cgroups
from graders.host.student import StudentRaised

LINGER = """
import ctypes, signal
ctypes.CDLL(None).prctl(15, NAME.encode(), 0, 0, 0)
for number in range(1, signal.NSIG):
    try:
        signal.signal(number, signal.SIG_IGN)
    except (OSError, ValueError, RuntimeError):
        pass
while True:
    time.sleep(1)
"""


@pytest.fixture(params=KINDS)
def zygote(request, workers):
    return workers(request.param)


def gone(name: str, wait: float = 10.0) -> list[int]:
    """The processes called ``name`` still running after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while processes_named(name) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_named(name)


def test_processes_that_detach_are_killed_when_grading_ends(zygote):
    name = f"graders-{uuid.uuid4().hex[:6]}"  # 15 characters: the most a process name holds
    body = (
        f"NAME = {name!r}\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"  # a session of its own: out of the child's process group
        "    if os.fork() == 0:\n"  # and orphaned: re-parented away from the child
        + "".join(f"        {line}\n" for line in LINGER.strip().splitlines())
        + "    os._exit(0)\n"
        "os.wait()\n"
        "time.sleep(0.2)\n"
        "return len(os.listdir('/proc'))"
    )
    run(zygote, body)
    assert gone(name) == []


def test_a_fork_bomb_stays_within_the_process_limit(zygote):
    if os.geteuid() == 0 and zygote.hierarchy is None:
        pytest.skip(
            "as root only a cgroup limits processes, and this worker has none (docs/sandbox.md)"
        )
    name = f"graders-{uuid.uuid4().hex[:6]}"
    body = (
        f"import ctypes\nme = os.getpid()\nborn = 0\n"
        "while True:\n"
        "    try:\n"
        "        pid = os.fork()\n"
        "    except OSError:\n"
        "        break\n"
        "    if pid == 0:\n"
        f"        ctypes.CDLL(None).prctl(15, {name.encode()!r}, 0, 0, 0)\n"
        "        born = 0\n"
        "    else:\n"
        "        born += 1\n"
        "if os.getpid() != me:\n"
        "    while True:\n"
        "        time.sleep(1)\n"
        "raise RuntimeError(f'started {born}, then the limit held')"
    )
    with pytest.raises(StudentRaised, match="then the limit held"):
        run(zygote, body, course_with(processes=12))
    assert gone(name) == []


def test_the_cgroups_of_released_children_are_removed(zygote):
    if zygote.hierarchy is None:
        pytest.skip(cgroups.problem() or "this worker runs without cgroups")
    created = []
    for _ in range(3):
        known = set(zygote.retired)
        run(zygote, "return 1")
        created += [
            folder for group in zygote.retired if group not in known for folder in group.folders
        ]
    # Each release removes the groups of the children released before it; the last child may
    # still be exiting, and its group goes at the next release, or when the worker closes.
    assert len(zygote.retired) <= 1
    zygote.remove_released_groups(wait=True)
    assert zygote.retired == [] and [folder for folder in created if folder.exists()] == []


def test_releasing_a_child_spares_the_one_started_for_the_next_submission(zygote):
    """The session starts the next submission's child before it releases the current one
    (``SubmissionWorker.prepare``): the release must kill what the current one left behind, and
    nothing of the next."""
    course = load_course()
    mse = course.exercise("lesson1.mse")
    name = f"graders-{uuid.uuid4().hex[:6]}"
    leaves_a_process = (
        f"NAME = {name!r}\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        + "".join(f"        {line}\n" for line in LINGER.strip().splitlines())
        + "    os._exit(0)\n"
        "os.wait()\n"
        "return 1"
    )
    current, following = worker(zygote, leaves_a_process), worker(zygote, "return 2")
    try:
        assert current.run(mse, "call", {"args": (), "kwargs": {}}) == 1
        following.prepare()
        current.close()
        assert gone(name) == []
        assert following.run(mse, "call", {"args": (), "kwargs": {}}) == 2
    finally:
        current.close()
        following.close()
