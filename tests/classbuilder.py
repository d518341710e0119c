"""Builds class folders for the tests: copies of solutions and stubs, mutants, the overlays in tests/submissions/,
attacks, and notebook submissions made from the nbgrader release.

Copies and mutants come from graders/grading/mutants.py; an overlay (tests/submissions/<name>/,
tests/attacks/<name>/) is appended to a copy of the solutions of the lessons it touches.
"""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

from graders.course.model import load_course
from graders.course.notebook_code import cell_source, marked_module
from graders.grading.mistakes import Mistake
from graders.grading.mutants import (
    EXERCISES,
    SOLUTIONS,
    Mutant,
    catalogue_mistakes,
    catalogue_variants,
    copy_submission,
    laid_over_solutions,
    write_mutants,
    write_variants,
)

__all__ = [
    "EXERCISES",
    "SOLUTIONS",
    "Mutant",
    "CORPUS",
    "TEST_SUBMISSIONS",
    "catalogue_mistakes",
    "copy_submission",
    "entries_of",
    "laid_over_solutions",
    "top_level_definition",
    "write_missing_file",
    "write_mutants",
    "write_variants",
    "catalogue_variants",
    "write_test_submissions",
]

TEST_SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
CORPUS = Path(__file__).resolve().parent / "corpus"  # correct code written as real code is (README)


def write_test_submissions(class_dir: Path) -> list[str]:
    """Each tests/submissions/<name>/ as a student, and each tests/corpus/<name>/ as student
    ``corpus-<name>``, laid over the solutions."""
    students = []
    for overlay in sorted(p for p in TEST_SUBMISSIONS.iterdir() if p.is_dir()):
        laid_over_solutions(class_dir / overlay.name, overlay, "submitted")
        students.append(overlay.name)
    for overlay in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        laid_over_solutions(class_dir / f"corpus-{overlay.name}", overlay, "submitted")
        students.append(f"corpus-{overlay.name}")
    return students


def write_missing_file(class_dir: Path, lesson: str, module: str) -> str:
    """A submission of the lesson without one of its modules."""
    student = f"bad-missing-{module}"
    folder = copy_submission(SOLUTIONS, class_dir / student, [lesson])
    (folder / lesson / f"{module}.py").unlink()
    return student


ATTACKS = Path(__file__).resolve().parent / "attacks"


def write_attacks(class_dir: Path, names: list[str] | None = None) -> list[str]:
    """Each tests/attacks/<name>/ as a student, laid over the solutions.

    Appending (like a mutant) keeps an attack file down to the attack; an attack file that is
    a symbolic link replaces the module with a link to where it points.
    """
    attacks = sorted(
        p for p in ATTACKS.iterdir() if p.is_dir() and (names is None or p.name in names)
    )
    for attack in attacks:
        laid_over_solutions(class_dir / attack.name, attack, "attack")
    return [attack.name for attack in attacks]


def entries_of(lesson: str, module: str | None = None) -> tuple[str, ...]:
    """The entry points of ``lesson``'s ``module`` (or of the whole lesson), as course.toml has
    them today."""
    exercises = load_course().lesson(lesson).exercises
    return tuple(e.entry for e in exercises if module is None or e.module == module)


def top_level_definition(path: Path, name: str):
    """(node, source up to the next top-level statement) of ``name`` in the module at ``path``,
    or (None, "") when it defines no function or class of that name there."""
    if not path.is_file():
        return None, ""
    lines = path.read_text().splitlines()
    body = ast.parse("\n".join(lines), filename=str(path)).body
    for node, following in zip(body, [*body[1:], None]):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            end = following.lineno - 1 if following else len(lines)
            return node, "\n".join(lines[node.lineno - 1 : end])
    return None, ""


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
