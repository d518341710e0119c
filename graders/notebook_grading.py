"""Grading notebooks in the isolated worker, exactly as ``python -m graders grade`` grades a class.

Two callers: the hidden part of an autograder cell (``hidden_score``, inside the notebook's
kernel) and nbgrader's autograde pipeline (``nbgrader_bridge.TrustedScores``).
``grade_notebooks`` lays the notebooks out like nbgrader's submitted/ folder and runs the
grading pipeline of ``grade.py`` on it: the same code extraction, the same hidden graders, the
same sandbox, hence the same scores as ``python -m graders grade`` and the audit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import tempfile
import warnings
from pathlib import Path

from .course import COURSE_FILE, load_course
from .errors import HarnessError
from .feedback import exercise_section
from .grade import Options, grade
from .results import StudentResult


def grade_notebooks(notebooks: dict[str, bytes], lesson: str, course_file: Path = COURSE_FILE, jobs: int = 1) -> dict[str, StudentResult]:
    """{student: result} for {student: the lesson's notebook, as bytes}, graded in the isolated worker."""
    with tempfile.TemporaryDirectory(prefix="graders-notebooks-") as folder:
        root = Path(folder)
        names = {}
        for number, (student, data) in enumerate(notebooks.items()):
            lesson_folder = root / "class" / f"s{number}" / lesson
            lesson_folder.mkdir(parents=True)
            (lesson_folder / f"{lesson}.ipynb").write_bytes(data)
            names[f"s{number}"] = student
        options = Options(root / "out", [lesson], course_file=Path(course_file), jobs=jobs, quiet=True)
        graded = grade(root / "class", options)
        if graded.missing:
            raise HarnessError(f"grading stopped before {', '.join(names[s] for s in graded.missing)} got a result")
        return {names[r.student]: dataclasses.replace(r, student=names[r.student]) for r in graded.results}


_GRADED: dict[str, StudentResult] = {}  # notebook digest -> result: the kernel grades its notebook once


def hidden_score(exercise_id: str) -> float:
    """The score of one exercise of the notebook this kernel runs, graded in the isolated worker.

    Called by the hidden part of an autograder cell.  It grades the notebook file in the
    kernel's working folder (nbgrader runs the kernel there), prints what failed, and returns
    the score, which the cell shows as its result: nbgrader's partial credit.  It writes nothing
    to stderr, where any output would cost the cell all its points.
    """
    course = load_course()
    exercise = course.exercise(exercise_id)
    path = Path.cwd() / f"{exercise.lesson}.ipynb"
    if not path.is_file():
        raise HarnessError(f"{path.name} is not in {Path.cwd()}: autograder cells grade the notebook file they run from")
    data = path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    if key not in _GRADED:
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _GRADED[key] = grade_notebooks({"notebook": data}, exercise.lesson)["notebook"]
    result = _GRADED[key].exercise(exercise_id)
    print(exercise_report(course, result))
    return result.score


def exercise_report(course, result) -> str:
    """What a student reads under an autograder cell: the score and each way the exercise failed."""
    return "\n".join(exercise_section(course, result)).removeprefix("## ")
