"""Per-student feedback, as Markdown and as a self-contained HTML page, from result.json alone.

Both renderings share one structure (``sections``): per exercise its score, how many tests
passed, and each distinct way it failed, shown once with the number of similar cases,
since many parametrised cases fail for the same reason.  A way of failing whose tests carry a
figure (graders/grading/figures.py) shows it: drawn into feedback.html as an embedded PNG, so
that the page is one file, and linked from feedback.md.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from graders.course.errors import HarnessError
from graders.course.model import Course
from graders.grading.mistakes import named_in
from graders.grading.results import ExerciseResult, StudentResult
from graders.reports import plots

SHOWN_PER_EXERCISE = 4
KINDS = {  # failure kinds (graders/host/failures.py) in a student's words, where the name alone is not plain
    "wrong_value": "wrong value",
    "garbage": "returned something that cannot be checked",
    "signal": "crashed",
    "cpu_time": "over the CPU-time limit",
    "output_limit": "too much output",
    "invalid_file": "file or entry point missing or invalid",
    "grader_error": "grader error",
}
FOOTER = (
    "Run the visible tests with `pytest lessonN` to reproduce most of these failures; "
    "the hidden tests also check other shapes, dtypes, extreme values and gradients."
)


@dataclass
class Failure:
    status: str
    test: str
    similar: int  # other failing tests that failed the same way (``failure_keys``)
    message: str
    failure: str = ""  # the machine-readable kind, e.g. "out_of_memory"
    figure: dict | None = None  # the first figure among its tests, drawn beside it

    @property
    def label(self) -> str:
        """The status, with its kind in words when that says more: "error (too much output)"."""
        if not self.failure or self.failure == self.status:
            return self.status
        return f"{self.status} ({KINDS.get(self.failure, self.failure.replace('_', ' '))})"


@dataclass
class Section:
    exercise: ExerciseResult
    summary: str
    failures: list[Failure]
    more_kinds: int  # kinds of failure not shown

    @property
    def passed(self) -> int:
        return sum(t.status == "passed" for t in self.exercise.tests)


def sections(course: Course, result: StudentResult) -> list[Section]:
    return [section(course, exercise) for exercise in result.exercises]


def section(course: Course, exercise: ExerciseResult) -> Section:
    try:
        summary = course.exercise(exercise.id).summary
    except HarnessError:
        summary = ""
    groups: list[tuple[set, list]] = []  # (the keys of a kind of failure, its tests)
    for test in exercise.tests:
        if test.status != "passed":
            keys = failure_keys(test)
            group = next((g for g in groups if g[0] & keys), None)
            if group is None:
                groups.append((keys, [test]))
            else:
                group[0].update(keys)
                group[1].append(test)
    failures = [
        Failure(
            tests[0].status,
            tests[0].name,
            len(tests) - 1,
            tests[0].message or "(no message)",
            tests[0].failure,
            richest_figure(tests),
        )
        for _, tests in groups
    ]
    # the kinds with a picture first: with more kinds than are shown, a picture is never cut
    failures.sort(key=lambda failure: failure.figure is None)
    return Section(
        exercise, summary, failures[:SHOWN_PER_EXERCISE], max(0, len(failures) - SHOWN_PER_EXERCISE)
    )


def richest_figure(tests: list) -> dict | None:
    """The figure a kind of failure shows: of its tests' figures, the first with the most panels
    (a path on the contours and the loss per step say more than the loss alone)."""
    drawn = [t.figure for t in tests if t.figure]
    return max(drawn, key=lambda figure: len(figure["panels"]), default=None)


def kinds(n: int) -> str:
    return "kind" if n == 1 else "kinds"


def failure_keys(test) -> set:
    """What makes two failing tests the same failure, for counting them honestly: sharing any key.

    The same catalogue mistakes named (the sum for the mean, on every shape and dtype it
    failed); else the same test function (its parametrised cases differ only in their inputs),
    or the very same message (an input changed in place, whatever the test).  The first line of
    a message alone would split one mistake into as many "kinds" as there are shapes in its
    description.
    """
    kind = (test.status, test.failure)
    named = tuple(sorted(named_in(test.message)))
    if named:
        return {(*kind, "named", named)}
    return {(*kind, "function", test.name.split("[", 1)[0]), (*kind, "message", test.message)}


def figure_anchor(exercise: ExerciseResult, number: int) -> str:
    """The id of a failure's figure in feedback.html: the exercise and the failure's place in it."""
    return f"figure-{urllib.parse.quote(exercise.id, safe='')}-{number}"


def image(figure: dict) -> str | None:
    """The figure as a data URI; None when it cannot be drawn (the failure keeps its message)."""
    try:
        return plots.data_uri(figure)
    except Exception:
        return None


def render_markdown(course: Course, result: StudentResult) -> str:
    lines = [
        f"# Feedback for {result.student}",
        "",
        f"**Score: {result.score:g} / {result.max_score:g}**",
        "",
    ]
    if result.notes:
        lines += ["How your files were read:", "", *(f"- {note}" for note in result.notes), ""]
    lines += ["| exercise | score | status |", "| --- | ---: | --- |"]
    for exercise in result.exercises:
        lines.append(
            f"| {exercise.id} | {exercise.score:.3g} / {exercise.max_score:g} | {exercise.status} |"
        )
    for exercise in result.exercises:
        lines += ["", *exercise_section(course, exercise)]
    lines += ["", "---", FOOTER]
    return "\n".join(lines) + "\n"


def exercise_section(
    course: Course, exercise: ExerciseResult, page: str | None = "feedback.html"
) -> list[str]:
    """One exercise's score and each way it failed, once (also printed under a notebook's autograder
    cell, with no ``page`` to link figures on)."""
    found = section(course, exercise)
    lines = [f"## {exercise.id}: {exercise.score:.3g} / {exercise.max_score:g}"]
    if found.summary:
        lines += ["", f"_{found.summary}_"]
    if not found.failures:
        lines += ["", f"All {len(exercise.tests)} tests passed."]
        return lines
    lines += ["", f"{found.passed} of {len(exercise.tests)} tests passed."]
    for number, failure in enumerate(found.failures, 1):
        also = f" (and {failure.similar} similar)" if failure.similar else ""
        lines += ["", f"- **{failure.label}** `{failure.test}`{also}", "", _indent(failure.message)]
        if failure.figure and page and image(failure.figure):
            link = f"{page}#{figure_anchor(exercise, number)}"
            lines += ["", f"  [Plot: yours against the reference]({link})"]
    if found.more_kinds:
        lines += ["", f"... and {found.more_kinds} other {kinds(found.more_kinds)} of failure."]
    return lines


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines()).replace(
        "  ```", "  ` ``"
    )


PAGE_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; } td, th { padding: .25rem .75rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.warning { background: #fff3cd; border-left: 4px solid #b8860b; padding: .5rem .75rem; }
pre { background: #f6f6f6; padding: .75rem; white-space: pre-wrap; overflow-wrap: anywhere; border-radius: 4px; }
code { overflow-wrap: anywhere; }
.passed { color: #1a7f37; } .failed, .error, .timeout, .forbidden { color: #b42318; }
.summary { color: #555; font-style: italic; }
img { max-width: 100%; height: auto; }
figure { margin: .5rem 0 1.25rem; } figcaption { color: #555; font-size: 13px; }
"""


