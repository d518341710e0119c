"""``python -m graders export``: per-exercise scores from nbgrader's gradebook, as one CSV.

``nbgrader export`` writes one total per student and assignment; the score of each exercise is
only in formgrader.  This reads every autograder cell of ours from the gradebook (the manual
grade where an instructor gave one, else the autograde score) and writes one row per student:
each exercise's score, each lesson's total and the course total.  A lesson a student did not
submit is left empty and counts 0 in the total.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from graders.course.errors import ArgumentParser, UsageError
from graders.course.model import COURSE_FILE, Course, load_course
from graders.notebooks.audit import Scope, gradebook_class, read_gradebook
from graders.notebooks.source import FOLDER


def export_rows(scope: Scope, course: Course) -> list[list[str]]:
    """The CSV's rows, header first."""
    scores = read_gradebook(scope, course, score="score")
    lessons = [
        lesson for lesson in course.lessons if not scope.lessons or lesson.id in scope.lessons
    ]
    students = sorted({student for student, _ in scores} | set(_enrolled(scope)))
    header = ["student"]
    for lesson in lessons:
        header += [exercise.id for exercise in lesson.exercises] + [f"{lesson.id} total"]
    rows = [header + ["total", "max_score"]]
    maximum = sum(lesson.points for lesson in lessons)
    for student in students:
        row, total = [student], 0.0
        for lesson in lessons:
            got = [scores.get((student, exercise.id)) for exercise in lesson.exercises]
            submitted = any((student, exercise.id) in scores for exercise in lesson.exercises)
            row += ["" if value is None else _number(value) for value in got]
            lesson_total = sum(value or 0.0 for value in got)
            row.append(_number(lesson_total) if submitted else "")
            total += lesson_total
        rows.append(row + [_number(total), _number(maximum)])
    return rows


def _number(value: float) -> str:
    """As the gradebook holds it (to 6 decimals), without trailing zeros: 2.888889, 5."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _enrolled(scope: Scope) -> list[str]:
    """Every student of the gradebook (those who submitted nothing too), or those asked for."""
    with gradebook_class()(scope.db_url) as gradebook:
        return [s.id for s in gradebook.students if not scope.students or s.id in scope.students]


def main(argv: list[str] | None = None) -> int:
    """Write every student's score per exercise, lesson and course, from nbgrader's gradebook, as CSV."""
    parser = ArgumentParser(prog="python -m graders export", description=main.__doc__)
    parser.add_argument(
        "folder", type=Path, nargs="?", help="the nbgrader course folder (default: nbgrader/)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="the CSV to write (default: standard output)"
    )
    parser.add_argument(
        "--lesson", action="append", default=[], help="only this lesson (repeatable)"
    )
    parser.add_argument(
        "--student", action="append", default=[], help="only this student (repeatable)"
    )
    parser.add_argument(
        "--db",
        default=None,
        help="nbgrader's database URL (default: sqlite:///FOLDER/gradebook.db)",
    )
    parser.add_argument("--course", type=Path, default=COURSE_FILE, help="course.toml to use")
    args = parser.parse_args(argv)
    course = load_course(args.course)
    folder = args.folder or course.root / FOLDER
    for lesson in args.lesson:
        course.lesson(lesson)
    if args.db is None and not (folder / "gradebook.db").is_file():
        raise UsageError(
            f"{folder}: no gradebook.db; run `nbgrader autograde LESSON` in the nbgrader folder first"
        )
    scope = Scope(
        folder,
        args.db or f"sqlite:///{folder.resolve() / 'gradebook.db'}",
        args.lesson,
        args.student,
    )
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(export_rows(scope, course))
    if args.out is None:
        print(text.getvalue(), end="")
        return 0
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text.getvalue(), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot be written ({exc.strerror})") from None
    print(f"wrote {args.out}: {len(text.getvalue().splitlines()) - 1} student(s)")
    return 0
