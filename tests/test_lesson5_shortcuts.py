"""Lesson 5's shortcuts are forbidden: torch's optimizers inside adam_step, rmsprop_step and
ManualOptimizer, inverses in second-order steps.

tests/submissions/bad-lesson5-shortcuts/ is graded with the rest of the class; only its shortcut
exercises may lose points, each with status "forbidden" and the name of the call.
"""

import pytest

STUDENT = "bad-lesson5-shortcuts"
EXPECTED = {
    "adam_step": "torch.optim.Adam",  # by name: the grader's static scan
    "rmsprop_step": "torch.optim.rmsprop.rmsprop",  # a name built at run time: the sandbox's runtime watch
    "ManualOptimizer": "torch.optim.Adam",  # subclassing counts as using it
    "newton_step": "torch.linalg.inv",
    "natural_gradient_step": "torch.inverse",  # as a tensor method, fisher.inverse()
}


@pytest.mark.parametrize("entry", sorted(EXPECTED))
def test_shortcut_is_forbidden_and_named(graded_class, entry):
    graded = graded_class.exercise(STUDENT, f"lesson5.{entry}")
    assert graded.score == 0, f"{entry}: {graded.score} points for a forbidden shortcut"
    assert all(t.status == "forbidden" for t in graded.tests), [t.status for t in graded.tests]
    assert EXPECTED[entry] in graded.tests[0].message, graded.tests[0].message


def test_the_exercises_without_shortcuts_get_full_marks(graded_class, course):
    for exercise in course.lesson("lesson5").exercises:
        if exercise.entry not in EXPECTED:
            assert graded_class.exercise(STUDENT, exercise.id).score == exercise.points, exercise.id
