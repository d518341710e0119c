"""What a turn between grader and child costs: one probe called many times two ways, side by side.

    python bench/probe_turns.py [--calls 3000] [--rounds 3]

``mse`` of the solutions on a 4x3 float64 tensor, each call a case of its own (a fresh
``Student``, as the graders make them), everything on one CPU as a shard and its child are:

- sandboxed: a sandboxed child, each request its own turn, as grading makes them;
- plain:     the probe run in this process on the imported solutions
             (bench/plain_process.py): no child, no socket, no turns.

CPU time per call, summed over the whole machine (/proc/stat), so the child's share counts;
the ways alternate round by round and the medians are printed.  docs/measurements.md
records the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from bench.plain_process import InProcessWorker  # noqa: E402
from graders.course.model import load_course  # noqa: E402
from graders.course.submission import load  # noqa: E402
from graders.grading.mutants import SOLUTIONS  # noqa: E402
from graders.host.sandbox import Zygote  # noqa: E402
from graders.host.student import Student, SubmissionWorker  # noqa: E402


def machine_cpu_seconds() -> float:
    """CPU time used on the whole machine since boot (all processes, the kernel included)."""
    with open("/proc/stat") as stat:
        ticks = [int(field) for field in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


def calls(worker: SubmissionWorker, exercise, count: int) -> float:
    """CPU seconds per call for ``count`` calls, each from a case of its own, on the same inputs every time."""
    generator = torch.Generator().manual_seed(0)
    input, target = (torch.randn(4, 3, dtype=torch.float64, generator=generator) for _ in range(2))
    started = machine_cpu_seconds()
    for _ in range(count):
        Student(worker, exercise, "cpu", seed=0).call(input, target, reduction="mean")
    return (machine_cpu_seconds() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    course = load_course()
    lesson = next(lesson for lesson in course.lessons if lesson.id == "lesson1")
    exercise = course.exercise("lesson1.mse")
    submission = load("solutions", SOLUTIONS, [lesson])
    zygote = Zygote("auto")
    zygote.wait_ready()
    per_call: dict[str, list[float]] = {"sandboxed": [], "plain": []}
    try:
        for round_ in range(args.rounds):
            ways = list(per_call) if round_ % 2 == 0 else list(reversed(per_call))
            for way in ways:
                if way == "plain":
                    worker = InProcessWorker(submission, course)
                else:
                    worker = SubmissionWorker(zygote, submission, course)
                calls(worker, exercise, 100)  # the child started, the module imported, caches warm
                per_call[way].append(calls(worker, exercise, args.calls))
                worker.close()
    finally:
        zygote.close()
    plain = statistics.median(per_call["plain"])
    print(f"mse on 4x3 float64, {args.calls} calls, {args.rounds} rounds, sandbox {zygote.mode}")
    for way, seconds in per_call.items():
        median = statistics.median(seconds)
        rounds = ", ".join(f"{1e6 * s:.0f}" for s in seconds)
        print(
            f"{way:>14}: {1e6 * median:5.0f} µs of CPU per call (x{median / plain:.2f} plain; rounds {rounds})"
        )


if __name__ == "__main__":
    main()
