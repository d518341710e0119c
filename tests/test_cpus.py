"""CPU pinning: each shard of `grade` runs on a CPU of its own with its submissions' children
beside it, while the warm worker keeps every CPU for its forks (graders/host/cpus.py says why)."""

import os
from pathlib import Path

import pytest
from conftest import run_pytest
from sandboxed import run

from graders.course.model import ROOT, load_course
from graders.host import cpus
from graders.host.sandbox import Zygote, bubblewrap_problem
from graders.pipeline.shards import ShardSpec

USABLE = cpus.usable()
needs_two_cpus = pytest.mark.skipif(
    len(USABLE) < 2, reason="pinning is only visible with two CPUs or more"
)


def test_each_shard_gets_a_cpu_of_its_own_where_there_are_enough():
    for jobs in range(1, len(USABLE) + 1):
        chosen = cpus.for_shards(jobs)
        assert len(chosen) == jobs and len(set(chosen)) == jobs and set(chosen) <= set(USABLE)
    assert cpus.for_shards(len(USABLE) + 1) == [None] * (
        len(USABLE) + 1
    )  # the scheduler balances them


def test_a_shard_command_names_its_cpu_only_when_it_has_one():
    course = load_course()
    spec = ShardSpec(course, (course.lesson("lesson1"),))
    pinned = spec.command([("ada", ROOT / "solutions")], Path("out"), cpu=USABLE[-1])
    assert pinned[pinned.index("--cpu") + 1] == str(USABLE[-1])
    assert "--cpu" not in spec.command([("ada", ROOT / "solutions")], Path("out"))


def test_a_cpu_this_process_may_not_use_is_one_clear_line():
    process = run_pytest(
        "graders/lesson1", "--submission", "solutions", "--cpu", "4096", "--collect-only", "-q"
    )
    assert process.returncode == 4, process.stdout + process.stderr
    usable = ", ".join(map(str, USABLE))
    assert (
        process.stderr.strip()
        == f"ERROR: --cpu 4096: this process may run only on CPUs {usable}; pick one of them"
    )


@needs_two_cpus
@pytest.mark.parametrize("kind", ["bwrap", "none"])
def test_children_serve_on_the_graders_cpu_and_the_zygote_keeps_every_cpu(kind):
    if kind == "bwrap" and bubblewrap_problem():
        pytest.skip(bubblewrap_problem())
    first, last = USABLE[0], USABLE[-1]
    try:
        os.sched_setaffinity(0, {first})  # as a pinned shard starts its worker
        pinned = Zygote(kind, hidden=[ROOT], cpus=USABLE, child_cpu=last)
        unpinned = Zygote(kind, hidden=[ROOT], cpus=USABLE)
    finally:
        os.sched_setaffinity(0, USABLE)
    try:
        pinned.wait_ready()
        unpinned.wait_ready()
        assert run(pinned, "return sorted(os.sched_getaffinity(0))") == [last]
        # A child without a CPU of its own inherits the worker's: every CPU, though the process
        # that started the worker ran on one.
        assert run(unpinned, "return sorted(os.sched_getaffinity(0))") == USABLE
    finally:
        pinned.close()
        unpinned.close()
