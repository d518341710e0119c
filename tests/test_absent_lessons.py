"""A submission without a lesson's folder gets one error per exercise of that lesson, and none of its cases run."""

from graders.pipeline.grade import LOG_DIR


def test_an_absent_lesson_costs_one_error_per_exercise_and_runs_nothing(graded_class, course):
    student = next(m.student for m in graded_class.mutants if m.exercise.startswith("lesson1."))
    for lesson in course.lessons[1:]:
        for exercise in lesson.exercises:
            graded = graded_class.exercise(student, exercise.id)
            assert graded.score == 0 and len(graded.tests) == 1, exercise.id
            assert graded.tests[0].status == "error"
            assert f"{lesson.id}/ is missing from the submission" in graded.tests[0].message
    logs = "".join(path.read_text() for path in (graded_class.out / LOG_DIR).glob("*.log"))
    assert "deselected" in logs
