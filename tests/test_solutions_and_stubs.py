"""The reference solutions score full marks; the generated stubs score zero, saying so plainly."""


def test_solutions_score_full_marks_on_every_exercise(graded_class, course):
    result = graded_class.results["reference"]
    for exercise in course.exercises:
        graded = graded_class.exercise("reference", exercise.id)
        failures = [f"{t.name}: {t.message}" for t in graded.tests if t.status != "passed"]
        assert graded.score == exercise.points, f"{exercise.id}: {failures[:3]}"
    assert result.score == result.max_score == sum(e.points for e in course.exercises)


def test_stubs_score_zero_with_not_implemented_messages(graded_class, course):
    assert graded_class.results["stubs"].score == 0
    for exercise in course.exercises:
        graded = graded_class.exercise("stubs", exercise.id)
        assert graded.score == 0
        assert all("not implemented yet" in t.message for t in graded.tests), exercise.id


def test_every_exercise_is_worth_exactly_its_points(graded_class, course):
    for exercise in course.exercises:
        graded = graded_class.exercise("reference", exercise.id)
        assert graded.max_score == exercise.points
        assert abs(sum(t.max_score for t in graded.tests) - exercise.points) < 1e-4
        assert len(graded.tests) >= 3, f"{exercise.id} has too few hidden tests for partial credit"
