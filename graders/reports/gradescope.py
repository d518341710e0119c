"""Gradescope's results.json for one student, from result.json.

Each exercise becomes one Gradescope test with its score and maximum; its output is the
same text the student's feedback shows.  Format: Gradescope's autograder specification
(top-level "score" and "tests", each test with "name", "score", "max_score", "status",
"output").  For a Gradescope autograder, grade the one submission and write straight to
/autograder/results/results.json with ``--gradescope`` (docs/gradescope.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from graders.course.model import Course
from graders.grading.results import StudentResult
from graders.reports.feedback import kinds, sections


def points(value: float) -> str:
    """A score as people read it: at most two decimals (19.4773 is 19.48, 29.0 is 29)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def gradescope_results(
    course: Course,
    result: StudentResult,
    *,
    files: list[str] | None = None,
    notes: list[str] = (),
) -> dict:
    """Gradescope's results.json for ``result``.

    ``files``: the student's files as they uploaded them, named in the top line in place of the
    submission folder's name; ``notes``: how they were read (renames, files ignored), shown
    to the student with the result's own notes.
    """
    tests = []
    for section in sections(course, result):
        exercise = section.exercise
        lines = [section.summary] if section.summary else []
        lines.append(f"{section.passed} of {len(exercise.tests)} hidden tests passed.")
        for failure in section.failures:
            also = f" (and {failure.similar} similar)" if failure.similar else ""
            lines += ["", f"{failure.label}: {failure.test}{also}", failure.message]
        if section.more_kinds:
            lines.append(
                f"... and {section.more_kinds} other {kinds(section.more_kinds)} of failure."
            )
        tests.append(
            {
                "name": exercise.id,
                "score": exercise.score,
                "max_score": exercise.max_score,
                "status": "passed" if exercise.score >= exercise.max_score else "failed",
                "output": "\n".join(lines),
                "visibility": "visible",
            }
        )
    graded = f"Graded {', '.join(files)}" if files else result.student
    output = [f"{graded}: {points(result.score)} / {points(result.max_score)}"]
    read = [*notes, *result.notes]
    if read:
        output += ["", "How your files were read:", *(f"- {note}" for note in read)]
    return {
        "score": result.score,
        "output": "\n".join(output),
        "tests": tests,
        "visibility": "visible",
        "stdout_visibility": "hidden",
    }


def write_gradescope(course: Course, result: StudentResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(gradescope_results(course, result), indent=1) + "\n", encoding="utf-8"
    )
