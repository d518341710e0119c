"""Class-scale benchmark: this harness against the ways a class could otherwise be graded, side by side.

For each class size N, a synthetic class (copies of the solutions and mutants from the
mistake catalogues, in a fixed order) is graded:

- harness:   ``python -m graders grade`` (warm sandboxed worker per shard, forked child per student)
- fresh:     one fresh ``pytest`` process per submission against the same hidden graders,
             ``--jobs`` at a time
- nbgrader:  ``nbgrader autograde`` on the same submissions as notebooks (bench/nbgrader_way.py),
             on the first ``--nbgrader-sample`` students: it grades each notebook on its own,
             so its time per submission does not depend on N
- plain:     one plain process with student code imported into the grader (bench/plain_process.py):
             the isolation's cost is one sandboxed pytest process (--jobs 1) against plain, run
             ``--rounds`` times each, alternating, and compared by their medians

It prints seconds per submission, the ratios, peak memory (summed over the process tree)
and how time grows with N, and checks that every way gave the same scores.

    python bench/class_scale.py --sizes 25 50 100 200 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nbgrader_way import autograde_seconds  # noqa: E402
from graders.course.model import load_course  # noqa: E402
from graders.grading.mutants import SOLUTIONS, catalogue_mistakes, copy_submission, write_mutant  # noqa: E402
from graders.pipeline.shards import ShardSpec  # noqa: E402


def synthetic_class(folder: Path, size: int, lessons: list[str]) -> dict:
    """``size`` students: every third a copy of the solutions, the others mutants in catalogue order.

    Returns student -> None (the solutions) or (lesson, mistake), in order.
    """
    course = load_course()
    mistakes = [m for m in catalogue_mistakes(course) if m[0] in lessons]
    recipes = {}
    for i in range(size):
        student = f"student{i:04d}"
        if i % 3 == 0 or not mistakes:
            copy_submission(SOLUTIONS, folder / student, lessons)
            recipes[student] = None
        else:
            lesson, module, mistake = mistakes[(i - i // 3 - 1) % len(mistakes)]
            write_mutant(folder / student, lesson, module, mistake, lessons)
            recipes[student] = (lesson, mistake)
    return recipes


class PeakMemory:
    """Samples the summed resident memory of a process and all its descendants."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.running = pid, 0, True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, _tree_rss(self.pid))
            time.sleep(0.1)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak / 2**20


def _tree_rss(root: int) -> int:
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
                rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
    total, stack = rss.get(root, 0), [root]
    while stack:
        parent = stack.pop()
        for pid, ppid in parents.items():
            if ppid == parent:
                total += rss.get(pid, 0)
                stack.append(pid)
    return total


def run(commands: list[list[str]], parallel: int, env: dict | None = None) -> tuple[float, float]:
    """Run the commands (in ``env``), ``parallel`` at a time; (seconds, peak MiB of the busiest moment)."""
    started = time.perf_counter()
    peaks: list[float] = []

    def one(command: list[str]) -> None:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        memory = PeakMemory(process.pid)
        process.wait()
        peaks.append(memory.stop())

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, commands))
    return time.perf_counter() - started, max(peaks) * min(parallel, len(commands))


def pytest_command(
    spec: ShardSpec, submissions: list[tuple[str, Path]], out: Path, *extra: str
) -> list[str]:
    """A shard's own command line (run it with ``spec.environment()``), plus ``extra`` options."""
    return [*spec.command(submissions, out), *extra]


