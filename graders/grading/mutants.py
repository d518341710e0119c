"""Submissions made from the reference solutions: plain copies, and mutants from the mistake catalogues.

A mutant is the solution of one lesson with one entry point replaced by a catalogue mistake
(graders/lessonN/mistakes_<module>.py).  The test suite grades one per mistake to prove the
graders catch it; the class-scale benchmark builds synthetic classes from them.
"""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from graders.course.model import ROOT, Course
from graders.grading.mistakes import Mistake

SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"


@dataclass(frozen=True)
class Mutant:
    student: str
    exercise: str
    mistake: Mistake


def copy_submission(source: Path, destination: Path, lessons: list[str] | None = None) -> Path:
    """A submission folder with the lessons of ``source`` (all of them by default), tests left out."""
    for lesson in sorted(
        p.name for p in source.iterdir() if p.is_dir() and p.name.startswith("lesson")
    ):
        if lessons is None or lesson in lessons:
            shutil.copytree(
                source / lesson,
                destination / lesson,
                ignore=shutil.ignore_patterns("__pycache__", "test_*"),
            )
    destination.mkdir(parents=True, exist_ok=True)
    return destination


def catalogue_mistakes(course: Course) -> list[tuple[str, str, Mistake]]:
    """(lesson, module, mistake) for every catalogue entry of every lesson."""
    found = []
    for lesson in course.lessons:
        for module in lesson.modules:
            catalogue = importlib.import_module(f"graders.{lesson.id}.mistakes_{module}").catalogue
            found += [(lesson.id, module, mistake) for mistake in catalogue]
    return found


def write_mutant(
    folder: Path, lesson: str, module: str, mistake: Mistake, lessons: list[str] | None = None
) -> Path:
    """The solutions of ``lessons`` (default: just ``lesson``) with ``mistake`` replacing its entry point."""
    copy_submission(SOLUTIONS, folder, lessons or [lesson])
    path = folder / lesson / f"{module}.py"
    path.write_text(path.read_text() + "\n\n# --- mutant ---\n" + mistake.source())
    return folder


def write_mutants(course: Course, class_dir: Path) -> list[Mutant]:
    """One submission per catalogue mistake, named ``mutant-<lesson>-<mistake function>``."""
    mutants = []
    for lesson, module, mistake in catalogue_mistakes(course):
        student = f"mutant-{lesson}-{mistake.function.__name__}"
        write_mutant(class_dir / student, lesson, module, mistake)
        mutants.append(Mutant(student, f"{lesson}.{mistake.entry}", mistake))
    return mutants
