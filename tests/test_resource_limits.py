"""Memory, CPU time and output are limited per submission, and each limit is reported as its own kind of failure."""

import os

import pytest
from sandboxed import KINDS, course_with, run, worker

from graders.host.failures import CpuTimeExceeded, OutOfMemory, TooMuchOutput

SMALL = {
    "memory_mb": 192
}  # small enough that a hog is stopped quickly, and harmless if it were not


@pytest.fixture(params=KINDS)
def zygote(request, workers):
    return workers(request.param)


def test_a_memory_hog_is_stopped_and_reported_as_out_of_memory(zygote):
    with pytest.raises(OutOfMemory, match="memory"):
        run(
            zygote,
            "import torch\nhoard = []\nwhile True:\n    hoard.append(torch.ones(2**24))",
            course_with(**SMALL),
        )


def test_memory_spread_over_processes_counts_in_total(zygote):
    if zygote.hierarchy is None:
        pytest.skip("without a cgroup the memory limit holds per process only (docs/sandbox.md)")
    body = (
        "children = []\n"
        "for _ in range(4):\n"  # 4 x 96 MiB: each under the limit, together twice over it
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        hoard = bytearray(96 * 2**20)\n"
        "        for i in range(0, len(hoard), 4096):\n"
        "            hoard[i] = 1\n"
        "        time.sleep(2)\n"
        "        os._exit(0)\n"
        "    children.append(pid)\n"
        "if any(os.WIFSIGNALED(os.waitpid(pid, 0)[1]) for pid in children):\n"
        "    raise RuntimeError('a helper was killed')\n"
        "return 'all four held their memory'"
    )
    with pytest.raises(OutOfMemory, match="memory limit of 192 MB"):
        run(zygote, body, course_with(**SMALL))


def test_cpu_time_is_limited(zygote):
    with pytest.raises(CpuTimeExceeded, match="1 s of CPU time"):
        run(zygote, "while True:\n    pass", course_with(cpu_seconds=1))


def test_a_gigabyte_of_output_is_cut_at_the_limit(zygote):
    course = course_with(output_kb=16)
    child = worker(
        zygote,
        "chunk = b'x' * 2**20\nfor _ in range(1024):\n    try:\n        os.write(1, chunk)\n"
        "    except OSError:\n        pass\nreturn 'done'",
        course,
    )
    try:
        with pytest.raises(TooMuchOutput, match="printed more than 16 KB"):
            child.run(course.exercise("lesson1.mse"), "call", {"args": (), "kwargs": {}})
        # the file the output went to never grew past the limit and a page: the gigabyte went nowhere
        assert os.fstat(child.capture.fd).st_size == 16 * 1024 + os.sysconf("SC_PAGE_SIZE")
        assert len(child.printed[-1]) == 16 * 1024
    finally:
        child.close()


def test_output_under_the_limit_is_kept_and_cleaned_of_terminal_codes(zygote):
    child = worker(zygote, "print('loss \\x1b[31mred\\x1b[0m', flush=True)\nreturn 1.5")
    try:
        assert (
            child.run(child.course.exercise("lesson1.mse"), "call", {"args": (), "kwargs": {}})
            == 1.5
        )
        assert child.printed == ["loss red\n"]
    finally:
        child.close()
