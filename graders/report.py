"""``python -m graders report OUT``: render feedback and the class table again from OUT/*/result.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import results as results_io
from .course import COURSE_FILE, load_course
from .errors import UsageError
from .grade import report


def main(argv: list[str] | None = None) -> int:
    """Re-render feedback.md files and class.csv from the result.json files in an output folder."""
    parser = argparse.ArgumentParser(prog="python -m graders report", description=main.__doc__)
    parser.add_argument("out", type=Path, help="an output folder written by `python -m graders grade`")
    parser.add_argument("--course", type=Path, default=COURSE_FILE)
    args = parser.parse_args(argv)
    course = load_course(args.course)
    paths = sorted(args.out.glob("*/result.json"))
    if not paths:
        raise UsageError(f"{args.out}: no <student>/result.json files; run `python -m graders grade` first")
    results = [results_io.read(path) for path in paths]
    graded = {e.id.split(".")[0] for r in results for e in r.exercises}
    lessons = [lesson for lesson in course.lessons if lesson.id in graded]
    report(course, lessons, results, args.out)
    print(f"rendered feedback for {len(results)} student(s) and {args.out / 'class.csv'}")
    return 0
