"""The engine names no lesson, exercise or lesson probe: what a lesson needs, its own files say.

Every engine module (graders/ outside the lesson folders) is read as code: an identifier, or a
string that is nothing but such a name, fails here.  Docstrings and help texts may use a
lesson as an example inside a sentence.
"""

import ast
import re

import pytest

from graders.course.model import ROOT, load_course
from graders.worker.probe import PROBES, load_all

COURSE = load_course()
LESSONS = {lesson.id for lesson in COURSE.lessons}
ENGINE = sorted(
    path
    for path in (ROOT / "graders").rglob("*.py")
    if path.relative_to(ROOT / "graders").parts[0] not in LESSONS
)


def course_names() -> set[str]:
    load_all()
    lesson_probes = {
        name for name, function in PROBES.items() if function.__module__.split(".")[1] in LESSONS
    }
    exercises = {e.entry for e in COURSE.exercises} | {e.id for e in COURSE.exercises}
    return LESSONS | exercises | {e.module_name for e in COURSE.exercises} | lesson_probes


def named_in(path, names: set[str]) -> list[str]:
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            name = node.name
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                name = node.value
        if name in names or (isinstance(name, str) and re.fullmatch(r"lesson\d+", name or "")):
            found.append(f"{path}:{node.lineno}: {name}")
    return found


def test_the_engine_names_no_lesson_exercise_or_lesson_probe():
    names = course_names()
    assert "lesson1" in names and len(names) > 20  # the check sees the course
    found = [hit for path in ENGINE for hit in named_in(path, names)]
    assert not found, "the engine must not know the course:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "code", ['if exercise.id == "lesson5.adam_step": pass', "describe_loss = 1"]
)
def test_a_named_lesson_is_found(tmp_path, code):
    module = tmp_path / "sneaky.py"
    module.write_text(code + "\n")
    assert named_in(module, course_names())
