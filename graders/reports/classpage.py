"""report.html: the class at a glance, a self-contained page with plots (no server, no external files).

Score distribution, the share of students with full marks on each exercise (and their mean
score there, its most common kind of failure and catalogue mistake), the catalogue mistakes
ranked by how many students made them (what to reteach), and a table of every student
linking to their feedback.  Plots are drawn with matplotlib and embedded as PNG.
"""

from __future__ import annotations

import base64
import html
import io
import re
import statistics
import urllib.parse
from collections import Counter
from pathlib import Path

from graders.course.model import Course, Lesson
from graders.grading.mistakes import named_in
from graders.grading.results import StudentResult
from graders.reports import similaritypage
from graders.reports.feedback import PAGE_STYLE

MISTAKES_SHOWN = 15
# The students' table (``students_table``): compact cells; past the page's width it scrolls in
# its box, the students' names staying in sight on its left.
CLASS_STYLE = """
.students { overflow-x: auto; }
.students table { font-size: 14px; }
.students td, .students th { padding: .2rem .4rem; }
.students th { vertical-align: bottom; } .students th.num { text-align: right; }
.students th.exercise { font-size: 12px; font-weight: 600; text-align: right; }
.students th.lesson { text-align: left; border-bottom: 2px solid #bbb; }
.students th.lesson, .students .first { border-left: 1px solid #ddd; }
.students .student { position: sticky; left: 0; z-index: 1; background: #fff; box-shadow: inset -1px 0 #ddd; }
.students td.student a { display: inline-block; width: max-content; max-width: 10rem; overflow-wrap: anywhere; }
.students .of { color: #777; font-weight: normal; }
.students th.exercise .of { display: block; }
"""


def exercise_stats(lessons: list[Lesson], results: list[StudentResult]) -> list[dict]:
    """Per exercise: full-marks rate, mean score fraction, and how many students lost points, by
    how they failed.

    Every count is of students, each counted once per kind of failure: one student whose 24
    parametrised cases failed weighs no more than one whose single case did.
    """
    stats = []
    for lesson in lessons:
        for exercise in lesson.exercises:
            graded = [r.exercise(exercise.id) for r in results]
            graded = [g for g in graded if g is not None]
            statuses: Counter = Counter()
            for g in graded:
                statuses.update({t.status for t in g.tests if t.status != "passed"})
            stats.append(
                {
                    "id": exercise.id,
                    "full": sum(g.score >= g.max_score for g in graded) / len(graded)
                    if graded
                    else 0.0,
                    "mean": statistics.fmean(g.score / g.max_score for g in graded)
                    if graded
                    else 0.0,
                    "lost": sum(g.score < g.max_score for g in graded),
                    "statuses": statuses.most_common(),
                    "failure": statuses.most_common(1)[0][0] if statuses else "",
                }
            )
    return stats


