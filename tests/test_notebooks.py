"""The nbgrader notebooks are generated from solutions/, course.toml and the outline: complete, valid
and deterministic."""

import ast
import json

import nbformat
import pytest
from conftest import run_cli

from graders.course.model import ROOT, load_course
from graders.course.notebook_code import extract, is_test_cell, marked_module
from graders.notebooks import source as notebooks
from graders.notebooks.source import notebook_files, notebook_path

COURSE = load_course()


def cells(lesson):
    return json.loads(notebook_path(COURSE, lesson).read_text())["cells"]


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.id)
def test_notebook_is_valid_nbformat_with_unique_cell_ids(lesson):
    notebook = nbformat.read(notebook_path(COURSE, lesson), as_version=4)
    nbformat.validate(notebook)
    ids = [cell.id for cell in notebook.cells]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.id)
def test_each_exercise_has_a_solution_cell_and_a_test_cell_worth_its_points(lesson):
    tests = {c["metadata"]["nbgrader"]["grade_id"]: c for c in cells(lesson) if is_test_cell(c)}
    assert sorted(tests) == sorted(f"test-{e.entry}" for e in lesson.exercises)
    for exercise in lesson.exercises:
        test = tests[f"test-{exercise.entry}"]
        assert test["metadata"]["nbgrader"]["points"] == exercise.points
        assert test["metadata"]["nbgrader"]["locked"] is True
        source = "".join(test["source"])
        hidden = source[
            source.index("### BEGIN HIDDEN TESTS") : source.index("### END HIDDEN TESTS")
        ]
        assert exercise.id in hidden and "import" not in hidden, (
            "the hidden part names the exercise, and runs nothing"
        )
        solution = next(
            c
            for c in cells(lesson)
            if c["metadata"].get("nbgrader", {}).get("grade_id") == f"code-{exercise.entry}"
        )
        assert (
            "### BEGIN SOLUTION" in "".join(solution["source"])
            and solution["metadata"]["nbgrader"]["solution"]
        )
    assert sum(c["metadata"]["nbgrader"]["points"] for c in tests.values()) == lesson.points


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.id)
def test_code_read_back_from_the_notebook_defines_every_entry_point(lesson):
    code = extract(json.loads(notebook_path(COURSE, lesson).read_text()), lesson.modules)
    assert sorted(code.modules) == sorted(lesson.modules)
    for exercise in lesson.exercises:
        tree = ast.parse(code.modules[exercise.module])
        assert exercise.entry in {
            n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
        }


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.id)
def test_markdown_teaches_from_the_docstrings_and_the_outline(lesson):
    markdown = "\n".join(
        "".join(c["source"]) for c in cells(lesson) if c["cell_type"] == "markdown"
    )
    for exercise in lesson.exercises:
        assert f"`{exercise.entry}` ({exercise.points:g} points)" in markdown
        assert exercise.summary in markdown
    outline = (ROOT / notebooks.OUTLINE).read_text()
    if f"## Lesson {lesson.id.removeprefix('lesson')}:" in outline:
        assert "## From the course outline" in markdown
    first_code = next(c for c in cells(lesson) if c["cell_type"] == "code")
    assert marked_module(first_code) is not None, (
        "code above the first module cell would not be graded"
    )


def test_outline_section_is_split_at_subsections_with_math_for_notebooks():
    outline = (
        "# Course\n\n## Lesson 1: A\n\nIntro \\(x\\).\n\n### One\n\\[ y = 1 \\]\n```\n## not a "
        "heading\n```\n### Two\nb\n\n## Lesson 2: B\nc\n"
    )
    lesson = COURSE.lessons[0]
    texts = notebooks.outline_cells(outline, lesson)
    assert texts == [
        "## From the course outline\n\nIntro $x$.",
        "### One\n$$y = 1$$\n```\n## not a heading\n```",
        "### Two\nb",
    ]


def test_generation_is_deterministic():
    assert notebook_files(COURSE) == notebook_files(load_course())


