"""Turning test outcomes into points, with partial credit.

An exercise's points are split across its hidden test functions in proportion to their
``weight`` (``@pytest.mark.exercise(id, weight=...)``, default 1); a parametrised function's
share is split equally across the cases that ran.  Skipped cases (CUDA on a machine without
a GPU) count for nothing either way, so every exercise is always worth exactly its points.
"""

from __future__ import annotations

from dataclasses import dataclass

from graders.course.model import Course, Lesson
from graders.grading.results import CaseResult, ExerciseResult, StudentResult


@dataclass
class Outcome:
    """What happened to one hidden test case for one student."""

    exercise: str
    function: str  # the test function, shared by all its parametrised cases
    name: str  # the case, e.g. test_mse_matches_torch[sum-float64-cpu]
    weight: float
    status: str
    message: str = ""
    device: str = "cpu"
    failure: str = ""  # the kind of failure (graders/host/failures.py), empty when passed
    figure: dict | None = None  # the grader's picture of a wrong value (graders/grading/figures.py)


def score(
    course: Course,
    lessons: list[Lesson],
    student: str,
    outcomes: list[Outcome],
    fingerprint: str = "",
) -> StudentResult:
    exercises = []
    for lesson in lessons:
        for exercise in lesson.exercises:
            mine = [o for o in outcomes if o.exercise == exercise.id]
            exercises.append(_exercise(exercise.id, exercise.points, mine))
    total = round(sum(e.score for e in exercises), 6)
    maximum = round(sum(e.max_score for e in exercises), 6)
    return StudentResult(student, total, maximum, exercises, fingerprint)


def _exercise(exercise_id: str, points: float, outcomes: list[Outcome]) -> ExerciseResult:
    if not outcomes:
        missing = CaseResult(
            "hidden tests",
            0.0,
            points,
            "error",
            "no hidden test graded this exercise; tell the instructor",
            failure="grader_error",
        )
        return ExerciseResult(exercise_id, 0.0, points, [missing])
    functions: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        functions.setdefault(outcome.function, []).append(outcome)
    total_weight = sum(cases[0].weight for cases in functions.values())
    tests, earned = [], 0.0
    for cases in functions.values():
        share = points * cases[0].weight / total_weight / len(cases)
        for case in cases:
            passed = case.status == "passed"
            earned += share if passed else 0.0
            tests.append(
                CaseResult(
                    case.name,
                    round(share if passed else 0.0, 6),
                    round(share, 6),
                    case.status,
                    case.message,
                    case.device,
                    "" if passed else case.failure,
                    None if passed else case.figure,
                )
            )
    # Sum the exact shares, not the rounded ones, so full marks are exactly the exercise's points.
    return ExerciseResult(exercise_id, min(round(earned, 6), points), points, tests)
