"""The README's main job: grading the built-in sample class gives the expected scores and reports."""

import csv
import json

import pytest
from conftest import run_cli

from graders.course.model import ROOT, load_course

SAMPLE = ROOT / "samples" / "class"
GOLDEN = ROOT / "samples" / "expected_scores.json"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    process = run_cli("grade", str(SAMPLE), "--out", str(out), "--jobs", "2")
    return out, process


def test_sample_class_is_graded_with_the_expected_scores(sample, update_goldens):
    out, process = sample
    assert str(out) in process.stdout, "the command must say where the results are"
    rows = list(csv.DictReader((out / "class.csv").open()))
    scores = {
        row["student"]: {k: float(v) for k, v in row.items() if k != "student"} for row in rows
    }
    if update_goldens:
        GOLDEN.write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert sorted(scores) == sorted(expected)
    # The goldens hold each exercise's score; an exercise added to the course since they were
    # written is graded too, and the totals must agree with the course whatever it holds.
    course = load_course()
    for student, columns in expected.items():
        got = scores[student]
        for column, value in columns.items():
            if column in ("total", "max_score"):
                continue
            assert abs(got[column] - value) < 1e-3, f"{student} {column}: {got[column]} != {value}"
        exercises = [column for column in got if column not in ("total", "max_score")]
        assert abs(got["total"] - sum(got[column] for column in exercises)) < 1e-3
        assert got["max_score"] == sum(course.exercise(column).points for column in exercises)
    for student in expected:
        assert (out / student / "result.json").is_file()
        assert (out / student / "feedback.md").read_text().startswith(f"# Feedback for {student}")


def test_sample_feedback_names_each_students_problem(sample):
    out, _ = sample
    ben = (out / "ben" / "feedback.md").read_text()
    assert "This looks like the sum instead of the mean" in ben
    assert "MSE despite outliers" in ben
    assert "Your code printed:" in ben and "mse debug: mean (4, 3)" in ben
    cy = (out / "cy" / "feedback.md").read_text()
    assert "torch.nn.functional.mse_loss" in cy and "did not finish within" in cy
    assert "SyntaxError" in (out / "dee" / "feedback.md").read_text()
    assert "lesson1/losses.py is missing" in (out / "eve" / "feedback.md").read_text()
