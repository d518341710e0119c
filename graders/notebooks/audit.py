"""``python -m graders audit [NBGRADER_FOLDER]``: nbgrader's gradebook against isolated grading
of the same notebooks.

Code in a notebook runs in the same kernel as nbgrader's autograder cells, so it can change
what they report.  The audit, stage by stage (``audit`` lists them in order):

1. gradebook  every autograde score in the gradebook: (student, exercise) -> auto_score
2. isolated   the same students' notebooks in submitted/, graded like ``python -m graders grade``
3. compare    every (student, exercise) where the two differ, or that only one of them scored

Exit code 0 when they agree everywhere, 1 when they differ (each difference is listed),
2 for a bad argument.  Scores that differ come from tampering, from an autograde run older
than the submission, or from an autograde run without ``TrustedScores`` in which the kernel
behaved differently from the sandbox (a crash, a hang).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from graders.course.errors import ArgumentParser, UsageError
from graders.course.model import COURSE_FILE, Course, load_course
from graders.notebooks.source import FOLDER, exercise_of_test_cell
from graders.pipeline.grade import Options, grade

TOLERANCE = 1e-6  # scores are written with 6 decimals


@dataclass(frozen=True)
class Difference:
    student: str
    exercise: str
    gradebook: float | None  # None: nbgrader holds no autograde score
    isolated: float | None  # None: no notebook to grade in submitted/


@dataclass
class Scope:
    """What to audit: the nbgrader folder and database, and which lessons and students (all when empty)."""

    folder: Path
    db_url: str
    lessons: list[str] = field(default_factory=list)
    students: list[str] = field(default_factory=list)


def audit(scope: Scope, course: Course, out: Path, jobs: int = 1) -> tuple[list[Difference], int]:
    """(the differences, how many (student, exercise) pairs were compared); each stage is a function below."""
    booked = read_gradebook(scope, course)
    lessons = sorted({exercise.split(".")[0] for _, exercise in booked})
    isolated = grade_isolated(scope, course, lessons, out, jobs)
    return compare(booked, isolated), len(booked.keys() | isolated.keys())


def gradebook_class():
    """nbgrader's Gradebook, imported only here: nbgrader is slow to import, and an optional
    extra that grading alone (a Gradescope image) does not install."""
    try:
        from nbgrader.api import Gradebook
    except ImportError:
        raise UsageError(
            "nbgrader is not installed in this Python; install the course's nbgrader extra: "
            "pip install -e '.[nbgrader]' (./dev installs it)"
        ) from None
    return Gradebook


def read_gradebook(
    scope: Scope, course: Course, score: str = "auto_score"
) -> dict[tuple[str, str], float | None]:
    """(student, exercise id) -> the ``score`` of every autograder cell of ours in the gradebook:
    ``auto_score`` (what autograde wrote), or ``score`` (a manual grade where an instructor gave one)."""
    Gradebook = gradebook_class()

    wanted = [
        lesson.id for lesson in course.lessons if not scope.lessons or lesson.id in scope.lessons
    ]
    scores: dict[tuple[str, str], float | None] = {}
    with Gradebook(scope.db_url) as gradebook:
        known = {assignment.name for assignment in gradebook.assignments}
        for lesson in wanted:
            if lesson not in known:
                continue
            for submission in gradebook.assignment_submissions(lesson):
                if scope.students and submission.student.id not in scope.students:
                    continue
                for notebook in submission.notebooks:
                    for grade_cell in notebook.grades:
                        entry = exercise_of_test_cell(grade_cell.name)
                        if entry is not None:
                            scores[(submission.student.id, f"{lesson}.{entry}")] = getattr(
                                grade_cell, score
                            )
    return scores


def grade_isolated(
    scope: Scope, course: Course, lessons: list[str], out: Path, jobs: int
) -> dict[tuple[str, str], float]:
    """(student, exercise id) -> score from grading the notebooks in submitted/ in the isolated worker."""
    submitted = scope.folder / "submitted"
    if not lessons or not submitted.is_dir():
        return {}
    with tempfile.TemporaryDirectory(prefix="graders-audit-") as chosen:
        if scope.students:  # a class folder holding just these students
            submitted = Path(chosen)
            for student in scope.students:
                if (scope.folder / "submitted" / student).is_dir():
                    (submitted / student).symlink_to(
                        (scope.folder / "submitted" / student).resolve()
                    )
        if not any(submitted.iterdir()):
            return {}
        graded = grade(
            submitted,
            Options(out, lessons, course_file=course.root / "course.toml", jobs=jobs, quiet=True),
        )
    return {
        (result.student, exercise.id): exercise.score
        for result in graded.results
        for exercise in result.exercises
    }


def compare(booked: dict, isolated: dict) -> list[Difference]:
    differences = []
    for key in sorted(booked.keys() | isolated.keys()):
        mine, theirs = booked.get(key), isolated.get(key)
        if mine is None or theirs is None or abs(mine - theirs) > TOLERANCE:
            if not (
                theirs is None and not mine
            ):  # nbgrader's zero for a notebook that was never submitted
                differences.append(Difference(key[0], key[1], mine, theirs))
    return differences


def _score(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    """Compare nbgrader's gradebook with isolated grading of the submitted notebooks; list every difference."""
    parser = ArgumentParser(prog="python -m graders audit", description=main.__doc__)
    parser.add_argument(
        "folder",
        type=Path,
        nargs="?",
        help="the nbgrader course folder (default: nbgrader/ of the course)",
    )
    parser.add_argument(
        "--lesson", action="append", default=[], help="audit only this lesson (repeatable)"
    )
    parser.add_argument(
        "--student", action="append", default=[], help="audit only this student (repeatable)"
    )
    parser.add_argument(
        "--db",
        default=None,
        help="nbgrader's database URL (default: sqlite:///FOLDER/gradebook.db)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="keep the isolated results and feedback here"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="grading processes to run in parallel (default 1)"
    )
    parser.add_argument("--course", type=Path, default=COURSE_FILE, help="course.toml to use")
    args = parser.parse_args(argv)
    course = load_course(args.course)
    folder = args.folder or course.root / FOLDER
    for lesson in args.lesson:
        course.lesson(lesson)  # an unknown lesson is a one-line error
    if args.db is None and not (folder / "gradebook.db").is_file():
        raise UsageError(
            f"{folder}: no gradebook.db; run `nbgrader autograde LESSON` in the nbgrader folder first"
        )
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    scope = Scope(
        folder,
        args.db or f"sqlite:///{folder.resolve() / 'gradebook.db'}",
        args.lesson,
        args.student,
    )
    with tempfile.TemporaryDirectory(prefix="graders-audit-") as scratch:
        differences, compared = audit(scope, course, args.out or Path(scratch), args.jobs)
    if not differences:
        print(
            f"no differences: the gradebook and isolated grading agree on all {compared} (student, exercise) scores"
        )
        return 0
    width = max(len(d.student) for d in differences) + 2
    print(f"{'student':<{width}}{'exercise':<44}{'gradebook':>10}{'isolated':>10}")
    for d in differences:
        print(
            f"{d.student:<{width}}{d.exercise:<44}"
            f"{_score(d.gradebook, 'none'):>10}{_score(d.isolated, 'no notebook'):>10}"
        )
    students = len({d.student for d in differences})
    print(
        f"{len(differences)} difference(s) for {students} student(s): the gradebook does not hold the scores that "
        "isolated grading gives (tampering, an autograde older than the submission, or an autograde without "
        "TrustedScores); run `nbgrader autograde LESSON --force --student ID` with TrustedScores enabled"
    )
    return 1
