"""Correct implementations written differently from the reference get full marks."""

import pytest
from classbuilder import TEST_SUBMISSIONS, top_level_definition

VARIANTS = sorted(p.name for p in TEST_SUBMISSIONS.iterdir() if p.name.startswith("correct-"))


def test_every_exercise_has_two_differently_written_correct_variants(course):
    # docs/writing-graders.md: each exercise needs two tests/submissions/correct-* that define it
    for exercise in course.exercises:
        covering = [
            v
            for v in VARIANTS
            if top_level_definition(TEST_SUBMISSIONS / v / exercise.module_path, exercise.entry)[0]
        ]
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
