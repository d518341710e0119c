"""Per-student feedback in Markdown, written from result.json alone."""

from __future__ import annotations

from pathlib import Path

from .course import Course
from .errors import HarnessError
from .results import ExerciseResult, StudentResult

SHOWN_PER_EXERCISE = 4


def render_feedback(course: Course, result: StudentResult) -> str:
    lines = [f"# Feedback for {result.student}", "", f"**Score: {result.score:g} / {result.max_score:g}**", ""]
    lines += ["| exercise | score | status |", "| --- | ---: | --- |"]
    for exercise in result.exercises:
        lines.append(f"| {exercise.id} | {exercise.score:.3g} / {exercise.max_score:g} | {exercise.status} |")
    for exercise in result.exercises:
        lines += ["", *exercise_section(course, exercise)]
    lines += [
        "",
        "---",
        "Run the visible tests with `pytest lessonN` to reproduce most of these failures; "
        "the hidden tests also check other shapes, dtypes, extreme values and gradients.",
    ]
    return "\n".join(lines) + "\n"


def exercise_section(course: Course, exercise: ExerciseResult) -> list[str]:
    """One exercise's score and each way it failed, once (also printed under a notebook's autograder cell)."""
    try:
        summary = course.exercise(exercise.id).summary
    except HarnessError:
        summary = ""
    lines = [f"## {exercise.id}: {exercise.score:.3g} / {exercise.max_score:g}"]
    if summary:
        lines += ["", f"_{summary}_"]
    failed = [t for t in exercise.tests if t.status != "passed"]
    if not failed:
        lines += ["", f"All {len(exercise.tests)} tests passed."]
        return lines
    lines += ["", f"{len(exercise.tests) - len(failed)} of {len(exercise.tests)} tests passed."]
    groups: dict[str, list] = {}
    for test in failed:  # many parametrised cases fail the same way: show each way once
        groups.setdefault(f"{test.status}: {test.message.splitlines()[0] if test.message else ''}", []).append(test)
    for shown, tests in enumerate(groups.values()):
        if shown == SHOWN_PER_EXERCISE:
            lines += ["", f"... and {len(groups) - shown} other kinds of failure."]
            break
        first = tests[0]
        also = f" (and {len(tests) - 1} similar)" if len(tests) > 1 else ""
        lines += ["", f"- **{first.status}** `{first.name}`{also}", "", _indent(first.message or "(no message)")]
    return lines


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines()).replace("  ```", "  ` ``")


def write_feedback(course: Course, result: StudentResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_feedback(course, result), encoding="utf-8")
