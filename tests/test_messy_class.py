"""A real class's mess: loose and renamed files, a student with nothing, an --out inside the
class folder, a rerun for one new student, two runs at once, a course.toml outside the repository.

One class is graded once (without --lesson, so the lesson is found from loose files alone) and
regraded once for a late student; the other tests reuse those runs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import copy_course, run_cli

from graders.course.model import ROOT, load_course
from graders.grading import results as results_io
from graders.grading.mutants import copy_submission
from graders.pipeline.grade import hold

SOLUTIONS = ROOT / "solutions"


def _loose(student: Path, names: dict[str, str]) -> None:
    """The reference's lesson 1 modules as loose files, each under the name ``names`` gives it."""
    for module, name in names.items():
        target = student / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOLUTIONS / "lesson1" / module, target)


@dataclass
class MessyClass:
    folder: Path
    out: Path
    first: object  # the first run's CompletedProcess
    rerun: object


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> MessyClass:
    folder = tmp_path_factory.mktemp("messy") / "class"
    copy_submission(SOLUTIONS, folder / "in-folders", ["lesson1"])
    _loose(folder / "loose", {"losses.py": "losses.py", "selection.py": "selection.py"})
    _loose(
        folder / "renamed",
        {"losses.py": "Downloads/losses (1).py", "selection.py": "Selection-1.py"},
    )
    (folder / "nothing").mkdir()
    (folder / "nothing" / "notes.txt").write_text("I ran out of time\n")
    out = folder / "graded"  # inside the class folder, and named like a student
    first = run_cli("grade", str(folder), "--out", str(out), "--jobs", "2")
    (folder / "late").mkdir()  # after the first run: the only new student, with nothing
    rerun = run_cli("grade", str(folder), "--out", str(out), "--lesson", "lesson1")
    return MessyClass(folder, out, first, rerun)


def _result(messy: MessyClass, student: str):
    return results_io.read(messy.out / student / "result.json")


def test_loose_and_renamed_files_are_graded_like_lesson_folders(messy):
    lesson1 = load_course().lesson("lesson1")
    for student in ("in-folders", "loose", "renamed"):
        result = _result(messy, student)
        assert [e.id for e in result.exercises] == [e.id for e in lesson1.exercises], student
        assert result.score == result.max_score == lesson1.points, student
    assert _result(messy, "in-folders").notes == []
    assert sorted(_result(messy, "renamed").notes) == [
        "graded Downloads/losses (1).py as lesson1/losses.py",
        "graded Selection-1.py as lesson1/selection.py",
    ]
    feedback = (messy.out / "renamed" / "feedback.md").read_text()
    assert "graded Downloads/losses (1).py as lesson1/losses.py" in feedback


def test_a_student_with_nothing_gets_zero_and_is_told_what_was_expected(messy):
    result = _result(messy, "nothing")
    assert result.score == 0 and result.max_score == load_course().lesson("lesson1").points
    messages = {t.message for e in result.exercises for t in e.tests}
    assert any("losses.py" in m and "lesson1/ is missing" in m for m in messages), messages
    assert any("selection.py" in m for m in messages), messages
    assert "I ran out of time" not in (messy.out / "nothing" / "feedback.md").read_text()


def test_an_out_folder_inside_the_class_is_no_student(messy):
    assert messy.first.returncode == 0, messy.first.stderr
    assert not (messy.out / "graded").exists()
    assert "graded" not in (messy.out / "class.csv").read_text().split()
    assert {p.parent.name for p in messy.out.glob("*/result.json")} == {
        "in-folders",
        "loose",
        "renamed",
        "nothing",
        "late",
    }


def test_a_rerun_for_one_new_student_with_nothing_grades_only_that_student(messy):
    assert messy.rerun.returncode == 0, messy.rerun.stdout + messy.rerun.stderr
    late = _result(messy, "late")
    assert late.score == 0 and late.exercises
    assert "graded 1 submission(s) (4 unchanged, kept)" in messy.rerun.stdout, messy.rerun.stdout


def test_a_second_run_into_the_same_out_is_refused_naming_the_first(messy, tmp_path):
    out = tmp_path / "busy"
    with hold(out):
        process = run_cli("grade", str(messy.folder), "--out", str(out), check=False)
    assert process.returncode == 2
    line = process.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert f"process {os.getpid()}" in line and "is grading into it now" in line
    assert not list(out.glob("*/result.json"))
    with hold(out):  # released when the holder ends
        pass


@pytest.mark.parametrize("where", ["beside", "rooted", "alone"])
def test_a_course_toml_outside_the_repository_grades_with_its_own_solutions(tmp_path, where):
    course = copy_course(tmp_path / "course")
    # the copy's reference for mse doubles the loss: the repository's solutions, handed in as a
    # student's, lose points there only if the copy (not this repository) is the one graded against
    losses = course / "solutions" / "lesson1" / "losses.py"
    text = losses.read_text()
    assert text.count("return squared_error.mean()") == 1
    losses.write_text(
        text.replace("return squared_error.mean()", "return 2 * squared_error.mean()")
    )
    toml = course / "course.toml"
    if where == "rooted":  # the file elsewhere, naming its course tree
        (tmp_path / "config").mkdir()
        text = toml.read_text().replace("[course]\n", '[course]\nroot = "../course"\n', 1)
        toml = tmp_path / "config" / "course.toml"
        toml.write_text(text)
    if where == "alone":  # a course.toml with no course tree beside it: this repository's
        (tmp_path / "alone").mkdir()
        toml = Path(shutil.copy(toml, tmp_path / "alone" / "course.toml"))
    student = copy_submission(SOLUTIONS, tmp_path / "ada", ["lesson1"])
    out = tmp_path / "out"
    process = run_cli("grade", str(student), "--out", str(out), "--course", str(toml), cwd=tmp_path)
    assert process.returncode == 0
    result = results_io.read(out / "ada" / "result.json")
    mse = result.exercise("lesson1.mse")
    assert (mse.score == mse.max_score) == (where == "alone")
    assert (
        result.exercise("lesson1.huber_loss").score
        == result.exercise("lesson1.huber_loss").max_score
    )
