"""nbgrader's side of the course: the autograde pipeline, its kernel, and the trusted scores.

``configure(c, folder)`` is all that nbgrader/nbgrader_config.py calls.  It sets the autograde
pipeline (``AUTOGRADE``, in order: nbgrader's stages and three of ours), points nbgrader's
kernel at this Python inside the sandbox, takes the hidden tests out of feedback, and gives
the autograder cells time to run.  Our stages:

- ``CollectedNotebook``: keeps the submitted notebook's bytes before any kernel runs.
- ``RunCells``: nbgrader's ``Execute``, except that autograder cells get the time grading
  needs (``grading_timeout``) and a kernel that dies, or a cell that ignores the interrupt at
  its timeout, costs the cell, not the notebook: the cell gets an error output, the kernel is
  killed, and the rest runs in a fresh kernel.  Kernels run in the sandbox
  (``graders/notebooks/kernel_sandbox.py``).
- ``TrustedScores``: grades the collected notebook in the isolated worker (exactly as
  ``python -m graders grade`` does) and replaces each autograder cell's outputs with what
  failed and the score, so ``SaveAutoGrades`` stores grades no code in the kernel could
  touch.  It cannot be switched off: the autograder cells themselves grade nothing.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets import Integer, Unicode

from graders.course.model import Course, load_course
from graders.course.notebook_code import is_test_cell
from graders.host.sandbox import START_TIMEOUT
from graders.notebooks import kernel_sandbox
from graders.notebooks.grading import exercise_report, grade_notebooks
from graders.notebooks.source import exercise_of_test_cell
from graders.reports import plots
from graders.reports.feedback import section

# seconds for pytest to start and compare, on top of every time limit student code has
GRADING_MARGIN = 120


class RunCells(Execute):
    """nbgrader's Execute, with time for the autograder cells to grade, and surviving a kernel that dies."""

    grading_timeout = Integer(
        600,
        help="Seconds an autograder cell may take: it grades the whole notebook in the isolated worker",
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
            why = (
                "The kernel died while running this cell (os._exit, a crash in native code, or too much "
                "memory?)."
            )
            return self._fresh_kernel(
                cell, index, "DeadKernelError", "the kernel died while running this cell", why
            )
        except (
            TimeoutError
        ):  # the cell outlived its time and ignored the interrupt: nbclient gave up on it
            seconds = self._cell_timeout(cell)
            why = (
                f"This cell was still running after {seconds} s and did not stop when interrupted, so its kernel "
                "was stopped."
            )
            return self._fresh_kernel(
                cell, index, "CellTimeoutError", f"still running after {seconds} s", why
            )

    def _fresh_kernel(self, cell, index: int, name: str, value: str, why: str):
        """Note on the cell why its kernel is gone, and give the cells below a fresh one."""
        below = "The cells below ran in a fresh kernel, without what the cells above defined."
        cell.outputs.append(
            new_output("error", ename=name, evalue=value, traceback=[f"{why} {below}"])
        )
        self.log.warning("%s in cell %d; restarting the kernel for the cells below", name, index)
        self._cleanup_kernel()  # kills the kernel's whole process group, the sandbox with it
        self.km = self.create_kernel_manager()
        self.start_new_kernel()
        self.start_new_kernel_client()
        return cell, self.resources


COLLECTED = (
    "graders_collected_notebook"  # resources key: the notebook's bytes before any kernel ran
)


class CollectedNotebook(NbGraderPreprocessor):
    """Keep the submitted notebook's bytes, as collected, before any cell runs.

    ``TrustedScores`` grades these bytes, not whatever ``submitted/`` holds after the kernel
    ran: no cell can change what is graded, even where kernels run without the sandbox.
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        submitted = CourseDirectory(config=self.config).format_path(
            "submitted", info["student"], info["assignment"]
        )
        resources[COLLECTED] = (Path(submitted) / f"{info['notebook']}.ipynb").read_bytes()
        return nb, resources


class TrustedScores(NbGraderPreprocessor):
    """Grade the submitted notebook in the isolated worker; write each exercise's score into its autograder cell."""

    course_file = Unicode("", help="course.toml of the course (set by configure)").tag(config=True)

    def __call__(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Always graded: the autograder cells cannot grade in the sandboxed kernel, so without
        this stage every cell would keep an empty result, which nbgrader reads as full marks."""
        if not self.enabled:
            self.log.warning(
                "TrustedScores cannot be switched off: it is the only source of scores (docs/nbgrader.md)"
            )
        return self.preprocess(nb, resources)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        course = load_course(self.course_file) if self.course_file else load_course()
        lesson = info["assignment"]
        if lesson not in {lesson.id for lesson in course.lessons}:
            self.log.warning(
                "%s is not a lesson of %s: its autograder cells keep their own results",
                lesson,
                course.title,
            )
            return nb, resources
        data = resources[COLLECTED]
        result = grade_notebooks({info["student"]: data}, lesson, course.root / "course.toml")[
            info["student"]
        ]
        notes = notes_output(result.notes)
        for cell in nb.cells:
            entry = exercise_of_test_cell(cell.metadata.get("nbgrader", {}).get("grade_id", ""))
            exercise = (
                result.exercise(f"{lesson}.{entry}") if entry and is_test_cell(cell) else None
            )
            if exercise is not None:
                cell.outputs = (
                    notes
                    + self_check_outputs(cell)
                    + trusted_outputs(course, exercise, cell.get("execution_count"))
                )
                notes = []  # once, in the first autograder cell
        self.log.info(
            "Trusted scores for %s: %g / %g", info["student"], result.score, result.max_score
        )
        return nb, resources


def notes_output(notes: list[str]) -> list[NotebookNode]:
    """How the notebook was read ("cell 7: not valid Python ..."), for the student's feedback."""
    if not notes:
        return []
    text = "How your notebook was read:\n" + "".join(f"- {note}\n" for note in notes) + "\n"
    return [new_output("stream", name="stdout", text=text)]


SELF_CHECK_HEADER = "The self-check (the visible tests, run in your kernel) printed:\n"


def self_check_outputs(cell: NotebookNode) -> list[NotebookNode]:
    """What the cell's self-check printed in the kernel, kept for the student's feedback: on
    stdout, so that it scores nothing (nbgrader gives 0 for any stderr), and never a result."""
    text = "".join(
        "".join(output.get("text", "")) for output in cell.outputs if output.output_type == "stream"
    )
    if not text.strip():
        return []
    return [new_output("stream", name="stdout", text=SELF_CHECK_HEADER + text.rstrip() + "\n\n")]


def trusted_outputs(course: Course, exercise, execution_count) -> list[NotebookNode]:
    """What failed, on stdout, its figures as images, then the score as the cell's result:
    nbgrader's partial credit.  nbgrader's feedback HTML embeds the images."""
    return [
        new_output("stream", name="stdout", text=exercise_report(course, exercise) + "\n"),
        *figure_outputs(course, exercise),
        new_output(
            "execute_result",
            data={"text/plain": repr(exercise.score)},
            execution_count=execution_count,
        ),
    ]


def figure_outputs(course: Course, exercise) -> list[NotebookNode]:
    """The figures beside the exercise's failures (graders/reports/plots.py), as PNG outputs."""
    outputs = []
    for failure in section(course, exercise).failures:
        if not failure.figure:
            continue
        try:
            data = base64.b64encode(plots.png(failure.figure)).decode()
        except Exception:  # a figure that cannot be drawn leaves the message alone
            continue
        description = plots.describe(failure.figure)
        outputs.append(
            new_output(
                "display_data",
                data={"image/png": data, "text/plain": description},
                # nbgrader's feedback template (nbconvert's classic) reads the alt text here
                metadata={"image/png": {"alt": description}},
            )
        )
    return outputs


# generate_feedback: nbgrader's stages, with the hidden tests' source taken out of every cell,
# so that no student's feedback shows the graders' code (the scores and outputs stay).
FEEDBACK = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]


class RestoreTestCells(OverwriteCells):
    """nbgrader's OverwriteCells, without its false alarm on autograder cells (jupyter/nbgrader#1961).

    A released autograder cell lacks its hidden part, so its checksum never matches the source
    cell's, and nbgrader warned "Attribute 'checksum' for cell test-... has changed!" for every
    student, untouched notebooks included.  A cell that is the source cell less its hidden part
    is put back quietly (as OverwriteCells would put it back); any other change to a locked cell
    is still reported and undone.
    """

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id and is_test_cell(cell):
            try:
                source = self.gradebook.find_source_cell(
                    grade_id, self.notebook_id, self.assignment_id
                ).source
            except MissingEntry:
                source = None
            if source is not None and _released(source) == _released(cell.source):
                cell.source = source
        return super().preprocess_cell(cell, resources, index)


_HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S
)


