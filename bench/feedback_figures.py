"""What the figures beside failures cost: a class graded with them against the same class without.

A synthetic class (bench/class_scale.py's: every third student a copy of the solutions, the
others catalogue mistakes in order) is graded by ``python -m graders grade``, side by side in
alternating rounds:

- with:     the harness as it ships: each failed comparison's figure built in the grader,
            kept in result.json, drawn into feedback.html and Gradescope's output;
- without:  the same command with ``graders.grading.figures.built`` returning None in every
            process of the run (bench/no_figures/sitecustomize.py), so no figure is built,
            kept or drawn.

It prints the medians, the ratio with/without, the figures drawn and the time
``python -m graders report OUT`` takes to draw them again (every figure, and the cache's hits).

    python bench/feedback_figures.py --size 200 --lessons lesson1 --jobs 2 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.class_scale import synthetic_class  # noqa: E402

NO_FIGURES = Path(__file__).resolve().parent / "no_figures"


def grade(folder: Path, out: Path, lessons: list[str], jobs: int, figures: bool) -> float:
    env = dict(os.environ)
    if not figures:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NO_FIGURES), env.get("PYTHONPATH")]))
        env["GRADERS_BENCH_NO_FIGURES"] = "1"
    command = [sys.executable, "-m", "graders", "grade", str(folder), "--out", str(out)]
    command += ["--jobs", str(jobs), "--quiet"]
    for lesson in lessons:
        command += ["--lesson", lesson]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def figures_in(out: Path) -> tuple[int, int]:
    """(figures kept in the results, students with at least one)."""
    counts = []
    for path in out.glob("*/result.json"):
        data = json.loads(path.read_text())
        counts.append(sum("figure" in t for e in data["exercises"] for t in e["tests"]))
    return sum(counts), sum(1 for c in counts if c)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--lessons", nargs="+", default=["lesson1"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as scratch:
        folder = Path(scratch) / "class"
        synthetic_class(folder, args.size, args.lessons)
        times: dict[str, list[float]] = {"with": [], "without": []}
        for round_number in range(args.rounds + 1):  # the first round warms the caches
            for way in ("with", "without") if round_number % 2 else ("without", "with"):
                out = Path(scratch) / f"out-{way}-{round_number}"
                seconds = grade(folder, out, args.lessons, args.jobs, figures=way == "with")
                if round_number:
                    times[way].append(seconds)
                print(f"round {round_number} {way}: {seconds:.1f} s", flush=True)
        kept, students = figures_in(Path(scratch) / f"out-with-{args.rounds}")
        none_kept, _ = figures_in(Path(scratch) / f"out-without-{args.rounds}")
        assert none_kept == 0, "the run without figures kept some"
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "graders",
                "report",
                str(Path(scratch) / f"out-with-{args.rounds}"),
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        report = time.perf_counter() - start
    with_, without = statistics.median(times["with"]), statistics.median(times["without"])
    print(
        f"\n{args.size} students, {' '.join(args.lessons)}, --jobs {args.jobs}, {args.rounds} rounds"
    )
    print(f"figures kept: {kept}, for {students} of {args.size} students")
    print(f"grade with figures:    median {with_:.1f} s  {times['with']}")
    print(f"grade without figures: median {without:.1f} s  {times['without']}")
    print(f"with / without: {with_ / without:.3f}  (added {100 * (with_ / without - 1):+.1f}%)")
    print(f"python -m graders report OUT (every report, figures drawn again): {report:.1f} s")


if __name__ == "__main__":
    main()
