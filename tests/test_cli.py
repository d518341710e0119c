"""The command line: one submission or a class, files where promised, one-line errors for bad arguments."""

import csv
import json

import pytest
from conftest import run_cli

from graders.course.model import ROOT, load_course
from graders.grading.mutants import copy_submission


def test_grading_one_submission_writes_result_feedback_and_table(tmp_path):
    # A copy of the solutions of lesson 1 is a perfect student, whatever exercises lesson 1 has.
    copy_submission(ROOT / "solutions", tmp_path / "ada", ["lesson1"])
    out = tmp_path / "out"
    process = run_cli("grade", str(tmp_path / "ada"), "--out", str(out))
    assert process.returncode == 0
    result = json.loads((out / "ada" / "result.json").read_text())
    assert result["student"] == "ada" and result["score"] == result["max_score"]
    lesson1 = load_course().lesson("lesson1")
    assert [e["id"] for e in result["exercises"]] == [e.id for e in lesson1.exercises]
    assert result["max_score"] == lesson1.points
    test = result["exercises"][0]["tests"][0]
    assert set(test) >= {"name", "score", "max_score", "status", "message"}
    rows = list(csv.reader((out / "class.csv").open()))
    assert (
        rows[0][0] == "student" and rows[0][-2:] == ["total", "max_score"] and rows[1][0] == "ada"
    )
    assert (out / "ada" / "feedback.md").is_file()


def test_exit_code_is_zero_whatever_the_scores(tmp_path):
    process = run_cli("grade", "exercises", "--out", str(tmp_path), "--lesson", "lesson1")
    assert process.returncode == 0
    assert json.loads((tmp_path / "exercises" / "result.json").read_text())["score"] == 0


@pytest.mark.parametrize(
    "args, words",
    [
        (["grade", "no/such/folder", "--out", "OUT"], "no/such/folder: no such folder"),
        (["grade", "course.toml", "--out", "OUT"], "course.toml: not a folder"),
        (["grade", "EMPTY", "--out", "OUT"], "no submission found"),
        (
            ["grade", "samples/class", "--out", "OUT", "--lesson", "lesson9"],
            "unknown lesson 'lesson9'",
        ),
        (["grade", "samples/class", "--out", "OUT", "--jobs", "0"], "--jobs must be at least 1"),
        (["grade", "samples/class", "--out", "README.md"], "exists and is not a folder"),
        (["grade", "samples/class", "--out", "README.md/sub"], "cannot be created or written"),
        (["grade", "samples/class", "--out", "/proc/graders-out"], "cannot be created or written"),
        (["grade", "samples/class", "--out", "OUT", "--device", "tpu"], "invalid choice: 'tpu'"),
        (["grade", "samples/class", "--out", "OUT", "--bogus"], "unrecognized arguments: --bogus"),
        (["grade", "samples/class"], "the following arguments are required: --out"),
        (["grade", "samples/class", "--out", "OUT", "--jobs", "two"], "invalid int value: 'two'"),
        (["grade", "samples/class", "--out", "OUT", "--dask-local", "-1"], "--dask-local must be"),
        (
            ["grade", "samples/class", "--out", "OUT", "--course", "no.toml"],
            "no.toml: file not found",
        ),
        (["grade", "samples/class", "--out", "OUT", "--course", "BROKEN"], "not valid TOML"),
        (["grade", "samples/class", "--out", "OUT", "--course", "ROOTLESS"], "holds no graders/"),
        (["report", "EMPTY"], "no <student>/result.json files"),
        (["build", "--bogus"], "unrecognized arguments: --bogus"),
        (["check"], "the following arguments are required: exercise"),
        (["frobnicate"], "unknown verb 'frobnicate'"),
        (["audit", "EMPTY"], "no gradebook.db; run `nbgrader autograde LESSON`"),
        (["audit", "EMPTY", "--lesson", "lesson9"], "unknown lesson 'lesson9'"),
    ],
)
def test_bad_arguments_give_one_clear_line(tmp_path, args, words):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.toml").write_text("[course\n")
    course = (ROOT / "course.toml").read_text()
    (tmp_path / "rootless.toml").write_text(
        course.replace("[course]", '[course]\nroot = "nowhere"')
    )
    named = {
        "OUT": tmp_path / "out",
        "EMPTY": tmp_path / "empty",
        "BROKEN": tmp_path / "broken.toml",
        "ROOTLESS": tmp_path / "rootless.toml",
    }
    args = [str(named.get(a, a)) for a in args]
    process = run_cli(*args, check=False)
    assert process.returncode == 2, process.stdout + process.stderr
    assert words in process.stderr
    assert "Traceback" not in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1


def test_help_lists_every_verb():
    process = run_cli("--help")
    for verb in ("build", "grade", "report", "audit"):
        assert verb in process.stdout


def test_report_renders_again_from_results(tmp_path):
    run_cli("grade", "samples/class/eve", "--out", str(tmp_path))
    (tmp_path / "eve" / "feedback.md").unlink()
    (tmp_path / "class.csv").unlink()
    run_cli("report", str(tmp_path))
    assert "lesson1/losses.py is missing" in (tmp_path / "eve" / "feedback.md").read_text()
    assert (tmp_path / "class.csv").is_file()


def test_report_rejects_a_corrupt_result_in_one_line(tmp_path):
    (tmp_path / "mallory").mkdir()
    (tmp_path / "mallory" / "result.json").write_text('{"student": "mallory", "score": "lots"}')
    process = run_cli("report", str(tmp_path), check=False)
    assert process.returncode == 2
    assert "mallory/result.json: does not follow the result schema" in process.stderr


def test_pytest_help_shows_the_plugin_options():
    import subprocess
    import sys

    process = subprocess.run(
        [sys.executable, "-m", "pytest", "graders", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    for option in ("--submission", "--device", "--results-dir", "--sandbox"):
        assert option in process.stdout
