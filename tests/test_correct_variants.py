"""Correct implementations written differently from the reference get full marks."""

import ast

import pytest
from classbuilder import TEST_SUBMISSIONS

VARIANTS = sorted(p.name for p in TEST_SUBMISSIONS.iterdir() if p.name.startswith("correct-"))


def defines(path, name: str) -> bool:
    """Whether the module at ``path`` defines ``name`` at its top level."""
    if not path.is_file():
        return False
    tree = ast.parse(path.read_text())
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    return name in defined


def test_every_exercise_has_two_differently_written_correct_variants(course):
    # docs/writing-graders.md: each exercise needs two tests/submissions/correct-* that define it
    for exercise in course.exercises:
        covering = [
            v
            for v in VARIANTS
            if defines(TEST_SUBMISSIONS / v / exercise.module_path, exercise.entry)
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
