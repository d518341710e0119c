"""Submissions made from the reference solutions: plain copies, overlays, and mutants from the
mistake catalogues.

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
from graders.grading.mistakes import Catalogue, Mistake, Variant

SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"


@dataclass(frozen=True)
class Mutant:
    student: str
    exercise: str
    mistake: Mistake | Variant


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


def laid_over_solutions(folder: Path, overlay: Path, label: str) -> Path:
    """``folder``: the solutions of the lessons ``overlay`` touches, with each of its modules
    appended to the solution's (after a ``# --- label ---`` line).

    What a module there defines replaces the solution's definition, and its module-level code
    runs at import; an exercise it does not define keeps the solution's, so the submission stays
    what it was written for when the course gains an exercise.  A module that is a symbolic link
    replaces the solution's with a link to where it points.
    """
    lessons = sorted(p.name for p in overlay.iterdir() if p.is_dir())
    copy_submission(SOLUTIONS, folder, lessons)
    for source in sorted(overlay.glob("*/*.py")):
        module = folder / source.parent.name / source.name
        if source.is_symlink():  # the whole module is a link out of the submission
            module.unlink(missing_ok=True)
            module.symlink_to(source.resolve())
        else:
            before = module.read_text() + f"\n\n# --- {label} ---\n" if module.is_file() else ""
            module.write_text(before + source.read_text())
    return folder


def catalogue(lesson: str, module: str) -> Catalogue:
    """The catalogue of one student module: graders/<lesson>/mistakes_<module>.py."""
    return importlib.import_module(f"graders.{lesson}.mistakes_{module}").catalogue


def catalogue_mistakes(course: Course) -> list[tuple[str, str, Mistake]]:
    """(lesson, module, mistake) for every catalogue entry of every lesson."""
    return [
        (lesson.id, module, mistake)
        for lesson in course.lessons
        for module in lesson.modules
        for mistake in catalogue(lesson.id, module)
    ]


def catalogue_variants(course: Course) -> list[tuple[str, str, Variant]]:
    """(lesson, module, variant) for every correct variant of every catalogue."""
    return [
        (lesson.id, module, variant)
        for lesson in course.lessons
        for module in lesson.modules
        for variant in catalogue(lesson.id, module).variants
    ]


def mistakes_of(course: Course, exercise) -> list[Mistake]:
    """The catalogue mistakes of one exercise."""
    return catalogue(exercise.lesson, exercise.module).of(exercise.entry)


def variants_of(course: Course, exercise) -> list[Variant]:
    """The catalogue's correct variants of one exercise."""
    variants = catalogue(exercise.lesson, exercise.module).variants
    return [v for v in variants if v.entry == exercise.entry]


def write_mutant(
    folder: Path,
    lesson: str,
    module: str,
    mistake: Mistake | Variant,
    lessons: list[str] | None = None,
) -> Path:
    """The solutions of ``lessons`` (default: just ``lesson``) with ``mistake`` (or a correct
    variant) replacing its entry point."""
    copy_submission(SOLUTIONS, folder, lessons or [lesson])
    path = folder / lesson / f"{module}.py"
    path.write_text(path.read_text() + "\n\n# --- mutant ---\n" + mistake.source())
    return folder


def submission_name(lesson: str, implementation: Mistake | Variant) -> str:
    """The student a catalogue entry is graded as: ``mutant-<lesson>-<function>`` for a mistake,
    ``variant-<lesson>-<function>`` for a correct variant."""
    kind = "variant" if isinstance(implementation, Variant) else "mutant"
    return f"{kind}-{lesson}-{implementation.function.__name__}"


def _write_all(entries: list[tuple[str, str, Mistake | Variant]], class_dir: Path) -> list[Mutant]:
    written = []
    for lesson, module, implementation in entries:
        student = submission_name(lesson, implementation)
        write_mutant(class_dir / student, lesson, module, implementation)
        written.append(Mutant(student, f"{lesson}.{implementation.entry}", implementation))
    return written


def write_mutants(course: Course, class_dir: Path) -> list[Mutant]:
    """One submission per catalogue mistake (``submission_name``): each must lose points."""
    return _write_all(catalogue_mistakes(course), class_dir)


def write_variants(course: Course, class_dir: Path) -> list[Mutant]:
    """One submission per catalogue variant (``submission_name``): each must get full marks on
    its exercise."""
    return _write_all(catalogue_variants(course), class_dir)
