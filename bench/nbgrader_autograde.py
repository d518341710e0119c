"""Benchmark (not a test): `nbgrader autograde` per notebook against the batch grader on the same notebooks.

    python bench/nbgrader_autograde.py [--students 6]

Builds the course in a temporary folder, releases the first lesson, writes a class of notebooks
(the solutions, the stubs, and one mutant per catalogue mistake, in turn), then times, back to
back on the same notebooks: nbgrader autograde with its kernels in the sandbox (the default,
graders/notebooks/kernel_sandbox.py) and with them unsandboxed (GRADERS_UNSANDBOXED_KERNELS=1), in
alternating rounds, and `python -m graders grade` with 1 and 2 jobs.  Prints a Markdown table
for docs/measurements.md, and what the sandbox costs per notebook.
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
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "tests"),
]  # as pytest's pythonpath has them: the notebook builders live in tests/

from classbuilder import catalogue_mistakes, solved, with_mistake, write_notebook  # noqa: E402
from conftest import copy_course, run_cli  # noqa: E402

from graders.course.model import load_course  # noqa: E402


def timed(args: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of every process it started) of one command."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, env=env)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def source_cells(folder: Path, lesson: str) -> dict[str, dict]:
    source = json.loads((folder / "source" / lesson / f"{lesson}.ipynb").read_text())
    return {cell["id"]: cell for cell in source["cells"]}


def without_hidden_tests(notebook: dict, source: dict[str, dict]) -> dict:
    """The notebook as autograde runs it (test cells from the source, as OverwriteCells does), hidden part out."""
    notebook = json.loads(json.dumps(notebook))
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade") and cell["id"] in source:
            text = "".join(source[cell["id"]]["source"])
            cell["source"] = text.split("### BEGIN HIDDEN TESTS")[0]
    return notebook


def kernel_rounds(notebooks: list[dict], rounds: int) -> dict[str, list[float]]:
    """Seconds per notebook for RunCells with kernels in the sandbox and unsandboxed, in alternating rounds."""
    import nbformat
    from traitlets.config import Config

    from graders.notebooks import kernel_sandbox
    from graders.notebooks.bridge import RunCells, configure

    config = Config()
    configure(config, ROOT / "nbgrader")
    seconds: dict[str, list[float]] = {"in the sandbox": [], "unsandboxed": []}
    for _ in range(rounds):
        for what, unsafe in (("in the sandbox", False), ("unsandboxed", True)):
            if unsafe:
                os.environ[kernel_sandbox.UNSAFE_VARIABLE] = "1"
            started = time.perf_counter()
            for notebook in notebooks:
                with tempfile.TemporaryDirectory(prefix="bench-kernel-") as folder:
                    cells = nbformat.reads(json.dumps(notebook), as_version=4)
                    RunCells(config=config).preprocess(cells, {"metadata": {"path": folder}})
            seconds[what].append((time.perf_counter() - started) / len(notebooks))
            os.environ.pop(kernel_sandbox.UNSAFE_VARIABLE, None)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="alternating rounds of sandboxed and unsandboxed autograde",
    )
    parser.add_argument(
        "--kernels-only",
        action="store_true",
        help="time only the kernels, not autograde and the batch grader",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as scratch:
        root = copy_course(Path(scratch) / "course")
        run_cli("build", "--course", str(root / "course.toml"))
        course = load_course(root / "course.toml")
        lesson, folder = course.lessons[0], root / "nbgrader"
        nbgrader = [sys.executable, "-m", "nbgrader"]
        subprocess.run(
            [*nbgrader, "generate_assignment", lesson.id],
            cwd=folder,
            check=True,
            capture_output=True,
        )
        release = json.loads((folder / "release" / lesson.id / f"{lesson.id}.ipynb").read_text())
        reference = solved(
            release, json.loads((folder / "source" / lesson.id / f"{lesson.id}.ipynb").read_text())
        )
        mistakes = [m for m in catalogue_mistakes(course) if m[0] == lesson.id]
        variants = [reference, release] + [
            with_mistake(reference, mistake) for _, _, mistake in mistakes
        ]
        for number in range(args.students):
            write_notebook(
                folder / "submitted", f"s{number:03d}", lesson.id, variants[number % len(variants)]
            )
        kernel_notebooks = [
            without_hidden_tests(variants[i % len(variants)], source_cells(folder, lesson.id))
            for i in range(args.students)
        ]
        n = args.students
        autograde = [*nbgrader, "autograde", lesson.id, "--force"]
        unsandboxed = {**os.environ, "GRADERS_UNSANDBOXED_KERNELS": "1"}
        rows, sandboxed, plain = [], [], []
        for number in range(
            1, 0 if args.kernels_only else args.rounds + 1
        ):  # alternating, so that drift in the machine's speed hits both
            sandboxed.append(timed(autograde, folder))
            plain.append(timed(autograde, folder, unsandboxed))
            rows.append(
                (f"nbgrader autograde, kernels in the sandbox (round {number})", sandboxed[-1])
            )
            rows.append((f"nbgrader autograde, kernels unsandboxed (round {number})", plain[-1]))
        for jobs in () if args.kernels_only else (1, 2):
            out = Path(scratch) / f"batch-{jobs}"
            grade = [
                sys.executable,
                "-m",
                "graders",
                "grade",
                str(folder / "submitted"),
                "--out",
                str(out),
                "--jobs",
                str(jobs),
            ]
            rows.append(
                (
                    f"python -m graders grade --jobs {jobs}",
                    timed([*grade, "--course", str(root / "course.toml")], root),
                )
            )
    load = os.getloadavg()[0]
    print(
        f"{n} notebooks of {lesson.id}, {os.cpu_count()} cores, load average {load:.1f} at the end\n"
    )
    print(
        "| what | wall clock | per notebook | CPU time | CPU per notebook |\n| --- | ---: | ---: | ---: | ---: |"
    )
    for what, (wall, cpu) in rows:
        print(f"| {what} | {wall:.1f} s | {wall / n:.1f} s | {cpu:.1f} s | {cpu / n:.1f} s |")
    print(
        "\nThe unsandboxed kernels also grade each notebook in their hidden part (the sandboxed ones see no "
        "grader), so the rows above differ by more than the walls.  The walls alone, every cell of each notebook "
        "run by RunCells, the hidden part taken out:\n"
    )
    print("| kernels | seconds per notebook, each round |\n| --- | --- |")
    for what, seconds in kernel_rounds(kernel_notebooks, args.rounds).items():
        print(f"| {what} | {', '.join(f'{s:.2f}' for s in seconds)} |")


if __name__ == "__main__":
    main()
