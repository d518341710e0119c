"""Shared fixtures.  ``graded_class`` grades, in one run, a class that holds every kind of
submission the tests inspect: the reference solutions, the generated stubs, one mutant per
catalogue mistake, correct variants and bad inputs; so one student's breakage visibly
costs nobody else anything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from classbuilder import (
    EXERCISES,
    SOLUTIONS,
    Mutant,
    copy_submission,
    write_missing_file,
    write_mutants,
    write_test_submissions,
    write_variants,
)

from graders.course.model import ROOT, Course, load_course
from graders.grading.results import StudentResult


@dataclass
class GradedClass:
    folder: Path
    out: Path
    results: dict[str, StudentResult]
    mutants: list[Mutant]
    test_submissions: list[str]
    variants: list[Mutant]  # the catalogues' correct variants (graders/grading/mistakes.py)

    def exercise(self, student: str, exercise_id: str):
        result = self.results[student].exercise(exercise_id)
        assert result is not None, f"{student} has no result for {exercise_id}"
        return result


@pytest.fixture(scope="session")
def workers():
    """``workers(kind)``: a warm worker of that kind (tests/sandboxed.py), shared by the whole session."""
    from sandboxed import Workers

    started = Workers()
    yield started
    started.close()


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course()


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, course) -> GradedClass:
    from graders.grading import results as results_io

    folder = tmp_path_factory.mktemp("class")
    copy_submission(SOLUTIONS, folder / "reference")
    copy_submission(EXERCISES, folder / "stubs")
    mutants = write_mutants(course, folder)
    variants = write_variants(course, folder)
    names = write_test_submissions(folder)
    names.append(write_missing_file(folder, "lesson1", "losses"))
    out = tmp_path_factory.mktemp("graded")
    run_cli("grade", str(folder), "--out", str(out), "--jobs", "2")
    results = {path.parent.name: results_io.read(path) for path in out.glob("*/result.json")}
    return GradedClass(folder, out, results, mutants, names, variants)


COURSE_FILES = (
    "course.toml",
    "solutions",
    "exercises",
    "graders",
    "docs",
    "nbgrader/source",
    "nbgrader/nbgrader_config.py",
)


def copy_course(destination: Path) -> Path:
    """A copy of the course (everything ``build`` and ``grade`` read) at ``destination``."""
    for name in COURSE_FILES:
        source, target = ROOT / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    return destination


@pytest.fixture
def course_copy(tmp_path) -> Path:
    return copy_course(tmp_path)


def run_cli(*args: str, check: bool = True, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m graders ARGS`` in a fresh process, as an instructor runs it."""
    process = subprocess.run(
        [sys.executable, "-m", "graders", *args], cwd=cwd, capture_output=True, text=True
    )
    if check and process.returncode != 0:
        raise AssertionError(
            f"graders {' '.join(args)} exited {process.returncode}:\n{process.stdout}\n{process.stderr}"
        )
    return process


def run_pytest(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    """A student's ``pytest ARGS`` in a fresh process."""
    env = {**os.environ, "COLUMNS": "400"}  # summary lines are not cut at 80 columns
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite golden files (samples/expected_scores.json) from this run instead of comparing",
    )


@pytest.fixture
def update_goldens(request) -> bool:
    return request.config.getoption("--update-goldens")
