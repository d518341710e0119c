"""result.json follows one schema; it is written atomically and validated when read."""

import json

import pytest

from graders.grading import results
from graders.grading.results import CaseResult, ExerciseResult, ResultsError, StudentResult


def sample():
    test = CaseResult("test_x[cpu]", 1.0, 2.0, "failed", "got 1, expected 2", failure="wrong_value")
    return StudentResult(
        "alice", 1.0, 2.0, [ExerciseResult("lesson1.mse", 1.0, 2.0, [test])], "abc"
    )


def test_round_trip(tmp_path):
    path = tmp_path / "alice" / "result.json"
    results.write(sample(), path)
    assert results.read(path) == sample()
    data = json.loads(path.read_text())
    assert list(data)[:4] == ["student", "score", "max_score", "exercises"]
    assert not list(tmp_path.glob("alice/.result-*"))


@pytest.mark.parametrize(
    "data, words",
    [
        ({"student": "a", "score": 1, "max_score": 2}, "does not follow the result schema"),
        ({"student": "a", "score": "1", "max_score": 2, "exercises": []}, "is not a number"),
        (
            {
                "student": "a",
                "score": 1,
                "max_score": 2,
                "exercises": [
                    {
                        "id": "x",
                        "score": 0,
                        "max_score": 1,
                        "tests": [{"name": "t", "score": 0, "max_score": 1, "status": "exploded"}],
                    }
                ],
            },
            "unknown status",
        ),
        (
            {
                "student": "a",
                "score": 1,
                "max_score": 2,
                "exercises": [
                    {
                        "id": "x",
                        "score": 0,
                        "max_score": 1,
                        "tests": [
                            {
                                "name": "t",
                                "score": 0,
                                "max_score": 1,
                                "status": "error",
                                "failure": "Out Of Memory!",
                            }
                        ],
                    }
                ],
            },
            "bad failure kind",
        ),
    ],
)
def test_invalid_files_are_one_line_errors(tmp_path, data, words):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match=words):
        results.read(path)


def test_the_failure_kind_is_written_only_for_tests_that_did_not_pass(tmp_path):
    passed = CaseResult("test_y[cpu]", 1.0, 1.0, "passed")
    failed = CaseResult(
        "test_x[cpu]", 0.0, 1.0, "error", "ran out of memory", failure="out_of_memory"
    )
    result = StudentResult(
        "bob", 1.0, 2.0, [ExerciseResult("lesson1.mse", 1.0, 2.0, [passed, failed])], "abc"
    )
    results.write(result, tmp_path / "result.json")
    tests = json.loads((tmp_path / "result.json").read_text())["exercises"][0]["tests"]
    assert "failure" not in tests[0] and tests[1]["failure"] == "out_of_memory"
    assert results.read(tmp_path / "result.json") == result


def test_a_file_without_failure_kinds_still_reads(tmp_path):
    results.write(sample(), tmp_path / "result.json")
    data = json.loads((tmp_path / "result.json").read_text())
    del data["exercises"][0]["tests"][0]["failure"]
    (tmp_path / "result.json").write_text(json.dumps(data))
    assert results.read(tmp_path / "result.json").exercises[0].tests[0].failure == ""


def test_truncated_file(tmp_path):
    path = tmp_path / "result.json"
    path.write_text('{"student": "a", "sco')
    with pytest.raises(ResultsError, match="not a readable JSON result"):
        results.read(path)
