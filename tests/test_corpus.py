"""Correct code written the ways real code is gets full marks (tests/corpus/README.md).

In-place and out-of-place, einsum and matmul, torch.where and masks, and formulas that round
differently: each folder of tests/corpus/ is a student of the shared test class, laid over the
solutions, and every exercise it rewrites must get full marks.
"""

import pytest
from classbuilder import CORPUS, top_level_definition

from graders.course.model import load_course

COURSE = load_course()
CORPUS_ENTRIES = [
    pytest.param(f"corpus-{folder.name}", exercise.id, id=f"{folder.name}-{exercise.id}")
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir())
    for exercise in COURSE.exercises
    if top_level_definition(folder / exercise.module_path, exercise.entry)[0]
]


def test_the_corpus_spans_the_ways_real_code_differs():
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert {"in-place", "einsum", "masks", "formulas"} <= folders
    readme = (CORPUS / "README.md").read_text()
    assert all(f"`{name}/`" in readme for name in folders), "describe each folder in the README"
    assert len(CORPUS_ENTRIES) >= 15


@pytest.mark.parametrize("student, exercise_id", CORPUS_ENTRIES)
def test_correct_code_written_differently_gets_full_marks(graded_class, student, exercise_id):
    graded = graded_class.exercise(student, exercise_id)
    failures = [f"{t.name}: {t.message}" for t in graded.tests if t.status != "passed"]
    assert graded.score == graded.max_score, "\n".join(failures[:5])
