"""``python -m graders report OUT``: every report rendered again from OUT/*/result.json.

``write_reports`` is also the last stage of ``grade``: per student feedback.md, feedback.html
and gradescope.json; for the class, class.csv and report.html.  Everything is derived from
the result files alone.
"""

from __future__ import annotations

from pathlib import Path

from graders.course.errors import ArgumentParser, UsageError
from graders.course.model import COURSE_FILE, Course, Lesson, load_course
from graders.grading import results as results_io
from graders.reports import similaritypage
from graders.reports.classpage import write_class_page
from graders.reports.classtable import write_class_csv
from graders.reports.feedback import write_feedback
from graders.reports.gradescope import write_gradescope


def write_reports(
    course: Course, lessons: list[Lesson], results: list[results_io.StudentResult], out: Path
) -> None:
    for result in results:
        write_feedback(course, result, out / result.student)
        write_gradescope(course, result, out / result.student / "gradescope.json")
    write_class_csv(course, lessons, results, out / "class.csv")
    write_class_page(course, lessons, results, out / "report.html", similaritypage.stored(out))


def main(argv: list[str] | None = None) -> int:
    """Render feedback, Gradescope files, class.csv and report.html again from the result.json files in OUT."""
    parser = ArgumentParser(prog="python -m graders report", description=main.__doc__)
    parser.add_argument(
        "out", type=Path, help="an output folder written by `python -m graders grade`"
    )
    parser.add_argument("--course", type=Path, default=COURSE_FILE)
    args = parser.parse_args(argv)
    course = load_course(args.course)
    paths = sorted(args.out.glob("*/result.json"))
    if not paths:
        raise UsageError(
            f"{args.out}: no <student>/result.json files; run `python -m graders grade` first"
        )
    results = [results_io.read(path) for path in paths]
    graded = {e.id.split(".")[0] for r in results for e in r.exercises}
    lessons = [lesson for lesson in course.lessons if lesson.id in graded]
    write_reports(course, lessons, results, args.out)
    print(f"rendered reports for {len(results)} student(s) in {args.out}")
    return 0
