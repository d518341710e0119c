"""The notebooks' self-checks (graders/notebooks/self_check.py), run on each lesson's notebook
code as a kernel would hold it: silent on the reference, "not implemented yet" on the stubs,
and every exercise checked by at least one of its visible tests.  The real-kernel runs are in
tests/test_nbgrader_course.py."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import shutil

import pytest

from graders.course.model import load_course
from graders.course.notebook_code import cell_source, is_test_cell
from graders.notebooks.source import exercise_of_test_cell, notebook_path
from graders.packaging.build import strip_solutions

COURSE = load_course()


def run_all(lesson, stubs: bool, tmp_path) -> dict[str, tuple[str, str]]:
    """ "Run all" of the lesson's notebook, as a kernel would (the stubs: as released, each
    solution region replaced): exercise id -> what its autograder cell's self-check printed to
    stdout and to stderr, with only the cells above it run."""
    notebook = json.loads(notebook_path(COURSE, lesson).read_text())
    folder = shutil.copytree(notebook_path(COURSE, lesson).parent, tmp_path / lesson.id)
    spec = importlib.util.spec_from_file_location(
        f"self_check_{lesson.id}", folder / "self_check.py"
    )
    self_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(self_check)
    by_entry = {exercise.entry: exercise for exercise in lesson.exercises}
    namespace, printed = {"__name__": "__main__"}, {}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell_source(cell)
        if not is_test_cell(cell):
            exec(strip_solutions(source, "cell") if stubs else source, namespace)
            continue
        exercise = by_entry[exercise_of_test_cell(cell["metadata"]["nbgrader"]["grade_id"])]
        assert f'check("{lesson.id}.{exercise.module}.{exercise.entry}")' in source
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            self_check.check(f"{lesson.id}.{exercise.module}.{exercise.entry}", namespace)
        printed[exercise.id] = (out.getvalue(), err.getvalue())
    assert sorted(printed) == sorted(exercise.id for exercise in lesson.exercises)
    return printed


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.id)
def test_every_self_check_is_silent_on_the_reference_and_runs_a_visible_test(lesson, tmp_path):
    printed = run_all(lesson, False, tmp_path)
    assert {exercise: text for exercise, text in printed.items() if text != ("", "")} == {}


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.id)
def test_every_self_check_says_not_implemented_on_the_stubs(lesson, tmp_path):
    printed = run_all(lesson, True, tmp_path)
    for exercise in lesson.exercises:
        out, err = printed[exercise.id]
        assert out == "", exercise.id
        assert err.startswith(f"{exercise.entry}: ") and "not implemented yet" in err, (
            exercise.id,
            err,
        )


def test_a_check_that_loops_forever_costs_one_time_limit_and_says_so(tmp_path):
    lesson = COURSE.lessons[0]
    exercise = lesson.exercises[0]
    folder = shutil.copytree(notebook_path(COURSE, lesson).parent, tmp_path / lesson.id)
    ini = folder / "pytest.ini"
    ini.write_text(re.sub(r"(?m)^timeout = \d+", "timeout = 2", ini.read_text()))
    spec = importlib.util.spec_from_file_location("self_check_loops", folder / "self_check.py")
    self_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(self_check)
    namespace = {"__name__": "__main__"}
    exec(f"def {exercise.entry}(*args, **kwargs):\n    while True:\n        pass\n", namespace)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        self_check.check(f"{lesson.id}.{exercise.module}.{exercise.entry}", namespace)
    assert f"{exercise.entry}: 1 of " in err.getvalue()
    assert "took longer than the time limit" in err.getvalue()
    assert "The tests after it were not run." in " ".join(err.getvalue().split())
