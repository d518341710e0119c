"""Finding submissions and reading their files: text only, never executed in this process.

A submission is a folder laid out like ``exercises/`` (``lesson1/losses.py``, ...) or like
nbgrader's submitted/<student>/ (``lesson1/lesson1.ipynb``: each module's code is read out of
the notebook's cells by ``notebook_code.extract``; a lesson's notebook, when present, is what
is graded).  A class is a folder with one submission folder per student, named by the
student's id.  Problems a file has (missing, unreadable, not Python) are recorded per module
so that they cost only the exercises that live in that module.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from graders.course import notebook_code
from graders.course.errors import UsageError
from graders.course.forbidden import StaticHit, scan
from graders.course.model import Course, Exercise, Lesson

MAX_FILE_BYTES = 1_000_000
MAX_NOTEBOOK_BYTES = 50_000_000  # notebooks carry their outputs (plots) too
_SKIPPED_FILES = ("conftest.py", "checks.py")


@dataclass
class Submission:
    student: str
    root: Path
    files: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    _scans: dict[str, dict] = field(default_factory=dict, repr=False)
    _hits: dict[tuple, list] = field(default_factory=dict, repr=False)

    def problem(self, exercise: Exercise) -> str | None:
        return self.problems.get(exercise.module_path)

    def forbidden_hits(self, exercise: Exercise) -> list[StaticHit]:
        """Forbidden names the exercise's entry point (or code it calls) refers to in the source."""
        source = self.files.get(exercise.module_path)
        if source is None or not exercise.forbidden:
            return []
        key = (exercise.module_path, exercise.entry, tuple(exercise.forbidden))
        if key not in self._hits:  # asked before every call into the student's code
            if exercise.module_path not in self._scans:
                self._scans[exercise.module_path] = scan(source)
            self._hits[key] = self._scans[exercise.module_path].hits(
                exercise.entry, exercise.forbidden
            )
        return self._hits[key]

    def fingerprint(self) -> str:
        """Changes whenever any graded file changes."""
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.encode() + b"\0" + self.files[path].encode() + b"\0")
        for path in sorted(self.problems):
            digest.update(path.encode() + b"\0" + self.problems[path].encode() + b"\0")
        return digest.hexdigest()


def discover(path: Path, course: Course) -> list[tuple[str, Path]]:
    """(student id, folder) for one submission folder or for every student folder of a class."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such folder; give a submission folder or a class folder")
    if not path.is_dir():
        raise UsageError(
            f"{path}: not a folder; give a submission folder (with lesson1/ ...) or a class folder"
        )
    if _is_submission(path, course):
        return [(path.resolve().name, path)]
    students = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not students:
        lessons = ", ".join(f"{lesson.id}/" for lesson in course.lessons)
        raise UsageError(
            f"{path}: no submission found; expected lesson folders ({lessons}) or one folder per student"
        )
    return [(student.name, student) for student in students]


def _is_submission(path: Path, course: Course) -> bool:
    return any((path / lesson.id).is_dir() for lesson in course.lessons)


def lessons_present(folders: list[Path], course: Course) -> list[Lesson]:
    """The lessons that at least one of the folders has a folder for, in course order."""
    return [
        lesson
        for lesson in course.lessons
        if any((folder / lesson.id).is_dir() for folder in folders)
    ]


def load(student: str, root: Path, lessons: list[Lesson]) -> Submission:
    """Read the graded lessons' Python files (or notebooks) as text and note what is wrong with them."""
    submission = Submission(student, Path(root))
    for lesson in lessons:
        folder = submission.root / lesson.id
        notebook = folder / f"{lesson.id}.ipynb"
        if notebook.is_file():
            _read_notebook(submission, lesson, notebook)
        elif folder.is_dir():
            for file in sorted(folder.glob("*.py")):
                if file.name.startswith("test_") or file.name in _SKIPPED_FILES:
                    continue
                _read(submission, f"{lesson.id}/{file.name}", file)
        for module in lesson.modules:
            relative = f"{lesson.id}/{module}.py"
            if relative not in submission.files and relative not in submission.problems:
                where = f"{submission.root.name}/{relative}"  # never the instructor's absolute path
                if not folder.is_dir():
                    submission.problems[relative] = (
                        f"{lesson.id}/ is missing from the submission (looked for {where}); "
                        f"submit the whole {lesson.id} folder"
                    )
                else:
                    submission.problems[relative] = (
                        f"{relative} is missing from the submission (looked for {where} "
                        f"and {submission.root.name}/{lesson.id}/{lesson.id}.ipynb)"
                    )
    return submission


