"""Which CPU each shard of a grading run, and each submission's child, runs on.

A probe is a synchronous round trip: the grader sends a request and waits, the child works and
replies, and then the grader works while the child waits.  Exactly one of the two runs at any
moment, hundreds of times per submission.  When they sit on different CPUs, every hand-over wakes
an idle CPU (on a virtual machine, a halted vCPU that the host must schedule again) and each
side finds its caches cold.  On one CPU, a hand-over is a context switch on a warm core: a
socket round trip costs a fraction of what it costs across CPUs, and the codec and the
grader's own work run faster for the warm caches (docs/measurements.md, "Pinning").

So ``graders grade`` gives each of its ``--jobs`` shards a CPU of its own when there are enough
(``for_shards``), and the shard runs there together with the child of the submission it grades
(``pytest --cpu N``).  The warm worker keeps every CPU the run may use: it forks spares, raises
the next child's walls and tears the last child down on whichever CPU is free, while the shard
goes on grading.  Pinning is a matter of speed only, never a wall: student code may change its
own affinity and gains nothing by it.
"""

from __future__ import annotations

import os

from graders.worker.limits import run_on


def usable() -> list[int]:
    """The CPUs this process may run on, in order."""
    return sorted(os.sched_getaffinity(0))


def for_shards(jobs: int) -> list[int | None]:
    """The CPU for each of ``jobs`` shards, or None for all where there are fewer CPUs than shards.

    Two shards on one CPU would wait for each other there while another CPU could have run one
    of them; without pinning, the scheduler balances them.
    """
    cpus = usable()
    if jobs < 1 or jobs > len(cpus):
        return [None] * max(jobs, 0)
    return cpus[:jobs]


def pin(cpu: int) -> None:
    """Run this process (and what it starts from now on) on ``cpu`` only, where the kernel allows."""
    run_on({cpu})  # the same call the zygote and each child make on their side of the sandbox