def mistake_counts(results: list[StudentResult]) -> list[tuple[str, str, int]]:
    """(exercise id, mistake name, students who made it), most common first.

    A student counts once per mistake, however many of their tests named it.
    """
    counts: Counter = Counter()
    for result in results:
        made = {
            (e.id, name)
            for e in result.exercises
            for t in e.tests
            if t.status != "passed"
            for name in named_in(t.message)
        }
        counts.update(made)
    return [
        (exercise, name, n)
        for (exercise, name), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def plots(
    results: list[StudentResult], stats: list[dict], mistakes: list[tuple[str, str, int]]
) -> list[str]:
    """Score histogram, per-exercise bar chart, and (when any was made) the ranked mistakes, as base64 PNG."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    from matplotlib import pyplot

    percent = [100 * r.score / r.max_score if r.max_score else 0 for r in results]
    figure, axis = pyplot.subplots(figsize=(7, 3))
    axis.hist(percent, bins=[i * 5 for i in range(21)], color="#4c72b0", edgecolor="white")
    axis.set_xlabel("score (% of maximum)")
    axis.set_ylabel("students")
    axis.set_xlim(0, 100)
    axis.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    histogram = _png(figure)
    pyplot.close(figure)

    height = max(2.5, 0.32 * len(stats) + 1)
    figure, axis = pyplot.subplots(figsize=(7, height))
    names = [s["id"] for s in stats][::-1]
    axis.barh(names, [100 * s["mean"] for s in stats][::-1], color="#c6dbef", label="mean score")
    axis.barh(
        names,
        [100 * s["full"] for s in stats][::-1],
        color="#2171b5",
        height=0.45,
        label="full marks",
    )
    axis.set_xlim(0, 100)
    axis.set_xlabel("% of students (full marks) / % of points (mean score)")
    # Above the plot: inside it, the legend would hide the ends of the bars near 100%.
    axis.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
    bars = _png(figure)
    pyplot.close(figure)
    if not mistakes:
        return [histogram, bars]

    shown = mistakes[:MISTAKES_SHOWN][::-1]
    figure, axis = pyplot.subplots(figsize=(7, max(2.0, 0.3 * len(shown) + 1)))
    labels = [f"{_clip(name, 40)} ({exercise.split('.', 1)[1]})" for exercise, name, _ in shown]
    axis.barh(range(len(shown)), [n for _, _, n in shown], color="#d6604d")
    axis.set_yticks(range(len(shown)), labels, fontsize=8)
    axis.set_xlabel("students")
    axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ranked = _png(figure)
    pyplot.close(figure)
    return [histogram, bars, ranked]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _walls(sandbox: dict) -> str:
    words = [
        f"sandbox {sandbox.get('mode', '?')}",
        "namespaces" if sandbox.get("namespaces") else "no namespaces",
    ]
    if sandbox.get("user"):
        words.append(f"as {sandbox['user']}")
    return ", ".join(words)


def render_class_page(
    course: Course, lessons: list[Lesson], results: list[StudentResult], similar: dict | None = None
) -> str:
    """The page; ``similar`` is what the last similarity comparison found (None: not made)."""
    e = html.escape
    results = sorted(results, key=lambda r: r.student)
    stats = exercise_stats(lessons, results)
    mistakes = mistake_counts(results)
    most_often: dict[str, tuple[str, int]] = {}
    for exercise, name, n in mistakes:  # most common first
        most_often.setdefault(exercise, (name, n))
    totals = [r.score for r in results]
    maximum = max((r.max_score for r in results), default=0)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(course.title)}: class results</title>",
        f"<style>{PAGE_STYLE}{CLASS_STYLE}{similaritypage.SIMILARITY_STYLE}</style></head><body>",
        f"<h1>Class results</h1><p>{e(course.title)}</p>",
    ]
    weak = [r for r in results if r.weakly_sandboxed]
    if weak:
        names = ", ".join(e(r.student) for r in weak[:10]) + (
            f" and {len(weak) - 10} more" if len(weak) > 10 else ""
        )
        walls = sorted({_walls(r.sandbox) for r in weak})
        parts.append(
            f"<p class='warning'><strong>Warning:</strong> {len(weak)} student(s) were graded without the full "
            f"sandbox ({e('; '.join(walls))}): {names}. Their code could read or change more than its own files; "
            "install bubblewrap and grade them again with --force (docs/sandbox.md).</p>"
        )
    if results:
        parts.append(
            f"<p>{len(results)} students; mean {statistics.fmean(totals):.2f}, median {statistics.median(totals):.2f}, "
            f"lowest {min(totals):.2f}, highest {max(totals):.2f} of {maximum:g}.</p>"
        )
        images = plots(results, stats, mistakes)
        parts.append(
            f"<h2>Scores</h2><img alt='score histogram' src='data:image/png;base64,{images[0]}'>"
        )
        parts.append(
            "<h2>Exercises</h2><img alt='full marks and mean score per exercise' "
            f"src='data:image/png;base64,{images[1]}'>"
        )
    parts.append(
        "<table><tr><th>exercise</th><th>full marks</th><th>mean score</th>"
        "<th>students who lost points, by how their tests failed</th>"
        "<th>most common known mistake</th></tr>"
    )
    for s in stats:
        # Each phrase counts students, and says of which students: a student with a failed
        # case and an erroring one counts under both, and never merges with someone else.
        how = ", ".join(
            f"<span class='{e(status)}'>{n} {e(status)}</span>" for status, n in s["statuses"]
        )
        lost = f"{s['lost']} ({how})" if s["lost"] and how else str(s["lost"] or "")
        mistake = ""
        if s["id"] in most_often:  # where a catalogue recognised what their code returned
            name, n = most_often[s["id"]]
            mistake = f"{e(name)}: {n} of {s['lost']} student{'s' if s['lost'] != 1 else ''}"
        parts.append(
            f"<tr><td>{e(s['id'])}</td><td class='num'>{100 * s['full']:.0f}%</td>"
            f"<td class='num'>{100 * s['mean']:.0f}%</td><td>{lost}</td><td>{mistake}</td></tr>"
        )
    parts.append("</table>")
    if results:
        parts.append("<h2>Mistakes to reteach</h2>")
        if mistakes:
            parts.append(
                "<p>Known mistakes from the exercises' catalogues, by how many students made them "
                "(recognised from what their code returned).</p>"
            )
            parts.append(
                f"<img alt='catalogue mistakes by number of students' src='data:image/png;base64,{images[2]}'>"
            )
            parts.append("<table><tr><th>students</th><th>exercise</th><th>mistake</th></tr>")
            parts += [
                f"<tr><td class='num'>{n}</td><td>{e(exercise)}</td><td>{e(name)}</td></tr>"
                for exercise, name, n in mistakes
            ]
            parts.append("</table>")
        else:
            parts.append("<p>No student made a mistake from the exercises' catalogues.</p>")
    parts += students_table(lessons, results)
    if len(results) > 1:
        parts += similaritypage.section(similar)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def students_table(lessons: list[Lesson], results: list[StudentResult]) -> list[str]:
    """Every student's total and exercise scores, each name linked to their feedback.

    Compact enough that one lesson fits a 1280 px window: exercise names break at "_" and
    between words (the whole id and the points in their title), names wrap, scores are short.
    With every lesson graded there are dozens of columns: the table then scrolls inside its own
    box, never the page, under a row naming each lesson, with the names kept in sight.
    """
    e = html.escape
    parts = [
        "<h2>Students</h2><div class='students'><table>",
        "<thead><tr><th rowspan='2' class='student'>student</th>"
        "<th rowspan='2' class='num'>total</th>",
    ]
    parts += [
        f"<th colspan='{len(lesson.exercises)}' class='lesson'>"
        f"{e(lesson.id)} <span class='of'>{e(lesson.title)}</span></th>"
        for lesson in lessons
        if lesson.exercises
    ]
    parts.append("</tr><tr>")
    for lesson in lessons:
        parts += [
            f"<th class='exercise{' first' if i == 0 else ''}' "
            f"title='{e(exercise.id)}: {exercise.points:g} points'>"
            f"{breakable(exercise.entry)}<span class='of'>/{exercise.points:g}</span></th>"
            for i, exercise in enumerate(lesson.exercises)
        ]
    parts.append("</tr></thead><tbody>")
    for result in results:
        cells = []
        for lesson in lessons:
            for i, exercise in enumerate(lesson.exercises):
                first = " first" if i == 0 else ""
                graded = result.exercise(exercise.id)
                if graded is None:
                    cells.append(
                        f"<td class='num{first}' title='{e(exercise.id)}: not graded'></td>"
                    )
                    continue
                cells.append(
                    f"<td class='num {graded.status}{first}' title='{e(exercise.id)}: "
                    f"{graded.score:.3g} / {graded.max_score:g}, {graded.status}'>"
                    f"{graded.score:.3g}</td>"
                )
        parts.append(
            f"<tr><td class='student'><a href='{e(student_page(result.student))}'>"
            f"{breakable(result.student)}</a></td>"
            f"<td class='num total'>{result.score:.4g}<span class='of'> / {result.max_score:g}</span>"
            f"</td>{''.join(cells)}</tr>"
        )
    parts.append("</tbody></table></div>")
    return parts


def breakable(name: str) -> str:
    """``name`` escaped, with a line break allowed after each "_" and between camel-case words:
    binary_cross_entropy and CrossEntropyOnProbabilities fit narrow columns, and a long
    student's name wraps between its words rather than inside them."""
    pieces = re.split(r"(?<=_)|(?<=[a-z0-9])(?=[A-Z])", name)
    return "<wbr>".join(html.escape(piece) for piece in pieces if piece)


def student_page(student: str) -> str:
    """The relative URL of a student's feedback.html: their folder's name is any name a file
    system allows ("ann #1 100%", "Zoë?"), so it is escaped, and a colon cannot make it a scheme."""
    return f"{urllib.parse.quote(student, safe='')}/feedback.html"


def write_class_page(
    course: Course,
    lessons: list[Lesson],
    results: list[StudentResult],
    path: Path,
    similar: dict | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_class_page(course, lessons, results, similar), encoding="utf-8")
