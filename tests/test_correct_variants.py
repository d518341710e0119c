"""Correct implementations written differently from the reference get full marks.

They come from two places: whole-submission variants in tests/submissions/correct-*/, and
the catalogues' own variants (``@catalogue.variant`` in graders/<lesson>/mistakes_<module>.py),
which keep a new exercise's variants beside its grader.
"""

import pytest
from classbuilder import TEST_SUBMISSIONS, catalogue_variants, top_level_definition

from graders.course.model import load_course
from graders.grading.mutants import submission_name

VARIANTS = sorted(p.name for p in TEST_SUBMISSIONS.iterdir() if p.name.startswith("correct-"))
CATALOGUE_VARIANTS = [
    pytest.param(submission_name(lesson, v), f"{lesson}.{v.entry}", id=v.function.__name__)
    for lesson, _, v in catalogue_variants(load_course())
]


def test_every_exercise_has_two_differently_written_correct_variants(course):
    # docs/writing-graders.md, step 6: two variants, in the catalogue or in tests/submissions/
    in_catalogues = {}
    for lesson, _, variant in catalogue_variants(course):
        in_catalogues.setdefault(f"{lesson}.{variant.entry}", []).append(variant.function.__name__)
    for exercise in course.exercises:
        covering = [
            v
            for v in VARIANTS
            if top_level_definition(TEST_SUBMISSIONS / v / exercise.module_path, exercise.entry)[0]
        ] + in_catalogues.get(exercise.id, [])
        assert len(covering) >= 2, f"{exercise.id}: only {covering} implement it"


@pytest.mark.parametrize("variant", VARIANTS)
def test_correct_variant_gets_full_marks(graded_class, variant):
    lessons = {
        p.name for p in (TEST_SUBMISSIONS / variant).iterdir() if p.is_dir()
    }  # the class grades other lessons too
    graded = [e for e in graded_class.results[variant].exercises if e.id.split(".")[0] in lessons]
    failures = [
        f"{e.id}/{t.name}: {t.message}" for e in graded for t in e.tests if t.status != "passed"
    ]
    assert graded and all(e.score == e.max_score for e in graded), "\n".join(failures[:5])


@pytest.mark.parametrize("student, exercise_id", CATALOGUE_VARIANTS)
def test_catalogue_variant_gets_full_marks(graded_class, student, exercise_id):
    graded = graded_class.exercise(student, exercise_id)
    failures = [f"{t.name}: {t.message}" for t in graded.tests if t.status != "passed"]
    assert graded.score == graded.max_score, "\n".join(failures[:5])
