"""Builds class folders for the tests: copies of solutions and stubs, mutants, and the overlays in tests/submissions/.

Copies and mutants come from graders/mutants.py; an overlay is tests/submissions/<name>/
laid over a copy of the solutions of the lessons it touches.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from graders.mutants import EXERCISES, SOLUTIONS, Mutant, catalogue_mistakes, copy_submission, write_mutants

__all__ = [
    "EXERCISES", "SOLUTIONS", "Mutant", "TEST_SUBMISSIONS", "catalogue_mistakes", "copy_submission",
    "write_missing_file", "write_mutants", "write_test_submissions",
]  # fmt: skip

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


ATTACKS = Path(__file__).resolve().parent / "attacks"


def write_attacks(class_dir: Path, names: list[str] | None = None) -> list[str]:
    """Each tests/attacks/<name>/ as a student: the solutions, with each attack file appended to its module.

    Appending (like a mutant) keeps an attack file down to the attack: what it defines
    replaces the solution's definition, and its module-level code runs at import.
    """
    students = []
    for attack in sorted(p for p in ATTACKS.iterdir() if p.is_dir() and (names is None or p.name in names)):
        lessons = sorted(p.name for p in attack.iterdir() if p.is_dir())
        folder = copy_submission(SOLUTIONS, class_dir / attack.name, lessons)
        for overlay in sorted(attack.glob("*/*.py")):
            module = folder / overlay.parent.name / overlay.name
            module.write_text(module.read_text() + "\n\n# --- attack ---\n" + overlay.read_text())
        students.append(attack.name)
    return students
