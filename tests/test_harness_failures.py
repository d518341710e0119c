"""When the harness itself fails, grading stops loudly: nobody gets a grade that is really a harness error."""

import pytest

from graders.course.model import ROOT
from graders.host import sandbox


def test_a_sandbox_that_cannot_start_stops_grading_and_writes_no_grades(
    pytester, monkeypatch, tmp_path
):
    broken = tmp_path / "worker"
    broken.mkdir()  # no zygote module in it: the worker cannot start
    monkeypatch.setattr(sandbox, "WORKER_SOURCE", broken)
    sandbox._worker_copy.cache_clear()
    try:
        result = pytester.runpytest_inprocess(
            str(ROOT / "graders" / "lesson1" / "test_losses.py"),
            "-p",
            "graders.grading.plugin",
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "graders" / "pytest.ini"),
            "--submission",
            str(ROOT / "solutions"),
            "--results-dir",
            str(tmp_path / "out"),
            "--sandbox",
            "none",
        )
    finally:
        sandbox._worker_copy.cache_clear()
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    result.stdout.fnmatch_lines(["*cannot grade: the sandbox worker did not start*"])
    assert not list((tmp_path / "out").glob("*/result.json"))
