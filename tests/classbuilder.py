"""Builds class folders for the tests: copies of solutions and stubs, mutants from the catalogues, variants.

A mutant is the reference solution with one entry point replaced by a catalogue mistake
(graders/lessonN/mistakes_<module>.py); its student id names the mistake, so a result can be
traced back to it.
"""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from graders.course import ROOT, Course
from graders.mistakes import Mistake

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
