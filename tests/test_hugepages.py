"""A zygote that serves a large class folds its memory into huge pages before it forks
(graders/worker/hugepages.py); its children still start from its memory."""

import ctypes
import errno
import json
import mmap
import os
import re
import subprocess

import pytest
from classbuilder import SOLUTIONS, copy_submission
from sandboxed import KINDS, run, start

from graders.course.model import ROOT, load_course
from graders.host.sandbox import FOLD_FROM
from graders.pipeline.shards import ShardSpec
from graders.worker import hugepages

MAPS = """\
55d0c0000000-55d0c0a00000 r--p 00000000 08:01 1234   /usr/bin/python3.11
55d0c2000000-55d0c9000000 rw-p 00000000 00:00 0      [heap]
7f0000100000-7f0000900000 rw-p 00000000 00:00 0
7f0001000000-7f0001100000 rw-p 00000000 00:00 0
7f0002000000-7f0002600000 rw-p 00200000 08:01 5678   /usr/lib/libtorch_cpu.so
7f0003000000-7f0003400000 r--p 00000000 00:00 0
7ffc00000000-7ffc00800000 rw-p 00000000 00:00 0      [stack]
"""


def test_only_whole_huge_pages_of_private_anonymous_memory_are_folded():
    assert hugepages.anonymous_regions(MAPS) == [
        (0x55D0C2000000, 0x55D0C9000000),  # the heap, already on 2 MB boundaries
        (0x7F0000200000, 0x7F0000800000),  # rounded inwards to whole huge pages
    ]  # not: a file's pages, a region smaller than a huge page, read-only memory, the stack


def kernel_can_fold() -> str | None:
    """None when MADV_COLLAPSE works in this process now, else why not."""
    region = mmap.mmap(-1, 4 * hugepages.HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    region.write(b"x" * len(region))
    address = ctypes.addressof(ctypes.c_char.from_buffer(region))
    try:
        code = hugepages.fold(*hugepages.whole_huge_pages(address, address + len(region)))
        return (
            f"MADV_COLLAPSE fails here ({errno.errorcode.get(code, code)}: {os.strerror(code)})"
            if code
            else None
        )
    finally:
        region.close()


@pytest.mark.parametrize("kind", KINDS)
def test_a_folding_zygotes_child_starts_with_its_memory_in_huge_pages(kind):
    problem = kernel_can_fold()
    if problem:
        pytest.skip(problem)
    zygote = start(kind, fold_memory=True)
    try:
        rollup = run(zygote, "return open('/proc/self/smaps_rollup').read()")
    finally:
        zygote.close()
    huge = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]}[
        "AnonHugePages"
    ]
    # The zygote holds some 200 MB of anonymous memory; a child shares most of it still folded,
    # and splits only the huge pages it has written to.
    assert huge >= 32 * 1024, rollup


SNOOP = """
def mse(input, target, reduction="mean"):
    with open("/proc/self/smaps_rollup") as rollup:
        raise ValueError(next(line for line in rollup if line.startswith("AnonHugePages")))
"""


@pytest.mark.parametrize("students", [1, FOLD_FROM])
def test_a_shard_folds_its_zygotes_memory_only_for_a_large_class(tmp_path, students):
    """A single submission (a regrade, a Gradescope run) should not pay for folding; a class does."""
    problem = kernel_can_fold()
    if problem:
        pytest.skip(problem)
    course = load_course()
    spec = ShardSpec(course, (course.lesson("lesson1"),), device="cpu")
    submissions = []
    for i in range(students):
        folder = copy_submission(SOLUTIONS, tmp_path / "class" / f"s{i:02d}", ["lesson1"])
        losses = folder / "lesson1" / "losses.py"
        losses.write_text(losses.read_text() + SNOOP)
        submissions.append((folder.name, folder))
    command = [
        *spec.command(submissions, tmp_path / "out"),
        "-k",
        "test_default_reduction_is_mean and mse",
    ]
    subprocess.run(command, cwd=ROOT, env=spec.environment(), capture_output=True, timeout=300)
    result = json.loads((tmp_path / "out" / "s00" / "result.json").read_text())
    message = json.dumps(result)
    huge_kb = int(re.search(r"AnonHugePages:\s+(\d+) kB", message).group(1))
    assert (huge_kb >= 32 * 1024) is (students >= FOLD_FROM), message[:2000]
