"""docs/writing-graders.md's walk-through, held for every exercise of course.toml.

Each step names a file; an exercise that skips one fails here with the file it expected.
(Step 6, two correct variants, is tests/test_correct_variants.py; steps 7 and 9 are the
build check and the rest of the suite.)
"""

import ast
from collections import Counter

import pytest
from classbuilder import top_level_definition

from graders.course.model import ROOT, load_course
from graders.grading.mutants import catalogue_mistakes

COURSE = load_course()
EXERCISES = [pytest.param(exercise, id=exercise.id) for exercise in COURSE.exercises]
MISTAKES = Counter((lesson, mistake.entry) for lesson, _, mistake in catalogue_mistakes(COURSE))


@pytest.mark.parametrize("exercise", EXERCISES)
def test_step_1_the_solution_defines_it_between_solution_markers(exercise):
    path = ROOT / "solutions" / exercise.module_path
    assert path.is_file(), f"{exercise.id}: write {path.relative_to(ROOT)}"
    node, body = top_level_definition(path, exercise.entry)
    assert node is not None, f"{exercise.id}: {path.relative_to(ROOT)} defines no {exercise.entry}"
    assert ast.get_docstring(node), (
        f"{exercise.id}: {exercise.entry} needs a docstring that teaches"
    )
    assert "### BEGIN SOLUTION" in body and "### END SOLUTION" in body, (
        f"{exercise.id}: mark the body of {exercise.entry} with ### BEGIN/END SOLUTION"
    )


@pytest.mark.parametrize("exercise", EXERCISES)
def test_step_2_visible_tests_call_it(exercise):
    path = ROOT / "solutions" / exercise.lesson / f"test_{exercise.module}.py"
    assert path.is_file(), f"{exercise.id}: write {path.relative_to(ROOT)}"
    assert exercise.entry in path.read_text(), (
        f"{exercise.id}: {path.relative_to(ROOT)} never mentions {exercise.entry}"
    )


@pytest.mark.parametrize("exercise", EXERCISES)
def test_step_3_course_toml_describes_it(exercise):
    assert exercise.points > 0 and exercise.summary, f"{exercise.id}: points and a summary"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_step_4_a_hidden_grader_marks_cases_for_it(exercise):
    path = ROOT / "graders" / exercise.lesson / f"test_{exercise.module}.py"
    assert path.is_file(), f"{exercise.id}: write {path.relative_to(ROOT)}"
    source = path.read_text()
    by_name = f'"{exercise.entry}"' in source and 'mark.exercise(f"' in source
    assert f'"{exercise.id}"' in source or by_name, (
        f'{exercise.id}: no @pytest.mark.exercise("{exercise.id}") in {path.relative_to(ROOT)}'
    )


@pytest.mark.parametrize("exercise", EXERCISES)
def test_step_5_at_least_five_mistakes(exercise):
    found = MISTAKES[(exercise.lesson, exercise.entry)]
    assert found >= 5, (
        f"{exercise.id}: {found} mistakes in graders/{exercise.lesson}/mistakes_{exercise.module}.py"
    )
