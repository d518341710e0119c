"""nbgrader's side of the course: the autograde pipeline, its kernel, and the trusted scores.

``configure(c, folder)`` is all that nbgrader/nbgrader_config.py calls.  It sets the autograde
pipeline (``AUTOGRADE``, in order: nbgrader's stages and two of ours), points nbgrader's
kernel at this Python with the course importable, and gives the autograder cells time to
grade.  Our stages:

- ``RunCells``: nbgrader's ``Execute``, except that autograder cells get the time grading
  needs (``grading_timeout``) and a kernel that dies costs the cell that killed it, not the
  notebook: the cell gets an error output, and the rest runs in a fresh kernel.
- ``TrustedScores``: grades the submitted notebook in the isolated worker (exactly as
  ``python -m graders grade`` does) and replaces each autograder cell's outputs with what
  failed and the score, so ``SaveAutoGrades`` stores grades no code in the kernel could
  touch.  ``--TrustedScores.enabled=False`` leaves the cells' own, in-kernel results.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    SaveAutoGrades,
)
from traitlets import Integer, Unicode

from .course import Course, load_course
from .notebook_code import is_test_cell
from .notebook_grading import exercise_report, grade_notebooks
from .notebooks import exercise_of_test_cell
from .sandbox import START_TIMEOUT

GRADING_MARGIN = 120  # seconds for pytest to start and compare, on top of every time limit student code has


class RunCells(Execute):
    """nbgrader's Execute, with time for the autograder cells to grade, and surviving a kernel that dies."""

    grading_timeout = Integer(
        600, help="Seconds an autograder cell may take: it grades the whole notebook in the isolated worker"
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timeout_func = self._cell_timeout

    def _cell_timeout(self, cell: NotebookNode) -> int | None:
        return self.grading_timeout if is_test_cell(cell) else self.timeout

    def preprocess_cell(self, cell, resources, index):
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            cell.outputs.append(new_output(
                "error", ename="DeadKernelError", evalue="the kernel died while running this cell",
                traceback=["The kernel died while running this cell (os._exit, a crash in native code, or too much "
                           "memory?). The cells below ran in a fresh kernel, without what the cells above defined."],
            ))  # fmt: skip
            self.log.warning("The kernel died in cell %d; restarting it for the cells below", index)
            self._cleanup_kernel()
            self.km = self.create_kernel_manager()
            self.start_new_kernel()
            self.start_new_kernel_client()
            return cell, self.resources


class TrustedScores(NbGraderPreprocessor):
    """Grade the submitted notebook in the isolated worker; write each exercise's score into its autograder cell."""

    course_file = Unicode("", help="course.toml of the course (set by configure)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        course = load_course(self.course_file) if self.course_file else load_course()
        lesson = info["assignment"]
        if lesson not in {lesson.id for lesson in course.lessons}:
            self.log.warning("%s is not a lesson of %s: its autograder cells keep their own results", lesson, course.title)
            return nb, resources
        submitted = CourseDirectory(config=self.config).format_path("submitted", info["student"], lesson)
        data = (Path(submitted) / f"{info['notebook']}.ipynb").read_bytes()
        result = grade_notebooks({info["student"]: data}, lesson, course.root / "course.toml")[info["student"]]
        for cell in nb.cells:
            entry = exercise_of_test_cell(cell.metadata.get("nbgrader", {}).get("grade_id", ""))
            exercise = result.exercise(f"{lesson}.{entry}") if entry and is_test_cell(cell) else None
            if exercise is not None:
                cell.outputs = trusted_outputs(course, exercise, cell.get("execution_count"))
        self.log.info("Trusted scores for %s: %g / %g", info["student"], result.score, result.max_score)
        return nb, resources


def trusted_outputs(course: Course, exercise, execution_count) -> list[NotebookNode]:
    """What failed, on stdout, then the score as the cell's result: nbgrader's partial credit."""
    return [
        new_output("stream", name="stdout", text=exercise_report(course, exercise) + "\n"),
        new_output("execute_result", data={"text/plain": repr(exercise.score)}, execution_count=execution_count),
    ]


AUTOGRADE = [
    RunCells,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    TrustedScores,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]


def configure(c, folder: Path) -> None:
    """nbgrader's configuration for the course whose nbgrader folder is ``folder``."""
    folder = Path(folder).resolve()
    course = load_course(folder.parent / "course.toml")
    c.CourseDirectory.root = str(folder)
    c.Autograde.autograde_preprocessors = AUTOGRADE
    c.TrustedScores.course_file = str(folder.parent / "course.toml")
    c.RunCells.grading_timeout = grading_timeout(course)
    use_course_kernel(course.root)
    # nbgrader runs `alembic` to create its gradebook: find it beside this Python even in a venv that is not activated.
    _prepend("PATH", os.path.dirname(sys.executable))


def grading_timeout(course: Course) -> int:
    """Seconds grading one lesson's notebook may take when every time limit is reached."""
    worst = max(
        len(lesson.modules) * course.import_timeout + sum(e.timeout for e in lesson.exercises) for lesson in course.lessons
    )
    return int(START_TIMEOUT + worst + GRADING_MARGIN)


_KERNELS: dict[Path, Path] = {}  # course root -> the folder holding its kernelspec, written once per process


def use_course_kernel(course_root: Path) -> None:
    """Make Jupyter's ``python3`` kernel, for this process and its children, this Python with the course importable."""
    if course_root not in _KERNELS:
        folder = Path(tempfile.mkdtemp(prefix="graders-kernel-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        spec = folder / "kernels" / "python3"
        spec.mkdir(parents=True)
        path = os.pathsep.join(filter(None, [str(course_root), os.environ.get("PYTHONPATH")]))
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (course)", "language": "python", "env": {"PYTHONPATH": path},
        }))  # fmt: skip
        _KERNELS[course_root] = folder
    _prepend("JUPYTER_PATH", str(_KERNELS[course_root]))


def _prepend(variable: str, entry: str) -> None:
    entries = [e for e in os.environ.get(variable, "").split(os.pathsep) if e]
    if entries[:1] != [entry]:
        os.environ[variable] = os.pathsep.join([entry, *entries])