def scores(out: Path, students: list[str]) -> dict[str, float]:
    return {
        s: json.loads((out / s / "result.json").read_text())["score"]
        for s in students
        if (out / s / "result.json").is_file()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--lessons", nargs="+", default=None, help="default: every lesson of the course"
    )
    parser.add_argument("--ways", nargs="+", default=["harness", "fresh", "nbgrader", "plain"])
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="isolated and plain runs per size, alternating (default 3); medians are reported",
    )
    parser.add_argument(
        "--nbgrader-sample",
        type=int,
        default=4,
        metavar="K",
        help="students nbgrader grades per size (default 4)",
    )
    args = parser.parse_args()
    course = load_course()
    lessons = args.lessons or [lesson.id for lesson in course.lessons]
    # The fresh, isolated and plain ways run exactly a shard's command line, in a shard's environment.
    spec = ShardSpec(
        course, tuple(lesson for lesson in course.lessons if lesson.id in lessons), device="cpu"
    )
    shard_env = spec.environment()
    print(
        f"class-scale benchmark: lessons {', '.join(lessons)}, {args.jobs} jobs, {os.cpu_count()} cores"
    )
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="graders-bench-") as temporary:
            root = Path(temporary)
            recipes = synthetic_class(root / "class", size, lessons)
            students = list(recipes)
            entries = [(s, root / "class" / s) for s in students]
            row: dict = {"N": size}
            reference = None
            if "harness" in args.ways:
                out = root / "harness"
                grade = [
                    sys.executable,
                    "-m",
                    "graders",
                    "grade",
                    str(root / "class"),
                    "--out",
                    str(out),
                    "--force",
                    "--quiet",
                    "--device",
                    "cpu",
                    *(f"--lesson={lesson}" for lesson in lessons),
                ]
                row["harness"], row["harness_mb"] = run([grade + ["--jobs", str(args.jobs)]], 1)
                reference = scores(out, students)
            if "fresh" in args.ways:
                out = root / "fresh"
                row["fresh"], row["fresh_mb"] = run(
                    [pytest_command(spec, [e], out) for e in entries],
                    args.jobs,
                    env=shard_env,
                )
                row["fresh_same"] = scores(out, students) == reference if reference else None
            if "nbgrader" in args.ways:
                sample = dict(list(recipes.items())[: args.nbgrader_sample])
                seconds, graded = autograde_seconds(root, sample, lessons)
                row["nbgrader_n"], row["nbgrader"] = (
                    len(sample),
                    seconds * size / len(sample),
                )  # the class, at the sample's rate
                row["nbgrader_same"] = (
                    graded == {s: round(reference[s], 4) for s in sample} if reference else None
                )
            if "plain" in args.ways:
                out1, out2 = root / "isolated", root / "plain"
                commands = {
                    "isolated": pytest_command(spec, entries, out1),
                    "plain": pytest_command(spec, entries, out2, "-p", "bench.plain_process"),
                }
                walls: dict[str, list[float]] = {"isolated": [], "plain": []}
                for round_ in range(
                    args.rounds
                ):  # alternating, so that a machine that gets busier weighs on both
                    for way in ("isolated", "plain") if round_ % 2 == 0 else ("plain", "isolated"):
                        wall, peak = run([commands[way]], 1, env=shard_env)
                        walls[way].append(wall)
                        row[f"{way}_mb"] = peak
                row["isolated_1"], row["plain_1"] = (
                    statistics.median(walls["isolated"]),
                    statistics.median(walls["plain"]),
                )
                row["isolation_rounds"] = [
                    round(i / p - 1, 3) for i, p in zip(walls["isolated"], walls["plain"])
                ]
                row["plain_same"] = scores(out2, students) == scores(out1, students)
            rows.append(row)
            _print_row(row)
    print(json.dumps(rows, indent=1))


def _print_row(row: dict) -> None:
    n = row["N"]
    parts = [f"N={n:4d}"]
    if "harness" in row:
        parts.append(f"harness {row['harness'] / n:6.3f} s/sub ({row['harness_mb']:.0f} MiB)")
    if "fresh" in row:
        parts.append(
            f"fresh {row['fresh'] / n:6.3f} s/sub ({row['fresh_mb']:.0f} MiB, x{row['fresh'] / row['harness']:.1f})"
        )
    if row.get("nbgrader"):
        parts.append(
            f"nbgrader {row['nbgrader'] / n:6.3f} s/sub (x{row['nbgrader'] / row['harness']:.1f}, "
            f"{row['nbgrader_n']} graded)"
        )
    if "plain_1" in row:
        rounds = ", ".join(f"{100 * r:+.0f}%" for r in row["isolation_rounds"])
        parts.append(
            f"isolation cost {100 * (row['isolated_1'] / row['plain_1'] - 1):+.0f}% (jobs 1, "
            f"medians: {row['isolated_1']:.1f} s vs "
            f"{row['plain_1']:.1f} s; rounds {rounds})"
        )
    print("  ".join(parts), flush=True)


if __name__ == "__main__":
    main()