def test_check_catches_a_stale_notebook_and_build_rewrites_it(course_copy):
    path = course_copy / "nbgrader" / "source" / "lesson1" / "lesson1.ipynb"
    path.write_text(path.read_text().replace("Exercise 1", "Exercise one"))
    process = run_cli("build", "--check", "--course", str(course_copy / "course.toml"), check=False)
    assert process.returncode == 1
    assert (
        "stale: nbgrader/source/lesson1/lesson1.ipynb differs from what solutions/lesson1/"
        in process.stdout
    )
    run_cli("build", "--course", str(course_copy / "course.toml"))
    run_cli("build", "--check", "--course", str(course_copy / "course.toml"))


def test_build_keeps_the_instructors_gradebook_and_submissions(course_copy):
    mine = [
        course_copy / "nbgrader" / "gradebook.db",
        course_copy / "nbgrader" / "submitted" / "ada" / "lesson1" / "lesson1.ipynb",
    ]
    for path in mine:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("the instructor's")
    run_cli("build", "--course", str(course_copy / "course.toml"))
    run_cli("build", "--check", "--course", str(course_copy / "course.toml"))
    assert all(path.read_text() == "the instructor's" for path in mine)


def test_a_solution_changed_without_build_makes_the_notebook_stale(course_copy):
    path = course_copy / "solutions" / "lesson1" / "losses.py"
    path.write_text(
        path.read_text().replace(
            "squared_error = (input - target) ** 2", "squared_error = (target - input) ** 2"
        )
    )
    process = run_cli("build", "--check", "--course", str(course_copy / "course.toml"), check=False)
    assert "stale: nbgrader/source/lesson1/lesson1.ipynb differs" in process.stdout


SIBLINGS_COURSE = """
[course]
title = "t"
[tolerances.float32]
cpu = { rtol = 1e-5, atol = 1e-6 }
cuda = { rtol = 1e-5, atol = 1e-6 }
[tolerances.float64]
cpu = { rtol = 1e-9, atol = 1e-10 }
cuda = { rtol = 1e-9, atol = 1e-10 }
[[lesson]]
id = "lesson7"
title = "Two modules"
[[lesson.exercise]]
entry = "train"
module = "loop"
points = 2
summary = "uses step from the other module"
[[lesson.exercise]]
entry = "step"
module = "update"
points = 1
summary = "one step"
"""


def test_a_module_importing_a_sibling_comes_after_it_and_imports_it_again_when_graded(tmp_path):
    (tmp_path / "course.toml").write_text(SIBLINGS_COURSE)
    lesson_dir = tmp_path / "solutions" / "lesson7"
    lesson_dir.mkdir(parents=True)
    (lesson_dir / "loop.py").write_text(
        '"""Loop."""\n\nfrom .update import (\n    step,\n)\n\n\ndef train(x):\n    """Train.\n\n    More.\n    """\n'
        "    ### BEGIN SOLUTION\n    return step(x)\n    ### END SOLUTION\n"
    )
    (lesson_dir / "update.py").write_text(
        '"""Update."""\n\n\ndef step(x):\n    ### BEGIN SOLUTION\n    return x - 1\n    ### END SOLUTION\n'
    )
    course = load_course(tmp_path / "course.toml")
    lesson = course.lessons[0]
    notebook = notebooks.lesson_notebook(course, lesson, outline="")
    modules = [marked_module(c) for c in notebook["cells"] if marked_module(c)]
    assert modules == ["update", "loop", "loop"], (
        "update is defined before the module that imports it"
    )
    imports = next(c for c in notebook["cells"] if c["id"] == "loop-imports")
    assert (
        "".join(imports["source"]) == "# from .update import step  (defined above in this notebook)"
    )
    code = extract(json.loads(notebooks.dumps(notebook)), lesson.modules)
    assert "\nfrom .update import step\n" in code.modules["loop"]
    assert '    """Train."""\n' in code.modules["loop"], (
        "the code cell keeps the docstring's first line"
    )
