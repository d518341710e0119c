"""What a student sees running ``pytest exercises/lessonN``: clear failures on stubs, passes on solutions, timeouts."""

import shutil

import pytest
from conftest import run_pytest

from graders.course.model import ROOT, load_course

LESSONS = [lesson.id for lesson in load_course().lessons]


@pytest.mark.parametrize("lesson", LESSONS)
def test_visible_tests_pass_on_the_solutions(lesson):
    process = run_pytest(f"solutions/{lesson}", "-q")
    assert process.returncode == 0, process.stdout[-3000:]


@pytest.mark.parametrize("lesson", LESSONS)
def test_visible_tests_fail_on_the_stubs_with_not_implemented_yet(lesson):
    process = run_pytest(f"exercises/{lesson}", "-q", "-rf")
    assert process.returncode == 1, process.stdout[-3000:]
    failed = [line for line in process.stdout.splitlines() if line.startswith("FAILED")]
    assert failed, process.stdout[-3000:]
    assert all("not implemented yet" in line for line in failed), "\n".join(failed[:5])
    assert "passed" not in process.stdout.splitlines()[-1]


def test_an_infinite_loop_ends_with_a_timeout_message(tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    losses = tmp_path / "exercises" / "lesson1" / "losses.py"
    losses.write_text(
        losses.read_text().replace(
            'raise NotImplementedError("mse is not implemented yet")',
            "while True:\n        pass",
            1,
        )
    )
    process = run_pytest(
        "lesson1",
        "-k",
        "test_mse_default_reduction_is_mean",
        "-o",
        "timeout=3",
        "-q",
        cwd=tmp_path / "exercises",
        timeout=120,
    )
    assert process.returncode == 1
    assert "took longer than the time limit" in process.stdout, process.stdout[-3000:]
    assert "lesson1/losses.py" in process.stdout and "in mse" in process.stdout


def test_a_wrong_answer_says_what_differs_and_by_how_much(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    losses = tmp_path / "solutions" / "lesson1" / "losses.py"
    losses.write_text(
        losses.read_text().replace("return squared_error.mean()", "return squared_error.sum()", 1)
    )
    process = run_pytest(
        "lesson1", "-k", "test_mse_default_reduction_is_mean", "-q", cwd=tmp_path / "solutions"
    )
    assert process.returncode == 1
    assert "mse() with no reduction: 1 of 1 elements differ beyond the tolerance" in process.stdout
    assert "greatest difference" in process.stdout


def test_every_catalogue_mistake_fails_a_visible_test(course):
    """Each catalogue mistake breaks a rule of its exercise; the visible tests must hold
    students to it too, so that nobody learns a rule the stub states only by losing points.
    The hidden graders differ from the visible tests in breadth and inputs, not in rules."""
    from graders.grading.mutants import catalogue_mistakes, submission_name
    from graders.pipeline.visible import caught_by_visible_tests

    entries = catalogue_mistakes(course)
    caught = caught_by_visible_tests(entries)
    missed = [
        f"{lesson}.{mistake.entry}: {mistake.name}"
        for lesson, _, mistake in entries
        if not caught[submission_name(lesson, mistake)]
    ]
    assert not missed, "no visible test fails on:\n  " + "\n  ".join(missed)
