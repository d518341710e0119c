"""Fingerprints that decide whether a stored result is still valid.

A result is reused only when nothing that could change it has changed: the submission's
graded files, the harness (course.toml, every grader and worker module, every solution),
the lessons graded and the devices used.  ``result.json`` records the fingerprint it was
graded under; a rerun regrades exactly the students whose fingerprint differs.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from graders.course.model import Course, Lesson

_HARNESS_PATTERNS = ("graders/**/*.py", "graders/pytest.ini", "solutions/**/*.py")


def harness(course: Course) -> str:
    """Changes whenever any file that grading depends on changes (course.toml, graders, solutions)."""
    return _harness(course.root, course.file or course.root / "course.toml")


@functools.cache
def _harness(root: Path, course_file: Path) -> str:
    digest = hashlib.sha256(course_file.read_bytes() + b"\0")
    files = sorted(
        {
            p
            for pattern in _HARNESS_PATTERNS
            for p in root.glob(pattern)
            if "__pycache__" not in p.parts
        }
    )
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def of_grading(
    course: Course, submission_fingerprint: str, lessons: list[Lesson], devices: list[str]
) -> str:
    """The fingerprint a student's result is stored under."""
    digest = hashlib.sha256()
    for part in (
        harness(course),
        submission_fingerprint,
        ",".join(lesson.id for lesson in lessons),
        ",".join(devices),
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()
