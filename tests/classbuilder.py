"""Builds class folders for the tests: copies of solutions and stubs, mutants, the overlays in tests/submissions/,
attacks, and notebook submissions made from the nbgrader release.

Copies and mutants come from graders/grading/mutants.py; an overlay is tests/submissions/<name>/
laid over a copy of the solutions of the lessons it touches.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from graders.course.notebook_code import cell_source, marked_module
from graders.grading.mistakes import Mistake
from graders.grading.mutants import (
    EXERCISES,
    SOLUTIONS,
    Mutant,
    catalogue_mistakes,
    copy_submission,
    write_mutants,
)

__all__ = [
    "EXERCISES",
    "SOLUTIONS",
    "Mutant",
    "TEST_SUBMISSIONS",
    "catalogue_mistakes",
    "copy_submission",
    "write_missing_file",
    "write_mutants",
    "write_test_submissions",
]

TEST_SUBMISSIONS = Path(__file__).resolve().parent / "submissions"


def write_test_submissions(class_dir: Path) -> list[str]:
    """Each tests/submissions/<name>/ as a student: the solutions of the lessons it touches, with
    each of its modules appended to the solution's.

    What a module there defines replaces the solution's definition, and its module-level code
    runs at import; an exercise it does not define keeps the solution's, so a submission there
    stays what it was written for when the course gains an exercise.
    """
    names = []
    for overlay in sorted(p for p in TEST_SUBMISSIONS.iterdir() if p.is_dir()):
        lessons = sorted(p.name for p in overlay.iterdir() if p.is_dir())
        folder = copy_submission(SOLUTIONS, class_dir / overlay.name, lessons)
        for source in sorted(overlay.glob("*/*.py")):
            module = folder / source.parent.name / source.name
            before = module.read_text() + "\n\n# --- submitted ---\n" if module.is_file() else ""
            module.write_text(before + source.read_text())
        names.append(overlay.name)
    return names


def write_missing_file(class_dir: Path, lesson: str, module: str) -> str:
    """A submission of the lesson without one of its modules."""
    student = f"bad-missing-{module}"
    folder = copy_submission(SOLUTIONS, class_dir / student, [lesson])
    (folder / lesson / f"{module}.py").unlink()
    return student


ATTACKS = Path(__file__).resolve().parent / "attacks"


def write_attacks(class_dir: Path, names: list[str] | None = None) -> list[str]:
    """Each tests/attacks/<name>/ as a student: the solutions, with each attack file appended to its module.

    Appending (like a mutant) keeps an attack file down to the attack: what it defines
    replaces the solution's definition, and its module-level code runs at import.  An attack
    file that is a symbolic link replaces the module with a link to where it points.
    """
    students = []
    for attack in sorted(
        p for p in ATTACKS.iterdir() if p.is_dir() and (names is None or p.name in names)
    ):
        lessons = sorted(p.name for p in attack.iterdir() if p.is_dir())
        folder = copy_submission(SOLUTIONS, class_dir / attack.name, lessons)
        for overlay in sorted(attack.glob("*/*.py")):
            module = folder / overlay.parent.name / overlay.name
            if overlay.is_symlink():  # the whole module is a link out of the submission
                module.unlink()
                module.symlink_to(overlay.resolve())
            else:
                module.write_text(
                    module.read_text() + "\n\n# --- attack ---\n" + overlay.read_text()
                )
        students.append(attack.name)
    return students


# -- notebook submissions, laid out like nbgrader's submitted/ ----------------------------------------

TAMPERING = """try:  # rewrites the grader inside the kernel: every autograder cell would claim full points
    from graders.notebooks import grading as notebook_grading
    from graders.course.model import load_course
    notebook_grading.hidden_score = lambda exercise_id: load_course().exercise(exercise_id).points
except ImportError:
    pass
"""


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
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "added",
        "metadata": {},
        "outputs": [],
        "source": code,
    }
    notebook["cells"].insert(first_cell_of(notebook, module) + 1, cell)
    return notebook


def with_mistake(notebook: dict, mistake: Mistake) -> dict:
    """The notebook with a catalogue mistake appended to its entry point's cell."""
    notebook = copy.deepcopy(notebook)
    cell = next(
        c
        for c in notebook["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == f"code-{mistake.entry}"
    )
    cell["source"] = cell_source(cell) + "\n\n" + mistake.source()
    return notebook


def write_notebook(class_dir: Path, student: str, lesson: str, notebook: dict) -> None:
    path = class_dir / student / lesson / f"{lesson}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1))
