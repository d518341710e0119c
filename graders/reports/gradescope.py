"""Gradescope's results.json for one student, from result.json.

Each exercise becomes one Gradescope test with its score and maximum; its output is the
same text the student's feedback shows, and where a failure has a figure and the output may
show what was expected, its figure: that output is then HTML (``"output_format": "html"``), the
text in ``<pre>`` and each figure an embedded PNG.  Format: Gradescope's autograder specification
(top-level "score", "output", "visibility", "stdout_visibility" and "tests", each test with
"name", "score", "max_score", "status", "output", "visibility"; docs/gradescope.md).

Gradescope sets visibility per test only.  So that a student sees each exercise's name and
score at once but what was expected only when ``[gradescope] details`` allows (course.toml),
``details`` splits an exercise that failed on a wrong value into two tests: its own, visible,
with the score, what passed and the errors of the student's own making (a missing file, an
exception, a timeout); and "<id>: details", worth 0 points, at that visibility, with every
failure's message (the expected values, the mistake named).  ``details = "visible"`` keeps each
exercise one visible test with all of it.  Every results.json follows the course's setting: the
autograder zip's, ``grade --gradescope FILE``'s and each student's gradescope.json in OUT.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from graders.course.model import Course
from graders.grading.results import StudentResult
from graders.reports.feedback import Section, image, kinds, sections
from graders.reports.plots import describe


def points(value: float) -> str:
    """A score as people read it: at most two decimals (19.4773 is 19.48, 29.0 is 29)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# When a test of each visibility is shown, in a student's words
SHOWN = {"after_due_date": "after the due date", "after_published": "when grades are published"}


def gradescope_results(
    course: Course,
    result: StudentResult,
    *,
    files: list[str] | None = None,
    notes: list[str] = (),
    details: str | None = None,
) -> dict:
    """Gradescope's results.json for ``result``.

    ``files``: the student's files as they uploaded them, named in the top line in place of the
    submission folder's name; ``notes``: how they were read (renames, files ignored), shown
    to the student with the result's own notes; ``details``: the Gradescope visibility of what
    was expected (``[gradescope] details``), None to keep it in each exercise's visible test.
    """
    split = details is not None and details != "visible"
    tests = []
    for section in sections(course, result):
        exercise = section.exercise
        status = "passed" if exercise.score >= exercise.max_score else "failed"
        deferred = split and any(f.status == "failed" for f in section.failures)
        tests.append(
            {
                "name": exercise.id,
                "score": exercise.score,
                "max_score": exercise.max_score,
                "status": status,
                **_output(_lines(section, not deferred, details)),
                "visibility": "visible",
            }
        )
        if deferred:
            tests.append(
                {
                    "name": f"{exercise.id}: details",
                    "score": 0,
                    "max_score": 0,
                    "status": "failed",
                    **_output(_lines(section, True, None)),
                    "visibility": details,
                }
            )
    graded = f"Graded {', '.join(files)}" if files else result.student
    output = [f"{graded}: {points(result.score)} / {points(result.max_score)}"]
    read = [*notes, *result.notes]
    if read:
        output += ["", "How your files were read:", *(f"- {note}" for note in read)]
    if details in SHOWN and any(t["name"].endswith(": details") for t in tests):
        output += [
            "",
            f"What was expected where your code differs is shown {SHOWN[details]}, in each "
            'exercise\'s "details".',
        ]
    return {
        "score": result.score,
        "output": "\n".join(output),
        "tests": tests,
        "visibility": "visible",
        "stdout_visibility": "hidden",
    }


def _output(lines: list) -> dict:
    """A test's ``output``: plain text, or HTML when ``lines`` hold figures (dicts) among the text."""
    drawn = {id(item): image(item) for item in lines if isinstance(item, dict)}
    if not any(drawn.values()):
        return {"output": "\n".join(item for item in lines if isinstance(item, str))}
    parts, text = [], []
    for item in lines:
        if isinstance(item, str):
            text.append(item)
            continue
        if drawn[id(item)] is None:
            continue
        parts.append(f"<pre>{html.escape(chr(10).join(text))}</pre>")
        text = []
        parts.append(f"<img src='{drawn[id(item)]}' alt='{html.escape(describe(item))}'>")
    if text:
        parts.append(f"<pre>{html.escape(chr(10).join(text))}</pre>")
    return {"output": "\n".join(parts), "output_format": "html"}


def _lines(section: Section, expected: bool, details: str | None) -> list:
    """An exercise's text: its summary, what passed, each kind of failure once, each with its
    figure (a dict among the lines) where it has one.

    Without ``expected`` the messages of wrong values and their figures are left out (they hold
    the expected values) and a last line says where and when they are shown.
    """
    exercise = section.exercise
    lines = [section.summary] if section.summary else []
    lines.append(f"{section.passed} of {len(exercise.tests)} hidden tests passed.")
    for failure in section.failures:
        also = f" (and {failure.similar} similar)" if failure.similar else ""
        lines += ["", f"{failure.label}: {failure.test}{also}"]
        if expected or failure.status != "failed":
            lines.append(failure.message)
        if expected and failure.figure:
            lines.append(failure.figure)
    if section.more_kinds:
        lines.append(f"... and {section.more_kinds} other {kinds(section.more_kinds)} of failure.")
    if not expected:
        where = (
            f'in "{exercise.id}: details", {SHOWN[details]}'
            if details in SHOWN
            else "to the course staff only"
        )
        lines += ["", f"What was expected where your code differs is shown {where}."]
    return lines


def write_gradescope(course: Course, result: StudentResult, path: Path) -> None:
    """Gradescope's results.json for ``result``, with the detail visibility course.toml sets."""
    results = gradescope_results(course, result, details=course.gradescope_details)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
