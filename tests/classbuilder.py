"""Builds class folders for the tests: copies of solutions and stubs, mutants from the catalogues, variants,
and notebook submissions made from the nbgrader release.

A mutant is the reference solution with one entry point replaced by a catalogue mistake
(graders/lessonN/mistakes_<module>.py); its student id names the mistake, so a result can be
traced back to it.
"""

from __future__ import annotations

import copy
import importlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from graders.course import ROOT, Course
from graders.mistakes import Mistake
from graders.notebook_code import cell_source, marked_module

SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"


@dataclass(frozen=True)
class Mutant:
    student: str
    exercise: str
    mistake: Mistake


def copy_submission(source: Path, destination: Path, lessons: list[str] | None = None) -> Path:
    """A submission folder with the lessons of ``source`` (all of them by default)."""
    for lesson in sorted(p.name for p in source.iterdir() if p.is_dir() and p.name.startswith("lesson")):
        if lessons is None or lesson in lessons:
            shutil.copytree(source / lesson, destination / lesson, ignore=shutil.ignore_patterns("__pycache__", "test_*"))
    destination.mkdir(parents=True, exist_ok=True)
    return destination


def catalogue_mistakes(course: Course) -> list[tuple[str, str, Mistake]]:
    """(lesson, module, mistake) for every catalogue entry of every lesson."""
    found = []
    for lesson in course.lessons:
        for module in lesson.modules:
            catalogue = importlib.import_module(f"graders.{lesson.id}.mistakes_{module}").catalogue
            for mistake in catalogue:
                found.append((lesson.id, module, mistake))
    return found


def write_mutants(course: Course, class_dir: Path) -> list[Mutant]:
    mutants = []
    for lesson, module, mistake in catalogue_mistakes(course):
        student = f"mutant-{lesson}-{mistake.function.__name__}"
        folder = copy_submission(SOLUTIONS, class_dir / student, [lesson])
        path = folder / lesson / f"{module}.py"
        path.write_text(path.read_text() + "\n\n# --- mutant ---\n" + mistake.source())
        mutants.append(Mutant(student, f"{lesson}.{mistake.entry}", mistake))
    return mutants


TEST_SUBMISSIONS = Path(__file__).resolve().parent / "submissions"


def write_test_submissions(class_dir: Path) -> list[str]:
    """Each tests/submissions/<name>/ laid over a copy of the solutions of the lessons it touches."""
    names = []
    for overlay in sorted(p for p in TEST_SUBMISSIONS.iterdir() if p.is_dir()):
        lessons = sorted(p.name for p in overlay.iterdir() if p.is_dir())
        folder = copy_submission(SOLUTIONS, class_dir / overlay.name, lessons)
        shutil.copytree(overlay, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        names.append(overlay.name)
    return names


def write_missing_file(class_dir: Path, lesson: str, module: str) -> str:
    """A submission of the lesson without one of its modules."""
    student = f"bad-missing-{module}"
    folder = copy_submission(SOLUTIONS, class_dir / student, [lesson])
    (folder / lesson / f"{module}.py").unlink()
    return student


# -- notebook submissions, laid out like nbgrader's submitted/ ----------------------------------------

TAMPERING = '''try:  # rewrites the grader inside the kernel: every autograder cell would claim full points
    from graders import notebook_grading
    from graders.course import load_course
    notebook_grading.hidden_score = lambda exercise_id: load_course().exercise(exercise_id).points
except ImportError:
    pass
'''


def solved(release: dict, source: dict) -> dict:
    """The released notebook with every module cell's code taken from the source notebook (the solutions)."""
    notebook = copy.deepcopy(release)
    by_id = {cell["id"]: cell for cell in source["cells"]}
    for cell in notebook["cells"]:
        if marked_module(cell):
            cell["source"] = by_id[cell["id"]]["source"]
    return notebook


def first_cell_of(notebook: dict, module: str) -> int:
    return next(i for i, cell in enumerate(notebook["cells"]) if marked_module(cell) == module)


def with_code_before(notebook: dict, module: str, code: str) -> dict:
    """The notebook with ``code`` at the top of the module's first cell (e.g. a hang at import)."""
    notebook = copy.deepcopy(notebook)
    cell = notebook["cells"][first_cell_of(notebook, module)]
    cell["source"] = code + cell_source(cell)
    return notebook


def with_cell_after(notebook: dict, module: str, code: str) -> dict:
    """The notebook with a cell the student added after the module's first cell."""
    notebook = copy.deepcopy(notebook)
    cell = {"cell_type": "code", "execution_count": None, "id": "added", "metadata": {}, "outputs": [], "source": code}
    notebook["cells"].insert(first_cell_of(notebook, module) + 1, cell)
    return notebook


def with_mistake(notebook: dict, mistake: Mistake) -> dict:
    """The notebook with a catalogue mistake appended to its entry point's cell."""
    notebook = copy.deepcopy(notebook)
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == f"code-{mistake.entry}")
    cell["source"] = cell_source(cell) + "\n\n" + mistake.source()
    return notebook


def write_notebook(class_dir: Path, student: str, lesson: str, notebook: dict) -> None:
    path = class_dir / student / lesson / f"{lesson}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1))
