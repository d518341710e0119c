"""A lesson's notebook self-checks against `pytest lessonN`, on the same (reference) code.

    python bench/self_checks.py checks lesson1   # every autograder cell's check("..."), in order
    python bench/self_checks.py pytest lesson1   # the visible tests as a .py student runs them

Each mode is one whole process, from Python's start (torch imported in both), so a side-by-side
timer compares what a student waits for: "Run all" of the checks against one `pytest lesson1`.
The checks run on the kernel namespace the notebook's code cells build (tests/test_self_checks.py
does the same); the pytest run uses a copy of exercises/ with the solutions in place.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graders.course.model import load_course  # noqa: E402
from graders.course.notebook_code import cell_source, is_test_cell  # noqa: E402
from graders.notebooks.source import notebook_path  # noqa: E402


def run_checks(lesson) -> None:
    course = load_course()
    notebook = json.loads(notebook_path(course, lesson).read_text())
    with tempfile.TemporaryDirectory() as scratch:
        folder = shutil.copytree(notebook_path(course, lesson).parent, Path(scratch) / lesson.id)
        sys.path.insert(0, str(folder))
        namespace = {"__name__": "__main__"}
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            if not is_test_cell(cell):
                exec(cell_source(cell), namespace)
                continue
            from self_check import check

            exercise = cell["metadata"]["nbgrader"]["grade_id"].removeprefix("test-")
            found = next(e for e in lesson.exercises if e.entry == exercise)
            printed = io.StringIO()
            with contextlib.redirect_stderr(printed):
                check(f"{lesson.id}.{found.module}.{found.entry}", namespace)
            if printed.getvalue():
                raise SystemExit(f"a check failed on the reference:\n{printed.getvalue()}")


def run_pytest(lesson) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = shutil.copytree(ROOT / "solutions", Path(scratch) / "solutions")
        process = subprocess.run(
            [sys.executable, "-m", "pytest", lesson.id, "-q", "-p", "no:cacheprovider"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        if process.returncode != 0:
            raise SystemExit(process.stdout[-2000:])


if __name__ == "__main__":
    mode, lesson_id = sys.argv[1], sys.argv[2]
    lesson = load_course().lesson(lesson_id)
    {"checks": run_checks, "pytest": run_pytest}[mode](lesson)
