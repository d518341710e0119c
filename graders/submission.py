"""Finding submissions and reading their files: text only, never executed in this process.

A submission is a folder laid out like ``exercises/`` (``lesson1/losses.py``, ...); a class
is a folder with one submission folder per student, named by the student's id.  Problems a
file has (missing, unreadable, not Python) are recorded per module so that they cost only
the exercises that live in that module.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course, Exercise, Lesson
from .errors import UsageError
from .forbidden import StaticHit, scan

MAX_FILE_BYTES = 1_000_000
_SKIPPED_FILES = ("conftest.py", "checks.py")


@dataclass
class Submission:
    student: str
    root: Path
    files: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    _scans: dict[str, dict] = field(default_factory=dict, repr=False)

    def problem(self, exercise: Exercise) -> str | None:
        return self.problems.get(exercise.module_path)

    def forbidden_hits(self, exercise: Exercise) -> list[StaticHit]:
        """Forbidden names the exercise's entry point (or code it calls) refers to in the source."""
        source = self.files.get(exercise.module_path)
        if source is None or not exercise.forbidden:
            return []
        if exercise.module_path not in self._scans:
            self._scans[exercise.module_path] = scan(source)
        return self._scans[exercise.module_path].hits(exercise.entry, exercise.forbidden)

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
        raise UsageError(f"{path}: not a folder; give a submission folder (with lesson1/ ...) or a class folder")
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
    return [lesson for lesson in course.lessons if any((folder / lesson.id).is_dir() for folder in folders)]


def load(student: str, root: Path, lessons: list[Lesson]) -> Submission:
    """Read the graded lessons' Python files as text and note what is wrong with them."""
    submission = Submission(student, Path(root))
    for lesson in lessons:
        folder = submission.root / lesson.id
        if folder.is_dir():
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
                    submission.problems[relative] = f"{relative} is missing from the submission (looked for {where})"
    return submission


def _read(submission: Submission, relative: str, file: Path) -> None:
    try:
        data = file.read_bytes()
    except OSError as exc:
        submission.problems[relative] = f"{relative} cannot be read ({exc.strerror})"
        return
    if len(data) > MAX_FILE_BYTES:
        submission.problems[relative] = f"{relative} is {len(data)} bytes, over the limit of {MAX_FILE_BYTES}"
        return
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        submission.problems[relative] = f"{relative} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        return
    try:
        ast.parse(source, filename=relative)
    except SyntaxError as exc:
        submission.problems[relative] = (
            f"{relative} line {exc.lineno}: {exc.msg} (SyntaxError); "
            f"nothing in this file can run until it is fixed: run pytest on it to see"
        )
        submission.files[relative] = source  # a module importing it then fails with the same SyntaxError
        return
    except ValueError as exc:  # e.g. null bytes
        submission.problems[relative] = f"{relative} is not valid Python source ({exc})"
        return
    submission.files[relative] = source
