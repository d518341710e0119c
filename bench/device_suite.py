"""The whole grader suite on each device, in one run: solutions full marks, stubs zero, every mistake caught.

    python bench/device_suite.py --devices cpu cuda

Builds one class (the reference solutions, the generated stubs and one mutant per catalogue
mistake), grades it with ``--device cpu`` and with ``--device cuda`` side by side, checks the
outcomes on each device, and prints the time each device took.  Exits non-zero if any check
fails.  This is the run issue 7 asks for on a real GPU (docs/gpu.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graders.course.model import load_course  # noqa: E402
from graders.grading.mutants import EXERCISES, SOLUTIONS, copy_submission, write_mutants  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", default=["cpu", "cuda"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    course = load_course()
    problems, timings = [], {}
    with tempfile.TemporaryDirectory(prefix="graders-devices-") as temporary:
        root = Path(temporary)
        copy_submission(SOLUTIONS, root / "class" / "reference")
        copy_submission(EXERCISES, root / "class" / "stubs")
        mutants = write_mutants(course, root / "class")
        print(
            f"{len(mutants) + 2} submissions: reference, stubs, {len(mutants)} mutants", flush=True
        )
        for device in args.devices:
            out = root / device
            started = time.perf_counter()
            process = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "graders",
                    "grade",
                    str(root / "class"),
                    "--out",
                    str(out),
                    "--device",
                    device,
                    "--jobs",
                    str(args.jobs),
                    "--quiet",
                    "--force",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            timings[device] = time.perf_counter() - started
            if process.returncode != 0:
                problems.append(f"{device}: grading failed: {process.stderr.strip()[-500:]}")
                continue
            results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/result.json")}
            problems += check(device, results, mutants)
            used = {
                t["device"] for r in results.values() for e in r["exercises"] for t in e["tests"]
            }
            print(
                f"{device}: {timings[device]:.1f} s, test devices recorded: {sorted(used)}",
                flush=True,
            )
    if len(timings) > 1 and "cpu" in timings:
        for device, seconds in timings.items():
            if device != "cpu":
                print(f"{device} / cpu wall time: {seconds / timings['cpu']:.2f}")
    for problem in problems:
        print("PROBLEM:", problem)
    print("all checks passed" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def check(device: str, results: dict, mutants) -> list[str]:
    problems = []
    reference, stubs = results.get("reference"), results.get("stubs")
    if reference is None or reference["score"] != reference["max_score"]:
        problems.append(f"{device}: the reference solutions did not get full marks")
    if stubs is None or stubs["score"] != 0:
        problems.append(f"{device}: the stubs did not score zero")
    for mutant in mutants:
        result = results.get(mutant.student)
        exercise = (
            next((e for e in result["exercises"] if e["id"] == mutant.exercise), None)
            if result
            else None
        )
        if exercise is None or exercise["score"] >= exercise["max_score"]:
            problems.append(f"{device}: {mutant.student} ({mutant.mistake.name}) was not caught")
        elif not any(mutant.mistake.name in t["message"] for t in exercise["tests"]):
            problems.append(
                f"{device}: {mutant.student} lost points but the feedback never names {mutant.mistake.name!r}"
            )
    return problems


if __name__ == "__main__":
    sys.exit(main())
