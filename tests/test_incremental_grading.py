"""Reruns grade only what is missing or changed; an interrupted run loses nothing already graded."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from conftest import run_cli

from graders.course.model import ROOT

SAMPLE = ROOT / "samples" / "class"


def graded_count(process) -> int:
    return int(process.stdout.strip().splitlines()[-1].split()[1])


def test_a_rerun_keeps_unchanged_results_and_regrades_changed_ones(tmp_path):
    shutil.copytree(SAMPLE / "ada", tmp_path / "class" / "ada")
    shutil.copytree(SAMPLE / "eve", tmp_path / "class" / "eve")
    out = tmp_path / "out"
    assert (
        graded_count(run_cli("grade", str(tmp_path / "class"), "--out", str(out), "--quiet")) == 2
    )
    first = (out / "ada" / "result.json").read_text()

    rerun = run_cli("grade", str(tmp_path / "class"), "--out", str(out), "--quiet")
    assert graded_count(rerun) == 0 and "2 unchanged, kept" in rerun.stdout
    assert (out / "ada" / "result.json").read_text() == first

    losses = tmp_path / "class" / "ada" / "lesson1" / "losses.py"
    losses.write_text(
        losses.read_text().replace("torch.square(input - target)", "(input - target).abs()")
    )
    changed = run_cli("grade", str(tmp_path / "class"), "--out", str(out), "--quiet")
    assert graded_count(changed) == 1 and "1 unchanged, kept" in changed.stdout
    assert json.loads((out / "ada" / "result.json").read_text())["score"] < 29

    forced = run_cli("grade", str(tmp_path / "class"), "--out", str(out), "--quiet", "--force")
    assert graded_count(forced) == 2


def test_grading_other_lessons_or_devices_does_not_reuse_results(tmp_path):
    out = tmp_path / "out"
    run_cli("grade", str(SAMPLE / "ada"), "--out", str(out), "--quiet", "--device", "cpu")
    again = run_cli("grade", str(SAMPLE / "ada"), "--out", str(out), "--quiet", "--device", "cpu")
    assert graded_count(again) == 0
    fingerprint = json.loads((out / "ada" / "result.json").read_text())["fingerprint"]
    (out / "ada" / "result.json").write_text(
        (out / "ada" / "result.json").read_text().replace(fingerprint, "0" * 64)
    )
    assert (
        graded_count(
            run_cli("grade", str(SAMPLE / "ada"), "--out", str(out), "--quiet", "--device", "cpu")
        )
        == 1
    )


def test_an_interrupted_run_keeps_finished_results_and_a_rerun_finishes(tmp_path):
    for student in ("ada", "ben", "dee", "eve"):
        shutil.copytree(SAMPLE / student, tmp_path / "class" / student)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graders",
            "grade",
            str(tmp_path / "class"),
            "--out",
            str(out),
            "--jobs",
            "1",
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while (
        not list(out.glob("*/result.json"))
        and time.monotonic() < deadline
        and process.poll() is None
    ):
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the instructor's terminal
    _, stderr = process.communicate(timeout=120)
    finished = sorted(p.parent.name for p in out.glob("*/result.json"))
    assert finished, "nothing was graded before the interruption"
    assert not list(out.glob("*/.result-*")), "a half-written result was left behind"
    for path in out.glob("*/result.json"):
        json.loads(path.read_text())  # every result on disk is complete
    if process.returncode != 0:
        assert "interrupted" in stderr and "Traceback" not in stderr

    rerun = run_cli("grade", str(tmp_path / "class"), "--out", str(out), "--jobs", "1", "--quiet")
    assert graded_count(rerun) == 4 - len(finished)
    assert sorted(p.parent.name for p in out.glob("*/result.json")) == ["ada", "ben", "dee", "eve"]
