"""``python -m graders mutant lesson1.huber_loss huber_swapped``: grade one catalogue mistake by hand.

The mutant is the solutions of the exercise's lesson with the mistake in place of the entry
point (graders/grading/mutants.py), graded like any submission; the command prints the
exercise's part of the feedback, what a student who made that mistake would read.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from graders.course.errors import ArgumentParser, UsageError
from graders.course.model import COURSE_FILE, load_course
from graders.grading.mutants import mistakes_of, write_mutant
from graders.pipeline.check import (
    describe_view,
    find_exercise,
    grade_folder,
    mistake_views,
    mutant_name,
)


def main(argv: list[str] | None = None) -> int:
    """Grade one catalogue mistake as a submission and print its feedback for the exercise."""
    parser = ArgumentParser(prog="python -m graders mutant", description=main.__doc__)
    parser.add_argument("exercise", help="the exercise's id, as in course.toml: lesson1.huber_loss")
    parser.add_argument(
        "mistake",
        nargs="?",
        help="the mistake's function name in the catalogue (omit to list them)",
    )
    parser.add_argument("--keep", type=Path, help="keep the submission and its results here")
    parser.add_argument("--course", type=Path, default=COURSE_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    course = load_course(args.course)
    exercise = find_exercise(course, args.exercise)
    mistakes = mistakes_of(course, exercise)
    by_name = {m.function.__name__: m for m in mistakes}
    if args.mistake is None:
        print(f"{exercise.id}: {len(mistakes)} catalogue mistakes")
        print("\n".join(f"  {name}: {m.name}" for name, m in by_name.items()))
        return 0
    if args.mistake not in by_name:
        raise UsageError(
            f"{exercise.id} has no catalogue mistake {args.mistake!r}; one of: {', '.join(by_name)}"
        )
    mistake = by_name[args.mistake]
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        raise UsageError(f"--keep {args.keep}: the folder is not empty; give a new one")
    work = args.keep or Path(tempfile.mkdtemp(prefix="graders-mutant-"))
    try:
        student = mutant_name(exercise, mistake)
        write_mutant(work / "class" / student, exercise.lesson, exercise.module, mistake)
        results = grade_folder(work / "class", work / "out", exercise.lesson, args.course, jobs=1)
        graded = results[student].exercise(exercise.id)
        print(f"{student}: {exercise.id} {graded.score:g} / {graded.max_score:g}\n")
        for test in graded.tests:
            if test.status != "passed":
                print(f"{test.name} ({test.status}, {test.score:g} / {test.max_score:g})")
                print("  " + test.message.replace("\n", "\n  ") + "\n")
        print("\n".join(describe_view(mistake_views(results, exercise, [mistake])[0])))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0
