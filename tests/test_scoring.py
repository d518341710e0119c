"""Points are split across named tests by weight, then equally across the cases that ran."""

from graders.course.model import load_course
from graders.grading.scoring import Outcome, score


def outcome(exercise, function, status, weight=1.0, name=None):
    return Outcome(exercise, function, name or f"{function}[x]", weight, status)


def test_partial_credit_follows_weights_and_cases():
    course = load_course()
    lesson = course.lesson("lesson1")
    outcomes = [
        outcome("lesson1.mse", "values", "passed", weight=3, name="values[a]"),
        outcome("lesson1.mse", "values", "failed", weight=3, name="values[b]"),
        outcome("lesson1.mse", "gradients", "passed", weight=1),
    ]
    result = score(course, [lesson], "s", outcomes)
    mse = result.exercise("lesson1.mse")
    assert mse.max_score == 5
    assert abs(mse.score - (5 * 3 / 4 / 2 + 5 * 1 / 4)) < 1e-9
    assert [t.max_score for t in mse.tests] == [1.875, 1.875, 1.25]


def test_full_marks_are_exactly_the_points_however_many_cases():
    course = load_course()
    outcomes = [outcome("lesson1.mse", "values", "passed", name=f"values[{i}]") for i in range(7)]
    outcomes += [outcome("lesson1.mse", "other", "passed", name=f"other[{i}]") for i in range(3)]
    mse = score(course, [course.lesson("lesson1")], "s", outcomes).exercise("lesson1.mse")
    assert mse.score == 5.0


def test_an_exercise_without_any_test_is_flagged_not_silently_full():
    course = load_course()
    result = score(course, [course.lesson("lesson1")], "s", [])
    mse = result.exercise("lesson1.mse")
    assert (
        mse.score == 0
        and mse.tests[0].status == "error"
        and "no hidden test" in mse.tests[0].message
    )
    assert result.max_score == course.lesson("lesson1").points
