"""Every catalogue mistake, submitted as a mutant of the solution, loses points and is named in the feedback."""

import pytest
from classbuilder import catalogue_mistakes

from graders.course.model import load_course
from graders.grading.mutants import mistakes_of, submission_name
from graders.grading.results import CaseResult, ExerciseResult, StudentResult
from graders.pipeline.check import indistinguishable, mistake_views, mutant_name

MUTANTS = [
    (submission_name(lesson, m), f"{lesson}.{m.entry}", m)
    for lesson, _, m in catalogue_mistakes(load_course())
]


def test_every_exercise_has_at_least_five_catalogued_mistakes(course):
    counts = {e.id: 0 for e in course.exercises}
    for _, exercise_id, _ in MUTANTS:
        counts[exercise_id] += 1
    thin = {exercise: n for exercise, n in counts.items() if n < 5}
    assert not thin, f"exercises with fewer than five catalogued mistakes: {thin}"


@pytest.mark.parametrize("student, exercise_id, mistake", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_mistake_loses_points_and_is_named(graded_class, student, exercise_id, mistake):
    graded = graded_class.exercise(student, exercise_id)
    assert graded.score < graded.max_score, f"{mistake.name}: full marks"
    messages = "\n".join(t.message for t in graded.tests if t.status != "passed")
    assert mistake.name in messages, (
        f"the feedback never names {mistake.name!r}:\n{messages[:2000]}"
    )


@pytest.mark.parametrize("student, exercise_id, mistake", MUTANTS[:1], ids=[MUTANTS[0][0]])
def test_a_mistake_costs_only_its_own_exercise(graded_class, course, student, exercise_id, mistake):
    lesson = exercise_id.split(".")[0]
    for exercise in course.lesson(lesson).exercises:
        if exercise.id != exercise_id:
            assert graded_class.exercise(student, exercise.id).score == exercise.points


def test_no_two_mistakes_of_an_exercise_are_indistinguishable(graded_class, course):
    # The feedback would name both to every student who makes either (graders/pipeline/check.py).
    pairs = []
    for exercise in course.exercises:
        views = mistake_views(graded_class.results, exercise, mistakes_of(course, exercise))
        pairs += [
            f"{exercise.id}: {a.mistake.function.__name__} and {b.mistake.function.__name__}"
            for a, b in indistinguishable(views)
        ]
    assert not pairs, f"no hidden case tells these apart: {pairs}"


def _graded(student: str, exercise_id: str, named_per_test: list[list]) -> StudentResult:
    """A mutant's result whose failed tests name the given mistakes."""
    tests = [
        CaseResult(
            f"test_{i}", 0.0, 1.0, "failed", "\n".join(["wrong", *(m.explain() for m in named)])
        )
        for i, named in enumerate(named_per_test)
    ]
    exercises = [ExerciseResult(exercise_id, 0.0, float(len(tests)), tests)]
    return StudentResult(student, 0.0, float(len(tests)), exercises)


def test_two_mistakes_named_together_on_every_case_are_indistinguishable(course):
    exercise = course.exercises[0]
    first, second, third = mistakes_of(course, exercise)[:3]
    results = {  # a test that names nothing (a hint, a crash) does not tell them apart
        mutant_name(exercise, first): _graded("a", exercise.id, [[first, second]] * 2 + [[]]),
        mutant_name(exercise, second): _graded("b", exercise.id, [[second, first]]),
        mutant_name(exercise, third): _graded("c", exercise.id, [[third, first], [third]]),
    }
    views = mistake_views(results, exercise, [first, second, third])
    assert [(a.mistake, b.mistake) for a, b in indistinguishable(views)] == [(first, second)]
    assert views[2].alone == 1 and views[0].alone == 0
