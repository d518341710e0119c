"""Finding submissions and reading their files: text only, never executed in this process.

A submission is a folder laid out like ``exercises/`` (``lesson1/losses.py``, ...) or like
nbgrader's submitted/<student>/ (``lesson1/lesson1.ipynb``: each module's code is read out of
the notebook's cells by ``notebook_code.extract``; a lesson's notebook, when present, is what
is graded).  Files handed in loose (``losses.py`` without ``lesson1/``, or renamed by a browser
to ``losses (1).py``) are placed by their name, as a Gradescope upload is, with a note.
A class is a folder with one submission folder per student, named by the student's id.
Problems a file has (missing, unreadable, not Python) are recorded per module so that they
cost only the exercises that live in that module.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from graders.course import notebook_code
from graders.course.errors import UsageError
from graders.course.forbidden import StaticHit, scan
from graders.course.model import Course, Exercise, Lesson

MAX_FILE_BYTES = 1_000_000
MAX_NOTEBOOK_BYTES = 50_000_000  # notebooks carry their outputs (plots) too
_SKIPPED_FILES = ("conftest.py", "checks.py")
_SKIPPED_FOLDERS = ("__pycache__", "__MACOSX", "node_modules")
_LOOSE_DEPTH = 4  # how deep a loose file may sit in a submission folder
# what browsers and file managers append to a file downloaded or copied twice
_COPY_SUFFIX = re.compile(r"(?:\s*\(\d+\)|-\d+|\s+copy(?:\s+\d+)?)$", re.IGNORECASE)


@dataclass
class Submission:
    student: str
    root: Path
    files: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    # what the student should know about how their files were read ("graded losses (1).py as
    # lesson1/losses.py"), shown in their feedback
    notes: list[str] = field(default_factory=list)
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


def discover(path: Path, course: Course, skip: tuple[Path, ...] = ()) -> list[tuple[str, Path]]:
    """(student id, folder) for one submission folder or for every student folder of a class.

    Folders in ``skip`` (the run's own output, when it sits inside the class folder) are no
    student's.
    """
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such folder; give a submission folder or a class folder")
    if not path.is_dir():
        raise UsageError(
            f"{path}: not a folder; give a submission folder (with lesson1/ ...) or a class folder"
        )
    if _is_submission(path, course):
        return [(path.resolve().name, path)]
    skipped = {folder.resolve() for folder in skip}
    students = sorted(
        p
        for p in path.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.resolve() not in skipped
    )
    if not students:
        lessons = ", ".join(f"{lesson.id}/" for lesson in course.lessons)
        raise UsageError(
            f"{path}: no submission found; expected lesson folders ({lessons}) or one folder per student"
        )
    return [(student.name, student) for student in students]


def _course_files(lessons: list[Lesson]) -> dict[str, Lesson]:
    """Course file name (``losses.py``, ``lesson1.ipynb``) -> its lesson."""
    names = {f"{lesson.id}.ipynb": lesson for lesson in lessons}
    names.update({f"{module}.py": lesson for lesson in lessons for module in lesson.modules})
    return names


def _is_submission(path: Path, course: Course) -> bool:
    """A folder with a lesson folder, or with a course file (``losses.py``) directly in it."""
    if any((path / lesson.id).is_dir() for lesson in course.lessons):
        return True
    names = _course_files(course.lessons)

    def has_course_files(folder: Path) -> bool:
        return any(p.is_file() and course_file_name(p.name, names) for p in folder.iterdir())

    if not has_course_files(path):
        return False
    # loose files at the top: one student's folder, unless student folders sit beside them
    return not any(
        child.is_dir()
        and not child.name.startswith((".", "_"))
        and (
            has_course_files(child)
            or any((child / lesson.id).is_dir() for lesson in course.lessons)
        )
        for child in path.iterdir()
    )


def lessons_handed_in(folder: Path, lessons) -> set[str]:
    """The ids of ``lessons`` the submission has a folder for, or any of their files loose."""
    lessons = list(lessons)
    present = {lesson.id for lesson in lessons if (folder / lesson.id).is_dir()}
    if len(present) < len(lessons):
        names = _course_files(lessons)
        present.update(names[name].id for name in loose_files(folder, names))
    return present


def lessons_present(folders: list[Path], course: Course) -> list[Lesson]:
    """The lessons that at least one of the folders has a folder or a file for, in course order."""
    present = set()
    for folder in folders:
        if len(present) < len(course.lessons):
            present |= lessons_handed_in(folder, course.lessons)
    return [lesson for lesson in course.lessons if lesson.id in present]


def course_file_name(name: str, wanted) -> str | None:
    """The course file (``losses.py``, ``lesson1.ipynb``) that a file called ``name`` is, or None.

    Exact names first; then the names browsers and file managers give a second copy
    (``losses (1).py``, ``losses-1.py``, ``losses copy.py``) and a different case (``Losses.py``).
    """
    if name in wanted:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return None
    by_lower = {known.lower(): known for known in wanted}
    base = _COPY_SUFFIX.sub("", stem).strip()
    return by_lower.get(f"{base}.{suffix}".lower())


def loose_files(root: Path, wanted) -> dict[str, Path]:
    """Course file name -> the file at any depth of ``root`` that is it (an exact name first).

    Hidden folders, caches and links to folders are not searched; of two candidates for one name
    the exact name, then the shallower path, then the first in sorted order wins.
    """
    found: dict[str, tuple[tuple, Path]] = {}

    def walk(folder: Path, depth: int) -> None:
        try:
            children = sorted(folder.iterdir())
        except OSError:
            return
        for child in children:
            if child.name.startswith((".", "_")) and child.name != "__init__.py":
                continue
            if child.is_dir() and not child.is_symlink():
                if depth < _LOOSE_DEPTH and child.name not in _SKIPPED_FOLDERS:
                    walk(child, depth + 1)
                continue
            name = course_file_name(child.name, wanted)
            if name is None:
                continue
            rank = (child.name != name, depth, str(child))
            if name not in found or rank < found[name][0]:
                found[name] = (rank, child)

    walk(Path(root), 0)
    return {name: path for name, (_, path) in found.items()}


def load(student: str, root: Path, lessons: list[Lesson]) -> Submission:
    """Read the graded lessons' Python files (or notebooks) as text and note what is wrong with them.

    A lesson's files are looked for where exercises/ has them (``lesson1/losses.py``, or the
    notebook ``lesson1/lesson1.ipynb``); a module or notebook not there is taken from anywhere
    in the submission by its name (``losses.py``, ``hw1/losses (1).py``), with a note saying so.
    """
    submission = Submission(student, Path(root))
    wanted = [f"{lesson.id}.ipynb" for lesson in lessons]
    wanted += [f"{module}.py" for lesson in lessons for module in lesson.modules]
    loose = None
    for lesson in lessons:
        folder = submission.root / lesson.id
        notebook = folder / f"{lesson.id}.ipynb"
        if not notebook.is_file() and not folder.is_dir():
            loose = loose if loose is not None else loose_files(submission.root, wanted)
            if f"{lesson.id}.ipynb" in loose:
                notebook = loose[f"{lesson.id}.ipynb"]
                _note_placed(submission, notebook, f"{lesson.id}/{lesson.id}.ipynb")
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
                loose = loose if loose is not None else loose_files(submission.root, wanted)
                if f"{module}.py" in loose:
                    _note_placed(submission, loose[f"{module}.py"], relative)
                    _read(submission, relative, loose[f"{module}.py"])
                    continue
                where = f"{submission.root.name}/{relative}"  # never the instructor's absolute path
                if not folder.is_dir():
                    submission.problems[relative] = (
                        f"{lesson.id}/ is missing from the submission (looked for {where}, and for "
                        f"{module}.py anywhere in it); submit the whole {lesson.id} folder"
                    )
                else:
                    submission.problems[relative] = (
                        f"{relative} is missing from the submission (looked for {where} "
                        f"and {submission.root.name}/{lesson.id}/{lesson.id}.ipynb)"
                    )
    return submission


def _note_placed(submission: Submission, file: Path, relative: str) -> None:
    where = file.relative_to(submission.root).as_posix()
    if where != relative:
        submission.notes.append(f"graded {where} as {relative}")


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
    if not problem:
        submission.notes.extend(f"{name} {note}" for note in code.notes)
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
