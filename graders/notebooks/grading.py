"""Grading notebooks in the isolated worker, exactly as ``python -m graders grade`` grades a class.

Its caller is nbgrader's autograde pipeline (``nbgrader_bridge.TrustedScores``); nothing of it
runs in a notebook's kernel, which sees no grader (graders/notebooks/kernel_sandbox.py).
``grade_notebooks`` lays the notebooks out like nbgrader's submitted/ folder and runs the
grading pipeline of ``grade.py`` on it: the same code extraction, the same hidden graders, the
same sandbox, hence the same scores as ``python -m graders grade`` and the audit.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from graders.course.errors import HarnessError
from graders.course.model import COURSE_FILE
from graders.grading.results import StudentResult
from graders.pipeline.grade import Options, grade
from graders.reports.feedback import exercise_section


def grade_notebooks(
    notebooks: dict[str, bytes], lesson: str, course_file: Path = COURSE_FILE, jobs: int = 1
) -> dict[str, StudentResult]:
    """{student: result} for {student: the lesson's notebook, as bytes}, graded in the isolated worker."""
    with tempfile.TemporaryDirectory(prefix="graders-notebooks-") as folder:
        root = Path(folder)
        names = {}
        for number, (student, data) in enumerate(notebooks.items()):
            lesson_folder = root / "class" / f"s{number}" / lesson
            lesson_folder.mkdir(parents=True)
            (lesson_folder / f"{lesson}.ipynb").write_bytes(data)
            names[f"s{number}"] = student
        options = Options(
            root / "out", [lesson], course_file=Path(course_file), jobs=jobs, quiet=True
        )
        graded = grade(root / "class", options)
        if graded.missing:
            raise HarnessError(
                f"grading stopped before {', '.join(names[s] for s in graded.missing)} got a result"
            )
        return {
            names[r.student]: dataclasses.replace(r, student=names[r.student])
            for r in graded.results
        }


def exercise_report(course, result) -> str:
    """What a student reads under an autograder cell: the score and each way the exercise failed."""
    return "\n".join(exercise_section(course, result, page=None)).removeprefix("## ")
