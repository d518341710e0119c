"""A symbolic link in a submission never leads the grader out of it.

The grading process runs as the instructor (root in a Gradescope container): following
``lesson1/losses.py -> <course>/solutions/lesson1/losses.py`` would grade the reference as the
student's, and a link to ``/etc/shadow`` would be read and shown back.  Such a file is graded as
missing, and the problem says what to upload instead.
"""

import shutil

import pytest

from graders.course import submission
from graders.course.model import ROOT
from graders.packaging.gradescope_bundle import arrange


@pytest.fixture
def lesson1(course):
    return [course.lesson("lesson1")]


def _student(tmp_path, name="mallory"):
    folder = tmp_path / name / "lesson1"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / "lesson1" / "selection.py", folder / "selection.py")
    return folder


def test_link_to_the_solutions_is_graded_as_missing(tmp_path, lesson1):
    folder = _student(tmp_path)
    (folder / "losses.py").symlink_to(ROOT / "solutions" / "lesson1" / "losses.py")
    loaded = submission.load("mallory", tmp_path / "mallory", lesson1)
    assert "lesson1/losses.py" not in loaded.files
    assert loaded.problems["lesson1/losses.py"] == (
        "lesson1/losses.py is a symbolic link to a file outside your submission; upload the file itself"
    )
    assert "lesson1/selection.py" in loaded.files  # the rest is graded as usual


def test_link_to_a_system_file_is_never_read(tmp_path, lesson1):
    folder = _student(tmp_path)
    (folder / "losses.py").symlink_to("/etc/shadow")
    loaded = submission.load("mallory", tmp_path / "mallory", lesson1)
    assert "lesson1/losses.py" not in loaded.files
    assert "symbolic link" in loaded.problems["lesson1/losses.py"]


def test_linked_lesson_folder_is_not_followed(tmp_path, lesson1):
    (tmp_path / "mallory").mkdir()
    (tmp_path / "mallory" / "lesson1").symlink_to(ROOT / "solutions" / "lesson1")
    loaded = submission.load("mallory", tmp_path / "mallory", lesson1)
    assert loaded.files == {}
    assert all("symbolic link" in problem for problem in loaded.problems.values())


def test_linked_notebook_outside_is_not_read(tmp_path, lesson1):
    folder = tmp_path / "mallory" / "lesson1"
    folder.mkdir(parents=True)
    (folder / "lesson1.ipynb").symlink_to(
        ROOT / "nbgrader" / "source" / "lesson1" / "lesson1.ipynb"
    )
    loaded = submission.load("mallory", tmp_path / "mallory", lesson1)
    assert loaded.files == {}
    assert set(loaded.problems) == {f"lesson1/{module}.py" for module in lesson1[0].modules}
    assert all("lesson1/lesson1.ipynb is a symbolic link" in p for p in loaded.problems.values())


def test_link_inside_the_submission_is_read(tmp_path, lesson1):
    folder = _student(tmp_path)
    shutil.copy(ROOT / "exercises" / "lesson1" / "losses.py", folder / "kept.txt")
    (folder / "losses.py").symlink_to(folder / "kept.txt")
    loaded = submission.load("mallory", tmp_path / "mallory", lesson1)
    assert "lesson1/losses.py" in loaded.files


def test_gradescope_upload_with_a_link_out_is_graded_as_missing(tmp_path, course, lesson1):
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(ROOT / "exercises" / "lesson1" / "selection.py", upload / "selection.py")
    (upload / "losses.py").symlink_to(ROOT / "solutions" / "lesson1" / "losses.py")
    arranged = tmp_path / "arranged"
    arrange(course, ["lesson1"], upload, arranged)
    loaded = submission.load("upload", arranged, lesson1)
    assert "lesson1/losses.py" not in loaded.files
    assert "symbolic link" in loaded.problems["lesson1/losses.py"]
    assert "lesson1/selection.py" in loaded.files
