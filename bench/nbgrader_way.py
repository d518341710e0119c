"""The nbgrader way of bench/class_scale.py: ``nbgrader autograde`` on the synthetic class as notebooks.

Each student of the synthetic class is the solutions or one catalogue mistake; here each
becomes one notebook per lesson, made from nbgrader's released notebook the way a student
would fill it in (tests/classbuilder.py: ``solved``, ``with_mistake``), in a scratch copy of
the course.  ``nbgrader autograde`` then grades lesson after lesson, with its defaults
(TrustedScores on), one notebook at a time as it always does.

nbgrader grades every notebook in a fresh kernel, independently of the others, so its time
per submission does not depend on the class size; grading a sample of the class measures it
(``sample`` students, the first ones, which include the solutions and mutants).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]  # the notebook builders the test suite uses

from classbuilder import solved, with_mistake, write_notebook  # noqa: E402
from conftest import copy_course  # noqa: E402

from graders.grading.mistakes import Mistake  # noqa: E402


def autograde_seconds(
    scratch: Path, recipes: dict[str, tuple[str, Mistake] | None], lessons: list[str]
) -> tuple[float, dict[str, float]]:
    """(wall seconds of ``nbgrader autograde`` over every lesson, each student's total score).

    ``recipes``: student -> None (the solutions) or (lesson, mistake) for a mutant.
    """
    root = copy_course(scratch / "nbcourse")
    folder = root / "nbgrader"
    subprocess.run(
        [sys.executable, "-m", "graders", "build", "--course", str(root / "course.toml")],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    nbgrader = [sys.executable, "-m", "nbgrader"]
    for lesson in lessons:
        subprocess.run(
            [*nbgrader, "generate_assignment", lesson], cwd=folder, check=True, capture_output=True
        )
        release = json.loads((folder / "release" / lesson / f"{lesson}.ipynb").read_text())
        reference = solved(
            release, json.loads((folder / "source" / lesson / f"{lesson}.ipynb").read_text())
        )
        for student, recipe in recipes.items():
            notebook = (
                with_mistake(reference, recipe[1]) if recipe and recipe[0] == lesson else reference
            )
            write_notebook(folder / "submitted", student, lesson, notebook)
    started = time.perf_counter()
    for lesson in lessons:
        subprocess.run(
            [*nbgrader, "autograde", lesson], cwd=folder, check=True, capture_output=True
        )
    seconds = time.perf_counter() - started
    return seconds, _gradebook_scores(folder, lessons, list(recipes))


def _gradebook_scores(folder: Path, lessons: list[str], students: list[str]) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        return {
            student: round(
                sum(gradebook.find_submission(lesson, student).score for lesson in lessons), 4
            )
            for student in students
        }
