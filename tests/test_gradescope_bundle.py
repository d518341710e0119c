"""The Gradescope autograder zip: what it holds, and its run_autograder grading an upload as Gradescope would run it."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest
from conftest import run_cli

from graders.course.model import ROOT, load_course
from graders.grading.mutants import catalogue_mistakes


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The zip for lesson 1, unpacked where Gradescope unpacks it (``<root>/source``)."""
    root = tmp_path_factory.mktemp("autograder")
    archive = root / "autograder.zip"
    process = run_cli("gradescope-bundle", "--out", str(archive), "--lesson", "lesson1")
    assert "upload it as the assignment's autograder" in process.stdout
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(root / "source")
        modes = {info.filename: info.external_attr >> 16 for info in bundle.infolist()}
    for script in ("setup.sh", "run_autograder"):  # extractall drops the mode; Gradescope keeps it
        assert modes[script] & stat.S_IXUSR, script
        (root / "source" / script).chmod(0o755)
    return root


def run_autograder(root, files: dict[str, str]) -> dict:
    """Gradescope's run: the upload in ``<root>/submission``, the verdict read from ``<root>/results/results.json``."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    for name, text in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    (root / "submission").mkdir(exist_ok=True)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    process = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True
    )
    assert process.returncode == 0, process.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_the_scripts_and_the_graders_but_no_student_material(autograder):
    source = autograder / "source"
    for name in (
        "course.toml",
        "pyproject.toml",
        "graders/lesson1/test_losses.py",
        "solutions/lesson1/losses.py",
    ):
        assert (source / name).is_file(), name
    assert (
        not (source / "exercises").exists()
        and not (source / "tests").exists()
        and not (source / "nbgrader").exists()
    )
    assert not list(source.rglob("__pycache__"))
    assert "--lesson lesson1" in (source / "run_autograder").read_text()


def test_an_upload_of_loose_files_is_graded_like_a_submission_folder(autograder):
    lesson1 = load_course().lesson("lesson1")
    files = {
        f"{module}.py": (ROOT / "solutions" / "lesson1" / f"{module}.py").read_text()
        for module in dict.fromkeys(e.module for e in lesson1.exercises)
    }
    files["notes.txt"] = "not part of the assignment"
    results = run_autograder(autograder, files)
    assert results["score"] == lesson1.points
    assert [t["name"] for t in results["tests"]] == [e.id for e in lesson1.exercises]
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in results["tests"])


def test_a_mistake_in_an_upload_is_named_in_gradescope(autograder):
    mistake = next(
        m
        for _, _, m in catalogue_mistakes(load_course())
        if m.function.__name__ == "mse_sum_for_mean"
    )
    losses = (ROOT / "solutions" / "lesson1" / "losses.py").read_text() + "\n\n" + mistake.source()
    results = run_autograder(autograder, {"lesson1/losses.py": losses})
    mse = next(t for t in results["tests"] if t["name"] == "lesson1.mse")
    assert (
        mse["status"] == "failed"
        and mse["score"] < mse["max_score"]
        and "the sum instead of the mean" in mse["output"]
    )
    selection = next(t for t in results["tests"] if t["name"] == "lesson1.choose_loss")
    assert (
        selection["score"] == 0 and "selection.py" in selection["output"]
    )  # not uploaded: one clear error


def test_an_upload_without_any_file_of_the_assignment_says_what_to_upload(autograder):
    results = run_autograder(autograder, {"homework.py": "print('hello')\n"})
    assert results["score"] == 0 and "upload losses.py, selection.py" in results["output"]


def test_an_unknown_lesson_is_one_error_line(tmp_path):
    process = run_cli(
        "gradescope-bundle", "--out", str(tmp_path / "a.zip"), "--lesson", "lesson9", check=False
    )
    assert (
        process.returncode == 2 and process.stderr.count("\n") == 1 and "lesson9" in process.stderr
    )
    assert not (tmp_path / "a.zip").exists()


def test_a_bad_argument_is_one_error_line(tmp_path):
    process = run_cli(
        "gradescope-bundle", "--out", str(tmp_path / "a.zip"), "--lessn", "x", check=False
    )
    assert process.returncode == 2 and process.stderr.count("\n") == 1, process.stderr
    assert "--lessn" in process.stderr and "usage:" not in process.stderr
    inside = subprocess.run(
        [sys.executable, "-m", "graders.packaging.gradescope_bundle", "arrange"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert inside.returncode == 2 and inside.stderr.count("\n") == 1, inside.stderr
    assert "usage:" not in inside.stderr
