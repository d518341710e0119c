"""Broken submissions get a clear message on the exercises they break, and cost nothing elsewhere.

Each case is tests/submissions/<name>/ appended to the solutions (plus one with a missing file),
graded in the same class as the reference solutions.
"""

import re

import pytest
from classbuilder import entries_of

from graders.course.model import ROOT

LOSSES = entries_of("lesson1", "losses")
SELECTION = entries_of("lesson1", "selection")

# student -> {entry: (status, words the message must contain)}; entries not listed must get full marks
EXPECTED = {
    "bad-syntax-error": {e: ("error", "SyntaxError") for e in LOSSES},
    "bad-missing-losses": {e: ("error", "lesson1/losses.py is missing") for e in LOSSES},
    "bad-raises-on-import": {
        e: ("error", "importing lesson1/selection.py raised FileNotFoundError") for e in SELECTION
    },
    "bad-exits-at-import": {e: ("error", "sys.exit(3) was called") for e in SELECTION},
    "bad-wrong-signature": {
        "mse": ("error", "unexpected keyword argument 'reduction'"),
        "binary_cross_entropy": ("error", "check the signature"),
    },
    "bad-infinite-loop": {"choose_loss": ("timeout", "did not finish within")},
    "bad-exits": {
        "mse": ("error", "sys.exit('giving up') was called"),
        "binary_cross_entropy": ("error", "exited with code 0"),
    },
    "bad-segfault": {
        "CrossEntropyOnProbabilities": ("error", "signal 11 (SIGSEGV)"),
        "choose_loss": (None, ""),
    },
    "bad-returns-garbage": {
        "mse": ("failed", "expected a tensor of shape"),
        "binary_cross_entropy": ("failed", "Liar"),
        "binary_cross_entropy_with_logits": ("failed", "numpy.float64"),
        "cross_entropy": ("failed", "builtins.object"),
    },
    "bad-noisy": {"mse": ("failed", "Your code printed")},
    "bad-forbidden-by-name": {
        "mse": ("forbidden", "torch.nn.MSELoss"),
        "binary_cross_entropy": ("forbidden", "torch.nn.functional.binary_cross_entropy"),
        "binary_cross_entropy_with_logits": ("forbidden", "aten::binary_cross_entropy_with_logits"),
        "cross_entropy": ("forbidden", "torch.logsumexp"),
    },
}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_bad_submission_is_reported_and_contained(graded_class, course, student):
    expected = EXPECTED[student]
    for exercise in course.lesson("lesson1").exercises:
        graded = graded_class.exercise(student, exercise.id)
        if exercise.entry not in expected:
            assert graded.score == exercise.points, (
                f"{student} lost points on untouched {exercise.id}"
            )
            continue
        status, words = expected[exercise.entry]
        if status is None:
            continue  # loses points for its own, unrelated reasons
        assert graded.score < exercise.points
        relevant = [t for t in graded.tests if t.status == status]
        assert relevant, (
            f"{student} {exercise.id}: no test with status {status}: {[t.status for t in graded.tests]}"
        )
        assert any(words in t.message for t in relevant), (
            f"{student} {exercise.id}: {relevant[0].message}"
        )


def test_a_step_that_loses_a_parameter_is_told_so_not_a_grader_error(graded_class):
    # mlp_train_step pops params["b2"]: the probe's reply lacks the key the grader reads next.
    graded = graded_class.exercise("bad-returns-garbage", "lesson4.mlp_train_step")
    assert graded.score < graded.max_score
    assert not [t for t in graded.tests if t.failure == "grader_error"]
    failed = [t.message for t in graded.tests if t.status == "failed"]
    assert failed and all("the params dict has no 'b2'" in message for message in failed), failed


def test_a_timeout_is_paid_once_per_entry_point(graded_class):
    tests = graded_class.exercise("bad-infinite-loop", "lesson1.choose_loss").tests
    assert all(t.status == "timeout" for t in tests)
    assert sum("later tests of it were not run" in t.message for t in tests) == len(tests)


def test_the_rest_of_the_class_is_graded_normally(graded_class, course):
    reference = graded_class.results["reference"]
    assert reference.score == sum(e.points for e in course.exercises)
    for student in EXPECTED:
        assert student in graded_class.results, f"{student} was not graded at all"


def test_feedback_shows_what_student_code_printed_and_nothing_of_the_machine(graded_class):
    """Warnings the grader's own files raise go to the instructor's log, and no folder of the
    grading machine (its Python, site-packages, the course) reaches the student."""
    import site
    import sys

    messages = [t.message for t in graded_class.exercise("bad-noisy", "lesson1.mse").tests]
    printed = next(m for m in messages if "Your code printed" in m)
    assert re.search(r"lesson1/losses.py:\d+: UserWarning: a warning of the student.s own", printed)
    assert "torch is in torch/__init__.py and python in <python>" in printed
    assert "blamed on the caller" not in printed
    for folder in (sys.prefix, *site.getsitepackages(), str(ROOT), str(graded_class.folder)):
        assert all(folder not in m for m in messages), folder
