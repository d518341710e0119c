"""Every process a submission starts is gone when its grading ends, whatever it does to hide, and a fork bomb
stays within the process limit."""

import os
import time
import uuid

import pytest
from sandboxed import KINDS, course_with, processes_named, run

from graders import cgroups
from graders.student import StudentRaised

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
        pytest.skip("as root only a cgroup limits processes, and this worker has none (docs/sandbox.md)")
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
    run(zygote, "return 1")
    mine = [p for folder in zygote.hierarchy.folders() for p in folder.glob(f"graders-{os.getpid()}-*")]
    assert mine == []
