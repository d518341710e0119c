"""Benchmark (not a test): `nbgrader autograde` per notebook against the batch grader on the same notebooks.

    python bench/nbgrader_autograde.py [--students 6]

Builds the course in a temporary folder, releases the first lesson, writes a class of notebooks
(the solutions, the stubs, and one mutant per catalogue mistake, in turn), then times, back to
back on the same notebooks: nbgrader autograde with TrustedScores (the default), nbgrader
autograde without it, and `python -m graders grade` with 1 and 2 jobs.  Prints a Markdown
table for docs/measurements.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # as pytest's pythonpath has them: the notebook builders live in tests/

from classbuilder import catalogue_mistakes, solved, with_mistake, write_notebook  # noqa: E402
from conftest import copy_course, run_cli  # noqa: E402

from graders.course import load_course  # noqa: E402


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of every process it started) of one command."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as scratch:
        root = copy_course(Path(scratch) / "course")
        run_cli("build", "--course", str(root / "course.toml"))
        course = load_course(root / "course.toml")
        lesson, folder = course.lessons[0], root / "nbgrader"
        nbgrader = [sys.executable, "-m", "nbgrader"]
        subprocess.run([*nbgrader, "generate_assignment", lesson.id], cwd=folder, check=True, capture_output=True)
        release = json.loads((folder / "release" / lesson.id / f"{lesson.id}.ipynb").read_text())
        reference = solved(release, json.loads((folder / "source" / lesson.id / f"{lesson.id}.ipynb").read_text()))
        mistakes = [m for m in catalogue_mistakes(course) if m[0] == lesson.id]
        variants = [reference, release] + [with_mistake(reference, mistake) for _, _, mistake in mistakes]
        for number in range(args.students):
            write_notebook(folder / "submitted", f"s{number:03d}", lesson.id, variants[number % len(variants)])
        n = args.students
        rows = [
            ("nbgrader autograde (TrustedScores on, the default)", timed([*nbgrader, "autograde", lesson.id], folder)),
            ("nbgrader autograde --TrustedScores.enabled=False",
             timed([*nbgrader, "autograde", lesson.id, "--force", "--TrustedScores.enabled=False"], folder)),
        ]  # fmt: skip
        for jobs in (1, 2):
            out = Path(scratch) / f"batch-{jobs}"
            grade = [sys.executable, "-m", "graders", "grade", str(folder / "submitted"), "--out", str(out), "--jobs", str(jobs)]
            rows.append((f"python -m graders grade --jobs {jobs}", timed([*grade, "--course", str(root / "course.toml")], root)))
    load = os.getloadavg()[0]
    print(f"{n} notebooks of {lesson.id}, {os.cpu_count()} cores, load average {load:.1f} at the end\n")
    print("| what | wall clock | per notebook | CPU time | CPU per notebook |\n| --- | ---: | ---: | ---: | ---: |")
    for what, (wall, cpu) in rows:
        print(f"| {what} | {wall:.1f} s | {wall / n:.1f} s | {cpu:.1f} s | {cpu / n:.1f} s |")


if __name__ == "__main__":
    main()