def _leaves_submission(submission: Submission, file: Path) -> bool:
    """Whether a symbolic link on the way to ``file`` leads out of the submission folder.

    A link to ``solutions/`` or ``/etc/shadow`` must never be read as the student's code: the
    grading process runs as the instructor (or root), so following it would grade, and show, a
    file the student could not have submitted.
    """
    try:
        return not file.resolve().is_relative_to(submission.root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return True


def _outside_link_problem(relative: str) -> str:
    return (
        f"{relative} is a symbolic link to a file outside your submission; upload the file itself"
    )


def _read_notebook(submission: Submission, lesson: Lesson, file: Path) -> None:
    """Each module of the lesson from the notebook's cells; a notebook that cannot be read costs the whole lesson."""
    name = f"{lesson.id}/{file.name}"
    problem = None
    try:
        if _leaves_submission(submission, file):
            problem = _outside_link_problem(name)
        elif len(data := file.read_bytes()) > MAX_NOTEBOOK_BYTES:
            problem = f"{name} is {len(data)} bytes, over the limit of {MAX_NOTEBOOK_BYTES}; clear its outputs"
        else:
            code = notebook_code.extract(json.loads(data.decode("utf-8")), lesson.modules)
    except OSError as exc:
        problem = f"{name} cannot be read ({exc.strerror})"
    except (UnicodeDecodeError, ValueError) as exc:
        problem = f"{name} is not a readable notebook ({exc}); submit the notebook saved by Jupyter"
    for module in lesson.modules:
        relative = f"{lesson.id}/{module}.py"
        if problem:
            submission.problems[relative] = problem
        elif module not in code.modules:
            submission.problems[relative] = (
                f"{name} has no code for {module}.py: the cells of its section are missing "
                f'(code cells with metadata {{"{notebook_code.METADATA_KEY}": {{"module": "{module}"}}}}); '
                "copy them back from the notebook you were given"
            )
        elif len(code.modules[module].encode("utf-8")) > MAX_FILE_BYTES:
            submission.problems[relative] = (
                f"{name} holds over {MAX_FILE_BYTES} bytes of code for {module}.py"
            )
        else:
            fix = f"nothing in {module}.py can run until it is fixed: run that cell to see"
            _accept(
                submission,
                relative,
                code.modules[module],
                functools.partial(_cell_line, name, code, module),
                fix,
            )


def _cell_line(notebook: str, code: notebook_code.NotebookCode, module: str, line: int) -> str:
    return f"{notebook} {code.where(module, line)}"


def _read(submission: Submission, relative: str, file: Path) -> None:
    if _leaves_submission(submission, file):
        submission.problems[relative] = _outside_link_problem(relative)
        return
    try:
        data = file.read_bytes()
    except OSError as exc:
        submission.problems[relative] = f"{relative} cannot be read ({exc.strerror})"
        return
    if len(data) > MAX_FILE_BYTES:
        submission.problems[relative] = (
            f"{relative} is {len(data)} bytes, over the limit of {MAX_FILE_BYTES}"
        )
        return
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        submission.problems[relative] = (
            f"{relative} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        )
        return
    fix = "nothing in this file can run until it is fixed: run pytest on it to see"
    _accept(submission, relative, source, lambda line: f"{relative} line {line}", fix)


def _accept(submission: Submission, relative: str, source: str, where, fix: str) -> None:
    """Keep a module's source, noting a syntax error: ``where(line)`` names the line, ``fix`` says what to do."""
    try:
        ast.parse(source, filename=relative)
    except SyntaxError as exc:
        submission.problems[relative] = f"{where(exc.lineno)}: {exc.msg} (SyntaxError); {fix}"
        # a module importing it then fails with the same SyntaxError
        submission.files[relative] = source
        return
    except ValueError as exc:  # e.g. null bytes
        submission.problems[relative] = f"{relative} is not valid Python source ({exc})"
        return
    submission.files[relative] = source