def render_html(course: Course, result: StudentResult) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Feedback for {e(result.student)}</title><style>{PAGE_STYLE}</style></head><body>",
        f"<h1>Feedback for {e(result.student)}</h1>",
        f"<p><strong>Score: {result.score:g} / {result.max_score:g}</strong></p>",
    ]
    if result.notes:
        parts.append("<p>How your files were read:</p><ul>")
        parts += [f"<li>{e(note)}</li>" for note in result.notes]
        parts.append("</ul>")
    parts += [
        "<table><tr><th>exercise</th><th>score</th><th>status</th></tr>",
    ]
    for exercise in result.exercises:
        parts.append(
            f"<tr><td><a href='#{e(urllib.parse.quote(exercise.id, safe=''))}'>{e(exercise.id)}</a></td>"
            f"<td class='num'>{exercise.score:.3g} / {exercise.max_score:g}</td>"
            f"<td class='{exercise.status}'>{exercise.status}</td></tr>"
        )
    parts.append("</table>")
    for section in sections(course, result):
        exercise = section.exercise
        parts.append(
            f"<h2 id='{e(exercise.id)}'>{e(exercise.id)}: {exercise.score:.3g} / {exercise.max_score:g}</h2>"
        )
        if section.summary:
            parts.append(f"<p class='summary'>{e(section.summary)}</p>")
        if not section.failures:
            parts.append(f"<p class='passed'>All {len(exercise.tests)} tests passed.</p>")
            continue
        parts.append(f"<p>{section.passed} of {len(exercise.tests)} tests passed.</p>")
        for number, failure in enumerate(section.failures, 1):
            also = f" (and {failure.similar} similar)" if failure.similar else ""
            parts.append(
                f"<p><strong class='{failure.status}'>{e(failure.label)}</strong> "
                f"<code>{e(failure.test)}</code>{also}</p>"
                f"<pre>{e(failure.message)}</pre>"
            )
            if failure.figure:
                parts.append(figure_html(failure.figure, figure_anchor(exercise, number)))
        if section.more_kinds:
            parts.append(
                f"<p>... and {section.more_kinds} other {kinds(section.more_kinds)} of failure.</p>"
            )
    footer = re.sub(r"`([^`]+)`", r"<code>\1</code>", e(FOOTER))  # Markdown's code spans
    parts.append(f"<hr><p>{footer}</p></body></html>")
    return "\n".join(parts) + "\n"


def figure_html(figure: dict, anchor: str) -> str:
    """A failure's figure as an HTML ``<figure>``, its image embedded; "" when it cannot be drawn."""
    source = image(figure)
    if source is None:
        return ""
    e = html.escape
    caption = (
        "Drawn from the values the grader compared: the reference, and what your code returned."
    )
    return (
        f"<figure id='{e(anchor)}'><img src='{source}' alt='{e(plots.describe(figure))}'>"
        f"<figcaption>{caption}</figcaption></figure>"
    )


def write_feedback(course: Course, result: StudentResult, folder: Path) -> None:
    """folder/feedback.md and folder/feedback.html."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedback.md").write_text(render_markdown(course, result), encoding="utf-8")
    (folder / "feedback.html").write_text(render_html(course, result), encoding="utf-8")