def _released(source: str) -> str:
    """A test cell's source as released: without its hidden part, whitespace aside."""
    return "\n".join(line.rstrip() for line in _HIDDEN.sub("", source).strip().splitlines())


SANITIZE = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreTestCells, CheckCellMetadata]

AUTOGRADE = [
    CollectedNotebook,
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
    c.Autograde.sanitize_preprocessors = SANITIZE
    c.Autograde.autograde_preprocessors = AUTOGRADE
    c.TrustedScores.course_file = str(folder.parent / "course.toml")
    c.RunCells.grading_timeout = grading_timeout(course)
    runtime = use_course_kernel(course)
    # Kernels have no network: they talk over Unix sockets beside their connection file, in a
    # folder of this process's own that the sandbox binds (graders/notebooks/kernel_sandbox.py).  nbgrader
    # runs one kernel at a time, and a kernel's manager removes the file when it stops.
    c.KernelManager.transport = "ipc"
    c.KernelManager.connection_file = str(runtime / "kernel.json")
    c.GenerateFeedback.preprocessors = FEEDBACK
    if _starts_kernels(sys.argv) and (problem := kernel_sandbox.refusal()):
        print(problem, file=sys.stderr)
        sys.exit(2)
    # nbgrader runs `alembic` to create its gradebook: find it beside this Python even in a venv that is not activated.
    _prepend("PATH", os.path.dirname(sys.executable))


def _starts_kernels(argv: list[str]) -> bool:
    """Whether this nbgrader command runs student notebooks (``nbgrader autograde``, ``validate``)."""
    return any(verb in argv[1:3] for verb in ("autograde", "validate"))


def grading_timeout(course: Course) -> int:
    """Seconds grading one lesson's notebook may take when every time limit is reached."""
    worst = max(
        len(lesson.modules) * course.import_timeout + sum(e.timeout for e in lesson.exercises)
        for lesson in course.lessons
    )
    return int(START_TIMEOUT + worst + GRADING_MARGIN)


_KERNELS: dict[
    Path, Path
] = {}  # course root -> the folder holding its kernelspec, written once per process


def use_course_kernel(course: Course) -> Path:
    """Make Jupyter's ``python3`` kernel, for this process and its children, this Python in the sandbox.

    The kernelspec starts ``graders.notebooks.kernel_sandbox``, which puts the kernel inside bubblewrap
    (that module says what it sees).  Kernels talk over ZeroMQ's ipc transport, through a
    runtime folder of this process's own, since they have no network; the folder is returned.
    """
    if course.root not in _KERNELS:
        folder = Path(tempfile.mkdtemp(prefix="graders-kernel-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        spec = folder / "kernels" / "python3"
        spec.mkdir(parents=True)
        path = os.pathsep.join(filter(None, [str(course.root), os.environ.get("PYTHONPATH")]))
        limits = {"memory_mb": course.limits.memory_mb, "processes": course.limits.processes}
        (spec / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [
                        sys.executable,
                        "-m",
                        "graders.notebooks.kernel_sandbox",
                        "{connection_file}",
                    ],
                    "display_name": "Python 3 (course, sandboxed)",
                    "language": "python",
                    "env": {
                        "PYTHONPATH": path,
                        kernel_sandbox.LIMITS_VARIABLE: json.dumps(limits),
                        kernel_sandbox.WORK_VARIABLE: str(folder / "work"),
                        kernel_sandbox.HIDDEN_VARIABLE: json.dumps([str(course.root)]),
                    },
                }
            )
        )
        kernel_sandbox.make_runtime_folder(folder / "runtime")
        _KERNELS[course.root] = folder
    _prepend("JUPYTER_PATH", str(_KERNELS[course.root]))
    return _KERNELS[course.root] / "runtime"


def _prepend(variable: str, entry: str) -> None:
    entries = [e for e in os.environ.get(variable, "").split(os.pathsep) if e]
    if entries[:1] != [entry]:
        os.environ[variable] = os.pathsep.join([entry, *entries])
