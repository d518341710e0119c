"""Every catalogue mistake, submitted as a mutant of the solution, loses points and is named in the feedback."""

import pytest
from classbuilder import catalogue_mistakes

from graders.course.model import load_course

MUTANTS = [
    (f"mutant-{lesson}-{m.function.__name__}", f"{lesson}.{m.entry}", m)
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
