"""The class table: one CSV row per student, one column per exercise, then total and maximum."""

from __future__ import annotations

import csv
from pathlib import Path

from graders.course.model import Course, Lesson
from graders.grading.results import StudentResult


def write_class_csv(
    course: Course, lessons: list[Lesson], results: list[StudentResult], path: Path
) -> None:
    exercises = [e.id for lesson in lessons for e in lesson.exercises]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *exercises, "total", "max_score"])
        for result in sorted(results, key=lambda r: r.student):
            scores = {e.id: e.score for e in result.exercises}
            writer.writerow(
                [
                    result.student,
                    *(_number(scores[e]) if e in scores else "" for e in exercises),
                    _number(result.score),
                    _number(result.max_score),
                ]
            )


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")
