"""An exception on the grader's side costs one student's case, never the class run.

A hidden grader that trips over one student's reply (a KeyError, say) used to become an
internal error that stopped the shard, and with it every classmate's grading.  Now that case is
an error for that student alone, with a message that shows nothing of the grader, and the
reason goes to the log.
"""

import json

import pytest

from graders.course.model import ROOT
from graders.grading.plugin import INTERNAL_ERROR_MESSAGE

TRIPS_ON_BEN = """
import pytest

@pytest.mark.inputs("trips")
@pytest.mark.exercise("lesson1.mse", weight=1)
def test_trips_on_one_student(student):
    reply = {"value": 1.0} if student.name == "ben" else {"value": 1.0, "grads": [1.0]}
    assert reply["grads"] == [1.0]
"""


def test_grader_exception_is_that_students_error_only(pytester, tmp_path):
    grader = tmp_path / "test_trips.py"
    grader.write_text(TRIPS_ON_BEN)
    out = tmp_path / "out"
    result = pytester.runpytest_inprocess(
        str(grader),
        "-p",
        "graders.grading.plugin",
        "--rootdir",
        str(ROOT),
        "-c",
        str(ROOT / "graders" / "pytest.ini"),
        "--submission",
        f"ada={ROOT / 'solutions'}",
        "--submission",
        f"ben={ROOT / 'solutions'}",
        "--results-dir",
        str(out),
        "--sandbox",
        "none",
    )
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    result.stdout.fnmatch_lines(
        ["INTERNAL GRADER ERROR: ben, *test_trips_on_one_student*: KeyError: *grads*"]
    )

    def test_of(student):
        data = json.loads((out / student / "result.json").read_text())
        (exercise,) = [e for e in data["exercises"] if e["id"] == "lesson1.mse"]
        return [t for t in exercise["tests"] if "trips" in t["name"]][0]

    assert test_of("ada")["status"] == "passed"
    ben = test_of("ben")
    assert ben["status"] == "error"
    assert ben["message"] == INTERNAL_ERROR_MESSAGE  # nothing of the grader's code or paths
